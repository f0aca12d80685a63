import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { commands } from '../../commands/index.ts';
import type { Services } from '../../src/commands/context.ts';
import { text } from '../../src/commands/reply.ts';
import { migrateToLatest, openDatabase, type Db } from '../../src/db/database.ts';
import { ensureCommunity } from '../../src/db/repositories.ts';
import { oweMessages } from '../../src/db/outbox.ts';
import { encodeReply } from '../../src/commands/reply.ts';
import { VoteWriter } from '../../src/db/votes.ts';
import { Outbox, type OwedMessage } from '../../src/platforms/outbox.ts';
import { ChatRuntime } from '../../src/platforms/runtime.ts';
import { runDueJobs } from '../../src/scheduler.ts';
import { memoryLogger } from '../helpers/log.ts';
import { postgresForTheseTests } from '../helpers/postgres.ts';
import { cleanupAfterEach } from '../helpers/cleanup.ts';

const server = postgresForTheseTests();

const cleanup = cleanupAfterEach();

const NOW = new Date('2025-03-01T12:00:00Z');

/** Two "processes" on one PostgreSQL database: each its own connection pool, as separate bot processes have. */
async function twoProcesses(): Promise<[Db, Db]> {
  const url = await server.freshDatabase();
  const first = await openDatabase(url);
  await migrateToLatest(first);
  const second = await openDatabase(url);
  cleanup.push(() => first.destroy(), () => second.destroy());
  return [first, second];
}

/** A community with a round, made through the commands as a chat would. */
async function communityWithRound(db: Db) {
  const log = memoryLogger('warn');
  const services: Services = { db, votes: new VoteWriter(db), now: () => NOW, exportDir: '/tmp' };
  const runtime = new ChatRuntime(services, commands, log.logger, { outbox: new Outbox(db, log.logger) });
  const community = await ensureCommunity(db, { platform: 'test', chatId: 'c1', name: 'One' });
  await runtime.handle('test', 'create', (scope) => scope.run(community, { platform: 'test', userId: 'u1', handle: 'mod', isModerator: true }, { name: 'round', subcommand: 'create', options: { id: 'r1', name: 'R' } }));
  const round = await db.selectFrom('rounds').select('id').executeTakeFirstOrThrow();
  return { community, roundId: round.id };
}

const phaseJob = (roundId: string, i: number, dueAt = NOW) => ({ id: `job${String(i).padStart(3, '0')}`, round_id: roundId, kind: 'phase', target: i % 2 ? 'voting' : 'proposals', due_at: new Date(dueAt.getTime() - 1000 + i).toISOString(), done_at: null });

describe('several processes on one PostgreSQL: scheduled jobs', () => {
  it('GIVEN two processes running the due jobs at the same moment THEN each job fires once, by one of them, and owes its announcement once', async () => {
    const [a, b] = await twoProcesses();
    const { roundId } = await communityWithRound(a);
    await a.insertInto('jobs').values(Array.from({ length: 40 }, (_, i) => phaseJob(roundId, i))).execute();
    const deps = (db: Db, worker: string) => ({ db, now: () => NOW, owed: () => undefined, logger: memoryLogger('warn').logger, worker });
    const fired = await Promise.all([runDueJobs(deps(a, 'A')), runDueJobs(deps(b, 'B')), runDueJobs(deps(a, 'A2')), runDueJobs(deps(b, 'B2'))]);
    expect(fired.reduce((x, y) => x + y, 0)).toBe(40);
    const audit = await a.selectFrom('audit_log').select('detail').where('action', '=', 'schedule.phase').execute();
    expect(audit).toHaveLength(40);
    expect(await a.selectFrom('outbox').select('id').execute()).toHaveLength(40);
    expect(await a.selectFrom('jobs').select('id').where('done_at', 'is', null).execute()).toEqual([]);
  });

  it('GIVEN a job leased by a process that died THEN no other process runs it before the lease runs out, and one runs it once after', async () => {
    const [a, b] = await twoProcesses();
    const { roundId } = await communityWithRound(a);
    await a.insertInto('jobs').values({ ...phaseJob(roundId, 1), leased_by: 'dead', leased_until: new Date(Date.now() + 400).toISOString() }).execute();
    const deps = (db: Db, worker: string) => ({ db, now: () => NOW, owed: () => undefined, logger: memoryLogger('warn').logger, worker });
    expect(await Promise.all([runDueJobs(deps(a, 'A')), runDueJobs(deps(b, 'B'))])).toEqual([0, 0]);
    await sleep(450);
    expect((await Promise.all([runDueJobs(deps(a, 'A')), runDueJobs(deps(b, 'B'))])).sort()).toEqual([0, 1]);
    expect(await a.selectFrom('rounds').select('phase').executeTakeFirstOrThrow()).toEqual({ phase: 'voting' });
    expect(await a.selectFrom('audit_log').select('id').where('action', '=', 'schedule.phase').execute()).toHaveLength(1);
  });
});

describe('several processes on one PostgreSQL: the outbox', () => {
  it('GIVEN two processes draining one outbox THEN every owed message is posted once, and each community\'s in the order owed', async () => {
    const [a, b] = await twoProcesses();
    const communities = await Promise.all(['c1', 'c2', 'c3'].map((chatId) => ensureCommunity(a, { platform: 'test', chatId, name: chatId })));
    for (let i = 0; i < 60; i++) {
      const community = communities[i % 3]!;
      await oweMessages(a, [{ communityId: community.id, platform: 'test', target: JSON.stringify({ kind: 'announce' }), reply: encodeReply({ blocks: [text(`m${i}`)] }) }], NOW);
    }
    const posted: { by: string; chat: string; words: string }[] = [];
    const outboxOf = (db: Db, by: string) => {
      const outbox = new Outbox(db, memoryLogger('warn').logger, { worker: by });
      outbox.register('test', async (m: OwedMessage) => {
        await sleep(1);
        posted.push({ by, chat: m.community.platform_chat_id, words: (m.reply.blocks[0] as { text: string }).text });
      });
      cleanup.push(() => outbox.stop());
      return outbox;
    };
    const first = outboxOf(a, 'A');
    const second = outboxOf(b, 'B');
    await Promise.all([first.idle(), second.idle()]);
    // A drain that found a community leased by the other comes back later; the other one finished it.
    expect(posted.map((p) => p.words).sort()).toEqual(Array.from({ length: 60 }, (_, i) => `m${i}`).sort());
    for (const [c, community] of communities.entries()) {
      const inOrder = posted.filter((p) => p.chat === community.platform_chat_id).map((p) => Number(p.words.slice(1)));
      expect(inOrder).toEqual(Array.from({ length: 20 }, (_, i) => i * 3 + c));
    }
    expect(new Set(posted.map((p) => p.by))).toEqual(new Set(['A', 'B']));
    expect(await a.selectFrom('outbox_leases').selectAll().execute()).toEqual([]);
  });

  it('GIVEN a process whose send takes longer than its lease THEN it renews the lease meanwhile, and no other process posts the same message while it is being sent', async () => {
    const [a, b] = await twoProcesses();
    const community = await ensureCommunity(a, { platform: 'test', chatId: 'c1', name: 'One' });
    await oweMessages(a, [{ communityId: community.id, platform: 'test', target: JSON.stringify({ kind: 'announce' }), reply: encodeReply({ blocks: [text('owed')] }) }], NOW);
    const LEASE_MS = 1500;
    const posted: string[] = [];
    let sending!: () => void;
    const sendStarted = new Promise<void>((resolve) => (sending = resolve));
    let answer!: () => void;
    const answered = new Promise<void>((resolve) => (answer = resolve));
    const slow = new Outbox(a, memoryLogger('warn').logger, { worker: 'A', leaseMs: LEASE_MS });
    slow.register('test', async () => {
      posted.push('A');
      sending();
      // The platform's answer comes when the test says (a rate limit, a slow HTTP answer).
      await answered;
    });
    const other = new Outbox(b, memoryLogger('warn').logger, { worker: 'B', leaseMs: LEASE_MS });
    other.register('test', async () => void posted.push('B'));
    cleanup.push(async () => {
      answer();
      await slow.stop();
    }, () => other.stop());
    slow.kick();
    await sendStarted;
    const leasedUntil = async () => Date.parse((await a.selectFrom('outbox_leases').select('leased_until').executeTakeFirstOrThrow()).leased_until);
    const takenUntil = await leasedUntil();
    // Past the lease taken before the send: without a renewal it has run out now.
    await expect.poll(() => Date.now() > takenUntil, { timeout: LEASE_MS * 2, interval: 20 }).toBe(true);
    expect(await leasedUntil()).toBeGreaterThan(takenUntil);
    await other.idle();
    expect(posted).toEqual(['A']);
    answer();
    await slow.idle();
    expect(await a.selectFrom('outbox').select('sent_at').executeTakeFirstOrThrow()).toEqual({ sent_at: expect.any(String) });
    expect(await a.selectFrom('outbox_leases').selectAll().execute()).toEqual([]);
  });

  it('GIVEN a community whose outbox was leased by a process that died THEN another process posts its messages once the lease runs out', async () => {
    const [a, b] = await twoProcesses();
    const community = await ensureCommunity(a, { platform: 'test', chatId: 'c1', name: 'One' });
    await oweMessages(a, [{ communityId: community.id, platform: 'test', target: JSON.stringify({ kind: 'announce' }), reply: encodeReply({ blocks: [text('owed')] }) }], NOW);
    await a.insertInto('outbox_leases').values({ community_id: community.id, leased_by: 'dead', leased_until: new Date(Date.now() + 300).toISOString() }).execute();
    const posted: string[] = [];
    const outbox = new Outbox(b, memoryLogger('warn').logger, { worker: 'B', leaseMs: 300 });
    outbox.register('test', async (m) => void posted.push((m.reply.blocks[0] as { text: string }).text));
    cleanup.push(() => outbox.stop());
    await outbox.idle();
    expect(posted).toEqual([]);
    await sleep(700);
    await outbox.idle();
    expect(posted).toEqual(['owed']);
    expect(await a.selectFrom('outbox').select('sent_at').executeTakeFirstOrThrow()).toEqual({ sent_at: expect.any(String) });
  });
});
