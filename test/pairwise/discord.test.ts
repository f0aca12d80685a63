import { afterEach, describe, expect, it } from 'vitest';
import { openDatabase, type Db } from '../../src/db/database.ts';
import type { FakeDiscordUser, FakeInteraction } from '../fakes/discord.ts';
import { discordHarness } from '../helpers/discord.ts';
import { deepFundingRound, type Question, type Surface } from './scenario.ts';

let h: Awaited<ReturnType<typeof discordHarness>> | undefined;
let db: Db | undefined;
afterEach(async () => {
  await db?.destroy();
  await h?.close();
  h = db = undefined;
});

describe('a Deep Funding round in a Discord server', () => {
  it('GIVEN jurors who judge in ephemeral messages through buttons and select menus, and files attached to commands THEN every posted number is the replay of the export and every next pair is govbot pairwise next', async () => {
    const d = (h = await discordHarness({ start: '2025-01-01T00:00:00Z' }));
    const { fake } = d;
    const users = new Map<string, FakeDiscordUser>();
    let lastClick: { user: FakeDiscordUser; question: Question; index: number } | undefined;
    /** What the bot answered an interaction: the last message with components is the question (ephemeral). */
    const question = (user: FakeDiscordUser, interaction: FakeInteraction): Question => {
      const messages = fake.answerOf(interaction);
      const asked = messages.findLast((m) => m.components.length > 0);
      const components = asked?.components.flatMap((r) => r.components) ?? [];
      const labels = components[0]?.type === 3 ? components[0].options!.map((o) => o.label) : components.map((c) => c.label ?? '');
      const q: Question = {
        text: d.texts(messages),
        labels,
        tap: async (index) => {
          lastClick = { user, question: q, index };
          const clicked = await fake.click(user, asked!, index);
          await d.idle();
          return question(user, clicked);
        },
      };
      return q;
    };
    const userOf = (handle: string) => users.get(handle)!;
    const file = (option: string, f: { name: string; content: string }) => ({ files: { [`${option}_file`]: { filename: f.name, content: f.content, contentType: f.name.endsWith('.json') ? 'application/json' : 'text/csv' } } });
    const surface: Surface = {
      name: 'discord',
      db: async () => (db ??= await openDatabase(d.databaseUrl)),
      mod: async (line) => (await d.run(d.moderator, line)).text,
      modWithFile: async (line, option, f) => (await d.run(d.moderator, line, file(option, f))).text,
      member: async (handle) => {
        users.set(handle, fake.member(String(300 + users.size), handle));
        return (await d.run(userOf(handle), '/pairwise show')).text;
      },
      say: async (handle, line) => question(userOf(handle), (await d.run(userOf(handle), line)).interaction),
      sayWithFile: async (handle, line, option, f) => (await d.run(userOf(handle), line, file(option, f))).text,
      // a second click on the same button is a new interaction: the same answer again, counted once
      redeliverLastTap: async () => expect((await lastClick!.question.tap(lastClick!.index)).text).toContain('Already recorded:'),
      advanceTo: (iso) => d.advanceTo(iso),
      keyOf: async (handle) => (await (await surface.db()).selectFrom('members').select('key').where('handle', '=', handle).executeTakeFirstOrThrow()).key,
    };
    const { report, latencyP99 } = await deepFundingRound(surface);
    expect(report.jurors).toHaveLength(6);
    expect(latencyP99).toBeLessThan(1000);
    // Every question was ephemeral: the channel shows no pair.
    expect(fake.inChannel(fake.channelId).some((m) => fake.textOf(m).includes('Which mattered more'))).toBe(false);
    expect(d.errors).toEqual([]);
  });
});
