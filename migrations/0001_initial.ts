import type { Kysely } from 'kysely';

// Typed against Kysely<any> so that this migration never depends on today's schema. Portable types only:
// text, integer; amounts are decimal text; times are ISO 8601 text in UTC.
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('communities')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('platform', 'text', (c) => c.notNull())
    .addColumn('platform_chat_id', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addUniqueConstraint('communities_platform_chat', ['platform', 'platform_chat_id'])
    .execute();

  await db.schema
    .createTable('members')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('community_id', 'text', (c) => c.notNull().references('communities.id').onDelete('cascade'))
    .addColumn('key', 'text', (c) => c.notNull())
    .addColumn('handle', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addUniqueConstraint('members_community_key', ['community_id', 'key'])
    .execute();

  await db.schema
    .createTable('member_accounts')
    .addColumn('community_id', 'text', (c) => c.notNull().references('communities.id').onDelete('cascade'))
    .addColumn('platform', 'text', (c) => c.notNull())
    .addColumn('platform_user_id', 'text', (c) => c.notNull())
    .addColumn('member_id', 'text', (c) => c.notNull().references('members.id').onDelete('cascade'))
    .addPrimaryKeyConstraint('member_accounts_pk', ['community_id', 'platform', 'platform_user_id'])
    .execute();

  await db.schema
    .createTable('wallets')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('community_id', 'text', (c) => c.notNull().references('communities.id').onDelete('cascade'))
    .addColumn('member_id', 'text', (c) => c.notNull().references('members.id').onDelete('cascade'))
    .addColumn('chain', 'text', (c) => c.notNull())
    .addColumn('address', 'text', (c) => c.notNull())
    .addColumn('verification', 'text', (c) => c.notNull())
    .addColumn('verified_at', 'text', (c) => c.notNull())
    // One wallet belongs to one member.
    .addUniqueConstraint('wallets_community_chain_address', ['community_id', 'chain', 'address'])
    .execute();
  await db.schema.createIndex('wallets_member').on('wallets').column('member_id').execute();

  await db.schema
    .createTable('rounds')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('community_id', 'text', (c) => c.notNull().references('communities.id').onDelete('cascade'))
    .addColumn('key', 'text', (c) => c.notNull())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('config', 'text', (c) => c.notNull())
    .addColumn('phase', 'text', (c) => c.notNull())
    .addColumn('snapshot_block', 'text')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addUniqueConstraint('rounds_community_key', ['community_id', 'key'])
    .execute();

  // The members taking part in a round: enrolled on their first action, or listed by an imported round file.
  await db.schema
    .createTable('round_members')
    .addColumn('round_id', 'text', (c) => c.notNull().references('rounds.id').onDelete('cascade'))
    .addColumn('member_id', 'text', (c) => c.notNull().references('members.id').onDelete('cascade'))
    .addColumn('joined_at', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('round_members_pk', ['round_id', 'member_id'])
    .execute();

  await db.schema
    .createTable('proposals')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('round_id', 'text', (c) => c.notNull().references('rounds.id').onDelete('cascade'))
    .addColumn('key', 'text', (c) => c.notNull())
    .addColumn('author_id', 'text', (c) => c.notNull().references('members.id'))
    .addColumn('title', 'text', (c) => c.notNull())
    .addColumn('text', 'text')
    .addColumn('created_at', 'text')
    .addColumn('position', 'integer', (c) => c.notNull())
    .addUniqueConstraint('proposals_round_key', ['round_id', 'key'])
    .execute();

  await db.schema
    .createTable('ratings')
    .addColumn('proposal_id', 'text', (c) => c.notNull().references('proposals.id').onDelete('cascade'))
    .addColumn('rater_id', 'text', (c) => c.notNull().references('members.id'))
    .addColumn('stars', 'integer', (c) => c.notNull())
    .addColumn('rated_at', 'text')
    .addPrimaryKeyConstraint('ratings_pk', ['proposal_id', 'rater_id'])
    .execute();

  await db.schema
    .createTable('comments')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('round_id', 'text', (c) => c.notNull().references('rounds.id').onDelete('cascade'))
    .addColumn('key', 'text', (c) => c.notNull())
    .addColumn('author_id', 'text', (c) => c.notNull().references('members.id'))
    .addColumn('proposal_id', 'text', (c) => c.notNull().references('proposals.id').onDelete('cascade'))
    .addColumn('created_at', 'text')
    .addColumn('position', 'integer', (c) => c.notNull())
    .addUniqueConstraint('comments_round_key', ['round_id', 'key'])
    .execute();

  await db.schema
    .createTable('reactions')
    .addColumn('comment_id', 'text', (c) => c.notNull().references('comments.id').onDelete('cascade'))
    .addColumn('reactor_id', 'text', (c) => c.notNull().references('members.id'))
    .addColumn('kind', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('reactions_pk', ['comment_id', 'reactor_id', 'kind'])
    .execute();

  await db.schema
    .createTable('questions')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('round_id', 'text', (c) => c.notNull().references('rounds.id').onDelete('cascade'))
    .addColumn('key', 'text', (c) => c.notNull())
    .addColumn('text', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('closes_at', 'text')
    .addColumn('position', 'integer', (c) => c.notNull())
    .addUniqueConstraint('questions_round_key', ['round_id', 'key'])
    .execute();

  await db.schema
    .createTable('question_options')
    .addColumn('question_id', 'text', (c) => c.notNull().references('questions.id').onDelete('cascade'))
    .addColumn('idx', 'integer', (c) => c.notNull())
    .addColumn('label', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('question_options_pk', ['question_id', 'idx'])
    .execute();

  // Every choice ever cast is kept; the last by cast_at (then seq) counts.
  await db.schema
    .createTable('votes')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('question_id', 'text', (c) => c.notNull().references('questions.id').onDelete('cascade'))
    .addColumn('member_id', 'text', (c) => c.notNull().references('members.id'))
    .addColumn('option_idx', 'integer', (c) => c.notNull())
    .addColumn('cast_at', 'text', (c) => c.notNull())
    .addColumn('seq', 'integer', (c) => c.notNull())
    .addUniqueConstraint('votes_question_member_seq', ['question_id', 'member_id', 'seq'])
    .execute();

  await db.schema
    .createTable('balances')
    .addColumn('round_id', 'text', (c) => c.notNull().references('rounds.id').onDelete('cascade'))
    .addColumn('wallet_id', 'text', (c) => c.notNull().references('wallets.id').onDelete('cascade'))
    .addColumn('balance', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('balances_pk', ['round_id', 'wallet_id'])
    .execute();

  await db.schema
    .createTable('exclusions')
    .addColumn('round_id', 'text', (c) => c.notNull().references('rounds.id').onDelete('cascade'))
    .addColumn('member_id', 'text', (c) => c.notNull().references('members.id').onDelete('cascade'))
    .addColumn('reason', 'text')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('exclusions_pk', ['round_id', 'member_id'])
    .execute();

  // Append-only: the repositories only ever insert here.
  await db.schema
    .createTable('audit_log')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('community_id', 'text')
    .addColumn('round_id', 'text')
    .addColumn('actor_id', 'text')
    .addColumn('action', 'text', (c) => c.notNull())
    .addColumn('detail', 'text', (c) => c.notNull())
    .addColumn('at', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('audit_log_round').on('audit_log').columns(['round_id', 'at']).execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const table of [
    'audit_log',
    'exclusions',
    'balances',
    'votes',
    'question_options',
    'questions',
    'reactions',
    'comments',
    'ratings',
    'proposals',
    'round_members',
    'rounds',
    'wallets',
    'member_accounts',
    'members',
    'communities',
  ])
    await db.schema.dropTable(table).execute();
}
