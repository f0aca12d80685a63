import type { Executor } from './repositories.ts';

/**
 * The inbox (migrations/0019_telegram_inbox.ts): a platform's updates, written as they are read and before the platform
 * is told it may forget them, deleted with the event they produce. `bot` is the bot's own account: update ids are
 * numbered per bot.
 */

export interface InboxUpdate {
  updateId: number;
  /** The chat whose updates are handled one after another, in the order of their ids. */
  chatId: string | undefined;
  /** The update, JSON. */
  payload: string;
}

export interface WaitingUpdate {
  updateId: number;
  payload: string;
  arrivedAt: Date;
}

/**
 * Writes a batch as one statement (so all or none of it), and returns the ids written now: an update already in the
 * inbox (sent again before it was handled) is left as it is and not returned.
 */
export async function storeUpdates(db: Executor, platform: string, bot: string, updates: readonly InboxUpdate[], arrivedAt: Date): Promise<Set<number>> {
  if (updates.length === 0) return new Set();
  const rows = await db
    .insertInto('inbox')
    .values(updates.map((u) => ({ platform, bot_id: bot, update_id: u.updateId, chat_id: u.chatId ?? null, payload: u.payload, arrived_at: arrivedAt.toISOString() })))
    .onConflict((oc) => oc.columns(['platform', 'bot_id', 'update_id']).doNothing())
    .returning('update_id')
    .execute();
  return new Set(rows.map((r) => Number(r.update_id)));
}

/** What is left to handle, in the order the platform numbered it; failed updates are not tried again. */
export async function waitingUpdates(db: Executor, platform: string, bot: string): Promise<WaitingUpdate[]> {
  const rows = await db
    .selectFrom('inbox')
    .select(['update_id', 'payload', 'arrived_at'])
    .where('platform', '=', platform)
    .where('bot_id', '=', bot)
    .where('failed_at', 'is', null)
    .orderBy('update_id')
    .execute();
  return rows.map((r) => ({ updateId: Number(r.update_id), payload: r.payload, arrivedAt: new Date(r.arrived_at) }));
}

/** Done with: inside the event's transaction, so that the update goes exactly when what it did is committed. */
export async function removeUpdate(db: Executor, platform: string, bot: string, updateId: number): Promise<void> {
  await db.deleteFrom('inbox').where('platform', '=', platform).where('bot_id', '=', bot).where('update_id', '=', updateId).execute();
}

/** Kept with its error for whoever looks into it, and never tried again: the updates after it in its chat go on. */
export async function markUpdateFailed(db: Executor, platform: string, bot: string, updateId: number, error: string, now: Date): Promise<void> {
  await db.updateTable('inbox').set({ failed_at: now.toISOString(), error }).where('platform', '=', platform).where('bot_id', '=', bot).where('update_id', '=', updateId).execute();
}
