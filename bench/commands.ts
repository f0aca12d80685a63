// The command path on the bench round imported into a database: what a member waits for, and how long the event
// loop is held. `npm run bench -- commands`; BENCH_MEMBERS scales the round down while developing.
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { commands } from '../commands/index.ts';
import type { CommandContext } from '../src/commands/context.ts';
import { resolve } from '../src/commands/framework.ts';
import { migrateToLatest, openDatabase } from '../src/db/database.ts';
import { ensureCommunity, ensureMember, importRound } from '../src/db/repositories.ts';
import { VoteWriter } from '../src/db/votes.ts';
import { parseRoundFileText } from '../src/roundfile/schema.ts';
import { FULL, writeBenchRound, type BenchSize } from './generate.ts';

export function benchSize(): BenchSize {
  const members = Number(process.env.BENCH_MEMBERS ?? FULL.members);
  const scale = members / FULL.members;
  return Object.fromEntries(Object.entries(FULL).map(([k, v]) => [k, k === 'questions' ? v : Math.max(1, Math.round(v * scale))])) as unknown as BenchSize;
}

const p = (xs: number[], q: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.ceil((q / 100) * xs.length) - 1)]!;

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

  const votes = new VoteWriter(db);
  let tick = Date.parse('2025-01-01T00:00:00Z');
  const as = (handle: string, isModerator = false): CommandContext => {
    const actor = { platform: 'console', userId: handle, handle, isModerator };
    return {
      db, votes, now: () => new Date(tick++), exportDir: out, community, actor,
      member: () => ensureMember(db, community.id, actor, { adoptHandle: true }),
      announce: async () => {}, chatProblems: async () => [],
    };
  };
  const run = async (ctx: CommandContext, name: string, options: Record<string, unknown>, subcommand?: string) => {
    const t = performance.now();
    const { action, options: parsed } = resolve(commands, { name, subcommand, options }, ctx.actor.isModerator);
    await action.run(ctx, parsed as never);
    return performance.now() - t;
  };
  const moderator = as('member1', true);
  const member = (i: number) => as(`member${(i * 7919) % size.members}`);

  const loop = monitorEventLoopDelay({ resolution: 10 });
  loop.enable();
  started = performance.now();
  const first = await run(moderator, 'tally', {});
  const reads = { reputation: [] as number[], leaderboard: [] as number[], tally: [] as number[] };
  const cold = { reputation: [] as number[], leaderboard: [] as number[], tally: [] as number[] };
  const vote: number[] = [];
  for (let i = 0; i < 300; i++) vote.push(await run(member(i), 'vote', { poll: `q${i % 5}`, option: 1 + (i % 3) }));
  for (let i = 0; i < 30; i++) {
    reads.reputation.push(await run(member(i), 'reputation', {}));
    reads.leaderboard.push(await run(member(i), 'leaderboard', {}));
    reads.tally.push(await run(moderator, 'tally', {}));
  }
  // just after a write that moves points (a comment), then one that moves only the tally (a vote)
  for (let i = 0; i < 5; i++) {
    for (const name of ['reputation', 'leaderboard', 'tally'] as const) {
      await run(member(i + 1), 'comment', { proposal: `p${i}`, text: 'Agreed.' });
      cold[name].push(await run(name === 'tally' ? moderator : member(i), name, {}));
    }
  }
  const delay = { p99: loop.percentile(99) / 1e6, max: loop.max / 1e6 };
  loop.disable();
  await votes.idle();
  await db.destroy();
  const summary = (xs: number[]) => ({ p50: p(xs, 50), p99: p(xs, 99), max: Math.max(...xs) });
  return {
    size,
    importSeconds,
    firstReport: first,
    vote: summary(vote),
    warm: Object.fromEntries(Object.entries(reads).map(([k, v]) => [k, summary(v)])),
    cold: Object.fromEntries(Object.entries(cold).map(([k, v]) => [k, summary(v)])),
    eventLoopDelay: delay,
    wall: (performance.now() - started) / 1000,
  };
}
