import { afterEach, describe, expect, it } from 'vitest';
import { GROUP, telegramHarness } from '../../helpers/telegram.ts';

let h: Awaited<ReturnType<typeof telegramHarness>>;
afterEach(() => h?.close());

describe('telegram basics', () => {
  it('GIVEN the bot starts THEN it registers separate command menus for members and group admins', async () => {
    h = await telegramHarness();
    await h.say(h.moderator, '/help');
    const members = h.fake.commands.get('all_group_chats')!.map((c) => c.command);
    const admins = h.fake.commands.get('all_chat_administrators')!.map((c) => c.command);
    expect(members).toContain('vote');
    expect(members).not.toContain('exclude');
    expect(admins).toEqual(expect.arrayContaining(['vote', 'exclude', 'poll', 'round']));
    expect(h.fake.calls.find((c) => c.method === 'getUpdates')!.params['allowed_updates']).toContain('message_reaction');
  });

  it('GIVEN a moderator creates a round THEN the group sees the answer as HTML with text escaped', async () => {
    h = await telegramHarness();
    const said = await h.say(h.moderator, '/round create id:r1 name:"Tom & <Jerry>"');
    expect(said).toContain('Round r1 "Tom & <Jerry>" is created');
    expect(h.fake.sent.at(-1)!.html).toContain('Tom &amp; &lt;Jerry&gt;');
    expect(h.errors).toEqual([]);
  });
});
