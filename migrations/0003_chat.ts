import type { Kysely } from 'kysely';

// What chat platforms need beyond the rules: which chat message stands for which proposal, comment or poll; which
// platform events were already handled; the commands behind buttons; moderators a round names; withdrawn comments.
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('chat_links')
    .addColumn('community_id', 'text', (c) => c.notNull().references('communities.id').onDelete('cascade'))
    // A platform's own reference, such as `message:-1001234:56` or `topic:-1001234:7`.
    .addColumn('ref', 'text', (c) => c.notNull())
    .addColumn('round_id', 'text', (c) => c.notNull().references('rounds.id').onDelete('cascade'))
    // 'proposal', 'comment' or 'poll'
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('key', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('chat_links_pk', ['community_id', 'ref'])
    .execute();
  await db.schema.createIndex('chat_links_subject').on('chat_links').columns(['round_id', 'kind', 'key']).execute();

  // An event delivered twice (a redelivered Telegram update, a replayed gateway event) is handled once.
  await db.schema
    .createTable('handled_events')
    .addColumn('platform', 'text', (c) => c.notNull())
    .addColumn('event_id', 'text', (c) => c.notNull())
    .addColumn('handled_at', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('handled_events_pk', ['platform', 'event_id'])
    .execute();

  // Buttons carry a short id; the command line they run lives here (platforms limit button data to 64–100 bytes).
  await db.schema
    .createTable('chat_choices')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('community_id', 'text', (c) => c.notNull().references('communities.id').onDelete('cascade'))
    .addColumn('command', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .execute();

  // Discord reports reactions one emoji at a time: each member's emoji per message are kept, so that the feedback
  // kinds they add up to can be compared before and after (❤ and 🔥 are both "positive").
  await db.schema
    .createTable('chat_reactions')
    .addColumn('community_id', 'text', (c) => c.notNull().references('communities.id').onDelete('cascade'))
    .addColumn('ref', 'text', (c) => c.notNull())
    .addColumn('user_id', 'text', (c) => c.notNull())
    .addColumn('emoji', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('chat_reactions_pk', ['community_id', 'ref', 'user_id', 'emoji'])
    .execute();

  await db.schema
    .createTable('round_moderators')
    .addColumn('round_id', 'text', (c) => c.notNull().references('rounds.id').onDelete('cascade'))
    .addColumn('member_id', 'text', (c) => c.notNull().references('members.id').onDelete('cascade'))
    .addColumn('added_at', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('round_moderators_pk', ['round_id', 'member_id'])
    .execute();

  // A withdrawn comment keeps its row (its key is never reused) but earns nothing.
  await db.schema.alterTable('comments').addColumn('retracted_at', 'text').execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('comments').dropColumn('retracted_at').execute();
  await db.schema.dropTable('round_moderators').execute();
  await db.schema.dropTable('chat_reactions').execute();
  await db.schema.dropTable('chat_choices').execute();
  await db.schema.dropTable('handled_events').execute();
  await db.schema.dropTable('chat_links').execute();
}
