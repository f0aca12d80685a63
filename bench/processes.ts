// Vote ingestion through several bot processes on one PostgreSQL: `npm run bench -- processes`. Each vote is a
// Telegram update (`/vote poll:q1 option:N` in a group) that the fake Bot API posts to the webhook URL, a load balancer
// hands to the next process, and that process answers once the vote is committed: the answer is the acknowledgement,
// and its latency is measured at the balancer. Votes are spread over several groups, since one community's events
// are applied one at a time across all processes (README, "Running at scale").
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { migrateToLatest, openDatabase } from '../src/db/database.ts';
import { ensureCommunity, ensureMember, importRound } from '../src/db/repositories.ts';
import { parseRoundFile } from '../src/roundfile/schema.ts';
import { FakeTelegram } from '../test/fakes/telegram.ts';
import { startPostgres, type PostgresServer } from '../test/helpers/postgres.ts';
import { startBotProcess } from '../test/helpers/process.ts';
import { startBalancer, webOf } from '../test/scale/balancer.ts';

const GROUPS = 8;
const VOTERS_PER_GROUP = 50;
/** Updates in flight at once (Telegram sends a bot up to `max_connections`, 40 by default, at once). */
const IN_FLIGHT = 40;
const VOTES = Number(process.env.BENCH_PROCESS_VOTES ?? 2000);

export interface ProcessFigures {
  processes: number;
  votes: number;
  acknowledged: number;
  perSecond: number;
  p50: number;
  p99: number;
  max: number;
}

const p = (xs: number[], q: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.ceil((q / 100) * xs.length) - 1)]!;

/** Groups with a round in its voting phase, an open poll, and voters whose Telegram accounts hold 100 tokens each. */
async function seed(url: string, telegram: FakeTelegram) {
  const db = await openDatabase(url);
  await migrateToLatest(db);
  const groups = [];
  for (let g = 0; g < GROUPS; g++) {
    const id = -1009000000000 - g;
    telegram.addGroup({ id, title: `Bench ${g}`, admins: [1] });
    const community = await ensureCommunity(db, { platform: 'telegram', chatId: String(id), name: `Bench ${g}` });
    const voters = Array.from({ length: VOTERS_PER_GROUP }, (_, i) => telegram.user(100_000 + g * 1000 + i, `g${g}v${i}`));
    const members = voters.map((v, i) => ({ id: `m${i}`, handle: v.username!, wallets: [{ chain: 'eip155:1', address: `0x${(g * 1000 + i + 1).toString(16).padStart(40, '0')}`, balance: '100000000000000000000' }] }));
    const round = await importRound(db, community.id, parseRoundFile({ version: 1, round: { id: 'r1', name: `Bench ${g}` }, members, questions: [{ id: 'q1', text: 'Which?', options: ['a', 'b', 'c'] }] }));
    await db.updateTable('rounds').set({ phase: 'voting' }).where('id', '=', round.id).execute();
    await db.updateTable('questions').set({ status: 'open' }).where('round_id', '=', round.id).execute();
    for (const v of voters) await ensureMember(db, community.id, { platform: 'telegram', userId: String(v.id), handle: v.username! }, { adoptHandle: true });
    groups.push({ id, voters });
  }
  await db.destroy();
  return groups;
}

/** `processes` bot processes behind one balancer on a fresh database: VOTES votes, IN_FLIGHT at a time. */
async function ingestion(server: PostgresServer, processes: number): Promise<ProcessFigures> {
  const telegram = await FakeTelegram.start();
  const balancer = await startBalancer();
  const url = await server.freshDatabase();
  const groups = await seed(url, telegram);
  const env = { DATABASE_URL: url, EXPORT_DIR: mkdtempSync(join(tmpdir(), 'govbot-exports-')), TELEGRAM_TOKEN: telegram.token, TELEGRAM_API_ROOT: telegram.url, TELEGRAM_WEBHOOK_URL: `${balancer.url.replace('http:', 'https:')}/telegram/hook` };
  const bots = await Promise.all(Array.from({ length: processes }, () => startBotProcess(env)));
  try {
    for (const bot of bots) balancer.workers.push(webOf(bot.output()));
    // A first vote per group outside the clock: the first report of each round is built then.
    for (const g of groups) telegram.say(g.id, g.voters[0]!, '/vote poll:q1 option:1');
    await telegram.settled();
    balancer.latencies.length = 0;
    const started = performance.now();
    for (let sent = 0; sent < VOTES; ) {
      for (const end = Math.min(VOTES, sent + IN_FLIGHT); sent < end; sent++) {
        const g = groups[sent % GROUPS]!;
        telegram.say(g.id, g.voters[Math.floor(sent / GROUPS) % VOTERS_PER_GROUP]!, `/vote poll:q1 option:${1 + (sent % 3)}`);
      }
      await telegram.settled();
    }
    const seconds = (performance.now() - started) / 1000;
    const ms = balancer.latencies;
    return { processes, votes: VOTES, acknowledged: ms.length, perSecond: ms.length / seconds, p50: p(ms, 50), p99: p(ms, 99), max: Math.max(...ms) };
  } finally {
    for (const bot of bots) await bot.stop();
    await balancer.close();
    await telegram.close();
  }
}

export async function processFigures(): Promise<ProcessFigures[]> {
  const server = await startPostgres();
  try {
    const figures = [];
    for (const processes of [1, 2, 4]) figures.push(await ingestion(server, processes));
    return figures;
  } finally {
    server.stop();
  }
}

/** The bench's report lines. */
export function processLines(figures: ProcessFigures[]): string[] {
  const f = (x: number, d = 0) => x.toLocaleString('en-US', { maximumFractionDigits: d, minimumFractionDigits: d });
  return [
    `vote ingestion through Telegram webhook workers on one PostgreSQL (a local server, fsync off), ${GROUPS} groups, ${IN_FLIGHT} updates in flight, each acknowledged once committed:`,
    ...figures.map((x) => `  ${x.processes} process${x.processes > 1 ? 'es' : ''}: ${f(x.acknowledged)} of ${f(x.votes)} votes acknowledged, ${f(x.perSecond)} votes/s; update to acknowledgement p50 ${f(x.p50, 1)} ms, p99 ${f(x.p99, 1)} ms, max ${f(x.max, 1)} ms`),
  ];
}
