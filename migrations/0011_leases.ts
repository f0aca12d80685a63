import type { Kysely } from 'kysely';

// Several bot processes on one database share the work: a scheduled job, and a community's owed messages, are
// leased by one process until a time; a process that dies leaves its lease to run out, and another takes the work.
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('jobs').addColumn('leased_by', 'text').execute();
  await db.schema.alterTable('jobs').addColumn('leased_until', 'text').execute();
  // One row per community whose outbox a process is draining: the messages of a community go out in order, so
  // only one process posts them at a time.
  await db.schema
    .createTable('outbox_leases')
    .addColumn('community_id', 'text', (c) => c.primaryKey().references('communities.id').onDelete('cascade'))
    .addColumn('leased_by', 'text', (c) => c.notNull())
    .addColumn('leased_until', 'text', (c) => c.notNull())
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('outbox_leases').execute();
  await db.schema.alterTable('jobs').dropColumn('leased_until').execute();
  await db.schema.alterTable('jobs').dropColumn('leased_by').execute();
}
