import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { openDatabase, type Db } from '../../../src/db/database.ts';
import { FakeTelegram, type FakeUser } from '../../fakes/telegram.ts';
import { cleanupAfterEach } from '../../helpers/cleanup.ts';
import { tempDatabaseUrl } from '../../helpers/db.ts';
import { outboxDrained, startBotProcess } from '../../helpers/process.ts';
import { GROUP, telegramHarness } from '../../helpers/telegram.ts';

const cleanup = cleanupAfterEach();
const OTHER = -1009999999999;
const address = (i: number) => `0x${(i + 1).toString(16).padStart(40, '0')}`;
const receipt = /^Your vote on q1 is recorded: (\d)\./;

async function until(done: () => boolean | Promise<boolean>, what: string, ms = 10_000): Promise<void> {
  for (const end = Date.now() + ms; !(await done()); await sleep(10)) if (Date.now() > end) throw new Error(`waited in vain for ${what}`);
}

/** The options each member's receipts name, in the order they were posted to them. */
const receiptsOf = (fake: FakeTelegram, user: FakeUser) => fake.messagesIn(user.id).flatMap((m) => receipt.exec(m.text)?.[1] ?? []);
const votesOf = async (db: Db, handle: string) =>
  (await db.selectFrom('votes').innerJoin('members', 'members.id', 'votes.member_id').select('votes.option_idx').where('members.handle', '=', handle).orderBy('votes.seq').execute()).map((v) => v.option_idx);
const inbox = (db: Db) => db.selectFrom('inbox').select(['update_id', 'chat_id', 'failed_at', 'error']).orderBy('update_id').execute();

/** The harness with a round, members holding tokens, and a poll q1 "A|B" in the group. */
async function withPoll(voters: number) {
  const t = await telegramHarness();
  cleanup.push(() => t.close());
  t.fake.say(GROUP, t.moderator, '/round create id:r1 name:R');
  const users = Array.from({ length: voters }, (_, i) => t.fake.user(300 + i, `voter${i}`));
  for (const [i, user] of users.entries()) {
    t.fake.say(GROUP, user, '/reputation');
    t.fake.say(GROUP, t.moderator, `/wallet add member:${user.username} address:${address(i)} tokens:100 unverified:true`);
  }
  const poll = (await t.send(t.moderator, '/poll open question:"Which?" options:"A|B"')).replies.find((m) => m.buttons.length > 0)!;
  expect(poll, t.errors.join('\n')).toBeDefined();
  const reader = await openDatabase(t.databaseUrl);
  cleanup.push(() => reader.destroy());
  return { t, users, poll, reader };
}

/**
 * Every member taps the poll once per choice, all at once: each tap is answered before its commit, and each member's
 * votes and receipts are their taps, in order.
 */
async function burstCounted({ t, users, poll, reader }: Awaited<ReturnType<typeof withPoll>>, choices: number[]): Promise<void> {
  const taps = choices.flatMap((option) => users.map((user) => t.fake.tap(user, poll, option)));
  await t.idle();
  expect(taps.map((id) => t.fake.answers.get(id)?.text)).toEqual(taps.map(() => 'Counting your vote… your receipt follows in a private message.'));
  for (const user of users) {
    expect(await votesOf(reader, user.username!), user.username).toEqual(choices);
    expect(receiptsOf(t.fake, user), user.username).toEqual(choices.map((c) => String(c + 1)));
  }
}

describe('telegram: the inbox', () => {
  it('GIVEN taps read and confirmed to Telegram, and SIGKILL before any is handled THEN Telegram keeps none, the inbox has every one, and the restarted bot counts each once, answers each and posts each receipt once', async () => {
    const fake = await FakeTelegram.start();
    cleanup.push(() => fake.close());
    fake.addGroup({ id: GROUP, title: 'Inbox DAO', admins: [1] });
    const moderator = fake.user(1, 'mod');
    const voters = Array.from({ length: 12 }, (_, i) => fake.user(300 + i, `voter${i}`));
    const url = tempDatabaseUrl();
    const env = { TELEGRAM_TOKEN: fake.token, TELEGRAM_API_ROOT: fake.url, DATABASE_URL: url, EXPORT_DIR: mkdtempSync(join(tmpdir(), 'govbot-exports-')) };
    let bot = await startBotProcess(env);
    cleanup.push(() => bot.kill());
    fake.say(GROUP, moderator, '/round create id:r1 name:R');
    voters.forEach((voter, i) => {
      fake.say(GROUP, voter, '/reputation');
      fake.say(GROUP, moderator, `/wallet add member:${voter.username} address:${address(i)} tokens:100 unverified:true`);
    });
    fake.say(GROUP, moderator, '/poll open question:"Which?" options:"A|B"');
    await fake.settled();
    await (await outboxDrained(url)).destroy();
    const poll = fake.sent.find((m) => m.chat_id === GROUP && m.buttons.length === 2);
    expect(poll, bot.output()).toBeDefined();

    // A new process knows no admin list yet: the group's first tap asks Telegram for it, which hangs, and every tap of
    // the group waits behind it, read and confirmed but not handled.
    await bot.stop();
    const release = fake.hold('getChatAdministrators');
    cleanup.push(async () => release());
    bot = await startBotProcess(env);
    const tappedAt = Date.now();
    const taps = voters.map((voter, i) => fake.tap(voter, poll!, i % 2));
    await until(() => fake.unconfirmed === 0 && fake.calls.some((c) => c.method === 'getChatAdministrators' && c.at >= tappedAt), 'the taps to be confirmed');
    await bot.kill();

    const db = await openDatabase(url);
    cleanup.push(() => db.destroy());
    expect(fake.unconfirmed).toBe(0);
    expect((await inbox(db)).map((row) => ({ chat: row.chat_id, failed: row.failed_at }))).toEqual(taps.map(() => ({ chat: String(GROUP), failed: null })));
    expect(await db.selectFrom('votes').select('seq').execute()).toEqual([]);

    release();
    bot = await startBotProcess(env);
    await (await outboxDrained(url)).destroy();
    await bot.stop();
    for (const [i, voter] of voters.entries()) {
      expect(await votesOf(db, voter.username!), voter.username).toEqual([i % 2]);
      expect(receiptsOf(fake, voter), voter.username).toEqual([String((i % 2) + 1)]);
    }
    expect(taps.filter((id) => !fake.answers.has(id))).toEqual([]);
    expect(await inbox(db)).toEqual([]);
  }, 60_000);

  it('GIVEN an update that fails in one group and the next one hanging on Telegram THEN the other group is handled meanwhile, the failed update is kept with its error and not tried again, and the hanging one is handled once Telegram answers', async () => {
    const { t, users, poll, reader } = await withPoll(3);
    t.fake.addGroup({ id: OTHER, title: 'Other DAO', admins: [1] });
    // The other group's admin list: a 502 from every try of the first update, then no answer until released.
    for (let i = 0; i < 4; i++) t.fake.failNext('getChatAdministrators', { error_code: 502, description: 'Bad Gateway' });
    let asked = 0;
    const release = t.fake.hold('getChatAdministrators', (p) => Number(p['chat_id']) === OTHER && ++asked > 4);
    cleanup.push(async () => release());
    t.fake.say(OTHER, t.moderator, '/round create id:o1 name:Failed');
    t.fake.say(OTHER, t.moderator, '/round create id:o2 name:Waited');
    users.forEach((user, i) => t.fake.tap(user, poll, i % 2));

    await until(() => users.every((user) => receiptsOf(t.fake, user).length === 1), 'the receipts in the first group');
    await until(async () => (await inbox(reader)).some((row) => row.failed_at !== null), 'the failed update');
    for (const [i, user] of users.entries()) expect(await votesOf(reader, user.username!)).toEqual([i % 2]);
    const [failed, waiting] = await inbox(reader);
    expect(failed).toMatchObject({ chat_id: String(OTHER), error: '502 Bad Gateway' });
    expect(waiting).toMatchObject({ chat_id: String(OTHER), failed_at: null });

    release();
    await t.idle();
    expect(t.fake.messagesIn(OTHER).map((m) => m.text)).toEqual([expect.stringMatching(/^Round o2 "Waited" is created/)]);
    expect(await inbox(reader)).toEqual([failed]);
    // A restart does not try the failed update again.
    await t.restart();
    await t.idle();
    expect(t.fake.messagesIn(OTHER)).toHaveLength(1);
    expect(await inbox(reader)).toEqual([failed]);
  });

  it('GIVEN a burst of taps larger than a getUpdates batch, each member changing their mind THEN each is answered before its commit, and the members’ votes and receipts come in the order of their taps', async () => {
    const { t, users, poll, reader } = await withPoll(40);
    await burstCounted({ t, users, poll, reader }, [0, 1, 0]);
    expect(await inbox(reader)).toEqual([]);
    expect(t.errors).toEqual([]);
  });

  it('GIVEN a burst whose answers share connections to Telegram, and Telegram drops one of them THEN every tap is still answered, once, and the votes and receipts are those of the taps', async () => {
    const { t, users, poll, reader } = await withPoll(40);
    // the first answer's connection is dropped without an answer, and with it the answers sent on it behind that one
    t.fake.failNext('answerCallbackQuery', 'network');
    await burstCounted({ t, users, poll, reader }, [1, 0, 1]);
    expect(t.errors).toEqual([]);
  });

  it('GIVEN a tap the inbox kept from before a restart longer ago than Telegram takes answers, also sent again by Telegram THEN it counts once, gets no late answer, and its receipt comes privately once', async () => {
    const { t, users, poll, reader } = await withPoll(1);
    let tap: { id: string; update: Record<string, unknown> & { update_id: number } } | undefined;
    await t.restart(async () => {
      // The process before read it 20 s ago, wrote it to the inbox and died before confirming it: Telegram sends it again.
      const id = t.fake.tap(users[0]!, poll, 1);
      tap = { id, update: t.fake.lastUpdate() };
      await reader
        .insertInto('inbox')
        .values({ platform: 'telegram', bot_id: String(t.fake.bot.id), update_id: tap.update.update_id, chat_id: String(GROUP), payload: JSON.stringify(tap.update), arrived_at: new Date(Date.now() - 20_000).toISOString() })
        .execute();
    });
    await t.idle();
    expect(await votesOf(reader, users[0]!.username!)).toEqual([1]);
    expect(t.fake.calls.filter((c) => c.method === 'answerCallbackQuery' && c.params['callback_query_id'] === tap!.id)).toEqual([]);
    expect(receiptsOf(t.fake, users[0]!)).toEqual(['2']);
    expect(await inbox(reader)).toEqual([]);
    // Telegram sends it once more (its confirmation was lost): nothing happens again.
    t.fake.redeliver(tap!.update.update_id, tap!.update);
    await t.idle();
    expect(await votesOf(reader, users[0]!.username!)).toEqual([1]);
    expect(receiptsOf(t.fake, users[0]!)).toEqual(['2']);
    expect(t.errors).toEqual([]);
  });
});
