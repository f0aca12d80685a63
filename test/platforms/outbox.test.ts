import { afterEach, describe, expect, it } from 'vitest';
import { commands } from '../../commands/index.ts';
import type { Actor, Services } from '../../src/commands/context.ts';
import { text, type Reply } from '../../src/commands/reply.ts';
import { ensureCommunity } from '../../src/db/repositories.ts';
import type { Db } from '../../src/db/database.ts';
import { VoteWriter } from '../../src/db/votes.ts';
import { Outbox, RefusedForGood, type OwedMessage } from '../../src/platforms/outbox.ts';
import { ChatRuntime } from '../../src/platforms/runtime.ts';
import { freshDb, tempDatabaseUrl } from '../helpers/db.ts';
import { memoryLogger } from '../helpers/log.ts';

let db: Db | undefined;
let outbox: Outbox | undefined;
afterEach(async () => {
  await outbox?.stop();
  await db?.destroy();
  db = outbox = undefined;
});

const moderator: Actor = { platform: 'test', userId: 'u1', handle: 'mod', isModerator: true };

/** A runtime on a fresh SQLite file whose platform "test" posts through `send`. */
async function setup(send: (m: OwedMessage) => Promise<void>) {
  db = await freshDb(tempDatabaseUrl());
  const log = memoryLogger('warn');
  const services: Services = { db, votes: new VoteWriter(db), now: () => new Date('2025-01-01T00:00:00Z'), exportDir: '/tmp' };
  outbox = new Outbox(db, log.logger, { retryMs: 5, maxAttempts: 3 });
  outbox.register('test', send);
  const runtime = new ChatRuntime(services, commands, log.logger, { outbox });
  const community = await ensureCommunity(db, { platform: 'test', chatId: 'c1', name: 'One' });
  const other = await ensureCommunity(db, { platform: 'test', chatId: 'c2', name: 'Two' });
  return { runtime, community, other, log, db };
}

const say = (words: string): Reply => ({ blocks: [text(words)] });
const words = (m: OwedMessage) => (m.reply.blocks[0] as { text: string }).text;

describe('exactly-once events and the outbox', () => {
  it('GIVEN an event that runs a command and owes messages THEN state, mark and messages commit together, and a redelivery runs nothing', async () => {
    const posted: string[] = [];
    const { runtime, community } = await setup(async (m) => void posted.push(`${m.target.kind}: ${words(m)}`));
    const first = await runtime.handle('test', 'e1', async (scope) => {
      const reply = await scope.run(community, moderator, { name: 'round', subcommand: 'create', options: { id: 'r1', name: 'R' } });
      scope.owe(community, { kind: 'reply', to: 'u1' }, reply);
      scope.owe(community, { kind: 'announce' }, say('second'));
      // Nothing is posted before the commit.
      expect(posted).toEqual([]);
      return reply.blocks.length;
    });
    expect(first).toEqual({ handled: true, value: expect.any(Number) });
    await outbox!.idle();
    expect(posted).toEqual([expect.stringMatching(/^reply: Round r1 "R" is created/), 'announce: second']);
    let ranAgain = false;
    expect(await runtime.handle('test', 'e1', async () => (ranAgain = true))).toEqual({ handled: false });
    expect(ranAgain).toBe(false);
    expect(await db!.selectFrom('rounds').select('key').execute()).toEqual([{ key: 'r1' }]);
  });

  it('GIVEN an event whose work throws THEN nothing of it is kept: no mark, no state, no message', async () => {
    const posted: string[] = [];
    const { runtime, community } = await setup(async (m) => void posted.push(words(m)));
    await expect(
      runtime.handle('test', 'e1', async (scope) => {
        await scope.run(community, moderator, { name: 'round', subcommand: 'create', options: { id: 'r1', name: 'R' } });
        scope.owe(community, { kind: 'announce' }, say('never'));
        throw new Error('the platform call in the middle failed');
      }),
    ).rejects.toThrow(/platform call/);
    await outbox!.idle();
    expect(posted).toEqual([]);
    expect(await db!.selectFrom('rounds').select('key').execute()).toEqual([]);
    // The event was not marked, so its redelivery runs.
    expect(await runtime.handle('test', 'e1', async () => 'ran')).toEqual({ handled: true, value: 'ran' });
  });

  it('GIVEN a vote in an event THEN it is written in the event transaction, and a refused command leaves the event committed', async () => {
    const { runtime, community } = await setup(async () => undefined);
    await runtime.handle('test', 'setup', async (scope) => {
      await scope.run(community, moderator, { name: 'round', subcommand: 'create', options: { id: 'r1', name: 'R' } });
      await scope.run(community, moderator, { name: 'poll', subcommand: 'open', options: { question: 'Q?', options: 'A|B' } });
      await scope.run(community, moderator, { name: 'wallet', subcommand: 'add', options: { member: 'mod', address: '0x' + '1'.repeat(40), tokens: '100', unverified: true } });
    });
    const result = await runtime.handle('test', 'tap', async (scope) => {
      const ok = await scope.run(community, moderator, { name: 'vote', options: { poll: 'q1', option: '2' } });
      const refused = await scope.run(community, moderator, { name: 'vote', options: { poll: 'q9', option: '1' } });
      return [ok.refused, refused.refused];
    });
    expect(result).toEqual({ handled: true, value: [undefined, 'unknown_poll'] });
    expect(await db!.selectFrom('votes').select(['option_idx', 'seq']).execute()).toEqual([{ option_idx: 1, seq: 0 }]);
  });

  it('GIVEN a platform that fails twice THEN the message is retried with backoff and posted once, later messages of its community wait, others go on', async () => {
    const posted: string[] = [];
    let failures = 2;
    const { runtime, community, other } = await setup(async (m) => {
      if (words(m) === 'a1' && failures-- > 0) throw new Error('502 Bad Gateway');
      posted.push(words(m));
    });
    await runtime.handle('test', 'e1', async (scope) => {
      scope.owe(community, { kind: 'announce' }, say('a1'));
      scope.owe(community, { kind: 'announce' }, say('a2'));
      scope.owe(other, { kind: 'announce' }, say('b1'));
    });
    await outbox!.idle();
    expect(posted).toEqual(['b1']);
    await expect.poll(() => posted, { timeout: 2000, interval: 5 }).toEqual(['b1', 'a1', 'a2']);
    const rows = await db!.selectFrom('outbox').select(['attempts', 'sent_at']).orderBy('id').execute();
    expect(rows.map((r) => [r.attempts, r.sent_at !== null])).toEqual([[2, true], [0, true], [0, true]]);
  });

  it('GIVEN a chart the platform refuses for good THEN the text is posted alone, saying what could not be attached; a text refused for good is given up and logged', async () => {
    const posted: Reply[] = [];
    const { runtime, community, log } = await setup(async (m) => {
      if (m.reply.attachments?.length) throw new RefusedForGood('403 Missing Permissions (Attach Files)');
      if (words(m) === 'no') throw new RefusedForGood('400 Bad Request: message is too long');
      posted.push(m.reply);
    });
    await runtime.handle('test', 'e1', async (scope) => {
      scope.owe(community, { kind: 'announce' }, { blocks: [text('Final tally')], attachments: [{ name: 'q1.png', contentType: 'image/png', content: new Uint8Array([1, 2, 3]) }] });
      scope.owe(community, { kind: 'announce' }, say('no'));
    });
    await outbox!.idle();
    expect(posted).toHaveLength(1);
    expect(posted[0]!.attachments).toEqual([]);
    expect(posted[0]!.blocks.map((b) => (b as { text: string }).text).join('\n')).toMatch(/Final tally\n\(q1\.png could not be posted: 403 Missing Permissions \(Attach Files\)\. Moderators: give the bot the permission to attach files here\.\)/);
    expect(log.errors).toEqual([expect.stringMatching(/^message given up 400 Bad Request: message is too long/)]);
    expect(log.lines.find((l) => l.msg === 'message given up')).toMatchObject({ platform: 'test', community: 'c1', target: 'announce' });
  });
});
