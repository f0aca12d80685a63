import { afterEach, describe, expect, it } from 'vitest';
import { openDatabase, type Db } from '../../src/db/database.ts';
import { loadRoundData } from '../../src/db/repositories.ts';
import { serializeRoundFile } from '../../src/roundfile/schema.ts';
import type { FakeDiscordUser, FakeMessage } from '../fakes/discord.ts';
import type { FakeUser, SentMessage } from '../fakes/telegram.ts';
import { discordHarness } from '../helpers/discord.ts';
import { GROUP, telegramHarness } from '../helpers/telegram.ts';
import { approvalAndRankedScenario, type PollSurface } from './types-scenario.ts';

const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

/** The round file of r1 as the bot's database holds it, written as /export round writes it. */
async function exportedFrom(databaseUrl: string): Promise<string> {
  const db: Db = await openDatabase(databaseUrl);
  try {
    const round = await db.selectFrom('rounds').selectAll().where('key', '=', 'r1').executeTakeFirstOrThrow();
    return serializeRoundFile(await loadRoundData(db, round));
  } finally {
    await db.destroy();
  }
}

const pick = (labels: string[], label: string | RegExp) => {
  const index = labels.findIndex((l) => (typeof label === 'string' ? l === label : label.test(l)));
  if (index < 0) throw new Error(`no button ${label} among ${labels.join(' | ')}`);
  return index;
};

describe('approval and ranked polls on Telegram and Discord', () => {
  it('GIVEN an approval and a ranked poll on Telegram, ballots built with the inline keyboard of a direct message THEN the posted final tallies are replay\'s of the export', async () => {
    const t = await telegramHarness({ start: '2025-01-01T00:00:00Z' });
    cleanups.push(() => t.close());
    const users = new Map<string, FakeUser>();
    const asked = new Map<string, SentMessage>();
    /** What the bot sent because of an action, remembering the member's last direct message with buttons. */
    const seen = (handle: string, messages: SentMessage[]) => {
      const withButtons = messages.findLast((m) => m.chat_id === users.get(handle)!.id && m.buttons.length > 0);
      if (withButtons) asked.set(handle, withButtons);
      // callback data is at most 64 bytes, as Telegram requires
      for (const m of messages) for (const b of m.buttons) expect(Buffer.byteLength(b.callback_data ?? '')).toBeLessThanOrEqual(64);
      return messages.map((m) => m.text).join('\n');
    };
    const surface: PollSurface = {
      mod: (line) => t.say(t.moderator, line),
      join: async (handle) => {
        users.set(handle, t.fake.user(200 + users.size, handle));
        await t.say(users.get(handle)!, '/reputation');
      },
      say: async (handle, line) => seen(handle, await t.after(() => t.fake.say(GROUP, users.get(handle)!, line))),
      tap: async (handle, label) => {
        const message = asked.get(handle)!;
        return seen(handle, await t.after(() => t.fake.tap(users.get(handle)!, message, pick(message.buttons.map((b) => b.text), label))));
      },
      advanceTo: (iso) => t.advanceTo(iso),
      exported: () => exportedFrom(t.databaseUrl),
    };
    await approvalAndRankedScenario(surface);
    // the drafts were private: the group saw no ballot being built
    expect(t.fake.messagesIn(GROUP).some((m) => m.text.includes('so far'))).toBe(false);
    expect(t.errors).toEqual([]);
  });

  it('GIVEN an approval and a ranked poll on Discord, ballots built with the buttons of ephemeral messages THEN the posted final tallies are replay\'s of the export', async () => {
    const d = await discordHarness({ start: '2025-01-01T00:00:00Z' });
    cleanups.push(() => d.close());
    const users = new Map<string, FakeDiscordUser>();
    const asked = new Map<string, FakeMessage>();
    const seen = (handle: string, messages: FakeMessage[]) => {
      const withButtons = messages.findLast((m) => m.components.length > 0);
      if (withButtons) asked.set(handle, withButtons);
      return d.texts(messages);
    };
    const surface: PollSurface = {
      mod: async (line) => (await d.run(d.moderator, line)).text,
      join: async (handle) => {
        users.set(handle, d.fake.member(String(300 + users.size), handle));
        await d.run(users.get(handle)!, '/reputation');
      },
      say: async (handle, line) => seen(handle, (await d.run(users.get(handle)!, line)).messages),
      tap: async (handle, label) => {
        const message = asked.get(handle)!;
        const labels = message.components.flatMap((r) => r.components.map((c) => c.label ?? ''));
        const clicked = await d.fake.click(users.get(handle)!, message, pick(labels, label));
        await d.idle();
        return seen(handle, d.fake.answerOf(clicked));
      },
      advanceTo: (iso) => d.advanceTo(iso),
      exported: () => exportedFrom(d.databaseUrl),
    };
    await approvalAndRankedScenario(surface);
    expect(d.errors).toEqual([]);
  });

  it('GIVEN an approval poll of 25 options on Discord THEN a ballot being built is a select menu of the 25 and a Submit button below it, as Discord allows', async () => {
    const d = await discordHarness({ start: '2025-01-01T00:00:00Z' });
    cleanups.push(() => d.close());
    const bob = d.fake.member('300', 'bob');
    await d.run(d.moderator, '/round create id:r1 name:R');
    await d.run(bob, '/reputation');
    await d.run(d.moderator, `/wallet add member:bob address:0x${'1'.padStart(40, '0')} tokens:100 unverified:true`);
    const options = Array.from({ length: 25 }, (_, i) => `O${i + 1}`);
    await d.run(d.moderator, `/poll open question:"Which?" options:"${options.join('|')}" type:approval`);
    const draft = (await d.run(bob, '/vote poll:q1 option:1 draft:true')).messages.findLast((m) => m.components.length > 0)!;
    const [menu, below] = draft.components;
    expect(menu!.components[0]!.options!.map((o) => o.label)).toEqual(options.map((o, i) => `${i + 1}. ${o}${i === 0 ? ' ✓' : ''}`));
    expect(below!.components.map((c) => c.label)).toEqual(['26. Submit']);
    const ticked = d.fake.answerOf(await d.fake.click(bob, draft, 2)).findLast((m) => m.components.length > 0)!;
    expect(d.texts([ticked])).toContain('so far: 1. O1, 3. O3.');
    // the button below the menu (the fake's click picks from the menu)
    const submitted = d.fake.clickNow(bob, ticked, 1);
    await submitted.finished;
    await d.idle();
    expect(d.texts(d.fake.answerOf(submitted))).toContain('Your vote on q1 is recorded: 1. O1, 3. O3');
    expect(d.errors).toEqual([]);
  });

  it('GIVEN an approval poll posted in a Telegram group THEN tapping an option of its message opens the ballot in a direct message, and the group sees no ballot', async () => {
    const t = await telegramHarness({ start: '2025-01-01T00:00:00Z' });
    cleanups.push(() => t.close());
    await t.say(t.moderator, '/round create id:r1 name:R');
    const bob = t.fake.user(200, 'bob');
    await t.say(bob, '/reputation');
    await t.say(t.moderator, `/wallet add member:bob address:0x${'1'.padStart(40, '0')} tokens:100 unverified:true`);
    await t.say(t.moderator, '/poll open question:"Which?" options:"A|B|C" type:approval');
    const poll = t.fake.messagesIn(GROUP).findLast((m) => m.buttons.length > 0)!;
    expect(poll.buttons.map((b) => b.text)).toEqual(['1. A', '2. B', '3. C']);
    const inGroup = t.fake.messagesIn(GROUP).length;
    const sent = await t.after(() => t.fake.tap(bob, poll, 1));
    const draft = sent.find((m) => m.chat_id === bob.id && m.buttons.length > 0)!;
    expect(draft.text).toContain('Your ballot on q1 so far: 2. B.');
    expect(draft.buttons.map((b) => b.text)).toEqual(['1. A', '2. B ✓', '3. C', '4. Submit']);
    const receipt = await t.after(() => t.fake.tap(bob, draft, 3));
    expect(receipt.map((m) => m.text).join('\n')).toContain('Your vote on q1 is recorded: 2. B');
    expect(t.fake.messagesIn(GROUP).slice(inGroup).map((m) => m.text).join('\n')).not.toMatch(/so far|recorded/);
    expect(t.errors).toEqual([]);
  });
});
