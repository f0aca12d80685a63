// A burst of poll taps through the Telegram adapter against the fake Bot API server (test/fakes/telegram.ts, on a
// thread of its own, as Telegram's servers are not the bot's), on the bench round imported into SQLite, then the
// round's results page through the bot's HTTP server; the bot's event loop watched throughout. `npm run bench -- chat`; BENCH_MEMBERS scales the round down while developing.
import { get } from 'node:http';
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { startBot } from '../src/app.ts';
import { createConfig } from '../src/config.ts';
import { migrateToLatest, openDatabase } from '../src/db/database.ts';
import { ensureCommunity, importRound, memberKey } from '../src/db/repositories.ts';
import { parseRoundFileText } from '../src/roundfile/schema.ts';
import { memoryLogger } from '../test/helpers/log.ts';
import { benchSize, LoopWatch, loopFigures, p } from './commands.ts';
import { writeBenchRound } from './generate.ts';
import { fakeTelegramThread } from './telegram-thread.ts';

const GROUP = -1009999999999;
/** The burst: 2,000 taps from 500 members. */
const VOTERS = 500;
const TAPS_EACH = 4;
const PAGE_REQUESTS = 50;
const COLD_READS = 5;

/** One GET through the HTTP server: status, the bytes on the wire (gzip asked for) and how long until the last. */
function fetchPage(url: string): Promise<{ status: number; bytes: number; ms: number; encoding: string | undefined }> {
  const started = performance.now();
  return new Promise((resolve, reject) => {
    get(url, { headers: { 'accept-encoding': 'gzip' } }, (res) => {
      let bytes = 0;
      res.on('data', (chunk: Buffer) => (bytes += chunk.length));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, bytes, ms: performance.now() - started, encoding: res.headers['content-encoding'] }));
      res.on('error', reject);
    }).on('error', reject);
  });
}

/**
 * CPU time (ms) the bot's own thread has had, from Linux's count for the thread (/proc, in 10 ms ticks); undefined
 * elsewhere. Unlike the wall time, it says what the taps cost the bot whatever else loads the machine.
 */
function botThreadCpuMs(): number | undefined {
  try {
    const fields = readFileSync(`/proc/self/task/${process.pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    // utime and stime, fields 14 and 15 of stat (the 12th and 13th after the command's name)
    return (Number(fields[11]) + Number(fields[12])) * 10;
  } catch {
    return undefined;
  }
}

export async function chatFigures(out: string) {
  const size = benchSize();
  const file = join(out, `bench-round-${size.members}.json`);
  await writeBenchRound(file, size);
  const path = join(out, 'chat.sqlite');
  for (const suffix of ['', '-wal', '-shm']) rmSync(path + suffix, { force: true });
  const url = `file:${path}`;

  // The round imported before the bot starts, its first 500 members linked to Telegram accounts (as members who
  // wrote in the group would be), the round in its voting phase.
  const db = await openDatabase(url);
  await migrateToLatest(db);
  const community = await ensureCommunity(db, { platform: 'telegram', chatId: String(GROUP), name: 'Bench DAO' });
  let started = performance.now();
  const round = await importRound(db, community.id, parseRoundFileText(readFileSync(file, 'utf8')));
  const importSeconds = (performance.now() - started) / 1000;
  const voters = Array.from({ length: Math.min(VOTERS, size.members) }, (_, i) => ({ userId: 10_000 + i, key: `m${i}` }));
  for (const v of voters) {
    const member = await db.updateTable('members').set({ key: memberKey(community.id, 'telegram', String(v.userId)) }).where('community_id', '=', community.id).where('key', '=', v.key).returning('id').executeTakeFirstOrThrow();
    await db.insertInto('member_accounts').values({ community_id: community.id, platform: 'telegram', platform_user_id: String(v.userId), member_id: member.id }).execute();
  }
  await db.updateTable('rounds').set({ phase: 'voting' }).where('id', '=', round.id).execute();
  await db.destroy();

  const fake = await fakeTelegramThread();
  const api = await fake.address();
  await fake.addGroup({ id: GROUP, title: 'Bench DAO', admins: [1] });
  const moderator = await fake.user(1, 'mod');
  const users = await Promise.all(voters.map((v, i) => fake.user(v.userId, `member${i}`)));
  const log = memoryLogger();
  const now = new Date('2025-01-01T00:00:00Z');
  const bot = await startBot(createConfig({ TELEGRAM_TOKEN: api.token, TELEGRAM_API_ROOT: api.url, DATABASE_URL: url, EXPORT_DIR: out, PORT: '0' }), {
    now: () => now,
    logger: log.logger,
    scheduleEvery: 'never',
  });
  const idle = async () => {
    await fake.settled();
    await bot.telegram!.idle();
  };
  try {
    // The bench's import leaves a gigabyte of garbage in the bot's process, which a running bot would not have; it is
    // collected before the bot is watched, as before the commands of bench/commands.ts. The watch starts before the
    // polls open: the first opens the round's reputation snapshot (frozen counts over every comment and reaction).
    (globalThis as { gc?: () => void }).gc?.();
    const loop = monitorEventLoopDelay({ resolution: 1 });
    loop.enable();
    const watch = new LoopWatch();
    watch.label = 'polls open';
    for (const question of ['Fund the tooling pool?', 'Extend the round by a week?']) await fake.say(GROUP, moderator.id, `/poll open question:"${question}" options:"Yes|No|Abstain"`);
    await idle();
    const posted = await fake.messagesIn(GROUP);
    const polls = posted.filter((m) => m.buttons.length === 3);
    if (polls.length !== 2) throw new Error(`the polls were not posted: ${posted.map((m) => m.text).join(' / ')} ${log.errors.join('\n')}`);
    // A receipt needs the round's report, which a running bot has long had; here it is the first, and at 100,000
    // members on a loaded machine it outlasts Telegram's answer window, so a command asks for it before the burst.
    watch.label = 'first /reputation';
    started = performance.now();
    await fake.say(GROUP, users[0]!.id, '/reputation');
    await idle();
    const firstTap = performance.now() - started;

    const summary = (xs: number[]) => ({ p50: p(xs, 50), p99: p(xs, 99), max: Math.max(...xs) });
    watch.label = 'taps';
    await new Promise((resolve) => setTimeout(resolve, 5));
    /**
     * A burst: every tap pushed at once; each member taps both polls twice, changing their mind (`round` shifts the
     * buttons from one burst to the next). The process's CPU time over it (bot and fake alike, all threads) is what a
     * tap costs whatever else loads the machine; the bot's thread's, up to the last answer, what answering costs.
     */
    const burst = async (round: number) => {
      const calledBefore = (await fake.calls(['answerCallbackQuery', 'sendMessage'])).length;
      const answeredBefore = await fake.answered();
      const cpuBefore = process.cpuUsage();
      const threadBefore = botThreadCpuMs();
      const begun = performance.now();
      const pushed = Array.from({ length: TAPS_EACH }, (_, pass) => users.map((user, i) => ({ userId: user.id, chatId: GROUP, messageId: polls[pass % 2]!.message_id, button: (i + pass + round) % 3 }))).flat();
      // each tap's moment is taken by the fake as it makes it
      const taps = (await fake.tapAll(pushed)).map((t, i) => ({ ...t, user: pushed[i]!.userId }));
      // the bot's thread up to the last answer (asked of the fake every 20 ms)
      while ((await fake.answered()) < answeredBefore + taps.length && performance.now() - begun < 60_000) await new Promise((resolve) => setTimeout(resolve, 20));
      const threadAfter = botThreadCpuMs();
      await idle();
      const seconds = (performance.now() - begun) / 1000;
      const cpu = process.cpuUsage(cpuBefore);
      const calls = (await fake.calls(['answerCallbackQuery', 'sendMessage'])).slice(calledBefore);
      const answers = await fake.answers();
      const answeredAt = new Map(calls.filter((c) => c.method === 'answerCallbackQuery').map((c) => [String(c.params['callback_query_id']), c.at]));
      const latencies = taps.flatMap((t) => (answeredAt.has(t.id) && answers.has(t.id) ? [answeredAt.get(t.id)! - t.at] : []));
      // answered before their commit ("Counting your vote…"), their receipts following by message
      const early = taps.filter((t) => /^(Counting your vote|Working on it)…/.test(answers.get(t.id)?.text ?? '')).length;
      // A member's receipts come in the order of their taps (one community's outbox is drained in order): the k-th
      // receipt in a member's direct chat since the burst began is that of their k-th tap.
      const receiptsTo = new Map<number, number[]>();
      for (const c of calls)
        if (c.method === 'sendMessage' && String(c.params['text']).startsWith('Your vote on')) receiptsTo.set(Number(c.params['chat_id']), [...(receiptsTo.get(Number(c.params['chat_id'])) ?? []), c.at]);
      const tapsOf = new Map<number, number>();
      const toReceipt = taps.flatMap((t) => {
        const k = tapsOf.get(t.user) ?? 0;
        tapsOf.set(t.user, k + 1);
        const at = receiptsTo.get(t.user)?.[k];
        return at === undefined ? [] : [at - t.at];
      });
      const threadMs = threadAfter !== undefined && threadBefore !== undefined ? threadAfter - threadBefore : undefined;
      return { count: taps.length, answered: latencies.length, early, members: users.length, seconds, cpuSeconds: (cpu.user + cpu.system) / 1e6, botThreadToLastAnswerMs: threadMs, ...summary(latencies), receipts: toReceipt.length, receipt: summary(toReceipt) };
    };
    // The first burst meets a bot whose tap path was never run hot (its code not yet optimised); the second, as a
    // running bot would be, one that has had taps.
    // /healthz asked every 50 ms while the bursts run, as a balancer would: it must stay quick and say 200
    const healthUrl = `http://127.0.0.1:${bot.web.address()!.port}/healthz`;
    const probes: { status: number; ms: number }[] = [];
    let bursting = true;
    const probing = (async () => {
      while (bursting) {
        probes.push(await fetchPage(healthUrl));
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    })();
    const taps = await burst(0);
    watch.label = 'second burst';
    const again = await burst(1);
    bursting = false;
    await probing;

    // the results page of the round, through the bot's HTTP server: the first request builds it, the rest are warm
    watch.label = 'results page';
    const page = `http://127.0.0.1:${bot.web.address()!.port}/rounds/${round.id}`;
    const first = await fetchPage(page);
    if (first.status !== 200) throw new Error(`the results page answered ${first.status}: ${log.errors.join('\n')}`);
    const warmPage: number[] = [];
    for (let i = 0; i < PAGE_REQUESTS; i++) warmPage.push((await fetchPage(page)).ms);
    // /reputation just after a write that moves points (a comment): the recount it waits for
    watch.label = 'cold reads';
    const cold: number[] = [];
    for (let i = 1; i <= COLD_READS; i++) {
      await fake.say(GROUP, users[i]!.id, `/comment proposal:p${i} text:Agreed.`);
      await idle();
      started = performance.now();
      await fake.say(GROUP, users[i]!.id, '/reputation');
      await idle();
      cold.push(performance.now() - started);
    }
    await new Promise((resolve) => setTimeout(resolve, 5));
    const delay = loopFigures(loop, watch);
    return {
      size,
      importSeconds,
      firstTap,
      taps,
      again,
      page: { bytes: first.bytes, encoding: first.encoding, first: first.ms, warm: summary(warmPage) },
      health: { count: probes.length, failed: probes.filter((h) => h.status !== 200).length, ...summary(probes.map((h) => h.ms)) },
      cold: summary(cold),
      errors: log.errors.length,
      eventLoopDelay: delay,
    };
  } finally {
    await bot.stop();
    await fake.close();
  }
}
