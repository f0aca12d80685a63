import type { Kysely } from 'kysely';

// Polls people trust (issue 16): delegation and reminders. A delegation lends a member's weight to another for one
// round (round_id) or for the community until revoked (round_id null); revoking or replacing one sets its until, so
// the round file can say which was in force when. poll_reminders marks a poll whose reminders were owed, in the same
// transaction as the messages, so each goes once, also across restarts; reminder_opt_outs holds who said /notify off.
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('delegations')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('community_id', 'text', (c) => c.notNull().references('communities.id').onDelete('cascade'))
    .addColumn('from_member_id', 'text', (c) => c.notNull().references('members.id').onDelete('cascade'))
    .addColumn('to_member_id', 'text', (c) => c.notNull().references('members.id').onDelete('cascade'))
    .addColumn('round_id', 'text', (c) => c.references('rounds.id').onDelete('cascade'))
    .addColumn('since', 'text', (c) => c.notNull())
    .addColumn('until', 'text')
    .execute();
  await db.schema.createIndex('delegations_from').on('delegations').columns(['from_member_id', 'until']).execute();
  await db.schema.createIndex('delegations_to').on('delegations').columns(['to_member_id', 'until']).execute();
  await db.schema
    .createTable('poll_reminders')
    .addColumn('question_id', 'text', (c) => c.primaryKey().references('questions.id').onDelete('cascade'))
    .addColumn('sent_at', 'text', (c) => c.notNull())
    .execute();
  await db.schema
    .createTable('reminder_opt_outs')
    .addColumn('member_id', 'text', (c) => c.primaryKey().references('members.id').onDelete('cascade'))
    .addColumn('at', 'text', (c) => c.notNull())
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('reminder_opt_outs').execute();
  await db.schema.dropTable('poll_reminders').execute();
  await db.schema.dropTable('delegations').execute();
}
