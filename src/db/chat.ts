import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import type { Subject } from '../commands/reply.ts';
import { findRound, type Executor } from './repositories.ts';

/** What platform adapters remember about the chat itself; the rules never read these tables. */

/** A name for one worker of this process in the leases it takes: the machine, the process, and a random part. */
export function workerName(): string {
  return `${hostname()}/${process.pid}/${randomBytes(4).toString('hex')}`;
}

/** Drops every lease (of jobs and of outboxes): for a database only one process uses, whose leases are a dead one's. */
export async function forgetLeases(db: Executor): Promise<void> {
  await db.deleteFrom('outbox_leases').execute();
  await db.updateTable('jobs').set({ leased_by: null, leased_until: null }).where('leased_by', 'is not', null).execute();
}

/** Records an event id; false when it was already handled (a redelivered update, a replayed gateway event). */
export async function firstDelivery(db: Executor, platform: string, eventId: string, now: Date): Promise<boolean> {
  const result = await db
    .insertInto('handled_events')
    .values({ platform, event_id: eventId, handled_at: now.toISOString() })
    .onConflict((oc) => oc.columns(['platform', 'event_id']).doNothing())
    .executeTakeFirst();
  return (result.numInsertedOrUpdatedRows ?? 0n) > 0n;
}

/** Forgets handled events older than `before`; platforms stop redelivering long before. */
export async function forgetHandledEvents(db: Executor, before: Date): Promise<void> {
  await db.deleteFrom('handled_events').where('handled_at', '<', before.toISOString()).execute();
}

/** Remembers that a chat message (or topic) stands for a proposal, comment or poll. */
export async function linkMessage(db: Executor, communityId: string, ref: string, subject: Subject): Promise<void> {
  const round = await db.selectFrom('rounds').select('id').where('community_id', '=', communityId).where('key', '=', subject.round).executeTakeFirstOrThrow();
  await db
    .insertInto('chat_links')
    .values({ community_id: communityId, ref, round_id: round.id, kind: subject.kind, key: subject.key })
    .onConflict((oc) => oc.columns(['community_id', 'ref']).doUpdateSet({ round_id: round.id, kind: subject.kind, key: subject.key }))
    .execute();
}

/** What a chat message stands for, if anything. */
export async function linkedSubject(db: Executor, communityId: string, ref: string): Promise<Subject | undefined> {
  return db
    .selectFrom('chat_links')
    .innerJoin('rounds', 'rounds.id', 'chat_links.round_id')
    .select(['chat_links.kind', 'rounds.key as round', 'chat_links.key'])
    .where('chat_links.community_id', '=', communityId)
    .where('chat_links.ref', '=', ref)
    .executeTakeFirst() as Promise<Subject | undefined>;
}

/** The chat messages that show a subject. */
export async function messagesOf(db: Executor, communityId: string, subject: Subject): Promise<string[]> {
  const rows = await db
    .selectFrom('chat_links')
    .innerJoin('rounds', 'rounds.id', 'chat_links.round_id')
    .select('chat_links.ref')
    .where('chat_links.community_id', '=', communityId)
    .where('rounds.key', '=', subject.round)
    .where('chat_links.kind', '=', subject.kind)
    .where('chat_links.key', '=', subject.key)
    .orderBy('chat_links.ref')
    .execute();
  return rows.map((r) => r.ref);
}

export async function unlinkMessage(db: Executor, communityId: string, ref: string): Promise<void> {
  await db.deleteFrom('chat_links').where('community_id', '=', communityId).where('ref', '=', ref).execute();
}

/** Stores the command a button runs and returns its short id (fits Telegram's 64-byte callback data). */
export async function storeChoice(db: Executor, communityId: string, command: string, now: Date): Promise<string> {
  const id = randomBytes(9).toString('base64url');
  await db.insertInto('chat_choices').values({ id, community_id: communityId, command, created_at: now.toISOString() }).execute();
  return id;
}

export async function choiceCommand(db: Executor, communityId: string, id: string): Promise<string | undefined> {
  const row = await db.selectFrom('chat_choices').select('command').where('id', '=', id).where('community_id', '=', communityId).executeTakeFirst();
  return row?.command;
}

/** Whether the community's latest round names this chat account among its moderators. */
export async function isNamedModerator(db: Executor, communityId: string, platform: string, userId: string): Promise<boolean> {
  const latest = await findRound(db, communityId);
  if (!latest) return false;
  const row = await db
    .selectFrom('round_moderators')
    .innerJoin('member_accounts', 'member_accounts.member_id', 'round_moderators.member_id')
    .select('round_moderators.member_id')
    .where('round_moderators.round_id', '=', latest.id)
    .where('member_accounts.platform', '=', platform)
    .where('member_accounts.platform_user_id', '=', userId)
    .executeTakeFirst();
  return row !== undefined;
}

/** The proposal a comment is on, by keys. */
export async function proposalOfComment(db: Executor, communityId: string, roundKey: string, commentKey: string): Promise<string | undefined> {
  const row = await db
    .selectFrom('comments')
    .innerJoin('rounds', 'rounds.id', 'comments.round_id')
    .innerJoin('proposals', 'proposals.id', 'comments.proposal_id')
    .select('proposals.key')
    .where('rounds.community_id', '=', communityId)
    .where('rounds.key', '=', roundKey)
    .where('comments.key', '=', commentKey)
    .executeTakeFirst();
  return row?.key;
}

/** Adds or removes one emoji of a member on a message; returns the member's emoji there before and after. */
export async function toggleChatReaction(db: Executor, communityId: string, ref: string, userId: string, emoji: string, present: boolean): Promise<{ before: string[]; after: string[] }> {
  const list = async () =>
    (await db.selectFrom('chat_reactions').select('emoji').where('community_id', '=', communityId).where('ref', '=', ref).where('user_id', '=', userId).orderBy('emoji').execute()).map((r) => r.emoji);
  const before = await list();
  if (present)
    await db.insertInto('chat_reactions').values({ community_id: communityId, ref, user_id: userId, emoji }).onConflict((oc) => oc.columns(['community_id', 'ref', 'user_id', 'emoji']).doNothing()).execute();
  else await db.deleteFrom('chat_reactions').where('community_id', '=', communityId).where('ref', '=', ref).where('user_id', '=', userId).where('emoji', '=', emoji).execute();
  return { before, after: await list() };
}

/** The chat account of a comment's author on a platform. */
export async function commentAuthor(db: Executor, communityId: string, roundKey: string, commentKey: string, platform: string): Promise<{ userId: string; handle: string } | undefined> {
  const row = await db
    .selectFrom('comments')
    .innerJoin('rounds', 'rounds.id', 'comments.round_id')
    .innerJoin('members', 'members.id', 'comments.author_id')
    .innerJoin('member_accounts', 'member_accounts.member_id', 'members.id')
    .select(['member_accounts.platform_user_id', 'members.handle'])
    .where('rounds.community_id', '=', communityId)
    .where('rounds.key', '=', roundKey)
    .where('comments.key', '=', commentKey)
    .where('member_accounts.platform', '=', platform)
    .executeTakeFirst();
  return row && { userId: row.platform_user_id, handle: row.handle };
}
