import { afterEach, describe, expect, it } from 'vitest';
import { encodeReply, text, type Reply } from '../../../src/commands/reply.ts';
import { openDatabase, type Db } from '../../../src/db/database.ts';
import { oweMessages } from '../../../src/db/outbox.ts';
import { FakeDiscord, type FakeInteraction } from '../../fakes/discord.ts';
import { discordHarness } from '../../helpers/discord.ts';

let h: Awaited<ReturnType<typeof discordHarness>> | undefined;
let db: Db | undefined;
afterEach(async () => {
  await db?.destroy();
  await h?.close();
  h = undefined;
  db = undefined;
});

const EPHEMERAL = 64;
const RECEIPT = 'Your vote on q1 is recorded.';
const receipt: Reply = { blocks: [text(RECEIPT)], private: true };

/** The bot, a member, and the database beside it (as another process of the bot sees it). */
async function setup() {
  h = await discordHarness();
  await h.run(h.moderator, '/round create id:r1 name:R');
  db = await openDatabase(h.databaseUrl);
  const community = await db.selectFrom('communities').select('id').where('platform', '=', 'discord').executeTakeFirstOrThrow();
  return { harness: h, db, communityId: community.id, alice: h.fake.member('201', 'alice') };
}

/** An owed message written as an event's transaction writes it; the bot's outbox is drained once. */
async function owe(communityId: string, target: Record<string, unknown>, reply: Reply): Promise<string> {
  const [id] = await oweMessages(db!, [{ communityId, platform: 'discord', target: JSON.stringify(target), reply: encodeReply(reply) }], new Date());
  return id!;
}

/** The answer owed for an interaction another process holds, as that process owes it in the vote's transaction. */
const answerTarget = (interaction: FakeInteraction) => ({ kind: 'answer', interaction: interaction.id, token: interaction.token, user: interaction.userId, channel: interaction.channelId });

/** What the holding process sends Discord when it answers the interaction itself: Discord's status and JSON code. */
async function holderResponds(fakeUrl: string, interaction: FakeInteraction, body: Record<string, unknown>): Promise<{ status: number; code?: number }> {
  const response = await fetch(`${fakeUrl}/api/v10/interactions/${interaction.id}/${interaction.token}/callback`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  return { status: response.status, ...(response.status !== 204 && { code: ((await response.json()) as { code: number }).code }) };
}

const sentAt = async (id: string) => (await db!.selectFrom('outbox').select('sent_at').where('id', '=', id).executeTakeFirstOrThrow()).sent_at;

describe('discord: an owed message posted again (a crash before it was marked sent, another process) is not doubled', () => {
  it('GIVEN another process holds an interaction and this one drains its owed answer before the holder answers THEN the member gets one answer: this process claims the interaction, and the holder is refused as already acknowledged', async () => {
    const { harness, communityId, alice } = await setup();
    const interaction = harness.fake.commandElsewhere(alice, 'poll');
    const owed = await owe(communityId, answerTarget(interaction), receipt);
    await harness.idle();
    expect(await holderResponds(harness.fake.url, interaction, { type: 4, data: { content: RECEIPT, flags: EPHEMERAL } })).toEqual({ status: 400, code: 40060 });
    const shown = [...harness.fake.answerOf(interaction), ...harness.fake.directMessagesTo(alice.id)].filter((m) => harness.fake.textOf(m).includes(RECEIPT));
    expect(shown.map((m) => [m.interaction, m.flags & EPHEMERAL])).toEqual([[interaction.id, EPHEMERAL]]);
    expect(await sentAt(owed)).not.toBeNull();
    expect(harness.errors).toEqual([]);
  });

  it('GIVEN the holder answered and died before its answer was marked sent THEN the redo finds the answer in the interaction and posts nothing', async () => {
    const { harness, communityId, alice } = await setup();
    const interaction = harness.fake.commandElsewhere(alice, 'poll');
    expect(await holderResponds(harness.fake.url, interaction, { type: 4, data: { content: RECEIPT, flags: EPHEMERAL } })).toEqual({ status: 204 });
    const owed = await owe(communityId, answerTarget(interaction), receipt);
    const before = harness.fake.messages.size;
    await harness.idle();
    expect(harness.fake.messages.size).toBe(before);
    expect(await sentAt(owed)).not.toBeNull();
  });

  it('GIVEN the holder deferred the interaction and answers it a moment after the commit THEN this process leaves it the answer: one message, the holder\'s', async () => {
    const { harness, communityId, alice } = await setup();
    const interaction = harness.fake.commandElsewhere(alice, 'poll');
    await holderResponds(harness.fake.url, interaction, { type: 5, data: { flags: EPHEMERAL } });
    const owed = await owe(communityId, answerTarget(interaction), receipt);
    await harness.idle();
    // The first try found a deferral only, and waits for a retry: the holder answers meanwhile.
    expect(await db!.selectFrom('outbox').select(['attempts', 'sent_at']).where('id', '=', owed).executeTakeFirstOrThrow()).toEqual({ attempts: 1, sent_at: null });
    const edit = await fetch(`${harness.fake.url}/api/v10/webhooks/${harness.fake.appId}/${interaction.token}/messages/@original`, { method: 'PATCH', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ content: RECEIPT }) });
    expect(edit.status).toBe(200);
    await expect.poll(() => sentAt(owed), { timeout: 10_000, interval: 50 }).not.toBeNull();
    const shown = [...harness.fake.answerOf(interaction), ...harness.fake.directMessagesTo(alice.id)].filter((m) => harness.fake.textOf(m).includes(RECEIPT));
    expect(shown).toHaveLength(1);
    expect(harness.fake.edits.filter((e) => e.id === interaction.original)).toHaveLength(1);
  });

  it('GIVEN the holder deferred the interaction and died THEN the next try edits the answer into its deferral, where the member waits for it', async () => {
    const { harness, communityId, alice } = await setup();
    const interaction = harness.fake.commandElsewhere(alice, 'poll');
    await holderResponds(harness.fake.url, interaction, { type: 5, data: { flags: EPHEMERAL } });
    const owed = await owe(communityId, answerTarget(interaction), receipt);
    await harness.idle();
    await expect.poll(() => sentAt(owed), { timeout: 10_000, interval: 50 }).not.toBeNull();
    expect(harness.fake.answerOf(interaction).map((m) => [harness.fake.textOf(m), m.flags & EPHEMERAL])).toEqual([[RECEIPT, EPHEMERAL]]);
    expect(harness.fake.directMessagesTo(alice.id)).toEqual([]);
  });

  it('GIVEN the interaction was never answered in its 3 s THEN the private answer goes by direct message, once', async () => {
    const { harness, communityId, alice } = await setup();
    const interaction = harness.fake.commandElsewhere(alice, 'poll');
    harness.fake.interactionDeadlineMs = -1;
    await owe(communityId, answerTarget(interaction), receipt);
    await harness.idle();
    expect(harness.fake.answerOf(interaction)).toEqual([]);
    expect(harness.fake.directMessagesTo(alice.id).map((m) => harness.fake.textOf(m))).toEqual([RECEIPT]);
  });

  it('GIVEN an announcement Discord created and the process died before marking it sent THEN the redo gets Discord\'s first message back by its nonce, and the channel shows it once', async () => {
    const { harness, communityId } = await setup();
    const owed = await owe(communityId, { kind: 'announce' }, { blocks: [text('Round r1 is open.')] });
    await harness.idle();
    // The mark never landed: the row is owed again, as the next owner of the lease finds it.
    await db!.updateTable('outbox').set({ sent_at: null }).where('id', '=', owed).execute();
    await harness.idle();
    expect(harness.fake.inChannel(harness.fake.channelId).filter((m) => harness.fake.textOf(m) === 'Round r1 is open.')).toHaveLength(1);
    expect(await sentAt(owed)).not.toBeNull();
  });
});

describe('the fake Discord: nonce and enforce_nonce as Discord takes them', () => {
  /** A message create by the bot, straight to the REST API: the message id Discord answers with. */
  async function create(url: string, token: string, channelId: string, body: Record<string, unknown>): Promise<{ status: number; id?: string }> {
    const response = await fetch(`${url}/api/v10/channels/${channelId}/messages`, { method: 'POST', headers: { authorization: `Bot ${token}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });
    return { status: response.status, ...(response.ok && { id: ((await response.json()) as { id: string }).id }) };
  }

  it('GIVEN the same nonce twice with enforce_nonce in one channel THEN the second create returns the first message and creates nothing; without enforce_nonce, in another channel or after the window, a new message is created', async () => {
    const fake = await FakeDiscord.start();
    try {
      const other = fake.addGuild('Other DAO').channelId;
      const post = (channelId: string, body: Record<string, unknown>) => create(fake.url, fake.token, channelId, { content: 'Tally', ...body });
      const first = await post(fake.channelId, { nonce: 'n1', enforce_nonce: true });
      expect(await post(fake.channelId, { nonce: 'n1', enforce_nonce: true })).toEqual(first);
      expect(fake.inChannel(fake.channelId)).toHaveLength(1);
      expect((await post(fake.channelId, { nonce: 'n1' })).id).not.toBe(first.id);
      expect((await post(other, { nonce: 'n1', enforce_nonce: true })).id).not.toBe(first.id);
      fake.nonceWindowMs = 0;
      expect((await post(fake.channelId, { nonce: 'n1', enforce_nonce: true })).id).not.toBe(first.id);
      expect(fake.inChannel(fake.channelId)).toHaveLength(3);
      // Discord's limit: a string nonce of at most 25 characters.
      expect((await post(fake.channelId, { nonce: 'x'.repeat(26), enforce_nonce: true })).status).toBe(400);
    } finally {
      await fake.close();
    }
  });
});
