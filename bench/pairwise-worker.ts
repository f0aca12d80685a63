// A worker thread of the pairwise bench: runs each simulated round it is sent and posts back its checkpoints.
import { parentPort } from 'node:worker_threads';
import { simulate, type SimulationTask } from './pairwise.ts';

parentPort!.on('message', (task: SimulationTask) => {
  parentPort!.postMessage(simulate(task.variant, task.seed, task.budget, task.checkpoints, task.stopBelow));
});
