import { afterEach, describe, expect, it } from 'vitest';
import { openDatabase } from '../../../src/db/database.ts';
import { expectPostsMatchReplay } from '../../helpers/audit.ts';
import type { SentMessage } from '../../fakes/telegram.ts';
import { GROUP, telegramHarness } from '../../helpers/telegram.ts';

let h: Awaited<ReturnType<typeof telegramHarness>>;
afterEach(() => h?.close());

const address = (i: number) => `0x${(i + 1).toString(16).padStart(40, '0')}`;
const find = (messages: SentMessage[], needle: string) => {
  const found = messages.find((m) => m.text.includes(needle));
  if (!found) throw new Error(`no message contains "${needle}" among:\n${messages.map((m) => m.text).join('\n---\n')}`);
  return found;
};

describe('a whole round in a Telegram group', () => {
  it('GIVEN 20 members who comment by replying, react with emoji and vote with buttons THEN the group sees the numbers replay of the export gives', async () => {
    h = await telegramHarness({ start: '2025-01-01T00:00:00Z' });
    const { fake, moderator: mod } = h;
    // m19 and m20 never opened a chat with the bot.
    const members = Array.from({ length: 20 }, (_, i) => fake.user(101 + i, `m${String(i + 1).padStart(2, '0')}`, i < 18));

    expect(await h.say(mod, '/round create id:gr2 name:"Round 2"')).toContain('Round gr2 "Round 2" is created');
    expect(await h.say(mod, '/round config key:rewards.pool value:1000')).toContain('rewards.pool is now 1,000 AGIX (1000000000000000000000 base units)');
    expect(await h.say(mod, '/round config key:rewards.capPercent value:30')).toContain('capPercent is now 30');
    expect(await h.say(mod, '/round schedule proposals:2025-01-01T01:00:00Z voting:2025-01-02T00:00:00Z close:2025-01-05T00:00:00Z')).toContain('Round gr2 scheduled');
    expect(await h.advanceTo('2025-01-01T01:00:00Z')).toContain('Round gr2 is open for proposals');

    // Everyone shows up; a private answer goes by direct message, or to the group for those who never started the bot.
    for (const m of members) await h.say(m, '/reputation');
    expect(fake.messagesIn(101).at(-1)!.text).toContain('has no points in round gr2 yet');
    expect(fake.messagesIn(GROUP).at(-1)!.text).toContain('could not write to you privately');
    for (const [i, m] of members.entries())
      expect(await h.say(mod, `/wallet add member:${m.username} address:${address(i)} tokens:${(i + 1) ** 2 * 100} unverified:true`)).toContain('UNVERIFIED wallet');

    // Proposals are posted and pinned; replies to them are comments.
    const proposals: SentMessage[] = [];
    for (const [i, m] of members.slice(0, 4).entries()) {
      const { replies } = await h.send(m, `/proposal submit title:"Proposal of ${m.username}" text:"Idea number ${i + 1}"`);
      proposals.push(find(replies, `Proposal p${i + 1}`));
    }
    expect(fake.pinned(GROUP)).toEqual(proposals.map((p) => p.message_id));
    const comments: number[] = [];
    for (const [i, m] of members.entries()) {
      const { id, replies } = await h.send(m, `Comment by ${m.username} <on> p${(i % 4) + 1}`, { replyTo: proposals[i % 4]!.message_id });
      expect(replies).toEqual([]);
      comments.push(id);
      if (i % 3 === 0) comments.push((await h.send(m, `Another one by ${m.username}`, { replyTo: proposals[0]!.message_id })).id);
      // Rating by replying to the proposal: the proposal is taken from the message answered.
      expect(await h.say(m, `/rate stars:${(i % 5) + 1}`, { replyTo: proposals[(i + 1) % 4]!.message_id })).toContain(`You rated p${((i + 1) % 4) + 1} ${(i % 5) + 1}/5`);
    }
    // A reply to a comment is a comment on the same proposal.
    comments.push((await h.send(members[5]!, 'Agreed with the above', { replyTo: comments[0] })).id);
    expect(comments).toHaveLength(28);

    // Reactions: 👍 is an upvote, ❤ positive, 👎 negative; changing one's reaction replaces it; one's own does not count.
    for (const [i, m] of members.entries()) {
      fake.react(GROUP, m, comments[(i + 3) % 20]!, ['👍']);
      if (i % 4 === 0) fake.react(GROUP, m, comments[(i + 7) % 20]!, ['❤']);
    }
    fake.react(GROUP, members[0]!, comments[0]!, ['👍']);
    fake.react(GROUP, members[1]!, comments[4]!, ['👎']);
    await fake.settled();

    // An edited comment still counts once; a withdrawn one is deleted and counts no more.
    fake.edit(GROUP, comments[3]!, 'Comment by m03, edited');
    await fake.settled();
    const lastComment = comments.at(-1)!;
    const { replies: retracted } = await h.send(members[5]!, '/retract', { replyTo: lastComment });
    expect(retracted.map((m) => [m.chat_id, m.text])).toEqual([[106, 'Comment c28 is withdrawn; it and its reactions no longer earn points.']]);
    expect(fake.calls.filter((c) => c.method === 'deleteMessage').map((c) => c.params)).toEqual([{ chat_id: GROUP, message_id: lastComment }]);

    // A redelivered update (same update_id) changes nothing.
    const again = await h.send(members[7]!, 'Once only', { replyTo: proposals[1]!.message_id });
    fake.redeliver(fake.lastUpdate().update_id, fake.lastUpdate());
    await fake.settled();
    expect(again.replies).toEqual([]);

    expect(await h.advanceTo('2025-01-02T00:00:00Z')).toContain('Voting has opened in round gr2');
    const { replies: pollPost } = await h.send(mod, '/poll open question:"Create a pool for existing services?" options:"Yes, a pool|Yes, a full round|No" closes:2025-01-03T00:00:00Z');
    const q1 = find(pollPost, 'Poll q1');
    expect(q1.buttons.map((b) => b.text)).toEqual(['1. Yes, a pool', '2. Yes, a full round', '3. No']);
    const q2 = find((await h.after(() => fake.say(GROUP, mod, '/poll open question:"A small pool for ideas?" options:"Yes|No"'))), 'Poll q2');

    const taps: string[] = [];
    for (const [i, m] of members.entries()) {
      taps.push(fake.tap(m, q1, i < 3 ? 1 : i % 3));
      fake.tap(m, q2, i % 2);
    }
    // Three members change their minds; the last tap counts.
    for (const i of [1, 3, 5]) fake.tap(members[i]!, q2, 0);
    // (Telegram hears that the updates are handled once they are committed; the taps' answers follow.)
    await h.idle();
    expect(fake.answers.get(taps[0]!)!.text).toContain('Your vote on q1 is recorded: 2. Yes, a full round');
    expect(fake.messagesIn(101).at(-1)!.text).toContain('tokens at snapshot  100 AGIX');
    expect(fake.answers.get(taps[19]!)!.url).toBe('https://t.me/govbot_test_bot?start=receipts');
    await h.say(mod, '/exclude member:m20 reason:"staff"');

    const staleQ1 = { ...q1, buttons: [...q1.buttons] };
    const q1Closed = await h.advanceTo('2025-01-03T00:00:00Z');
    expect(q1Closed).toContain('Poll q1 closed on schedule. Final tally:');
    expect(fake.sent.find((m) => m.message_id === q1.message_id)!.buttons).toEqual([]);
    // A member whose app still shows the old buttons is told the poll is closed.
    const late = fake.tap(members[4]!, staleQ1, 0);
    await h.idle();
    expect(fake.answers.get(late)).toEqual({ text: 'Poll q1 is closed; votes are no longer accepted.', show_alert: true });
    expect(await h.advanceTo('2025-01-05T00:00:00Z')).toContain('Round gr2 is closed');

    // The closing tally came with its chart, as a photo in the group.
    expect(fake.messagesIn(GROUP).some((m) => m.photo?.file_name === 'gr2-q1.png')).toBe(true);
    const tally = await h.say(mod, '/tally');
    expect(fake.messagesIn(GROUP).filter((m) => m.photo).map((m) => m.photo!.file_name).slice(-2)).toEqual(['gr2-q1.png', 'gr2-q2.png']);
    const rewards = await h.say(mod, '/rewards publish');
    const exported = (await h.after(() => fake.say(GROUP, mod, '/export round'))).find((m) => m.document)!.document!;
    expect(exported.file_name).toBe('gr2.json');

    // An auditor replays the export: every number the group saw comes out again.
    const report = expectPostsMatchReplay(exported.content, { pollClosed: q1Closed, tally, rewards });
    expect(report.members).toHaveLength(20);
    expect(report.questions[1]!.options.map((o) => o.voters)).toEqual([13, 7]);
    expect(report.rewards.pool).toBe(10n ** 21n);

    // What the chat did is what the round file holds: 28 comments and one more, less the withdrawn one, each once.
    const file = JSON.parse(exported.content) as { comments: unknown[]; reactions: { reactor: string; comment: string; kind: string }[] };
    expect(file.comments).toHaveLength(28);
    // Members are named by a keyed hash of their Telegram id: the file shows no chat user id.
    const key = (handle: string) => report.members.find((m) => m.handle === handle)!.id;
    expect(key('m01')).toMatch(/^telegram:[0-9a-f]{16}$/);
    expect(exported.content).not.toMatch(/"telegram:1\d\d"/);
    const byM01 = report.members.find((m) => m.handle === 'm01')!;
    expect(file.reactions.filter((r) => r.reactor === key('m01'))).toHaveLength(2);
    // m02 turned its 👍 into a 👎: the upvote went, the negative came.
    expect(file.reactions.filter((r) => r.reactor === key('m02')).map((r) => r.kind)).toEqual(['negative']);
    expect(byM01.points).toBeGreaterThan(0);
    expect(h.errors).toEqual([]);

    const db = await openDatabase(h.databaseUrl);
    const actions = (await db.selectFrom('audit_log').select('action').execute()).map((a) => a.action);
    await db.destroy();
    expect(actions.filter((a) => a === 'vote.cast')).toHaveLength(43);
    expect(actions.filter((a) => a === 'comment.created')).toHaveLength(29);
  });
});
