import { describe, expect, it } from 'vitest';
import { commands } from '../../commands/index.ts';
import type { Actor, Services } from '../../src/commands/context.ts';
import { text } from '../../src/commands/reply.ts';
import { migrateToLatest, openDatabase, type Db } from '../../src/db/database.ts';
import { ensureCommunity } from '../../src/db/repositories.ts';
import { VoteWriter } from '../../src/db/votes.ts';
import { Outbox } from '../../src/platforms/outbox.ts';
import { DEFAULT_REACTION_EMOJI } from '../../src/platforms/reactions.ts';
import { ChatRuntime, type EventScope } from '../../src/platforms/runtime.ts';
import { TelegramChat } from '../../src/platforms/telegram/bot.ts';
import { FakeTelegram } from '../fakes/telegram.ts';
import { cleanupAfterEach } from '../helpers/cleanup.ts';
import { tempDatabaseUrl } from '../helpers/db.ts';
import { memoryLogger } from '../helpers/log.ts';
import { postgresForTheseTests } from '../helpers/postgres.ts';

const cleanup = cleanupAfterEach();
const server = postgresForTheseTests();

/** A fresh database, destroyed after the test (after what uses it is stopped). */
async function database(url: string): Promise<Db> {
  const db = await openDatabase(url);
  cleanup.push(() => db.destroy());
  await migrateToLatest(db);
  return db;
}

const moderator: Actor = { platform: 'test', userId: 'u1', handle: 'mod', isModerator: true };

/** A runtime whose platform "test" posts into `posted`, on the database at `url`. */
async function setup(url: string) {
  const db = await database(url);
  const log = memoryLogger('warn');
  const services: Services = { db, votes: new VoteWriter(db), now: () => new Date('2025-01-01T00:00:00Z'), exportDir: '/tmp' };
  const outbox = new Outbox(db, log.logger, { retryMs: 5 });
  const posted: string[] = [];
  outbox.register('test', async (m) => void posted.push((m.reply.blocks[0] as { text: string }).text));
  cleanup.push(() => outbox.stop());
  const runtime = new ChatRuntime(services, commands, log.logger, { outbox });
  const community = await ensureCommunity(db, { platform: 'test', chatId: 'c1', name: 'One' });
  return { runtime, community, posted, outbox, db };
}

/** Events handed in at once; each owes one announcement naming it, and `fails` throws after writing a round. */
function burst(runtime: ChatRuntime, community: Awaited<ReturnType<typeof setup>>['community'], names: string[], fails: (name: string) => Error | undefined) {
  return names.map((name) =>
    runtime.handle(
      'test',
      name,
      async (scope: EventScope) => {
        await scope.run(community, moderator, { name: 'round', subcommand: 'create', options: { id: name, name } });
        scope.owe(community, { kind: 'announce' }, { blocks: [text(name)] });
        const failure = fails(name);
        if (failure) throw failure;
        return name;
      },
      'c1',
    ),
  );
}

describe.each([
  ['SQLite', () => Promise.resolve(tempDatabaseUrl())],
  ['PostgreSQL', () => server.freshDatabase()],
])('events committed in groups, on %s', (_engine, databaseUrl) => {
  it('GIVEN a burst of events one of which fails THEN they share one transaction, the failing one alone leaves nothing (no mark, no state, no message), the others commit in order', async () => {
    const { runtime, community, posted, outbox, db } = await setup(await databaseUrl());
    const names = ['e1', 'e2', 'e3', 'e4', 'e5'];
    const results = await Promise.allSettled(burst(runtime, community, names, (name) => (name === 'e3' ? new Error('e3 went wrong') : undefined)));
    expect(results.map((r) => (r.status === 'fulfilled' ? r.value : String(r.reason)))).toEqual([
      { handled: true, value: 'e1' },
      { handled: true, value: 'e2' },
      'Error: e3 went wrong',
      { handled: true, value: 'e4' },
      { handled: true, value: 'e5' },
    ]);
    expect(runtime.eventCommits).toBe(1);
    await outbox.idle();
    expect(posted).toEqual(['e1', 'e2', 'e4', 'e5']);
    expect((await db.selectFrom('rounds').select('key').orderBy('key').execute()).map((r) => r.key)).toEqual(['e1', 'e2', 'e4', 'e5']);
    expect((await db.selectFrom('handled_events').select('event_id').orderBy('event_id').execute()).map((r) => r.event_id)).toEqual(['e1', 'e2', 'e4', 'e5']);
    // The failed event was not marked: its redelivery runs; one delivered twice in a batch runs once.
    const again = await Promise.all([...burst(runtime, community, ['e3', 'e3', 'e1'], () => undefined)]);
    expect(again).toEqual([{ handled: true, value: 'e3' }, { handled: false }, { handled: false }]);
  });
});

describe('events committed in groups', () => {
  it('GIVEN a batch whose event meets a deadlock (PostgreSQL 40P01) THEN nothing of the batch is kept and its events are handled again one per transaction, in order, each once', async () => {
    const { runtime, community, posted, outbox, db } = await setup(tempDatabaseUrl());
    let deadlocks = 1;
    const deadlock = Object.assign(new Error('deadlock detected'), { code: '40P01' });
    const results = await Promise.all(burst(runtime, community, ['e1', 'e2', 'e3'], (name) => (name === 'e2' && deadlocks-- > 0 ? deadlock : undefined)));
    expect(results).toEqual(['e1', 'e2', 'e3'].map((value) => ({ handled: true, value })));
    // The failed batch committed nothing; each event then had a transaction of its own.
    expect(runtime.eventCommits).toBe(3);
    await outbox.idle();
    expect(posted).toEqual(['e1', 'e2', 'e3']);
    expect(await db.selectFrom('rounds').select('key').orderBy('key').execute()).toEqual([{ key: 'e1' }, { key: 'e2' }, { key: 'e3' }]);
  });

  it('GIVEN a burst of poll taps in one Telegram group THEN they are committed in far fewer transactions than taps, each counted once, each member’s last tap counting, every tap answered', async () => {
    const fake = await FakeTelegram.start();
    cleanup.push(() => fake.close());
    const group = -1001234567890;
    fake.addGroup({ id: group, title: 'Batch DAO', admins: [1] });
    const mod = fake.user(1, 'mod');
    const voters = Array.from({ length: 30 }, (_, i) => fake.user(500 + i, `v${i}`));
    const db = await database(tempDatabaseUrl());
    const log = memoryLogger('warn');
    const runtime = new ChatRuntime({ db, votes: new VoteWriter(db), now: () => new Date('2025-01-01T00:00:00Z'), exportDir: '/tmp' }, commands, log.logger);
    // Answers wait for the commit however loaded the machine is: this test counts receipts in the answers.
    const chat = new TelegramChat(runtime, { token: fake.token, apiRoot: fake.url, reactions: DEFAULT_REACTION_EMOJI, answerDeadlineMs: 10_000 });
    cleanup.push(async () => {
      await chat.stop();
      await runtime.outbox.stop();
    });
    await chat.start();
    const settle = async () => {
      await fake.settled();
      await chat.idle();
    };
    fake.say(group, mod, '/round create id:r1 name:R');
    for (const v of voters) fake.say(group, v, '/reputation');
    voters.forEach((v, i) => fake.say(group, mod, `/wallet add member:${v.username} address:0x${(i + 1).toString(16).padStart(40, '0')} tokens:100 unverified:true`));
    fake.say(group, mod, '/poll open question:"Which?" options:"A|B"');
    await settle();
    const poll = fake.sent.find((m) => m.chat_id === group && m.buttons.length === 2);
    expect(poll, log.lines.map((l) => l.msg).join('\n')).toBeDefined();

    const before = runtime.eventCommits;
    // Each member taps A, then changes their mind to B: the second tap must be applied after the first.
    const taps = [...voters.map((v) => fake.tap(v, poll!, 0)), ...voters.map((v) => fake.tap(v, poll!, 1))];
    await settle();
    const commits = runtime.eventCommits - before;
    expect(commits).toBeGreaterThan(0);
    expect(commits).toBeLessThan(taps.length / 4);
    expect(taps.filter((id) => !fake.answers.get(id)?.text?.includes('recorded'))).toEqual([]);
    const votes = await db.selectFrom('votes').innerJoin('members', 'members.id', 'votes.member_id').select(['members.handle', 'votes.option_idx', 'votes.seq']).orderBy('members.handle').orderBy('votes.seq').execute();
    expect(votes).toEqual(
      voters
        .map((v) => v.username!)
        .sort()
        .flatMap((handle) => [
          { handle, option_idx: 0, seq: 0 },
          { handle, option_idx: 1, seq: 1 },
        ]),
    );
    expect(log.errors).toEqual([]);
  });
});
