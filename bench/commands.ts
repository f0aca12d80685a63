// The command path on the bench round imported into a database: what a member waits for, and how long the event
// loop is held. `npm run bench -- commands`; BENCH_MEMBERS scales the round down while developing.
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { KyselyPlugin, PluginTransformQueryArgs, PluginTransformResultArgs, QueryResult, RootOperationNode, UnknownRow } from 'kysely';
import { monitorEventLoopDelay, PerformanceObserver, type IntervalHistogram, type PerformanceEntry } from 'node:perf_hooks';
import { setImmediate as turn } from 'node:timers/promises';
import { commands } from '../commands/index.ts';
import type { CommandContext } from '../src/commands/context.ts';
import { resolve } from '../src/commands/framework.ts';
import { warmUp } from '../src/commands/warm.ts';
import { migrateToLatest, openDatabase } from '../src/db/database.ts';
import { ensureCommunity, ensureMember, importRound } from '../src/db/repositories.ts';
import { roundTallies } from '../src/db/standings.ts';
import { VoteWriter } from '../src/db/votes.ts';
import { parseRoundFileText } from '../src/roundfile/schema.ts';
import { FULL, writeBenchRound, type BenchSize } from './generate.ts';

export function benchSize(): BenchSize {
  const members = Number(process.env.BENCH_MEMBERS ?? FULL.members);
  const scale = members / FULL.members;
  return Object.fromEntries(Object.entries(FULL).map(([k, v]) => [k, k === 'questions' ? v : Math.max(1, Math.round(v * scale))])) as unknown as BenchSize;
}

/**
 * The longest stretches the event loop was held, and by which command. A 1 ms interval notes how late it runs: a late
 * tick means the loop was busy the whole time in between. monitorEventLoopDelay measures the same from C++, but only
 * from its second tick on, so both are reported. Each stretch says how much of it was garbage collection, and how much
 * CPU the process (all its threads) had in it: on a machine loaded by other work a stretch with little CPU is the
 * thread waiting for a core, not code holding it.
 */
export class LoopWatch {
  /** The command started last: the tick that notices a stretch comes after the command that held the loop ended. */
  label = 'none yet';
  readonly blocks: Block[] = [];
  /** Garbage collections that paused the thread longer than a block: part of the blocks, or all of one. */
  readonly collections: number[] = [];
  /** Every collection's start and end, to tell how much of a block they were. */
  private readonly paused: { start: number; end: number }[] = [];
  private readonly gc = new PerformanceObserver((list) => {
    for (const e of list.getEntries() as PerformanceEntry[]) {
      if (e.duration > BLOCK_MS) this.collections.push(e.duration);
      if (e.duration > 1) this.paused.push({ start: e.startTime, end: e.startTime + e.duration });
    }
  });
  private last = performance.now();
  private cpu = process.cpuUsage();
  private readonly timer = setInterval(() => {
    const now = performance.now();
    const cpu = process.cpuUsage();
    const held = now - this.last - 1;
    if (held > BLOCK_MS) this.blocks.push({ ms: held, label: this.label, from: this.last, to: now, cpuMs: (cpu.user - this.cpu.user + cpu.system - this.cpu.system) / 1000, gcMs: 0 });
    this.last = now;
    this.cpu = cpu;
  }, 1);
  constructor() {
    this.gc.observe({ entryTypes: ['gc'] });
  }
  stop() {
    clearInterval(this.timer);
    // the observer is told of a collection after it: the last ones are read before it stops
    for (const e of this.gc.takeRecords() as PerformanceEntry[]) if (e.duration > 1) this.paused.push({ start: e.startTime, end: e.startTime + e.duration });
    this.gc.disconnect();
    for (const b of this.blocks) b.gcMs = this.gcWithin(b.from, b.to);
  }
  /** How long this thread's garbage collections paused it between two instants (complete once stopped). */
  gcWithin(from: number, to: number): number {
    return this.paused.reduce((ms, p) => ms + Math.max(0, Math.min(p.end, to) - Math.max(p.start, from)), 0);
  }
}

/** The time a database's queries take from the bot's side, added up (overlapping queries each count whole). */
class QueryClock implements KyselyPlugin {
  ms = 0;
  private readonly started = new Map<unknown, number>();
  transformQuery({ node, queryId }: PluginTransformQueryArgs): RootOperationNode {
    this.started.set(queryId, performance.now());
    return node;
  }
  async transformResult({ result, queryId }: PluginTransformResultArgs): Promise<QueryResult<UnknownRow>> {
    this.ms += performance.now() - (this.started.get(queryId) ?? performance.now());
    this.started.delete(queryId);
    return result;
  }
}

/** One command run: its time, and of it the loop's active time (its own work, collections) and its queries' time. */
interface Span {
  name: string;
  ms: number;
  from: number;
  to: number;
  activeMs: number;
  queryMs: number;
}

/** The slowest of some runs, and what it was made of: the loop active (and collecting), the queries, the rest waited on the threads. */
function slowest(spans: Span[], watch: LoopWatch) {
  const s = spans.reduce((a, b) => (b.ms > a.ms ? b : a));
  return { ms: s.ms, activeMs: s.activeMs, gcMs: watch.gcWithin(s.from, s.to), queryMs: s.queryMs };
}
export type Slowest = ReturnType<typeof slowest>;
interface Block {
  ms: number;
  label: string;
  from: number;
  to: number;
  /** CPU time of the process during the block, all threads. */
  cpuMs: number;
  /** Garbage collection of this thread during the block. */
  gcMs: number;
}
/** A stretch longer than this is a block the bot must not have (issue 13). */
const BLOCK_MS = 50;

/** What the loop went through while both watched it; stops both. */
export function loopFigures(loop: IntervalHistogram, watch: LoopWatch) {
  const { blocks, collections } = watch;
  watch.stop();
  loop.disable();
  return {
    p50: loop.percentile(50) / 1e6,
    p99: loop.percentile(99) / 1e6,
    max: loop.max / 1e6,
    blocks: blocks.length,
    longest: blocks.sort((a, b) => b.ms - a.ms).slice(0, 5).map(({ ms, label, cpuMs, gcMs }) => ({ ms, label, cpuMs, gcMs })),
    collections: { count: collections.length, longest: Math.max(0, ...collections) },
  };
}
export type LoopFigures = ReturnType<typeof loopFigures>;

export const p = (xs: number[], q: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.ceil((q / 100) * xs.length) - 1)]!;

/** Reads of each command just after a comment, besides the one after the votes: enough for a p99 that is not the max of 6. */
const AFTER_WRITES = 20;

export async function commandFigures(out: string, url?: string) {
  const size = benchSize();
  const file = join(out, `bench-round-${size.members}.json`);
  await writeBenchRound(file, size);
  const path = join(out, 'commands.sqlite');
  for (const suffix of ['', '-wal', '-shm']) rmSync(path + suffix, { force: true });
  const db = await openDatabase(url ?? `file:${path}`);
  await migrateToLatest(db);
  const community = await ensureCommunity(db, { platform: 'console', chatId: 'bench', name: 'bench' });
  let started = performance.now();
  const round = await importRound(db, community.id, parseRoundFileText(readFileSync(file, 'utf8')));
  const importSeconds = (performance.now() - started) / 1000;
  await db.updateTable('rounds').set({ phase: 'voting' }).where('id', '=', round.id).execute();
  await db.updateTable('questions').set({ status: 'open' }).where('round_id', '=', round.id).execute();
  // the import's garbage (the parsed round file, hundreds of MiB) collected now, not in a command's time: a bot has
  // none of it (govbot import runs in a process of its own); npm run bench runs node with --expose-gc
  globalThis.gc?.();
  // what a bot does while it starts, before it takes commands (src/app.ts)
  await warmUp(commands);

  // the time the commands' own queries take (on the bot's connections; the standings thread has its own), to tell
  // what a slow read waited for: its queries, the thread, or the loop (its own work, garbage collection, a core)
  const queries = new QueryClock();
  const bench = db.withPlugin(queries);
  const votes = new VoteWriter(bench);
  let tick = Date.parse('2025-01-01T00:00:00Z');
  const as = (handle: string, isModerator = false): CommandContext => {
    const actor = { platform: 'console', userId: handle, handle, isModerator };
    return {
      db: bench, votes, now: () => new Date(tick++), exportDir: out, community, actor,
      member: () => ensureMember(bench, community.id, actor, { adoptHandle: true }),
      announce: async () => {}, chatProblems: async () => [],
    };
  };
  let watch: LoopWatch | undefined;
  // Each command starts in a task of its own, as one arriving from the network does; otherwise the whole phase would
  // be one chain of microtasks (SQLite answers synchronously) that no timer can interrupt, hence measure.
  /** Each read's span, with the loop's use and the commands' query time in it, to say what the slowest waited for. */
  const spans: Span[] = [];
  const run = async (ctx: CommandContext, name: string, options: Record<string, unknown>, subcommand?: string) => {
    await turn();
    if (watch) watch.label = `/${name}`;
    const loopBefore = performance.eventLoopUtilization();
    const queriedBefore = queries.ms;
    const t = performance.now();
    const { action, options: parsed } = resolve(commands, { name, subcommand, options }, ctx.actor.isModerator);
    await action.run(ctx, parsed as never);
    const ms = performance.now() - t;
    spans.push({ name, ms, from: t, to: t + ms, activeMs: performance.eventLoopUtilization(loopBefore).active, queryMs: queries.ms - queriedBefore });
    await turn();
    return ms;
  };
  const moderator = as('member1', true);
  const member = (i: number) => as(`member${(i * 7919) % size.members}`);

  const loop = monitorEventLoopDelay({ resolution: 1 });
  loop.enable();
  watch = new LoopWatch();
  // the histogram counts from its second tick: let the first one pass
  await new Promise((resolve) => setTimeout(resolve, 5));
  started = performance.now();
  const first = await run(moderator, 'tally', {});
  // warm: nothing written since the last read; cold: the first read just after a write
  const reads = { reputation: [] as number[], leaderboard: [] as number[], tally: [] as number[], rewards: [] as number[] };
  const cold = { reputation: [] as number[], leaderboard: [] as number[], tally: [] as number[], rewards: [] as number[] };
  const read = (name: keyof typeof reads, i: number) =>
    name === 'rewards' ? run(moderator, 'rewards', {}, 'preview') : run(name === 'tally' ? moderator : member(i), name, {});
  const vote: number[] = [];
  const votesFrom = spans.length;
  for (let i = 0; i < 300; i++) vote.push(await run(member(i), 'vote', { poll: `q${i % 5}`, option: 1 + (i % 3) }));
  // the first read of each after the votes is a read just after a write (the last vote): cold, and the warm reads follow
  const votesTo = spans.length;
  for (const name of Object.keys(reads) as (keyof typeof reads)[]) cold[name].push(await read(name, 0));
  const warmFrom = spans.length;
  for (let i = 0; i < 30; i++) for (const name of Object.keys(reads) as (keyof typeof reads)[]) reads[name].push(await read(name, i));
  const warmSpans = spans.slice(warmFrom);
  // just after a write that moves points (a comment)
  for (let i = 0; i < AFTER_WRITES; i++) {
    for (const name of Object.keys(cold) as (keyof typeof cold)[]) {
      await run(member(i + 1), 'comment', { proposal: `p${i}`, text: 'Agreed.' });
      cold[name].push(await read(name, i));
    }
  }
  // /tally's wait split: the tallies alone just after a write (the rest of a cold /tally is drawing its charts again
  // when the write moved a tally: a comment that shifts tiers moves the qualified votes)
  const talliesAlone: number[] = [];
  for (let i = 0; i < AFTER_WRITES; i++) {
    await run(member(i + AFTER_WRITES + 7), 'comment', { proposal: `p${i}`, text: 'Agreed.' });
    await turn();
    const t = performance.now();
    await roundTallies(db, round.id);
    talliesAlone.push(performance.now() - t);
  }
  // the ticks that notice the last stretch
  await new Promise((resolve) => setTimeout(resolve, 5));
  const delay = loopFigures(loop, watch);
  const voteSpans = spans.slice(votesFrom, votesTo);
  await votes.idle();
  await db.destroy();
  const summary = (xs: number[]) => ({ p50: p(xs, 50), p99: p(xs, 99), max: Math.max(...xs) });
  return {
    size,
    importSeconds,
    afterWrites: AFTER_WRITES + 1,
    firstReport: first,
    vote: summary(vote),
    warm: Object.fromEntries(Object.entries(reads).map(([k, v]) => [k, { ...summary(v), slowest: slowest(warmSpans.filter((s) => s.name === k), watch) }])),
    slowestVote: slowest(voteSpans, watch),
    cold: Object.fromEntries(Object.entries(cold).map(([k, v]) => [k, summary(v)])),
    talliesAlone: summary(talliesAlone),
    eventLoopDelay: delay,
    wall: (performance.now() - started) / 1000,
  };
}
