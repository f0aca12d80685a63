import { afterEach, describe, expect, it } from 'vitest';
import type { Db } from '../../src/db/database.ts';
import type { FakeDiscordUser } from '../fakes/discord.ts';
import type { FakeUser } from '../fakes/telegram.ts';
import { consoleHarness } from '../helpers/console.ts';
import { discordHarness } from '../helpers/discord.ts';
import { GROUP, telegramHarness } from '../helpers/telegram.ts';
import { roundWithPoll } from './delegation-scenario.ts';

const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

// q1 opens at 2025-01-01T00:00Z and closes two days later; reminders go 24 h before the close
const CLOSES = '2025-01-03T00:00:00Z';
const CHANNEL_REMINDER = /Poll q1 closes in 24 h, at .+, and 1 member has voted so far: Fund it\?/;
const PRIVATE_REMINDER = /Reminder: poll q1 of round r1 closes in 24 h, at .+, and you have not voted: Fund it\?/;

describe('reminders before a poll closes', () => {
  it('GIVEN a Telegram group THEN the channel gets one reminder and each member who has not voted one private reminder, once, also after a restart; /notify off stops it and one who never pressed Start gets nothing, logged once', async () => {
    const t = await telegramHarness({ start: '2025-01-01T00:00:00Z' });
    cleanups.push(() => t.close());
    const users = new Map<string, FakeUser>();
    // bob never pressed Start in a private chat with the bot
    const user = (handle: string) => users.get(handle) ?? users.set(handle, t.fake.user(200 + users.size, handle, handle !== 'bob')).get(handle)!;
    await roundWithPoll({ db: () => undefined as never, mod: (line) => t.say(t.moderator, line), member: async (h) => void (await t.say(user(h), '/reputation')), say: (h, line) => t.say(user(h), line), ref: (h) => `@${h}`, advanceTo: (iso) => t.advanceTo(iso) }, CLOSES);
    await t.say(user('dave'), '/vote poll:q1 option:1');
    expect(await t.say(user('carol'), '/notify off')).toContain('No more reminders to vote from me here.');

    expect(await t.advanceTo('2025-01-01T23:59:00Z')).not.toContain('closes in');
    await t.advanceTo('2025-01-02T00:00:00Z');
    const inGroup = () => t.fake.messagesIn(GROUP).filter((m) => m.text.includes('closes in'));
    expect(inGroup()).toHaveLength(1);
    expect(inGroup()[0]!.text).toMatch(CHANNEL_REMINDER);
    const privately = (h: string) => t.fake.messagesIn(user(h).id).filter((m) => m.text.includes('Reminder: poll q1'));
    expect(privately('alice').map((m) => m.text)).toEqual([expect.stringMatching(PRIVATE_REMINDER)]);
    for (const h of ['bob', 'carol', 'dave']) expect(privately(h)).toEqual([]);
    // bob's reminder is given up at once, never shown in the group: one log line
    expect(t.errors.filter((e) => e.includes('message given up'))).toHaveLength(1);
    expect(t.fake.messagesIn(GROUP).some((m) => m.text.includes('Reminder: poll q1'))).toBe(false);

    await t.restart();
    await t.advanceTo('2025-01-02T06:00:00Z');
    await t.advanceTo('2025-01-02T12:00:00Z');
    expect(inGroup()).toHaveLength(1);
    expect(privately('alice')).toHaveLength(1);
    expect(t.errors.filter((e) => !e.includes('message given up'))).toEqual([]);
  });

  it('GIVEN a Discord server THEN the reminders go as direct messages, once; a member whose DMs are closed gets nothing', async () => {
    const d = await discordHarness({ start: '2025-01-01T00:00:00Z' });
    cleanups.push(() => d.close());
    const users = new Map<string, FakeDiscordUser>();
    const user = (handle: string) => users.get(handle) ?? users.set(handle, d.fake.member(String(300 + users.size), handle)).get(handle)!;
    await roundWithPoll({ db: () => undefined as never, mod: async (line) => (await d.run(d.moderator, line)).text, member: async (h) => void (await d.run(user(h), '/reputation')), say: async (h, line) => (await d.run(user(h), line)).text, ref: (h) => user(h).id, advanceTo: (iso) => d.advanceTo(iso) }, CLOSES);
    await d.run(user('dave'), '/vote poll:q1 option:1');
    d.fake.closedDms.add(user('bob').id);
    const posted = await d.advanceTo('2025-01-02T00:00:00Z');
    expect(posted).toMatch(CHANNEL_REMINDER);
    const privately = (h: string) => d.fake.directMessagesTo(user(h).id).filter((m) => d.fake.textOf(m).includes('Reminder: poll q1'));
    expect(privately('alice').map((m) => d.fake.textOf(m))).toEqual([expect.stringMatching(PRIVATE_REMINDER)]);
    expect(privately('carol')).toHaveLength(1);
    expect(privately('bob')).toEqual([]);
    expect(await d.advanceTo('2025-01-02T06:00:00Z')).not.toContain('closes in');
    expect(privately('alice')).toHaveLength(1);
  });

  it('GIVEN the console and reminderHours 6 THEN the poll message says the time left, the reminders come 6 h before the close, once; a negative value is refused', async () => {
    const h = await consoleHarness('2025-01-01T00:00:00Z');
    cleanups.push(() => h.close());
    const opened = await roundWithPoll({ db: () => h.db as Db, mod: (line) => h.say('/as mod --moderator', line), member: async (m) => void (await h.say(`/as ${m}`, '/reputation')), say: (m, line) => h.say(`/as ${m}`, line), ref: (m) => m, advanceTo: (iso) => h.advanceTo(iso) }, CLOSES);
    expect(opened).toMatch(/Poll q1: Fund it\? \(closes .*\) — 2 days left/);
    expect(await h.say('/as mod --moderator', '/round config key:voting.reminderHours value:-1')).toMatch(/reminderHours|greater|>=/);
    await h.say('/as mod --moderator', '/round config key:voting.reminderHours value:6');
    expect(await h.advanceTo('2025-01-02T00:00:00Z')).not.toContain('closes in');
    const reminded = await h.advanceTo('2025-01-02T18:00:00Z');
    expect(reminded).toContain('Poll q1 closes in 6 h');
    expect(reminded.split('Reminder: poll q1').length - 1).toBe(4);
    expect(await h.advanceTo('2025-01-02T19:00:00Z')).toBe('');
    expect(h.errors).toEqual([]);
  });
});
