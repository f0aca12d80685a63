import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { runCli } from '../../src/cli/cli.ts';
import type { Db } from '../../src/db/database.ts';
import { FakeDiscord, type FakeDiscordUser } from '../fakes/discord.ts';
import { FakeTelegram, type FakeUser } from '../fakes/telegram.ts';
import { cleanupAfterEach } from '../helpers/cleanup.ts';
import { postgresForTheseTests } from '../helpers/postgres.ts';
import { outboxDrained, startBotProcess } from '../helpers/process.ts';
import { startBalancer, webOf } from './balancer.ts';

const server = postgresForTheseTests();

const cleanup = cleanupAfterEach();

const GROUP = -1005555555555;
const VOTERS = 12;
const RECEIPT = /Your vote on q1 is recorded/;
const CLOSED = /Poll q1 closed on schedule/;

/** What `govbot export` and then `govbot replay --json` say of a community's round, run as a user runs them. */
async function replayOf(url: string, community: string): Promise<{ questions: { id: string; options: { voters: number; tokenVotes: string }[] }[] }> {
  const dir = mkdtempSync(join(tmpdir(), 'govbot-round-'));
  const io = (out: string[]) => ({ out: (t: string) => void out.push(t), err: (t: string) => void out.push(t), env: { DATABASE_URL: url }, input: process.stdin });
  const said: string[] = [];
  expect(await runCli(['export', 'r1', '--community', community, '--out', join(dir, 'r1.json')], io(said)), said.join('')).toBe(0);
  const json: string[] = [];
  expect(await runCli(['replay', join(dir, 'r1.json'), '--json'], io(json)), json.join('')).toBe(0);
  return JSON.parse(json.join('')) as never;
}

/** The votes the database counts for one community's poll q1, by option: voters and summed base units. */
async function countedIn(db: Db, platform: string, chatId: string) {
  const rows = await db
    .selectFrom('vote_choices')
    .innerJoin('questions', 'questions.id', 'vote_choices.question_id')
    .innerJoin('rounds', 'rounds.id', 'questions.round_id')
    .innerJoin('communities', 'communities.id', 'rounds.community_id')
    .innerJoin('members', 'members.id', 'vote_choices.member_id')
    .select(['members.handle', 'vote_choices.option_idx'])
    .where('communities.platform', '=', platform)
    .where('communities.platform_chat_id', '=', chatId)
    .execute();
  return rows;
}

describe('several bot processes on one PostgreSQL: a whole round', () => {
  it('GIVEN two Discord shard processes and a Telegram webhook worker, and one shard killed with SIGKILL amid a burst of votes and the polls\' scheduled closes THEN every acknowledged vote counts once, every close fires once, every owed message is posted once, and each tally equals govbot replay of the exported round', async () => {
    const discord = await FakeDiscord.start();
    cleanup.push(() => discord.close());
    const telegram = await FakeTelegram.start();
    cleanup.push(() => telegram.close());
    telegram.addGroup({ id: GROUP, title: 'Scale DAO', admins: [1] });
    const balancer = await startBalancer();
    cleanup.push(() => balancer.close());
    const servers = discord.guildOnEachShard(2);
    const url = await server.freshDatabase();
    const base = { DATABASE_URL: url, EXPORT_DIR: mkdtempSync(join(tmpdir(), 'govbot-exports-')), LEASE_SECONDS: '2' };
    const shardEnv = (id: number) => ({ ...base, DISCORD_TOKEN: discord.token, DISCORD_APP_ID: discord.appId, DISCORD_API_URL: `${discord.url}/api`, DISCORD_SHARDS: '2', DISCORD_SHARD_IDS: String(id) });
    const telegramEnv = { ...base, TELEGRAM_TOKEN: telegram.token, TELEGRAM_API_ROOT: telegram.url, TELEGRAM_WEBHOOK_URL: `${balancer.url.replace('http:', 'https:')}/telegram/hook` };
    // All three start at once (migrations take a lock, so one migrates and the others wait for it).
    const [first, second, worker] = await Promise.all([startBotProcess(shardEnv(0)), startBotProcess(shardEnv(1)), startBotProcess(telegramEnv)]);
    cleanup.push(() => first!.kill(), () => second!.kill(), () => worker!.kill());
    balancer.workers.push(webOf(worker!.output()));
    expect(discord.identifies.sort()).toEqual([[0, 2], [1, 2]]);

    // Each community: a round, voters with 100 tokens each, a poll that closes on schedule.
    const moderator = discord.member('1', 'mod', { moderator: true });
    const discordVoters = servers.map((_, s) => Array.from({ length: VOTERS }, (_, i) => discord.member(String(2_000_000_000_000_000 + s * 100 + i), `s${s}voter${i}`)));
    const telegramMod = telegram.user(1, 'mod');
    const telegramVoters = Array.from({ length: VOTERS }, (_, i) => telegram.user(700 + i, `tvoter${i}`));
    const wallet = (i: number, s: number) => `0x${(s * 100 + i + 1).toString(16).padStart(40, '0')}`;
    await Promise.all([
      ...servers.map(async ({ channelId }, s) => {
        await discord.command(moderator, 'round', { id: 'r1', name: `Shard ${s}` }, 'create', channelId);
        for (const [i, voter] of discordVoters[s]!.entries()) {
          await discord.command(voter, 'reputation', {}, undefined, channelId);
          await discord.command(moderator, 'wallet', { member: voter.id, address: wallet(i, s), tokens: '100', unverified: 'true' }, 'add', channelId);
        }
      }),
      (async () => {
        telegram.say(GROUP, telegramMod, '/round create id:r1 name:Telegram');
        for (const voter of telegramVoters) telegram.say(GROUP, voter, '/reputation');
        telegramVoters.forEach((voter, i) => telegram.say(GROUP, telegramMod, `/wallet add member:${voter.username} address:${wallet(i, 2)} tokens:100 unverified:true`));
        await telegram.settled();
      })(),
    ]);
    // Closes due just before a ten-second tick of the schedulers, far enough ahead for the polls to be opened (chosen
    // once the rest of the setup is done, so that a slow setup on a loaded machine cannot run past it); the burst spans it.
    const tick = Math.ceil((Date.now() + 8_000) / 10_000) * 10_000;
    const closes = new Date(tick - 800).toISOString();
    await Promise.all([
      ...servers.map(({ channelId }) => discord.command(moderator, 'poll', { question: 'Which?', options: 'A|B', closes }, 'open', channelId)),
      (async () => {
        telegram.say(GROUP, telegramMod, `/poll open question:"Which?" options:"A|B" closes:${closes}`);
        await telegram.settled();
      })(),
    ]);
    await (await outboxDrained(url)).destroy();
    const polls = servers.map(({ channelId }) => discord.inChannel(channelId).find((m) => m.components.length > 0)!);
    const telegramPoll = telegram.sent.find((m) => m.chat_id === GROUP && m.buttons.length === 2);
    expect([...polls, telegramPoll].every(Boolean), [first, second, worker].map((p) => p!.output()).join('\n')).toBe(true);
    expect(Date.now(), 'the setup ran past the polls\' close').toBeLessThan(tick - 2000);

    // The burst: votes in each community, spread from now until after the closes fall due; shard 0's process is killed
    // at the tick, while the schedulers close the polls, and stays down: the others take over what it had leased.
    const clicks: { voter: FakeDiscordUser; option: number; interaction: ReturnType<FakeDiscord['clickNow']> }[] = [];
    const taps: { voter: FakeUser; option: number; query: string }[] = [];
    const spacing = (tick + 600 - Date.now()) / VOTERS;
    let killed = false;
    for (let i = 0; i < VOTERS; i++) {
      for (const [s, poll] of polls.entries()) clicks.push({ voter: discordVoters[s]![i]!, option: i % 2, interaction: discord.clickNow(discordVoters[s]![i]!, poll, i % 2) });
      taps.push({ voter: telegramVoters[i]!, option: i % 2, query: telegram.tap(telegramVoters[i]!, telegramPoll!, i % 2) });
      await sleep(Math.max(0, Math.min(spacing, tick + 30 - Date.now())));
      if (!killed && Date.now() >= tick + 30) {
        killed = true;
        await first!.kill();
      }
    }
    if (!killed) await first!.kill();
    await telegram.settled();
    // The killed process's leases (a job, a community's outbox) run out and the others take the work over.
    const db = await outboxDrained(url, 30_000);
    cleanup.push(() => db.destroy());
    await expect.poll(async () => (await db.selectFrom('jobs').select('id').where('done_at', 'is', null).execute()).length, { timeout: 25_000, interval: 200 }).toBe(0);
    await (await outboxDrained(url, 30_000)).destroy();

    // Every job fired once, by one process: one close, one audit line and one tally posted per community.
    const jobs = await db.selectFrom('jobs').select(['kind', 'done_at']).execute();
    expect(jobs.map((j) => j.kind)).toEqual(['poll_close', 'poll_close', 'poll_close']);
    expect(await db.selectFrom('audit_log').select('id').where('action', '=', 'schedule.poll_close').execute()).toHaveLength(3);
    for (const { channelId } of servers) expect(discord.inChannel(channelId).filter((m) => CLOSED.test(discord.textOf(m))), channelId).toHaveLength(1);
    expect(telegram.sent.filter((m) => m.chat_id === GROUP && CLOSED.test(m.text))).toHaveLength(1);
    expect(await db.selectFrom('outbox').select('id').where('sent_at', 'is', null).execute()).toEqual([]);

    // Every vote a member was told of counts once; every counted vote got exactly one receipt.
    for (const [s, { guildId }] of servers.entries()) {
      const counted = await countedIn(db, 'discord', guildId);
      for (const click of clicks.filter((c) => discordVoters[s]!.includes(c.voter))) {
        const receipts = [...discord.answerOf(click.interaction), ...discord.directMessagesTo(click.voter.id)].filter((m) => RECEIPT.test(discord.textOf(m))).length;
        const mine = counted.filter((v) => v.handle === click.voter.username);
        expect(receipts, `${click.voter.username}\n${[first, second, worker].map((p) => p!.output()).join('\n')}`).toBe(mine.length);
        expect(mine.map((v) => v.option_idx), click.voter.username).toEqual(mine.length ? [click.option] : []);
      }
    }
    const countedTelegram = await countedIn(db, 'telegram', String(GROUP));
    for (const tap of taps) {
      const receipts = telegram.calls.filter((c) => c.method === 'sendMessage' && Number(c.params['chat_id']) === tap.voter.id && RECEIPT.test(String(c.params['text']))).length;
      const mine = countedTelegram.filter((v) => v.handle === tap.voter.username);
      expect(receipts, tap.voter.username).toBe(mine.length);
      expect(mine.map((v) => v.option_idx), tap.voter.username).toEqual(mine.length ? [tap.option] : []);
    }
    // Some votes came in before the close and some after it (refused as closed), on every platform.
    const told = clicks.filter((c) => discord.answerOf(c.interaction).some((m) => RECEIPT.test(discord.textOf(m)))).length;
    expect(told).toBeGreaterThan(0);
    expect(countedTelegram.length).toBeGreaterThan(0);

    // Each community's tally, recomputed by govbot replay from the exported round, is the one the database counted.
    for (const [community, counted] of [
      ...(await Promise.all(servers.map(async ({ guildId }) => [`discord:${guildId}`, await countedIn(db, 'discord', guildId)] as const))),
      [`telegram:${GROUP}`, countedTelegram] as const,
    ]) {
      const report = await replayOf(url, community);
      const byOption = [0, 1].map((o) => counted.filter((v) => v.option_idx === o).length);
      expect(report.questions[0]!.options.map((o) => o.voters), community).toEqual(byOption);
      expect(report.questions[0]!.options.map((o) => o.tokenVotes), community).toEqual(byOption.map((n) => (BigInt(n) * 100n * 10n ** 18n).toString()));
    }
  }, 120_000);
});
