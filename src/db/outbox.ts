import type { Executor } from './repositories.ts';
import { newId } from './repositories.ts';
import type { Database } from './schema.ts';
import type { Selectable } from 'kysely';

export type OutboxRow = Selectable<Database['outbox']>;

export interface NewOwed {
  communityId: string;
  platform: string;
  target: string;
  reply: string;
}

let counter = 0;

/**
 * Ids that sort in the order messages were owed, also within one millisecond (UUIDv7's low bits are random there):
 * the millisecond, a counter of this process, then random bits so that processes never collide.
 */
function owedId(): string {
  counter = (counter + 1) % 0xffffffff;
  return `${Date.now().toString(16).padStart(12, '0')}-${counter.toString(16).padStart(8, '0')}-${newId().slice(-12)}`;
}

/** Writes owed messages in the caller's transaction (the event's), due at once. */
export async function oweMessages(db: Executor, messages: readonly NewOwed[], now: Date): Promise<string[]> {
  if (messages.length === 0) return [];
  const rows = messages.map((m) => ({ id: owedId(), community_id: m.communityId, platform: m.platform, target: m.target, reply: m.reply, created_at: now.toISOString(), next_at: now.toISOString() }));
  await db.insertInto('outbox').values(rows).execute();
  return rows.map((r) => r.id);
}

/** The communities of these platforms that have messages not yet sent nor given up, with when the first is due. */
export async function communitiesOwed(db: Executor, platforms: readonly string[]): Promise<{ communityId: string; dueAt: string }[]> {
  if (platforms.length === 0) return [];
  const rows = await db
    .selectFrom('outbox')
    .select(['community_id', (eb) => eb.fn.min('next_at').as('due_at')])
    .where('platform', 'in', platforms)
    .where('sent_at', 'is', null)
    .where('failed_at', 'is', null)
    .groupBy('community_id')
    .orderBy('due_at')
    .execute();
  return rows.map((r) => ({ communityId: r.community_id, dueAt: String(r.due_at) }));
}

export async function markSent(db: Executor, id: string, now: Date): Promise<void> {
  await db.updateTable('outbox').set({ sent_at: now.toISOString() }).where('id', '=', id).execute();
}

/** Another try later; `reply` replaces the message when it is to be sent otherwise (text without its attachments). */
export async function retryLater(db: Executor, id: string, change: { attempts: number; nextAt: Date; error: string; reply?: string }): Promise<void> {
  await db
    .updateTable('outbox')
    .set({ attempts: change.attempts, next_at: change.nextAt.toISOString(), error: change.error, ...(change.reply !== undefined && { reply: change.reply }) })
    .where('id', '=', id)
    .execute();
}

export async function giveUp(db: Executor, id: string, now: Date, error: string): Promise<void> {
  await db.updateTable('outbox').set({ failed_at: now.toISOString(), error }).where('id', '=', id).execute();
}

/** The oldest messages of one community not yet sent nor given up, in the order they were owed. */
export async function pendingMessagesOf(db: Executor, communityId: string, limit: number): Promise<OutboxRow[]> {
  return db.selectFrom('outbox').selectAll().where('community_id', '=', communityId).where('sent_at', 'is', null).where('failed_at', 'is', null).orderBy('id').limit(limit).execute();
}

/**
 * Takes (or renews) the lease on draining a community's outbox for `worker` until `until`; false while another
 * worker's lease runs. One statement, so two processes asking at once cannot both get it.
 */
export async function leaseCommunityOutbox(db: Executor, communityId: string, worker: string, now: Date, until: Date): Promise<boolean> {
  const result = await db
    .insertInto('outbox_leases')
    .values({ community_id: communityId, leased_by: worker, leased_until: until.toISOString() })
    .onConflict((oc) =>
      oc
        .column('community_id')
        .doUpdateSet({ leased_by: worker, leased_until: until.toISOString() })
        .where((eb) => eb.or([eb('outbox_leases.leased_by', '=', worker), eb('outbox_leases.leased_until', '<', now.toISOString())])),
    )
    .executeTakeFirst();
  return (result.numInsertedOrUpdatedRows ?? 0n) > 0n;
}

/** Gives the lease back at once, so that another process need not wait for it to run out. */
export async function releaseCommunityOutbox(db: Executor, communityId: string, worker: string): Promise<void> {
  await db.deleteFrom('outbox_leases').where('community_id', '=', communityId).where('leased_by', '=', worker).execute();
}
