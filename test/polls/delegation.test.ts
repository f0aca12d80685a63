import { afterEach, describe, expect, it } from 'vitest';
import type { FakeDiscordUser } from '../fakes/discord.ts';
import type { FakeUser } from '../fakes/telegram.ts';
import { consoleHarness } from '../helpers/console.ts';
import { tempDatabaseUrl } from '../helpers/db.ts';
import { discordHarness } from '../helpers/discord.ts';
import { GROUP, telegramHarness } from '../helpers/telegram.ts';
import { openDatabase, type Db } from '../../src/db/database.ts';
import { delegationWithOverride } from './delegation-scenario.ts';
import { computeReport, reportJson } from '../../src/core/report.ts';
import { ensureCommunity, importRound, loadRoundData } from '../../src/db/repositories.ts';
import { maintainedReport, recountThread } from '../../src/db/standings.ts';
import { parseRoundFileText, serializeRoundFile } from '../../src/roundfile/schema.ts';
import { freshDb } from '../helpers/db.ts';
import { member, round, tokens } from '../helpers/round.ts';

const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

describe('delegation with override, on every surface', () => {
  it('GIVEN the console THEN the delegate carries the delegators who did not vote, a chain stops, and the posted final tally is govbot replay of the exported file', async () => {
    const h = await consoleHarness('2025-01-01T00:00:00Z', tempDatabaseUrl());
    cleanups.push(() => h.close());
    await delegationWithOverride({
      db: () => h.db,
      mod: (line) => h.say('/as mod --moderator', line),
      member: async (handle) => void (await h.say(`/as ${handle}`, '/reputation')),
      say: (handle, line) => h.say(`/as ${handle}`, line),
      ref: (handle) => handle,
      advanceTo: (iso) => h.advanceTo(iso),
    });
    // typed as text, the bare word works too
    expect(await h.say('/as carol', '/delegate revoke')).toContain('Your delegation has ended');
    expect(await h.say('/as carol', '/delegate member:carol')).toContain('You cannot delegate to yourself');
    expect(h.errors).toEqual([]);
  });

  it('GIVEN a Telegram group THEN the same, the confirmations and receipts in private messages only', async () => {
    const t = await telegramHarness({ start: '2025-01-01T00:00:00Z' });
    cleanups.push(() => t.close());
    let db: Db | undefined;
    cleanups.push(async () => db?.destroy());
    const users = new Map<string, FakeUser>();
    const texts = (messages: { text: string }[]) => messages.map((m) => m.text).join('\n');
    await delegationWithOverride({
      db: () => db!,
      mod: (line) => t.say(t.moderator, line),
      member: async (handle) => {
        users.set(handle, t.fake.user(200 + users.size, handle));
        await t.say(users.get(handle)!, '/reputation');
        db ??= await openDatabase(t.databaseUrl);
      },
      say: async (handle, line) => texts(await t.after(() => t.fake.say(GROUP, users.get(handle)!, line))),
      ref: (handle) => `@${handle}`,
      advanceTo: (iso) => t.advanceTo(iso),
    });
    // nothing about a delegation or a receipt reached the group
    expect(t.fake.messagesIn(GROUP).some((m) => /You delegate|delegated weight|Delegating to you/.test(m.text))).toBe(false);
    expect(t.errors).toEqual([]);
  });

  it('GIVEN a Discord server THEN the same, members picked with the user picker and answers ephemeral', async () => {
    const d = await discordHarness({ start: '2025-01-01T00:00:00Z' });
    cleanups.push(() => d.close());
    let db: Db | undefined;
    cleanups.push(async () => db?.destroy());
    const users = new Map<string, FakeDiscordUser>();
    await delegationWithOverride({
      db: () => db!,
      mod: async (line) => (await d.run(d.moderator, line)).text,
      member: async (handle) => {
        users.set(handle, d.fake.member(String(300 + users.size), handle));
        await d.run(users.get(handle)!, '/reputation');
        db ??= await openDatabase(d.databaseUrl);
      },
      say: async (handle, line) => (await d.run(users.get(handle)!, line)).text,
      ref: (handle) => users.get(handle)!.id,
      advanceTo: (iso) => d.advanceTo(iso),
    });
    const EPHEMERAL = 64;
    const inChannels = [...d.fake.messages.values()].filter((m) => (m.flags & EPHEMERAL) === 0 && d.fake.channels.get(m.channel_id)?.recipient === undefined);
    expect(inChannels.some((m) => /You delegate|delegated weight|Delegating to you/.test(d.fake.textOf(m)))).toBe(false);
    expect(d.errors).toEqual([]);
  });
});

describe('a delegator the round does not know yet', () => {
  it('GIVEN a community delegation from a member not enrolled in the round THEN the delegate\'s vote enrolls them and carries their weight', async () => {
    const h = await consoleHarness('2025-01-01T00:00:00Z');
    cleanups.push(() => h.close());
    await h.say('/as mod --moderator', '/round create id:r1 name:R');
    for (const m of ['alice', 'bob']) await h.say(`/as ${m}`, '/reputation');
    await h.say('/as mod --moderator', `/wallet add member:alice address:0x${'1'.padStart(40, '0')} tokens:100 unverified:true`, `/wallet add member:bob address:0x${'2'.padStart(40, '0')} tokens:400 unverified:true`);
    await h.say('/as bob', '/delegate member:alice');
    // as a snapshot of the next round would find bob: a balance, and no part taken in the round yet
    const bob = await h.db.selectFrom('members').select('id').where('handle', '=', 'bob').executeTakeFirstOrThrow();
    await h.db.deleteFrom('round_members').where('member_id', '=', bob.id).execute();
    await h.say('/as mod --moderator', '/poll open question:"Fund it?" options:"Yes|No"');
    expect(await h.say('/as alice', '/vote poll:q1 option:1')).toContain('delegated weight    20 (1 delegator who did not vote)');
    expect(await h.say('/as mod --moderator', '/tally poll:q1')).toContain('carried by delegates for members who did not vote: Yes 20 (1 member)');
    expect(h.errors).toEqual([]);
  });
});

describe('delegations imported from a round file', () => {
  const where = [
    ['in place', ':memory:', 1000],
    ['in the standings thread, fed the counts', ':memory:', 0],
    ['in the standings thread, reading the file', 'file', 0],
  ] as const;
  it.each(where)('GIVEN a file with delegations imported THEN the export lists them again and the bot\'s own tally, counted %s, is the replay of the file', async (_, url, minMembers) => {
    recountThread.minMembers = minMembers;
    cleanups.push(async () => void (recountThread.minMembers = 1000));
    const data = round({
      members: [member('alice', tokens(100)), member('bob', tokens(400)), member('carol', tokens(900))],
      questions: [{ id: 'q1', text: 'Fund it?', options: ['Yes', 'No'] }],
      votes: [{ question: 'q1', member: 'alice', option: 0, castAt: '2024-01-02T00:00:00Z' }, { question: 'q1', member: 'carol', option: 1, castAt: '2024-01-03T00:00:00Z' }],
      delegations: [
        { from: 'bob', to: 'alice', since: '2024-01-01T00:00:00Z', until: null },
        { from: 'carol', to: 'alice', since: '2024-01-01T00:00:00Z', until: '2024-01-02T12:00:00Z' },
      ],
    });
    const db = await freshDb(url === 'file' ? tempDatabaseUrl() : url);
    cleanups.push(() => db.destroy());
    const community = await ensureCommunity(db, { platform: 'console', chatId: 'default', name: 'console' });
    const row = await importRound(db, community.id, data);
    const exported = serializeRoundFile(await loadRoundData(db, row));
    expect(parseRoundFileText(exported).delegations).toEqual(data.delegations);
    const replay = computeReport(parseRoundFileText(exported));
    expect(replay.questions[0]!.options[0]!.delegated).toMatchObject({ voters: 1, quadraticVotes: 20 });
    expect(reportJson(await maintainedReport(db, row.id))).toBe(reportJson(replay));
  });
});
