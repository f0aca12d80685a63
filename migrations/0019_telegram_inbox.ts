import type { Kysely } from 'kysely';

// Issue 13: a platform's updates are written here as soon as they are read, and only then confirmed to the platform
// (Telegram's next getUpdates offset), so that a burst is taken at once instead of waiting in Telegram's queue, and a
// crash loses nothing: a restart handles what is left. An update is deleted in the transaction of the event it
// produced (or once it came to none); one that failed is kept, marked with its error, and its chat goes on.
// update_id is unique per bot (bot_id: the bot's own account), hence the key; chat_id is the chat whose updates are
// handled in order.
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('inbox')
    .addColumn('platform', 'text', (c) => c.notNull())
    .addColumn('bot_id', 'text', (c) => c.notNull())
    .addColumn('update_id', 'bigint', (c) => c.notNull())
    .addColumn('chat_id', 'text')
    // The update as the platform sent it (JSON).
    .addColumn('payload', 'text', (c) => c.notNull())
    .addColumn('arrived_at', 'text', (c) => c.notNull())
    .addColumn('failed_at', 'text')
    .addColumn('error', 'text')
    .addPrimaryKeyConstraint('inbox_pk', ['platform', 'bot_id', 'update_id'])
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('inbox').execute();
}
