import { PostgresAdapter, sql, type Kysely } from 'kysely';

// The audit log is append-only by API (repositories only insert); these triggers make the database refuse any
// change or removal too, so no bug and no hand-run statement can rewrite history. The schema builder has no
// triggers, hence the SQL per database.
const REFUSAL = 'the audit log is append-only';

const onPostgres = (db: Kysely<any>) => db.getExecutor().adapter instanceof PostgresAdapter;

export async function up(db: Kysely<any>): Promise<void> {
  if (onPostgres(db)) {
    await sql`create function audit_log_append_only() returns trigger language plpgsql as $$ begin raise exception ${sql.lit(REFUSAL)}; end $$`.execute(db);
    await sql`create trigger audit_log_append_only before update or delete on audit_log for each row execute function audit_log_append_only()`.execute(db);
    await sql`create trigger audit_log_no_truncate before truncate on audit_log for each statement execute function audit_log_append_only()`.execute(db);
  } else
    for (const event of ['update', 'delete'])
      await sql`create trigger ${sql.id(`audit_log_no_${event}`)} before ${sql.raw(event)} on audit_log begin select raise(abort, ${sql.lit(REFUSAL)}); end`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  if (onPostgres(db)) {
    await sql`drop trigger audit_log_no_truncate on audit_log`.execute(db);
    await sql`drop trigger audit_log_append_only on audit_log`.execute(db);
    await sql`drop function audit_log_append_only()`.execute(db);
  } else for (const event of ['update', 'delete']) await sql`drop trigger ${sql.id(`audit_log_no_${event}`)}`.execute(db);
}
