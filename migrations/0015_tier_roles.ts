import type { Kysely } from 'kysely';

// Discord roles per reputation tier. tier_roles: the role a server's moderators mapped to each tier (role_id null
// until the bot creates it). tier_role_grants: the tier role the bot gave each member, so that a sync (also after a
// restart) changes only what moved, and takes back a role the member no longer earns.
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('tier_roles')
    .addColumn('community_id', 'text', (c) => c.notNull().references('communities.id').onDelete('cascade'))
    .addColumn('tier', 'text', (c) => c.notNull())
    .addColumn('role_id', 'text')
    .addPrimaryKeyConstraint('tier_roles_pk', ['community_id', 'tier'])
    .execute();
  await db.schema
    .createTable('tier_role_grants')
    .addColumn('community_id', 'text', (c) => c.notNull().references('communities.id').onDelete('cascade'))
    .addColumn('platform_user_id', 'text', (c) => c.notNull())
    .addColumn('tier', 'text', (c) => c.notNull())
    .addColumn('role_id', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('tier_role_grants_pk', ['community_id', 'platform_user_id'])
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('tier_role_grants').execute();
  await db.schema.dropTable('tier_roles').execute();
}
