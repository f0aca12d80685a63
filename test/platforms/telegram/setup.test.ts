import { afterEach, describe, expect, it } from 'vitest';
import { telegramHarness } from '../../helpers/telegram.ts';

let h: Awaited<ReturnType<typeof telegramHarness>> | undefined;
afterEach(() => h?.close());

describe('telegram: joining a group', () => {
  it('GIVEN the bot is added to a forum group as an admin that may not delete messages THEN it posts the setup checklist there once, naming what it lacks and the first commands', async () => {
    h = await telegramHarness();
    const fake = h.fake;
    const admin = fake.user(51, 'founder');
    const posted = await h.after(() => fake.addBotTo({ id: -100777, title: 'New DAO', is_forum: true }, admin));
    expect(posted.map((m) => m.chat_id)).toEqual([-100777]);
    const checklist = posted[0]!.text;
    expect(checklist).toMatch(/^Hello! I run governance rounds here/);
    expect(checklist).toContain("Admins, I lack one right:\n✗ Delete messages: a withdrawn comment's message is removed\n✓ Admin\n✓ Pin messages\n✓ Manage topics");
    expect(checklist).toContain('1. /round create id:r1 name:"Round 1"');
    expect(checklist).toContain('/help lists every command');
    // Telegram delivering the same update again (after a crash) posts nothing more.
    const again = await h.after(() => fake.redeliver(fake.lastUpdate().update_id, fake.lastUpdate()));
    expect(again).toEqual([]);
    expect(h.errors).toEqual([]);
  });

  it('GIVEN the bot is added as a plain member THEN the checklist asks first of all to make it an admin', async () => {
    h = await telegramHarness();
    const posted = await h.after(() => h!.fake.addBotTo({ id: -100778, title: 'Small DAO', botIsAdmin: false }, h!.fake.user(52, 'founder')));
    expect(posted[0]!.text).toContain('Admins, I lack 3 rights:\n✗ Admin: Telegram sends emoji reactions');
    expect(posted[0]!.text).not.toContain('Manage topics');
  });
});
