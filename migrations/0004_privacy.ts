import type { Kysely } from 'kysely';

// Whether a member lets the public results page show their handle; otherwise it shows a pseudonym.
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('members').addColumn('public_handle', 'integer', (c) => c.notNull().defaultTo(0)).execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('members').dropColumn('public_handle').execute();
}
