import type { Kysely } from 'kysely';

// A published reward split is final: stored as it was published (amounts per member in base units, the config it
// was computed under and its hash, who published it and when), so that no later change of a rule, an exclusion or a
// balance changes what was published. A republish adds a version; the latest version is the published split.
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('reward_publications')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('round_id', 'text', (c) => c.notNull().references('rounds.id').onDelete('cascade'))
    .addColumn('version', 'integer', (c) => c.notNull())
    .addColumn('published_at', 'text', (c) => c.notNull())
    .addColumn('published_by', 'text', (c) => c.references('members.id').onDelete('set null'))
    .addColumn('config', 'text', (c) => c.notNull())
    .addColumn('rules_hash', 'text', (c) => c.notNull())
    .addColumn('pool', 'text', (c) => c.notNull())
    .addColumn('contribution', 'text', (c) => c.notNull())
    .addColumn('participation', 'text', (c) => c.notNull())
    .addColumn('undistributed', 'text', (c) => c.notNull())
    .addUniqueConstraint('reward_publications_round_version', ['round_id', 'version'])
    .execute();

  await db.schema
    .createTable('published_rewards')
    .addColumn('publication_id', 'text', (c) => c.notNull().references('reward_publications.id').onDelete('cascade'))
    .addColumn('member_id', 'text', (c) => c.notNull().references('members.id').onDelete('cascade'))
    .addColumn('position', 'integer', (c) => c.notNull())
    .addColumn('amount', 'text', (c) => c.notNull())
    .addColumn('tier', 'text')
    .addPrimaryKeyConstraint('published_rewards_pk', ['publication_id', 'member_id'])
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('published_rewards').execute();
  await db.schema.dropTable('reward_publications').execute();
}
