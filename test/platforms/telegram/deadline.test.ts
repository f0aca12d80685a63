import { setTimeout as sleep } from 'node:timers/promises';
import type { KyselyPlugin, PluginTransformQueryArgs, PluginTransformResultArgs, QueryResult, RootOperationNode, UnknownRow } from 'kysely';
import { describe, expect, it } from 'vitest';
import { commands } from '../../../commands/index.ts';
import { migrateToLatest, openDatabase, type Db } from '../../../src/db/database.ts';
import { VoteWriter } from '../../../src/db/votes.ts';
import { DEFAULT_REACTION_EMOJI } from '../../../src/platforms/reactions.ts';
import { ChatRuntime } from '../../../src/platforms/runtime.ts';
import { TelegramChat } from '../../../src/platforms/telegram/bot.ts';
import { FakeTelegram, type FakeUser, type SentMessage } from '../../fakes/telegram.ts';
import { cleanupAfterEach } from '../../helpers/cleanup.ts';
import { tempDatabaseUrl } from '../../helpers/db.ts';
import { memoryLogger } from '../../helpers/log.ts';

const cleanup = cleanupAfterEach();
const GROUP = -1001234567890;
const COUNTING = 'Counting your vote… your receipt follows in a private message.';

/**
 * A slow transaction on demand: while closed, every write of a vote waits (inside its event's transaction, the event
 * loop free), so the commit of the taps' batch is held back for as long as a test wants.
 */
class VoteGate implements KyselyPlugin {
  #held = new Set<string>();
  #open: Promise<void> = Promise.resolve();
  #release: () => void = () => undefined;

  close(): void {
    this.#open = new Promise((resolve) => (this.#release = resolve));
  }

  open(): void {
    this.#release();
  }

  transformQuery(args: PluginTransformQueryArgs): RootOperationNode {
    const node = args.node;
    if (node.kind === 'InsertQueryNode' && node.into?.table.identifier.name === 'votes') this.#held.add(args.queryId.queryId);
    return node;
  }

  async transformResult(args: PluginTransformResultArgs): Promise<QueryResult<UnknownRow>> {
    if (this.#held.delete(args.queryId.queryId)) await this.#open;
    return args.result;
  }
}

/** A group with a round, a poll q1 "A|B", members holding tokens (`wallet: false`: none), the bot on a gated database. */
async function withPoll(members: { id: number; name: string; started?: boolean; wallet?: boolean }[]) {
  const fake = await FakeTelegram.start();
  cleanup.push(() => fake.close());
  fake.addGroup({ id: GROUP, title: 'Deadline DAO', admins: [1] });
  const mod = fake.user(1, 'mod');
  const url = tempDatabaseUrl();
  const raw = await openDatabase(url);
  cleanup.push(() => raw.destroy());
  await migrateToLatest(raw);
  const gate = new VoteGate();
  const db = raw.withPlugin(gate) as Db;
  // The bot's one SQLite connection is held by the batch while a vote waits: the test reads through its own.
  const reader = await openDatabase(url);
  cleanup.push(() => reader.destroy());
  const log = memoryLogger('warn');
  let chat: TelegramChat | undefined;
  let runtime: ChatRuntime | undefined;
  /** (Re)starts the bot with this answer deadline, as a restart with another TELEGRAM_ANSWER_DEADLINE_MS would. */
  const start = async (answerDeadlineMs: number) => {
    await chat?.stop();
    await runtime?.outbox.stop();
    runtime = new ChatRuntime({ db, votes: new VoteWriter(db), now: () => new Date('2025-01-01T00:00:00Z'), exportDir: '/tmp' }, commands, log.logger);
    chat = new TelegramChat(runtime, { token: fake.token, apiRoot: fake.url, reactions: DEFAULT_REACTION_EMOJI, answerDeadlineMs });
    await chat.start();
  };
  cleanup.push(async () => {
    gate.open();
    await chat?.stop();
    await runtime?.outbox.stop();
  });
  const idle = async () => {
    await fake.settled();
    await chat!.idle();
  };
  await start(10_000);
  fake.say(GROUP, mod, '/round create id:r1 name:R');
  const users: FakeUser[] = [];
  for (const [i, m] of members.entries()) {
    const user = fake.user(m.id, m.name, m.started ?? true);
    users.push(user);
    fake.say(GROUP, user, '/reputation');
    if (m.wallet !== false) fake.say(GROUP, mod, `/wallet add member:${m.name} address:0x${(i + 1).toString(16).padStart(40, '0')} tokens:100 unverified:true`);
  }
  fake.say(GROUP, mod, '/poll open question:"Which?" options:"A|B"');
  await idle();
  const poll = fake.sent.find((m) => m.chat_id === GROUP && m.buttons.length === 2)!;
  expect(poll, log.lines.map((l) => l.msg).join('\n')).toBeDefined();
  const votes = async (handle: string) =>
    (await reader.selectFrom('votes').innerJoin('members', 'members.id', 'votes.member_id').select('votes.option_idx').where('members.handle', '=', handle).orderBy('votes.seq').execute()).map((r) => r.option_idx);
  /** Answer calls the bot made for a query (the fake refuses all but the first). */
  const answerCalls = (id: string) => fake.calls.filter((c) => c.method === 'answerCallbackQuery' && String(c.params['callback_query_id']) === id).length;
  const until = async (done: () => boolean) => {
    for (let waited = 0; !done(); waited += 5) {
      if (waited > 3_000) throw new Error(`waited in vain: ${JSON.stringify(fake.calls.slice(-8).map((c) => [c.method, c.params['text'] ?? c.params['callback_query_id']]))}`);
      await sleep(5);
    }
  };
  return { fake, users, poll, gate, log, start, idle, votes, answerCalls, until };
}

const firstLines = (messages: SentMessage[]) => messages.map((m) => m.text.split('\n')[0]);

describe('telegram: every tap answered within the deadline', () => {
  it('GIVEN a tap whose vote commits before the deadline THEN its answer carries the receipt\'s first line, as before, and the receipt comes once by direct message', async () => {
    const t = await withPoll([{ id: 201, name: 'alice' }]);
    const before = t.fake.sent.length;
    const id = t.fake.tap(t.users[0]!, t.poll, 0);
    await t.idle();
    expect(t.fake.answers.get(id)).toEqual({ text: 'Your vote on q1 is recorded: 1. A' });
    expect(t.answerCalls(id)).toBe(1);
    expect(firstLines(t.fake.sent.slice(before))).toEqual(['Your vote on q1 is recorded: 1. A']);
    expect(t.fake.sent.slice(before).map((m) => m.chat_id)).toEqual([201]);
    expect(t.log.errors).toEqual([]);
  });

  it('GIVEN a burst of taps whose commit is held back past the deadline THEN each is answered before the commit with the counting text, and each receipt or refusal follows once, privately (a note in the group for who never started the bot)', async () => {
    const t = await withPoll([
      { id: 201, name: 'alice' },
      { id: 202, name: 'bob' },
      { id: 203, name: 'carol', started: false },
      { id: 204, name: 'dave', wallet: false },
    ]);
    const [alice, bob, carol, dave] = t.users as [FakeUser, FakeUser, FakeUser, FakeUser];
    await t.start(100);
    // bob's tap first, so that the bot has read what button B runs (the counting text names a vote only when it knows)
    t.fake.tap(bob, t.poll, 1);
    await t.idle();
    const before = t.fake.sent.length;
    t.gate.close();
    const taps = [alice, carol, dave].map((user) => t.fake.tap(user, t.poll, 1));
    // Answered while every vote's write still waits: the answers did not wait for the commit.
    await t.until(() => taps.every((id) => t.fake.answers.has(id)));
    expect(taps.map((id) => t.fake.answers.get(id))).toEqual(taps.map(() => ({ text: COUNTING })));
    expect(t.fake.sent.length).toBe(before);
    expect(await t.votes('alice')).toEqual([]);
    t.gate.open();
    await t.idle();
    const after = t.fake.sent.slice(before);
    expect(firstLines(after.filter((m) => m.chat_id === 201))).toEqual(['Your vote on q1 is recorded: 2. B']);
    expect(firstLines(after.filter((m) => m.chat_id === 204))).toEqual([expect.stringMatching(/^To vote you need a verified wallet/)]);
    // carol never started the bot: the group is told how to get the receipt, and sees nothing of it
    const inGroup = after.filter((m) => m.chat_id === GROUP);
    expect(inGroup).toHaveLength(1);
    expect(inGroup[0]!.text).toMatch(/^@carol: I cannot write to you privately\. .*start=receipts/);
    expect(inGroup[0]!.text).not.toContain('recorded');
    expect(after).toHaveLength(3);
    expect(taps.map(t.answerCalls)).toEqual([1, 1, 1]);
    expect([await t.votes('alice'), await t.votes('carol'), await t.votes('dave')]).toEqual([[1], [1], []]);
    expect(t.log.errors).toEqual([]);
  });

  it('GIVEN a deadline of 0 THEN every tap of a burst is answered at once, whether its commit came before the timer or not, and every receipt follows once', async () => {
    const t = await withPoll([
      { id: 201, name: 'alice' },
      { id: 202, name: 'bob' },
    ]);
    await t.start(0);
    const before = t.fake.sent.length;
    const taps = [...t.users.map((u) => t.fake.tap(u, t.poll, 0)), ...t.users.map((u) => t.fake.tap(u, t.poll, 1))];
    await t.idle();
    // The first tap may be answered before the bot knows what the button runs; the others name the vote.
    expect(taps.map((id) => t.fake.answers.get(id)?.text)).toEqual(taps.map(() => expect.stringMatching(/^(Counting your vote|Working on it)… .* follows in a private message\.$/)));
    expect(taps.map(t.answerCalls)).toEqual(taps.map(() => 1));
    const after = t.fake.sent.slice(before);
    for (const id of [201, 202]) expect(firstLines(after.filter((m) => m.chat_id === id))).toEqual(['Your vote on q1 is recorded: 1. A', 'Your vote on q1 is recorded: 2. B']);
    expect(after).toHaveLength(4);
    expect(await t.votes('alice')).toEqual([0, 1]);
  });

  it('GIVEN a tap answered early and delivered again while held back, and once more after its commit THEN it counts once, is answered once, and its receipt comes once', async () => {
    const t = await withPoll([{ id: 201, name: 'alice' }]);
    await t.start(100);
    const before = t.fake.sent.length;
    t.gate.close();
    const id = t.fake.tap(t.users[0]!, t.poll, 0);
    const update = t.fake.lastUpdate();
    await t.until(() => t.fake.answers.has(id));
    // Telegram sends it again while the first delivery's batch is held back; the bot takes it after that batch.
    t.fake.redeliver(update.update_id, update);
    t.gate.open();
    await t.idle();
    t.fake.redeliver(update.update_id, update);
    await t.idle();
    expect(t.answerCalls(id)).toBe(1);
    expect(await t.votes('alice')).toEqual([0]);
    expect(firstLines(t.fake.sent.slice(before))).toEqual(['Your vote on q1 is recorded: 1. A']);
    expect(t.log.errors).toEqual([]);
  });
});
