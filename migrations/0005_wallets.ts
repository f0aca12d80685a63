import type { Kysely } from 'kysely';

// A wallet is linked by signing a Sign-In with Ethereum message. Each challenge is one member's, single-use and
// short-lived; its link token opens the wallet page, its nonce goes into the message.
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('wallet_challenges')
    .addColumn('token', 'text', (c) => c.primaryKey())
    .addColumn('community_id', 'text', (c) => c.notNull().references('communities.id').onDelete('cascade'))
    .addColumn('member_id', 'text', (c) => c.notNull().references('members.id').onDelete('cascade'))
    .addColumn('nonce', 'text', (c) => c.notNull().unique())
    // The EIP-4361 message once an address is known; a signature must be over exactly this text.
    .addColumn('message', 'text')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('expires_at', 'text', (c) => c.notNull())
    .addColumn('used_at', 'text')
    .execute();
  await db.schema.createIndex('wallet_challenges_member').on('wallet_challenges').columns(['member_id', 'created_at']).execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('wallet_challenges').execute();
}
