import type { Kysely } from 'kysely';

// The wallet a member chose to be paid in (/wallets payout:…); without a row, the payout goes where most of their
// tokens are. `address` is where the transfer goes: the wallet's own address, or for a Cardano wallet linked by its
// stake address a payment address of that stake key (nobody can send to a stake address).
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('payout_wallets')
    .addColumn('member_id', 'text', (c) => c.primaryKey().references('members.id').onDelete('cascade'))
    .addColumn('wallet_id', 'text', (c) => c.notNull().references('wallets.id').onDelete('cascade'))
    .addColumn('address', 'text', (c) => c.notNull())
    .addColumn('chosen_at', 'text', (c) => c.notNull())
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('payout_wallets').execute();
}
