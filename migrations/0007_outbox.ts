import type { Kysely } from 'kysely';

// Messages owed because of an event (a receipt, a posted proposal, a scheduled tally) are written here in the same
// transaction as the event's handled mark and its state change; a sender posts them after the commit and marks
// them sent, retrying with backoff. So a crash at any moment leaves nothing owed unposted.
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('outbox')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('community_id', 'text', (c) => c.notNull().references('communities.id').onDelete('cascade'))
    .addColumn('platform', 'text', (c) => c.notNull())
    // Where it goes, in the adapter's own terms (JSON): { kind: 'announce' }, { kind: 'reply', chatId, … }.
    .addColumn('target', 'text', (c) => c.notNull())
    // The reply, JSON (attachments' bytes in base64).
    .addColumn('reply', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('next_at', 'text', (c) => c.notNull())
    .addColumn('sent_at', 'text')
    .addColumn('failed_at', 'text')
    .addColumn('error', 'text')
    .execute();
  await db.schema.createIndex('outbox_pending').on('outbox').columns(['platform', 'sent_at', 'failed_at', 'next_at']).execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('outbox').execute();
}
