// `npm run bench`: the figures the README quotes. Not part of `npm test`.
import { execFile } from 'node:child_process';
import { mkdirSync, rmSync, statSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { parseRoundFile } from '../src/roundfile/schema.ts';
import { migrateToLatest, openDatabase } from '../src/db/database.ts';
import { ensureCommunity, importRound } from '../src/db/repositories.ts';
import { VoteWriter } from '../src/db/votes.ts';
import { FULL, writeBenchRound } from './generate.ts';

const OUT = new URL('./out/', import.meta.url).pathname;
mkdirSync(OUT, { recursive: true });
const run = promisify(execFile);

async function replayFigures() {
  const file = join(OUT, 'bench-round.json');
  await writeBenchRound(file, FULL);
  const runs = [];
  for (let i = 0; i < 3; i++) {
    const started = performance.now();
    const { stderr } = await run(process.execPath, ['--import', 'tsx', 'bench/replay-child.ts', file], { maxBuffer: 1 << 20 });
    const wall = performance.now() - started;
    const stats = JSON.parse(stderr.trim().split('\n').pop()!) as { code: number; ms: number; maxRssKiB: number };
    if (stats.code !== 0) throw new Error(`replay failed: ${stderr}`);
    runs.push({ wall, inProcess: stats.ms, rssMiB: stats.maxRssKiB / 1024 });
  }
  const best = runs.reduce((a, b) => (a.wall < b.wall ? a : b));
  return { sizeMiB: statSync(file).size / 2 ** 20, ...best, peakMiB: Math.max(...runs.map((r) => r.rssMiB)) };
}

async function voteIngestion(count: number) {
  const path = join(OUT, 'votes.sqlite');
  rmSync(path, { force: true });
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
  return { count, sequential, concurrent };
}

const replay = await replayFigures();
const votes = await voteIngestion(20_000);
const fmt = (x: number, d = 0) => x.toLocaleString('en-US', { maximumFractionDigits: d, minimumFractionDigits: d });
console.log(`govbot bench — ${new Date().toISOString().slice(0, 10)}, node ${process.version}, ${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, ${fmt(totalmem() / 2 ** 30)} GiB`);
console.log(`replay of ${fmt(FULL.members)} members, ${fmt(FULL.comments + FULL.reactions)} comments and reactions, ${FULL.questions} questions, ${fmt(FULL.votes)} votes (${fmt(replay.sizeMiB)} MiB file):`);
console.log(`  whole command ${fmt(replay.wall / 1000, 2)} s (in process ${fmt(replay.inProcess / 1000, 2)} s), peak memory ${fmt(replay.peakMiB)} MiB   [target < 3 s, < 1,024 MiB]`);
console.log(`vote ingestion, each vote committed (SQLite WAL) before it is acknowledged, ${fmt(votes.count)} votes [target ≥ 10,000/s]:`);
console.log(`  100 members voting at once: ${fmt(votes.concurrent)} votes/s; one at a time: ${fmt(votes.sequential)} votes/s`);
