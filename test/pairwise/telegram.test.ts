import { afterEach, describe, expect, it } from 'vitest';
import { openDatabase, type Db } from '../../src/db/database.ts';
import type { FakeUser, SentMessage } from '../fakes/telegram.ts';
import { GROUP, telegramHarness } from '../helpers/telegram.ts';
import { deepFundingRound, type Question, type Surface } from './scenario.ts';

let h: Awaited<ReturnType<typeof telegramHarness>> | undefined;
let db: Db | undefined;
afterEach(async () => {
  await db?.destroy();
  await h?.close();
  h = db = undefined;
});

describe('a Deep Funding round in a Telegram group', () => {
  it('GIVEN jurors who judge in direct messages through buttons, a redelivered tap and files sent with commands THEN every posted number is the replay of the export and every next pair is govbot pairwise next', async () => {
    const t = (h = await telegramHarness({ start: '2025-01-01T00:00:00Z' }));
    const { fake } = t;
    const users = new Map<string, FakeUser>();
    const text = (messages: SentMessage[]) => messages.map((m) => m.text).join('\n');
    /** The juror's direct messages an action brought: the last with buttons is the question. */
    const question = (user: FakeUser, messages: SentMessage[]): Question => {
      const direct = messages.filter((m) => m.chat_id === user.id);
      const asked = direct.findLast((m) => m.buttons.length > 0);
      return {
        text: text(messages),
        labels: asked?.buttons.map((b) => b.text) ?? [],
        tap: async (index) => question(user, await t.after(() => fake.tap(user, asked!, index))),
      };
    };
    const userOf = (handle: string) => users.get(handle)!;
    const surface: Surface = {
      name: 'telegram',
      db: async () => (db ??= await openDatabase(t.databaseUrl)),
      mod: (line) => t.say(t.moderator, line),
      modWithFile: async (line, _option, file) => text(await t.after(() => fake.sendFile(GROUP, t.moderator, { file_name: file.name, mime_type: 'text/csv', content: file.content }, line))),
      member: async (handle) => {
        users.set(handle, fake.user(200 + users.size, handle));
        return t.say(userOf(handle), '/pairwise show');
      },
      say: async (handle, line) => question(userOf(handle), await t.after(() => fake.say(GROUP, userOf(handle), line))),
      sayWithFile: async (handle, line, _option, file) => text(await t.after(() => fake.sendFile(GROUP, userOf(handle), { file_name: file.name, mime_type: file.name.endsWith('.json') ? 'application/json' : 'text/csv', content: file.content }, line))),
      redeliverLastTap: async () => {
        const tap = fake.lastUpdate();
        expect('callback_query' in tap).toBe(true);
        const sent = await t.after(() => fake.redeliver(tap.update_id, tap));
        expect(sent).toEqual([]);
      },
      advanceTo: (iso) => t.advanceTo(iso),
      keyOf: async (handle) => (await (await surface.db()).selectFrom('members').select('key').where('handle', '=', handle).executeTakeFirstOrThrow()).key,
    };
    const { report, latencyP99 } = await deepFundingRound(surface);
    expect(report.jurors).toHaveLength(6);
    expect(latencyP99).toBeLessThan(1000);
    // The questions went by direct message only: the group saw no pair.
    expect(fake.messagesIn(GROUP).some((m) => m.text.includes('Which mattered more'))).toBe(false);
    // The close came with the weights' chart and the funding CSV.
    expect(fake.messagesIn(GROUP).some((m) => m.photo?.file_name === 'df1-weights.png')).toBe(true);
    expect(fake.messagesIn(GROUP).find((m) => m.document?.file_name === 'df1-funding.csv')?.document?.content).toMatch(/^member,handle,/);
    expect(t.errors).toEqual([]);
  });
});
