import { afterEach, describe, expect, it } from 'vitest';
import { GROUP, telegramHarness } from '../../helpers/telegram.ts';

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

describe('telegram: tiers without roles', () => {
  it('GIVEN /leaderboard posted in the group THEN it is pinned, and edited once the standings it shows move', async () => {
    h = await telegramHarness();
    const { fake } = h;
    const alice = fake.user(2, 'alice');
    const bob = fake.user(3, 'bob');
    await h.say(h.moderator, '/round create id:r1 name:R');
    await h.say(alice, '/proposal submit title:"Docs" text:"Write them"');
    const [board] = (await h.send(h.moderator, '/leaderboard')).replies;
    expect(board!.text).toMatch(/^Reputation in round r1\n\n#\s+member\s+points\s+tier\n.*\n1\s+alice\s+[\d.]+\s+A$/);
    expect(fake.pinned(GROUP)).toContain(board!.message_id);
    await h.say(bob, '/proposal submit title:"Tests" text:"Write them too"');
    await h.say(bob, '/comment proposal:p1 text:"Yes"');
    await h.bot.telegram!.leaderboards.idle();
    const edited = fake.sent.find((m) => m.message_id === board!.message_id)!;
    expect(edited.text).toMatch(/1\s+bob\s+[\d.]+\s+A\n2\s+alice\s+[\d.]+\s+[A-D]$/);
    expect(h.errors).toEqual([]);
  });

  it('GIVEN a member asks /reputation THEN the answer names their tier', async () => {
    h = await telegramHarness();
    const alice = h.fake.user(2, 'alice');
    await h.say(h.moderator, '/round create id:r1 name:R');
    await h.say(alice, '/proposal submit title:"Docs" text:"Write them"');
    expect(await h.say(alice, '/reputation')).toMatch(/alice in round r1: [\d.]+ points, tier A, voting factor 5\.\n\nRank 1 of 1 members with points\./);
  });
});
