// A worker thread of readColumns (columns.ts): scans the lists it is given from the shared bytes of a round file
// and hands back their columns and interners, moved rather than copied.
import { parentPort, workerData } from 'node:worker_threads';
import { scanLists, type ListName } from './scan.ts';

const { bytes, lists, table } = workerData as { bytes: Uint8Array; lists: ListName[]; table: Int32Array };
const scan = scanLists(bytes, lists, table);
const buffers = scan
  ? [...Object.values(scan.lists).flat(), ...scan.pieces.flatMap((p) => p.columns), ...Object.values(scan.spaces).flatMap((s) => [s.slots, s.starts, s.lengths, s.dense])].map((a) => a.buffer)
  : [];
parentPort!.postMessage(scan, buffers as ArrayBuffer[]);
