import { open } from 'node:fs/promises';
import { Worker } from 'node:worker_threads';
import type { IndexedRound } from '../core/indexed.ts';
import { ColumnReader, decline, DECLINE, FIELDS, Interner, noPieces, pieceCount, pieceTable, scanLists, SHARED_LIST, type Columns, type ListName, type Scan, type Space } from './scan.ts';
import { checkRoundFile, indexRoundFileBytes, quickMemberOf, quickWallet } from './schema.ts';

/**
 * A round file's bytes straight to the indexed round, for replays of rounds with a million comments, reactions and
 * votes. JSON.parse would build an object per item and the checks would look every id up in a Map: seconds, most of
 * them garbage collection. Here the long lists are read byte by byte into columns (scan.ts), and the members straight
 * into members through the schema's quick checks; the short parts (round, proposals, questions, and members the
 * reader does not vouch for) go through JSON.parse and the schema. On a large file a worker thread reads the ratings,
 * comments and reactions while this thread reads the rest and checks the short parts, and then both take pieces of
 * the votes until none is left: a file read on two cores, each thread reading only its own parts.
 *
 * It vouches only for what it fully understands: anything unusual in a long list (an escape, a number written
 * `5.0`, an unknown or missing key, an id that names nothing, a repeat) and it returns undefined, and the caller
 * validates the file the ordinary way, which names every problem. A property test pins that the two always agree.
 */
export async function readColumns(
  bytes: Uint8Array,
  // worker false: the second scan runs in this thread, after the first (tests pin the split without starting threads)
  { parallel = bytes.byteLength >= PARALLEL_FROM, worker: inWorker = true } = {},
): Promise<IndexedRound | undefined> {
  // in the order they stand in files govbot writes, so that the worker searches each key from where the last list ended
  const theirs: ListName[] = parallel ? ['ratings', 'comments', 'reactions'] : [];
  const ours = (Object.keys(FIELDS) as ListName[]).filter((l) => !theirs.includes(l) && !(parallel && l === SHARED_LIST));
  const shared = parallel ? inSharedMemory(bytes) : bytes;
  const table = parallel ? pieceTable() : undefined;
  const worker = parallel && inWorker ? scanInWorker(shared, theirs, table!) : undefined;
  try {
    const reader = new ColumnReader(shared);
    const walk = reader.scan(ours, table, { member: quickMemberOf, wallet: quickWallet });
    // a file without the list: the worker does not wait for pieces
    if (table) noPieces(table);
    // the short parts are parsed and checked while the worker is still reading
    const checked = checkRoundFile({ ...parsedOrDecline(`{${walk.rest.join(',')}}`), ...Object.fromEntries(Object.keys(FIELDS).map((l) => [l, []])) }, walk.known);
    // the columns hold one option per vote: the ballots of approval and ranked polls are read the ordinary way
    if (!checked || checked.data.questions.some((q) => (q.type ?? 'single') !== 'single')) return undefined;
    // in this thread, the second scan takes the pieces this one leaves: half of them
    if (table) reader.takePieces(table, inWorker ? Infinity : Math.ceil(pieceCount(table) / 2));
    const own = reader.finish(walk);
    const other = !parallel ? undefined : worker ? await worker.scan : scanLists(shared, theirs, table);
    // the worker found each of its lists by its key: where this thread's walk of the whole file found it
    if (parallel && (!other || theirs.some((l) => String(own.spans[l]) !== String(other.spans[l])))) return undefined;
    return resolve(shared, other ? [own, other] : [own], checked);
  } catch (e) {
    if (e === DECLINE) return undefined;
    throw e;
  } finally {
    if (table) noPieces(table);
    await worker?.stop();
  }
}

/**
 * A round file to the indexed round: through the columns when they vouch for it, validated in full otherwise (bytes
 * that are not UTF-8 among them: the columns check each part they decode, and the validation names where it is).
 */
export const indexRoundFile = async (bytes: Uint8Array): Promise<IndexedRound> => (await readColumns(bytes)) ?? indexRoundFileBytes(bytes);

/** Below this a worker costs more to start than it saves. */
const PARALLEL_FROM = 8 << 20;

/** Bytes the worker can read too; bytes read by readRoundFileBytes already are, and a copy would cost 0.5 s. */
function inSharedMemory(bytes: Uint8Array): Uint8Array {
  if (bytes.buffer instanceof SharedArrayBuffer) return bytes;
  const shared = new Uint8Array(new SharedArrayBuffer(bytes.byteLength));
  shared.set(bytes);
  return shared;
}

/**
 * A round file's bytes, read straight into memory that a worker thread can share: copying 110 MiB into shared memory
 * after reading it maps as many fresh pages again, which on the bench machine costs half a second.
 */
export async function readRoundFileBytes(path: string): Promise<Buffer> {
  const file = await open(path, 'r');
  try {
    const { size } = await file.stat();
    const bytes = Buffer.from(new SharedArrayBuffer(size));
    let at = 0;
    while (at < size) {
      const { bytesRead } = await file.read(bytes, at, size - at, at);
      if (bytesRead === 0) break;
      at += bytesRead;
    }
    // a file that shrank meanwhile is what was read of it
    return at === size ? bytes : bytes.subarray(0, at);
  } finally {
    await file.close();
  }
}

/** The scan of some lists in a worker thread, which runs the compiled JS or, from the sources, TypeScript via tsx. */
function scanInWorker(bytes: Uint8Array, lists: ListName[], table: Int32Array) {
  const fromSources = import.meta.url.endsWith('.ts');
  const script = new URL(fromSources ? './scan-worker.ts' : './scan-worker.js', import.meta.url);
  // From the sources, the worker registers tsx before it loads its TypeScript, as bin/govbot.js does.
  const registerTsx = () => `import(${JSON.stringify(import.meta.resolve('tsx/esm/api'))}).then((tsx) => tsx.register())`;
  const worker = fromSources
    ? new Worker(`${registerTsx()}.then(() => import(${JSON.stringify(script.href)}))`, { eval: true, workerData: { bytes, lists, table } })
    : new Worker(script, { workerData: { bytes, lists, table } });
  const scan = new Promise<Scan | undefined>((resolve, reject) => {
    worker.once('message', resolve);
    worker.once('error', reject);
    // after a message this settles nothing; without one, the caller is not left waiting
    worker.once('exit', (code) => reject(new Error(`the round-file worker stopped with code ${code} before it answered`)));
  });
  // when this thread declines first, nobody awaits the scan, and stopping the worker must not be an unhandled error
  scan.catch(() => undefined);
  return { scan, stop: () => worker.terminate() };
}

/** One column of the pieces of a list, in order; a list read whole is its own column, not copied. */
function joined(parts: Columns[number][], type: Int32ArrayConstructor | Float64ArrayConstructor): Columns[number] {
  if (parts.length === 1) return parts[0]!;
  const all = new type(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const part of parts) {
    all.set(part, at);
    at += part.length;
  }
  return all;
}

function parsedOrDecline(text: string): Record<string, unknown> {
  try {
    return JSON.parse(text) as Record<string, unknown>;
  } catch {
    return decline();
  }
}

/**
 * The scans' columns with every interned id resolved to its position in the checked short parts; declines on any id
 * that names nothing.
 */
function resolve(bytes: Uint8Array, scans: Scan[], { data, index }: NonNullable<ReturnType<typeof checkRoundFile>>): IndexedRound {
  // the scan keeps no event's time, which a reputation snapshot needs: the ordinary path reads those files
  if (data.round.reputationSnapshotAt !== undefined) decline();
  const positions: Record<Space, readonly { id: string }[]> = { members: data.members, proposals: data.proposals, questions: data.questions, comments: [] };
  const scanOf = (list: ListName) => scans.find((s) => s.lists[list])!;
  const resolved = new Map<string, Int32Array>();
  /** Entry → position, for the ids one scan interned in one space; an id named but defined nowhere declines. */
  const positionsIn = (scan: Scan, space: Space): Int32Array => {
    const key = `${scans.indexOf(scan)} ${space}`;
    if (resolved.has(key)) return resolved.get(key)!;
    const interner = Interner.from(bytes, scan.spaces[space]);
    const at = new Int32Array(interner.count).fill(-1);
    positions[space].forEach((item, i) => {
      const entry = interner.find(item.id);
      if (entry >= 0) at[entry] = i;
    });
    if (at.includes(-1)) decline();
    resolved.set(key, at);
    return at;
  };
  // Entries become positions in the column itself: a copy would map fresh pages, which on the bench machine cost more
  // than the loop. A plain loop: Int32Array.from with a mapping function is several times slower.
  const mapped = (column: Columns[number], to: Int32Array) => {
    const ints = column as Int32Array;
    for (let i = 0; i < ints.length; i++) ints[i] = to[ints[i]!]!;
    return ints;
  };

  const r = scanOf('ratings');
  const [rProposal, rRater, rStars] = r.lists.ratings!;
  // no rating and no reaction is repeated: the scan that read them said so (refuseRepeats)
  const ratings = { proposal: mapped(rProposal!, positionsIn(r, 'proposals')), rater: mapped(rRater!, positionsIn(r, 'members')), stars: new Uint8Array(rStars!) };

  // Comments and reactions are always read by one scan: the comment ids are its own.
  const c = scanOf('comments');
  const [cId, cAuthor] = c.lists.comments!;
  const commentOf = new Int32Array(c.spaces.comments.count).fill(-1);
  const commentIds = cId as Int32Array;
  for (let i = 0; i < commentIds.length; i++) {
    if (commentOf[commentIds[i]!]! >= 0) decline();
    commentOf[commentIds[i]!] = i;
  }
  if (commentOf.includes(-1)) decline();
  const membersOfC = positionsIn(c, 'members');
  positionsIn(c, 'proposals');
  const [eComment, eReactor, eKind] = c.lists.reactions!;
  const reactions = { comment: mapped(eComment!, commentOf), reactor: mapped(eReactor!, membersOfC), kind: new Uint8Array(eKind!) };

  // the votes as one list read whole, or as the pieces both scans took, put back in order
  const whole = scans.find((s) => s.lists.votes);
  const pieces = whole ? [{ index: 0, columns: whole.lists.votes!, scan: whole }] : scans.flatMap((scan) => scan.pieces.map((p) => ({ ...p, scan }))).sort((a, b) => a.index - b.index);
  const [vQuestion, vMember, vOption, vAt, vNanos] = [0, 1, 2, 3, 4].map((k) =>
    joined(pieces.map((p) => (k === 0 ? mapped(p.columns[k]!, positionsIn(p.scan, 'questions')) : k === 1 ? mapped(p.columns[k]!, positionsIn(p.scan, 'members')) : p.columns[k]!)), k === 3 ? Float64Array : Int32Array),
  );
  const votes = { question: vQuestion as Int32Array, member: vMember as Int32Array, option: vOption as Int32Array, at: vAt as Float64Array, nanos: vNanos as Int32Array };
  const optionCounts = data.questions.map((q) => q.options.length);
  for (let i = 0; i < votes.option.length; i++) if (votes.option[i]! >= optionCounts[votes.question[i]!]!) decline();

  return { ...index, ratings, comments: { author: mapped(cAuthor!, membersOfC) }, reactions, votes };
}
