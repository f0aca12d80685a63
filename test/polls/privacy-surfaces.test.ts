import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { openDatabase, type Db } from '../../src/db/database.ts';
import type { RunningBot } from '../../src/app.ts';
import type { FakeDiscordUser } from '../fakes/discord.ts';
import type { FakeUser } from '../fakes/telegram.ts';
import { discordHarness } from '../helpers/discord.ts';
import { GROUP, telegramHarness } from '../helpers/telegram.ts';
import { roundWithPoll, type PollSurface } from './delegation-scenario.ts';

const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

const VOTERS = ['alice', 'bob', 'carol'] as const;
/** An option label followed by a number on its line, a share, or a button counting its votes: a standing. */
const STANDING = /\b(Yes|No)\b[^\n]*\d|\d+(\.\d+)? ?%|\(\d+\)/;

interface Surface extends PollSurface {
  /** The text of every message anyone in the group or channel can see so far (buttons' labels included). */
  publicTexts(): string[];
  bot(): RunningBot;
}

/** The results page of round r1, as anyone fetches it. */
async function resultsPage(s: Surface, db: Db): Promise<string> {
  const round = await db.selectFrom('rounds').select('id').where('key', '=', 'r1').executeTakeFirstOrThrow();
  const { port } = s.bot().web!.address() as AddressInfo;
  return (await fetch(`http://127.0.0.1:${port}/rounds/${round.id}`)).text();
}

/**
 * A poll of this privacy, voted by alice (Yes), bob (No) and carol (Yes): until it closes no standing is shown in the
 * group, to the moderator's /tally or on the results page (turnout and closing time only); for a secret poll, no voter
 * is named beside a choice in the group, before or after the close.
 */
async function sealedUntilClose(s: Surface, db: () => Db, privacy: 'hidden' | 'secret') {
  await roundWithPoll(s, '2025-01-02T00:00:00Z', privacy);
  const fromVotes = s.publicTexts().length;
  for (const [i, m] of VOTERS.entries()) await s.say(m, `/vote poll:q1 option:${i === 1 ? 2 : 1}`);
  expect(await s.mod('/tally poll:q1')).toMatch(/q1: Fund it\? — its standings stay hidden until it closes \(.*\); 3 members have voted so far\./);
  const interim = s.publicTexts().slice(fromVotes);
  for (const t of interim) expect(t).not.toMatch(STANDING);
  const page = await resultsPage(s, db());
  expect(page).toMatch(/q1<\/b>: 3 of 4 members with AGIX have voted \(75%\); closes /);
  expect(page).not.toMatch(/>(Yes|No)</);

  await s.advanceTo('2025-01-02T00:00:00Z');
  const afterVotes = s.publicTexts().slice(fromVotes).join('\n');
  if (privacy === 'secret') {
    expect(afterVotes).toContain('who chose what is never published');
    for (const m of VOTERS) expect(afterVotes).not.toContain(m);
    expect(afterVotes).not.toMatch(/salt|commitment/);
  } else expect(afterVotes).toMatch(/Yes[^\n]*\d/);
}

async function telegram(): Promise<{ s: Surface; db: () => Db }> {
  const t = await telegramHarness({ start: '2025-01-01T00:00:00Z' });
  cleanups.push(() => t.close());
  const users = new Map<string, FakeUser>();
  let db: Db | undefined;
  cleanups.push(async () => db?.destroy());
  const s: Surface = {
    db: () => db!,
    mod: (line) => t.say(t.moderator, line),
    member: async (h) => {
      users.set(h, t.fake.user(200 + users.size, h));
      await t.say(users.get(h)!, '/reputation');
      db ??= await openDatabase(t.databaseUrl);
    },
    say: (h, line) => t.say(users.get(h)!, line),
    ref: (h) => `@${h}`,
    advanceTo: (iso) => t.advanceTo(iso),
    publicTexts: () => t.fake.messagesIn(GROUP).map((m) => [m.text, ...m.buttons.map((b) => b.text)].join('\n')),
    bot: () => t.bot,
  };
  return { s, db: () => db! };
}

async function discord(): Promise<{ s: Surface; db: () => Db }> {
  const d = await discordHarness({ start: '2025-01-01T00:00:00Z' });
  cleanups.push(() => d.close());
  const users = new Map<string, FakeDiscordUser>();
  let db: Db | undefined;
  cleanups.push(async () => db?.destroy());
  const EPHEMERAL = 64;
  const s: Surface = {
    db: () => db!,
    mod: async (line) => (await d.run(d.moderator, line)).text,
    member: async (h) => {
      users.set(h, d.fake.member(String(300 + users.size), h));
      await d.run(users.get(h)!, '/reputation');
      db ??= await openDatabase(d.databaseUrl);
    },
    say: async (h, line) => (await d.run(users.get(h)!, line)).text,
    ref: (h) => users.get(h)!.id,
    advanceTo: (iso) => d.advanceTo(iso),
    publicTexts: () =>
      [...d.fake.messages.values()]
        .filter((m) => (m.flags & EPHEMERAL) === 0 && d.fake.channels.get(m.channel_id)?.recipient === undefined && !m.deleted)
        .map((m) => [d.fake.textOf(m), ...m.components.flatMap((r) => r.components.map((c) => c.label ?? ''))].join('\n')),
    bot: () => d.bot,
  };
  return { s, db: () => db! };
}

describe('poll privacy on Telegram and Discord', () => {
  for (const [name, surface] of [['Telegram', telegram], ['Discord', discord]] as const)
    for (const privacy of ['hidden', 'secret'] as const)
      it(`GIVEN a ${privacy} poll on ${name} THEN no interim standing anywhere public, the results page shows turnout and closing time only${privacy === 'secret' ? ', and after the close no voter is named beside a choice' : ''}`, async () => {
        const { s, db } = await surface();
        await sealedUntilClose(s, db, privacy);
      });
});
