import { afterEach, describe, expect, it } from 'vitest';
import { openDatabase } from '../../../src/db/database.ts';
import { expectPostsMatchReplay } from '../../helpers/audit.ts';
import { discordHarness } from '../../helpers/discord.ts';

let h: Awaited<ReturnType<typeof discordHarness>>;
afterEach(() => h?.close());

const address = (i: number) => `0x${(i + 1).toString(16).padStart(40, '0')}`;

describe('a whole round in a Discord server', () => {
  it('GIVEN 20 members using slash commands, a modal, thread comments, reactions and buttons THEN the channel shows the numbers replay of the export gives', async () => {
    h = await discordHarness({ start: '2025-01-01T00:00:00Z' });
    const { fake, moderator: mod } = h;
    const members = Array.from({ length: 20 }, (_, i) => fake.member(String(101 + i), `m${String(i + 1).padStart(2, '0')}`));

    expect((await h.run(mod, '/round create id:gr2 name:"Round 2"')).text).toContain('Round gr2 "Round 2" is created');
    expect((await h.run(mod, '/round config key:rewards.pool value:1000')).text).toContain('rewards.pool is now 1,000 AGIX (1000000000000000000000 base units)');
    expect((await h.run(mod, '/round config key:rewards.capPercent value:30')).text).toContain('capPercent is now 30');
    expect((await h.run(mod, '/round schedule proposals:2025-01-01T01:00:00Z voting:2025-01-02T00:00:00Z close:2025-01-05T00:00:00Z')).text).toContain('Round gr2 scheduled');
    expect(await h.advanceTo('2025-01-01T01:00:00Z')).toContain('Round gr2 is open for proposals');

    // Answers that concern only the asker are ephemeral.
    for (const m of members) {
      const { messages } = await h.run(m, '/reputation');
      expect(messages.every((x) => x.flags & 64)).toBe(true);
    }
    for (const [i, m] of members.entries()) await h.run(mod, `/wallet add member:${m.username} address:${address(i)} tokens:${(i + 1) ** 2 * 100} unverified:true`);

    // /proposal submit opens a modal; the proposal is posted and gets a thread; messages in the thread are comments.
    const threads: string[] = [];
    for (const [i, m] of members.slice(0, 4).entries()) {
      const { interaction } = await h.run(m, '/proposal submit');
      const modal = interaction.responses[0]!;
      expect(modal.type).toBe(9);
      const submitted = await fake.submitModal(m, String(modal.data!['custom_id']), { title: `Proposal of ${m.username}`, text: `Idea number ${i + 1}` });
      const post = fake.answerOf(submitted)[0]!;
      expect(fake.textOf(post)).toContain(`Proposal p${i + 1}: Proposal of ${m.username}\nby ${m.username}, in round gr2\nIdea number ${i + 1}\nWrite in this thread to comment on it`);
      threads.push(fake.threadOf(post.id)!);
    }
    expect(fake.channels.get(threads[0]!)!.name).toBe('p1: Proposal of m01');

    const comments: string[] = [];
    for (const [i, m] of members.entries()) {
      comments.push(await fake.post(m, threads[i % 4]!, `Comment by ${m.username} on p${(i % 4) + 1}`));
      if (i % 3 === 0) comments.push(await fake.post(m, threads[0]!, `Another one by ${m.username}`));
      // In a proposal's thread, /rate needs no proposal: the thread says which.
      expect((await h.run(m, `/rate stars:${(i % 5) + 1}`, { channel: threads[(i + 1) % 4]! })).text).toContain(`You rated p${((i + 1) % 4) + 1} ${(i % 5) + 1}/5`);
    }
    // The same event seen twice counts once; messages from bots do not count.
    comments.push(await fake.post(members[7]!, threads[1]!, 'Once only', { duplicate: true }));
    await fake.post(fake.bot, threads[1]!, 'I am a bot');
    expect(comments).toHaveLength(28);

    // Reactions: 👍 upvote, ❤ and 🔥 positive, 👎 negative; removing a reaction takes it back; bots and self do not count.
    for (const [i, m] of members.entries()) {
      await fake.react(m, comments[(i + 3) % 20]!, '👍');
      if (i % 4 === 0) await fake.react(m, comments[(i + 7) % 20]!, '❤');
    }
    await fake.react(members[0]!, comments[0]!, '👍');
    await fake.react(members[1]!, comments[4]!, '👍', false);
    await fake.react(members[1]!, comments[4]!, '👎');
    // Two positive emoji, one taken back: still positive.
    await fake.react(members[2]!, comments[9]!, '🔥');
    await fake.react(members[2]!, comments[9]!, '❤');
    await fake.react(members[2]!, comments[9]!, '🔥', false);
    await fake.react({ ...fake.member('999', 'otherbot'), bot: true }, comments[9]!, '👍');

    // An edited comment counts once; a deleted one counts no more.
    await fake.edit(members[2]!, comments[3]!, 'Comment by m03, edited');
    await fake.remove(members[7]!, comments.at(-1)!);

    expect(await h.advanceTo('2025-01-02T00:00:00Z')).toContain('Voting has opened in round gr2');
    const q1 = (await h.run(mod, '/poll open question:"Create a pool for existing services?" options:"Yes, a pool|Yes, a full round|No" closes:2025-01-03T00:00:00Z')).messages.at(-1)!;
    expect(q1.components[0]!.components.map((b) => b.label)).toEqual(['1. Yes, a pool', '2. Yes, a full round', '3. No']);
    const q2 = (await h.run(mod, '/poll open question:"A small pool for ideas?" options:"Yes|No"')).messages.at(-1)!;
    const q3 = (await h.run(mod, '/poll open question:"Which colour?" options:"Red|Orange|Yellow|Green|Blue|Indigo|Violet"')).messages.at(-1)!;
    expect(q3.components[0]!.components[0]!.type).toBe(3);

    const receipts: string[] = [];
    for (const [i, m] of members.entries()) {
      const vote = await fake.click(m, q1, i < 3 ? 1 : i % 3);
      receipts.push(h.texts(fake.answerOf(vote)));
      expect(fake.answerOf(vote).every((x) => x.flags & 64)).toBe(true);
      await fake.click(m, q2, i % 2);
    }
    expect(receipts[0]).toContain('Your vote on q1 is recorded: 2. Yes, a full round');
    expect(receipts[0]).toContain('tokens at snapshot  100 AGIX');
    // Three members change their minds; the last click counts. A select menu works the same way.
    for (const i of [1, 3, 5]) await fake.click(members[i]!, q2, 0);
    expect(h.texts(fake.answerOf(await fake.click(members[0]!, q3, 6)))).toContain('Your vote on q3 is recorded: 7. Violet');

    // A member trying a moderator command, and an interaction for an unknown poll, get private answers.
    const refused = await h.run(members[4]!, '/exclude member:m20');
    expect(refused.text).toBe('Only moderators may use /exclude.');
    expect(refused.messages[0]!.flags & 64).toBe(64);
    expect((await h.run(members[4]!, '/vote poll:q9 option:1')).text).toContain('There is no poll "q9" in round gr2');
    await h.run(mod, '/exclude member:m20 reason:"staff"');

    const q1Closed = await h.advanceTo('2025-01-03T00:00:00Z');
    expect(q1Closed).toContain('Poll q1 closed on schedule. Final tally\nq1: ');
    expect(fake.messages.get(q1.id)!.content).toContain('Closed.');
    expect(fake.messages.get(q1.id)!.components[0]!.components.every((b) => b.disabled)).toBe(true);
    expect(h.texts(fake.answerOf(await fake.click(members[4]!, q1, 0)))).toBe('Poll q1 is closed; votes are no longer accepted.');
    expect(await h.advanceTo('2025-01-05T00:00:00Z')).toContain('Round gr2 is closed');

    const tallied = await h.run(mod, '/tally');
    const tally = tallied.text;
    // Each poll's chart comes attached, as a PNG.
    expect(tallied.messages[0]!.attachments.map((a) => a.filename)).toEqual(['gr2-q1.png', 'gr2-q2.png', 'gr2-q3.png']);
    // …each shown inside its poll's embed, under the tally's title.
    const embeds = tallied.messages[0]!.embeds;
    expect(embeds.map((e) => [e.title, e.image?.url, e.description?.split('\n')[1]])).toEqual([
      ['Tally of round gr2', 'attachment://gr2-q1.png', expect.stringMatching(/^q1: /)],
      [undefined, 'attachment://gr2-q2.png', expect.stringMatching(/^q2: /)],
      [undefined, 'attachment://gr2-q3.png', expect.stringMatching(/^q3: /)],
    ]);
    expect(new Set(embeds.map((e) => e.color)).size).toBe(1);
    const rewards = (await h.run(mod, '/rewards publish')).text;
    const file = (await h.run(mod, '/export round')).messages[0]!.attachments[0]!;
    expect(file.filename).toBe('gr2.json');

    const report = expectPostsMatchReplay(file.content, { pollClosed: q1Closed, tally, rewards });
    expect(report.members).toHaveLength(20);
    expect(report.questions[1]!.options.map((o) => o.voters)).toEqual([13, 7]);
    const exported = JSON.parse(file.content) as { comments: unknown[]; reactions: { reactor: string; comment: string; kind: string }[] };
    // 28 comments were made, the duplicated event counted once, and the deleted one withdrawn.
    expect(exported.comments).toHaveLength(27);
    const key = (handle: string) => report.members.find((m) => m.handle === handle)?.id;
    expect(exported.reactions.filter((r) => r.reactor === key('m01')).map((r) => r.kind).sort()).toEqual(['positive', 'upvote']);
    expect(exported.reactions.filter((r) => r.reactor === key('m02')).map((r) => r.kind)).toEqual(['negative']);
    expect(exported.reactions.filter((r) => r.reactor === key('m03')).map((r) => r.kind).sort()).toEqual(['positive', 'upvote']);
    expect(key('otherbot')).toBeUndefined();
    expect(file.content).not.toContain('"discord:101"');
    expect(h.errors).toEqual([]);

    const db = await openDatabase(h.databaseUrl);
    const actions = (await db.selectFrom('audit_log').select('action').execute()).map((a) => a.action);
    await db.destroy();
    expect(actions.filter((a) => a === 'comment.created')).toHaveLength(28);
    expect(actions.filter((a) => a === 'comment.retracted')).toHaveLength(1);
  });
});
