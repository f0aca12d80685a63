import { afterEach, describe, expect, it } from 'vitest';
import { openDatabase } from '../../../src/db/database.ts';
import type { FakeDiscordUser } from '../../fakes/discord.ts';
import { discordHarness } from '../../helpers/discord.ts';

let h: Awaited<ReturnType<typeof discordHarness>> | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

const EPHEMERAL = 64;
const CALLBACK = /^POST \/interactions\/\d+\/[^/]+\/callback$/;
const CHANNEL_POST = /^POST \/channels\/\d+\/messages$/;

/** A round in its voting phase, alice holding 100 test tokens, and a poll; returns the poll's message. */
async function votingRound(harness: NonNullable<typeof h>, alice: FakeDiscordUser) {
  await harness.run(harness.moderator, '/round create id:r1 name:R');
  await harness.run(harness.moderator, '/round schedule proposals:2025-01-01T01:00:00Z voting:2025-01-02T00:00:00Z close:2025-01-05T00:00:00Z');
  await harness.advanceTo('2025-01-02T00:00:00Z');
  await harness.run(alice, '/reputation');
  await harness.run(harness.moderator, `/wallet add member:alice address:0x${'1'.padStart(40, '0')} tokens:100 unverified:true`);
  return (await harness.run(harness.moderator, '/poll open question:"Fund docs?" options:"Yes|No"')).messages.at(-1)!;
}

const linesOf = (harness: NonNullable<typeof h>, interaction: string) => harness.log.lines.filter((l) => l['interaction'] === interaction);

describe('discord: a failed call is one event\'s trouble, never the bot\'s', () => {
  it('GIVEN Discord answers 502 to an interaction\'s answer THEN it is logged once with the guild and interaction, the member gets the answer by DM, and later commands in every server are answered', async () => {
    h = await discordHarness();
    const other = h.fake.addGuild('Other DAO');
    const alice = h.fake.member('201', 'alice');
    await h.run(h.moderator, '/round create id:r1 name:R');
    h.fake.fail(CALLBACK, 502, { times: 2 });
    const { interaction, messages } = await h.run(alice, '/reputation');
    expect(messages).toEqual([]);
    expect(h.fake.directMessagesTo('201').map((m) => h!.fake.textOf(m)).join('\n')).toContain('has no points in round r1 yet');
    const lines = linesOf(h, interaction.id);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({ level: 'warn', platform: 'discord', guild: h.fake.guildId, command: 'reputation' });
    expect(String(lines[0]!['error'])).toContain('502');
    // The next events, in this server and in another, are handled as if nothing happened.
    expect((await h.run(h.moderator, '/round create id:r1 name:Other', { channel: other.channelId })).text).toContain('Round r1 "Other" is created');
    expect((await h.run(alice, '/reputation')).messages.map((m) => m.flags & EPHEMERAL)).toEqual([EPHEMERAL]);
    expect(h.errors).toEqual([]);
  });

  it('GIVEN the bot may not open threads in the channel (50013) THEN the proposal is posted, the refusal logged once, and its author told privately what permission is missing', async () => {
    h = await discordHarness();
    const alice = h.fake.member('201', 'alice');
    await h.run(h.moderator, '/round create id:r1 name:R');
    await h.run(h.moderator, '/round schedule proposals:2025-01-01T01:00:00Z voting:2025-01-02T00:00:00Z close:2025-01-05T00:00:00Z');
    await h.advanceTo('2025-01-01T01:00:00Z');
    h.fake.deny(h.fake.channelId, 'CreatePublicThreads');
    const { interaction, messages } = await h.run(alice, '/proposal submit title:"Better docs" text:"Write them"');
    expect(messages.map((m) => [h!.fake.textOf(m).split('\n')[0], m.flags & EPHEMERAL])).toEqual([
      [expect.stringContaining('Proposal p1: Better docs'), 0],
      [expect.stringContaining('p1 is posted, but I could not open its thread (403 Missing Permissions'), EPHEMERAL],
    ]);
    expect(h.fake.threadOf(messages[0]!.id)).toBeUndefined();
    expect(linesOf(h, interaction.id).map((l) => [l.level, l.msg, l['guild']])).toEqual([['error', "could not open the proposal's thread", h.fake.guildId]]);
    expect((await h.run(alice, '/reputation')).messages).toHaveLength(1);
  });

  it('GIVEN Discord refuses a scheduled announcement (50013) THEN the outbox gives it up with Discord\'s reason, and the bot goes on', async () => {
    h = await discordHarness();
    await h.run(h.moderator, '/round create id:r1 name:R');
    await h.run(h.moderator, '/round schedule proposals:2025-01-01T01:00:00Z voting:2025-01-02T00:00:00Z close:2025-01-05T00:00:00Z');
    h.fake.deny(h.fake.channelId, 'SendMessages');
    expect(await h.advanceTo('2025-01-01T01:00:00Z')).toBe('');
    expect(h.errors).toEqual([expect.stringMatching(/^message given up 403 Missing Permissions \(code 50013, POST \/api\/v10\/channels\/\d+\/messages\)$/)]);
    expect((await h.run(h.moderator, '/round show')).text).toContain('r1');
  });

  it('GIVEN a poll closing on schedule where the bot may not attach files THEN the tally is posted as text naming the missing permission, and the poll\'s buttons are disabled', async () => {
    h = await discordHarness();
    const alice = h.fake.member('201', 'alice');
    await votingRound(h, alice);
    const poll = (await h.run(h.moderator, '/poll open question:"Closes soon?" options:"Yes|No" closes:2025-01-03T00:00:00Z')).messages.at(-1)!;
    await h.fake.click(alice, poll, 0);
    h.fake.deny(h.fake.channelId, 'AttachFiles');
    const posted = await h.advanceTo('2025-01-03T00:00:00Z');
    expect(posted).toContain('Poll q2 closed on schedule. Final tally');
    expect(posted).toMatch(/q2\.png could not be posted: 403 Missing Permissions.*Moderators: give the bot the permission to attach files here\./s);
    expect(h.fake.messages.get(poll.id)!.components[0]!.components.every((b) => b.disabled)).toBe(true);
  });

  it('GIVEN a long rate limit (429, retry_after 30 s) on posts THEN it is handed back to the outbox instead of holding the bot, and stop() returns promptly', async () => {
    h = await discordHarness();
    await h.run(h.moderator, '/round create id:r1 name:R');
    await h.run(h.moderator, '/round schedule proposals:2025-01-01T01:00:00Z voting:2025-01-02T00:00:00Z close:2025-01-05T00:00:00Z');
    h.fake.fail(CHANNEL_POST, 429, { times: 100, retryAfter: 30 });
    await h.advanceTo('2025-01-01T01:00:00Z');
    expect(h.fake.requests.filter((r) => r.status === 429)).toHaveLength(1);
    const started = Date.now();
    await h.close();
    h = undefined;
    expect(Date.now() - started).toBeLessThan(2000);
  });

  it('GIVEN a short rate limit (429, retry_after 1 s) THEN discord.js waits it out and the announcement is posted once', async () => {
    h = await discordHarness();
    await h.run(h.moderator, '/round create id:r1 name:R');
    await h.run(h.moderator, '/round schedule proposals:2025-01-01T01:00:00Z voting:2025-01-02T00:00:00Z close:2025-01-05T00:00:00Z');
    h.fake.fail(CHANNEL_POST, 429, { times: 1, retryAfter: 1 });
    expect(await h.advanceTo('2025-01-01T01:00:00Z')).toContain('Round r1 is open for proposals');
    expect(h.fake.inChannel(h.fake.channelId).filter((m) => m.content.includes('open for proposals'))).toHaveLength(1);
    expect(h.errors).toEqual([]);
  });
});

describe('discord: late answers', () => {
  it('GIVEN a vote answered after Discord\'s deadline (10062) THEN the refusal is logged once, the vote counts, and the receipt arrives by DM', async () => {
    h = await discordHarness();
    const alice = h.fake.member('201', 'alice');
    const poll = await votingRound(h, alice);
    h.fake.interactionDeadlineMs = 0;
    const vote = await h.fake.click(alice, poll, 1);
    await h.idle();
    expect(vote.refused).toEqual([10062]);
    expect(h.fake.answerOf(vote)).toEqual([]);
    expect(h.fake.directMessagesTo('201').map((m) => h!.fake.textOf(m)).join('\n')).toContain('Your vote on q1 is recorded: 2. No');
    expect(linesOf(h, vote.id).map((l) => [l.level, l.msg])).toEqual([['warn', 'interaction answer refused; the answer goes by direct message instead']]);
    const db = await openDatabase(h.databaseUrl);
    const votes = await db.selectFrom('votes').select('option_idx').execute();
    await db.destroy();
    expect(votes).toHaveLength(1);
    expect(h.errors).toEqual([]);
  });

  it('GIVEN a public answer that comes too late THEN it is posted in the channel instead, once', async () => {
    h = await discordHarness();
    await h.run(h.moderator, '/round create id:r1 name:R');
    h.fake.interactionDeadlineMs = 0;
    await h.run(h.moderator, '/poll open question:"Fund docs?" options:"Yes|No"');
    // The round's creation, then the poll (one embed) with its buttons: each once.
    const posted = h.fake.inChannel(h.fake.channelId).slice(1);
    expect(posted.map((m) => h!.fake.textOf(m))).toEqual([expect.stringMatching(/^Poll q1: Fund docs\?\n1\. Yes\n2\. No\nVote with \/vote poll:q1/)]);
    expect(posted[0]!.components[0]!.components.map((b) => b.label)).toEqual(['1. Yes', '2. No']);
  });
});
