import type { Kysely } from 'kysely';

// Polls people trust (issue 16). The reputation snapshot: when it falls (reputation_snapshots), each member's
// counts of the events created before it are kept in frozen_standings, and those weight votes from then on; reactions
// get the time they were given, as ratings and comments have. Per poll, its type and privacy.
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('reactions').addColumn('created_at', 'text').execute();
  await db.schema
    .createTable('reputation_snapshots')
    .addColumn('round_id', 'text', (c) => c.primaryKey().references('rounds.id').onDelete('cascade'))
    .addColumn('taken_at', 'text', (c) => c.notNull())
    .execute();
  await db.schema
    .createTable('frozen_standings')
    .addColumn('round_id', 'text', (c) => c.notNull().references('rounds.id').onDelete('cascade'))
    .addColumn('member_id', 'text', (c) => c.notNull().references('members.id'))
    .addColumn('proposals', 'integer', (c) => c.notNull())
    .addColumn('stars', 'integer', (c) => c.notNull())
    .addColumn('comments', 'integer', (c) => c.notNull())
    .addColumn('upvotes', 'integer', (c) => c.notNull())
    .addColumn('positives', 'integer', (c) => c.notNull())
    .addColumn('negatives', 'integer', (c) => c.notNull())
    .addPrimaryKeyConstraint('frozen_standings_pk', ['round_id', 'member_id'])
    .execute();
  await db.schema.alterTable('questions').addColumn('type', 'text', (c) => c.notNull().defaultTo('single')).execute();
  await db.schema.alterTable('questions').addColumn('privacy', 'text', (c) => c.notNull().defaultTo('public')).execute();
  // a secret poll's ballot carries the salt of its commitment, shown only in the voter's receipt
  await db.schema.alterTable('votes').addColumn('salt', 'text').execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('votes').dropColumn('salt').execute();
  await db.schema.alterTable('questions').dropColumn('privacy').execute();
  await db.schema.alterTable('questions').dropColumn('type').execute();
  await db.schema.dropTable('frozen_standings').execute();
  await db.schema.dropTable('reputation_snapshots').execute();
  await db.schema.alterTable('reactions').dropColumn('created_at').execute();
}
