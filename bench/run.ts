// `npm run bench`: the figures the README quotes. Not part of `npm test`.
import { execFile, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdirSync, rmSync, statSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { parseRoundFile } from '../src/roundfile/schema.ts';
import { migrateToLatest, openDatabase } from '../src/db/database.ts';
import { ensureCommunity, importRound } from '../src/db/repositories.ts';
import { VoteWriter } from '../src/db/votes.ts';
import { chatFigures } from './chat.ts';
import { judgeFigures, judgeLines } from './judge.ts';
import { commandFigures, type LoopFigures, type Slowest } from './commands.ts';
import { startPostgres } from '../test/helpers/postgres.ts';
import { FULL, writeBenchRound } from './generate.ts';
import { simulationFigures, speedLines } from './pairwise.ts';
import { processFigures, processLines } from './processes.ts';

const OUT = new URL('./out/', import.meta.url).pathname;
mkdirSync(OUT, { recursive: true });
const run = promisify(execFile);

/** `govbot replay FILE --json` as a user runs it (the compiled bin), best of three; then where the time goes. */
async function replayFigures() {
  const file = join(OUT, 'bench-round.json');
  await writeBenchRound(file, FULL);
  // the bin runs dist/ only when it is newer than the sources
  // (tsc writes the JS even when another engineer's file does not type-check; replay does not load it)
  await run(process.execPath, ['node_modules/typescript/bin/tsc', '-p', 'tsconfig.build.json']).catch(() => undefined);
  const runs = [];
  for (let i = 0; i < 3; i++) {
    const started = performance.now();
    const child = spawn(process.execPath, ['--import', './bench/peak.mjs', 'bin/govbot.js', 'replay', file, '--json'], { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const [code] = (await once(child, 'exit')) as [number];
    const wall = performance.now() - started;
    if (code !== 0) throw new Error(`replay failed: ${stderr}`);
    runs.push({ wall, rssMiB: (JSON.parse(stderr.trim().split('\n').pop()!) as { maxRssKiB: number }).maxRssKiB / 1024 });
  }
  return { sizeMiB: statSync(file).size / 2 ** 20, wall: Math.min(...runs.map((r) => r.wall)), peakMiB: Math.max(...runs.map((r) => r.rssMiB)), phases: await phasesOf(file) };
}

/** The in-process split of one replay, on the same compiled JS the command runs: best of three for each phase. */
async function phasesOf(file: string) {
  const { indexRoundFile, readRoundFileBytes } = (await import(new URL('../dist/src/roundfile/columns.js', import.meta.url).href)) as typeof import('../src/roundfile/columns.ts');
  const { computeReport, reportJson } = (await import(new URL('../dist/src/core/report.js', import.meta.url).href)) as typeof import('../src/core/report.ts');
  const best: Record<string, number> = {};
  for (let i = 0; i < 3; i++) {
    let last = performance.now();
    const lap = (phase: string) => {
      const now = performance.now();
      best[phase] = Math.min(best[phase] ?? Infinity, now - last);
      last = now;
    };
    const bytes = await readRoundFileBytes(file);
    lap('read');
    const round = await indexRoundFile(bytes);
    lap('parse and check');
    const report = computeReport(round);
    lap('rules');
    reportJson(report);
    lap('report JSON');
  }
  return best;
}

async function voteIngestion(count: number) {
  const path = join(OUT, 'votes.sqlite');
  for (const suffix of ['', '-wal', '-shm']) rmSync(path + suffix, { force: true });
  const db = await openDatabase(`file:${path}`);
  await migrateToLatest(db);
  const community = await ensureCommunity(db, { platform: 'bench', chatId: 'bench', name: 'bench' });
  const members = Array.from({ length: 2_000 }, (_, i) => ({
    id: `m${i}`,
    handle: `m${i}`,
    wallets: [{ chain: 'eip155:1', address: `0x${i.toString(16).padStart(40, '0')}`, balance: '1000000000000000000' }],
  }));
  const data = parseRoundFile({ version: 1, round: { id: 'b', name: 'bench' }, members, questions: [{ id: 'q1', text: 'Q', options: ['a', 'b', 'c'] }] });
  const round = await importRound(db, community.id, data);
  const question = await db.selectFrom('questions').select('id').where('round_id', '=', round.id).executeTakeFirstOrThrow();
  const memberIds = (await db.selectFrom('members').select('id').execute()).map((m) => m.id);
  const writer = new VoteWriter(db);
  // `inFlight` members vote at once, each waiting for its acknowledgement before voting again.
  const figure = async (inFlight: number) => {
    let next = 0;
    const started = performance.now();
    await Promise.all(
      Array.from({ length: inFlight }, async () => {
        for (let i = next++; i < count; i = next++)
          await writer.cast({ roundId: round.id, questionId: question.id, memberId: memberIds[i % memberIds.length]!, option: i % 3, castAt: new Date(1_700_000_000_000 + i).toISOString() });
      }),
    );
    return count / ((performance.now() - started) / 1000);
  };
  const sequential = await figure(1);
  const concurrent = await figure(100);
  await db.destroy();
  return { sequential, concurrent };
}

/** Three fresh databases; the median of each figure, and the range, since this disk is not steady. */
async function voteFigures(count: number) {
  const trials = [];
  for (let i = 0; i < 3; i++) trials.push(await voteIngestion(count));
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[1]!;
  const spread = (xs: number[]) => ({ median: median(xs), min: Math.min(...xs), max: Math.max(...xs) });
  return { count, sequential: spread(trials.map((t) => t.sequential)), concurrent: spread(trials.map((t) => t.concurrent)) };
}

const only = process.argv[2];
const fmt = (x: number, d = 0) => x.toLocaleString('en-US', { maximumFractionDigits: d, minimumFractionDigits: d });
console.log(`govbot bench — ${new Date().toISOString().slice(0, 10)}, node ${process.version}, ${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, ${fmt(totalmem() / 2 ** 30)} GiB`);
if (only === undefined || only === 'replay') {
  const replay = await replayFigures();
  console.log(`replay of ${fmt(FULL.members)} members, ${fmt(FULL.comments + FULL.reactions)} comments and reactions, ${FULL.questions} questions, ${fmt(FULL.votes)} votes (${fmt(replay.sizeMiB)} MiB file):`);
  console.log(`  govbot replay FILE --json: ${fmt(replay.wall / 1000, 2)} s for the whole command, peak memory ${fmt(replay.peakMiB)} MiB   [target < 3 s, < 1,024 MiB]`);
  console.log(`  in process: ${Object.entries(replay.phases).map(([phase, ms]) => `${phase} ${fmt(ms / 1000, 2)} s`).join(', ')}`);
}
if (only === undefined || only === 'votes') {
  const votes = await voteFigures(20_000);
  const line = (v: { median: number; min: number; max: number }) => `${fmt(v.median)} votes/s (${fmt(v.min)}–${fmt(v.max)})`;
  console.log(`vote ingestion, each vote committed (SQLite WAL) before it is acknowledged, ${fmt(votes.count)} votes, median of 3 [target ≥ 10,000/s]:`);
  console.log(`  100 members voting at once: ${line(votes.concurrent)}; one at a time: ${line(votes.sequential)}`);
}
const ms = (x: number) => `${fmt(x, 1)} ms`;
const line = (s: { p50: number; p99: number; max: number }) => `p50 ${ms(s.p50)}, p99 ${ms(s.p99)}, max ${ms(s.max)}`;
function printLoop(d: LoopFigures) {
  console.log(`  event-loop delay throughout (monitorEventLoopDelay, 1 ms): p50 ${ms(d.p50)}, p99 ${ms(d.p99)}, max ${ms(d.max)}   [target p99 < 50 ms]`);
  console.log(`  loop held > 50 ms: ${d.blocks} times${d.longest.length ? `, longest ${d.longest.map((b) => `${ms(b.ms)} (${b.label}; GC ${ms(b.gcMs)}, process CPU ${ms(b.cpuMs)})`).join(', ')}` : ''}   [target none]`);
  console.log(`  of which garbage collection > 50 ms: ${d.collections.count} times, longest ${ms(d.collections.longest)}`);
}
/** What the slowest of some runs was made of (see bench/commands.ts slowest). */
const madeOf = (s: Slowest) =>
  `${ms(s.ms)}: the loop active ${ms(s.activeMs)} (garbage collection ${ms(s.gcMs)}), its queries ${ms(s.queryMs)}, the rest (the standings thread, waiting for a core) ${ms(Math.max(0, s.ms - s.activeMs - s.queryMs))}`;
/** The command figures on one database: SQLite by default, PostgreSQL by URL. */
async function printCommands(url: string | undefined, engine: string) {
  const c = await commandFigures(OUT, url);
  console.log(`command path on the bench round of ${fmt(c.size.members)} members imported into ${engine} (import ${fmt(c.importSeconds, 1)} s; first report ${ms(c.firstReport)}):`);
  console.log(`  /vote through the command layer: ${line(c.vote)}   [target p99 < 20 ms]; the slowest ${madeOf(c.slowestVote)}`);
  // warm: nothing written since the command's last read; just after a write: the first read after the 300 votes and after each of the comments that follow
  for (const name of ['reputation', 'leaderboard', 'tally', 'rewards'])
    console.log(`  /${name === 'rewards' ? 'rewards preview' : name}: warm ${line(c.warm[name]!)}; just after a write (${c.afterWrites} reads) ${line(c.cold[name]!)}   [target p99 < 50 ms warm, < 1 s just after a write]; the slowest warm ${madeOf(c.warm[name]!.slowest)}`);
  console.log(`  of which the tallies alone (the rest is its charts drawn again), just after a write: ${line(c.talliesAlone)}`);
  printLoop(c.eventLoopDelay);
}
if (only === undefined || only === 'commands') await printCommands(process.env.BENCH_DATABASE_URL, process.env.BENCH_DATABASE_URL ? 'PostgreSQL' : 'SQLite');
if (only === undefined || only === 'postgres') {
  // a server of the bench's own, as the tests start one (127.0.0.1, a temporary folder, fsync off)
  const server = await startPostgres();
  try {
    await printCommands(await server.freshDatabase(), 'PostgreSQL (a local server, fsync off)');
  } finally {
    server.stop();
  }
}
if (only === undefined || only === 'chat') {
  const c = await chatFigures(OUT);
  console.log(`Telegram adapter against the fake Bot API, bench round of ${fmt(c.size.members)} members imported into SQLite (import ${fmt(c.importSeconds, 1)} s; the first /reputation, which waits for the round's first report, ${ms(c.firstTap)}):`);
  for (const [name, t] of [['a first burst', c.taps], ['a second burst, the tap path run hot', c.again]] as const) {
    console.log(`  ${fmt(t.count)} taps from ${fmt(t.members)} members in ${name}: ${fmt(t.answered)} acknowledged in ${fmt(t.seconds, 1)} s (${fmt(t.count / t.seconds)} taps/s); tap to acknowledgement ${line(t)}   [target all, p99 < 1 s]`);
    console.log(`    of them answered before their commit ("Counting your vote…", at once in a burst, else at the deadline): ${fmt(t.early)}; tap to receipt by private message (${fmt(t.receipts)} receipts) ${line(t.receipt)}`);
    if (t.botThreadToLastAnswerMs !== undefined) console.log(`    CPU time of the bot's thread from the first tap to the last answer: ${ms(t.botThreadToLastAnswerMs)} (${ms(t.botThreadToLastAnswerMs / t.count)} a tap)`);
    console.log(`    CPU time of the process over the burst (bot and fake Bot API): ${fmt(t.cpuSeconds, 1)} s, ${ms((t.cpuSeconds * 1000) / t.count)} a tap`);
  }
  console.log(`  /healthz every 50 ms during the bursts: ${fmt(c.health.count)} asked, ${fmt(c.health.failed)} not 200; ${line(c.health)}   [target fast under load]`);
  console.log(`  results page of the round through the HTTP server: ${fmt(c.page.bytes / 1024)} KiB ${c.page.encoding ?? 'uncompressed'}, first ${ms(c.page.first)}, warm ${line(c.page.warm)}   [target < 300 KB compressed, < 100 ms warm]`);
  console.log(`  /reputation just after a comment (the recount it waits for), through the adapter: ${line(c.cold)}   [target < 1 s]`);
  if (c.errors > 0) console.log(`  the bot logged ${c.errors} errors`);
  printLoop(c.eventLoopDelay);
}
if (only === undefined || only === 'judge') for (const line of judgeLines(await judgeFigures(OUT))) console.log(line);
if (only === undefined || only === 'processes') for (const line of processLines(await processFigures())) console.log(line);
if (only === undefined || only === 'pairwise') {
  for (const line of speedLines()) console.log(line);
  const full = process.argv.includes('--full') || process.env.PAIRWISE_FULL === '1';
  console.log(`  simulation, 100 projects, 20 jurors, relative error ‖ŵ − w‖/‖w‖ (${full ? 'median of 5 seeds' : process.env.PAIRWISE_SEEDS ? `median of ${process.env.PAIRWISE_SEEDS} seeds (PAIRWISE_SEEDS)` : 'one seed; --full or PAIRWISE_FULL=1 for 5 seeds and every variant'}):`);
  for (const line of await simulationFigures(full)) console.log(line);
}
