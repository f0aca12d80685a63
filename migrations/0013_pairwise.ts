import type { Kysely } from 'kysely';

// Deep Funding pairwise rounds run in chat. Their own tables beside the governance rounds': a pairwise round has no
// proposals, polls or tiers, and `/round …` must never find one. The rules (`config`) are the round file's config
// as JSON; what only the chat needs (who judges, how many comparisons are wanted, whether weights show before close)
// sits in columns of its own, so the exported file is exactly DESIGN.md's.
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('pairwise_rounds')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('community_id', 'text', (c) => c.notNull().references('communities.id').onDelete('cascade'))
    .addColumn('key', 'text', (c) => c.notNull())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('root', 'text', (c) => c.notNull())
    .addColumn('config', 'text', (c) => c.notNull())
    // draft, open, closed
    .addColumn('phase', 'text', (c) => c.notNull())
    // JSON: { "kind": "anyone" | "named" | "tier" | "wallet", … }
    .addColumn('eligibility', 'text', (c) => c.notNull())
    .addColumn('wanted', 'integer', (c) => c.notNull())
    .addColumn('weights_before_close', 'integer', (c) => c.notNull())
    .addColumn('live_scoring', 'integer', (c) => c.notNull())
    // JSON { "address": "0x…", "chainId": 1 }: the ERC-20 the funding is paid in, for the Safe batch; null: none set.
    .addColumn('payout_token', 'text')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('closed_at', 'text')
    .addUniqueConstraint('pairwise_rounds_key', ['community_id', 'key'])
    .execute();

  await db.schema
    .createTable('pairwise_projects')
    .addColumn('round_id', 'text', (c) => c.notNull().references('pairwise_rounds.id').onDelete('cascade'))
    .addColumn('key', 'text', (c) => c.notNull())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('url', 'text')
    .addColumn('parent_key', 'text')
    // Where the project's funding is paid (the Safe batch); not part of the round file.
    .addColumn('address', 'text')
    .addColumn('position', 'integer', (c) => c.notNull())
    .addPrimaryKeyConstraint('pairwise_projects_pk', ['round_id', 'key'])
    .execute();

  // Jurors named one by one (eligibility "named"); other kinds of eligibility are checked when a member judges.
  await db.schema
    .createTable('pairwise_jurors')
    .addColumn('round_id', 'text', (c) => c.notNull().references('pairwise_rounds.id').onDelete('cascade'))
    .addColumn('member_id', 'text', (c) => c.notNull().references('members.id').onDelete('cascade'))
    .addColumn('added_at', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('pairwise_jurors_pk', ['round_id', 'member_id'])
    .execute();

  // Every answer is kept: a juror who answers a pair again supersedes their earlier answer (the history of a changed
  // mind), and only answers with superseded_at null count. `position` orders them as they were given.
  await db.schema
    .createTable('pairwise_comparisons')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('round_id', 'text', (c) => c.notNull().references('pairwise_rounds.id').onDelete('cascade'))
    .addColumn('juror_id', 'text', (c) => c.notNull().references('members.id').onDelete('cascade'))
    .addColumn('a', 'text', (c) => c.notNull())
    .addColumn('b', 'text', (c) => c.notNull())
    .addColumn('winner', 'text', (c) => c.notNull())
    .addColumn('ratio', 'double precision')
    .addColumn('reason', 'text')
    .addColumn('at', 'text', (c) => c.notNull())
    .addColumn('position', 'integer', (c) => c.notNull())
    .addColumn('superseded_at', 'text')
    .execute();
  await db.schema.createIndex('pairwise_comparisons_round').on('pairwise_comparisons').columns(['round_id', 'superseded_at', 'position']).execute();
  await db.schema.createIndex('pairwise_comparisons_juror').on('pairwise_comparisons').columns(['round_id', 'juror_id', 'a', 'b']).execute();

  // The pair a juror was handed and has not answered: the sampler counts it, so two jurors get different pairs.
  await db.schema
    .createTable('pairwise_pending')
    .addColumn('round_id', 'text', (c) => c.notNull().references('pairwise_rounds.id').onDelete('cascade'))
    .addColumn('member_id', 'text', (c) => c.notNull().references('members.id').onDelete('cascade'))
    .addColumn('a', 'text', (c) => c.notNull())
    .addColumn('b', 'text', (c) => c.notNull())
    .addColumn('shown_at', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('pairwise_pending_pk', ['round_id', 'member_id'])
    .execute();

  // Pairs a juror skipped: never asked of them again.
  await db.schema
    .createTable('pairwise_skips')
    .addColumn('round_id', 'text', (c) => c.notNull().references('pairwise_rounds.id').onDelete('cascade'))
    .addColumn('member_id', 'text', (c) => c.notNull().references('members.id').onDelete('cascade'))
    .addColumn('a', 'text', (c) => c.notNull())
    .addColumn('b', 'text', (c) => c.notNull())
    .addColumn('at', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('pairwise_skips_pk', ['round_id', 'member_id', 'a', 'b'])
    .execute();

  // A juror whose comparisons a moderator took out of the round (recorded in the audit log too).
  await db.schema
    .createTable('pairwise_exclusions')
    .addColumn('round_id', 'text', (c) => c.notNull().references('pairwise_rounds.id').onDelete('cascade'))
    .addColumn('member_id', 'text', (c) => c.notNull().references('members.id').onDelete('cascade'))
    .addColumn('reason', 'text')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('pairwise_exclusions_pk', ['round_id', 'member_id'])
    .execute();

  await db.schema
    .createTable('pairwise_submissions')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('round_id', 'text', (c) => c.notNull().references('pairwise_rounds.id').onDelete('cascade'))
    .addColumn('key', 'text', (c) => c.notNull())
    .addColumn('author_id', 'text', (c) => c.notNull().references('members.id').onDelete('cascade'))
    // JSON: project id -> weight among its siblings.
    .addColumn('weights', 'text', (c) => c.notNull())
    .addColumn('submitted_at', 'text', (c) => c.notNull())
    .addColumn('position', 'integer', (c) => c.notNull())
    .addUniqueConstraint('pairwise_submissions_key', ['round_id', 'key'])
    .execute();

  // The holdout frozen at close (the comparisons kept out of the final fit); before close it is drawn from the seed.
  await db.schema
    .createTable('pairwise_holdout')
    .addColumn('round_id', 'text', (c) => c.notNull().references('pairwise_rounds.id').onDelete('cascade'))
    .addColumn('comparison_id', 'text', (c) => c.notNull().references('pairwise_comparisons.id').onDelete('cascade'))
    .addPrimaryKeyConstraint('pairwise_holdout_pk', ['round_id', 'comparison_id'])
    .execute();

  // Scheduled opening and closing; the same leases and claims as `jobs`, whose round is a governance round.
  await db.schema
    .createTable('pairwise_jobs')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('round_id', 'text', (c) => c.notNull().references('pairwise_rounds.id').onDelete('cascade'))
    // 'pairwise_phase' (target: open | closed)
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('target', 'text', (c) => c.notNull())
    .addColumn('due_at', 'text', (c) => c.notNull())
    .addColumn('done_at', 'text')
    .addColumn('leased_by', 'text')
    .addColumn('leased_until', 'text')
    .execute();
  await db.schema.createIndex('pairwise_jobs_due').on('pairwise_jobs').columns(['done_at', 'due_at']).execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const table of ['pairwise_jobs', 'pairwise_holdout', 'pairwise_submissions', 'pairwise_exclusions', 'pairwise_skips', 'pairwise_pending', 'pairwise_comparisons', 'pairwise_jurors', 'pairwise_projects', 'pairwise_rounds'])
    await db.schema.dropTable(table).execute();
}
