// Read-only connections a worker thread opens to the bot's database: each read sees one snapshot (SQLite beside the
// bot's writer thanks to WAL; PostgreSQL in a repeatable-read transaction), so the bot's own thread reads nothing for
// the work handed to the worker.
import SqliteDatabase from 'better-sqlite3';
import { Kysely, PostgresDialect, SqliteDialect, type Transaction } from 'kysely';
import pg from 'pg';
import { isPostgresUrl } from '../db/database.ts';
import type { Database } from '../db/schema.ts';

/** Connections by source, the last few used (a bot has one database; a test run makes many). */
const connections = new Map<string, Kysely<Database>>();
const CONNECTIONS = 4;

/** A connection to an SQLite file or a PostgreSQL URL that only reads. */
function open(source: string): Kysely<Database> {
  if (!isPostgresUrl(source)) return new Kysely<Database>({ dialect: new SqliteDialect({ database: new SqliteDatabase(source, { readonly: true, fileMustExist: true }) }) });
  // one connection: the thread reads one round at a time; the server refuses any write on it
  const pool = new pg.Pool({ connectionString: source, max: 1, options: '-c default_transaction_read_only=on' });
  // an idle connection the server closed (a restart) is an error event of the pool, which would end the thread;
  // the pool drops that connection and the next read opens another
  pool.on('error', () => undefined);
  return new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
}

/**
 * `work` in one read transaction over the source: one snapshot for the whole of it (PostgreSQL at repeatable read, as
 * an SQLite read transaction is; SQLite ignores the level).
 */
export const inSnapshot = <T>(source: string, work: (trx: Transaction<Database>) => Promise<T>): Promise<T> =>
  readOnlyConnection(source).transaction().setIsolationLevel('repeatable read').execute(work);

/** The thread's connection to a source, opened on first use; a statement on it outside inSnapshot sees the latest commit. */
export function readOnlyConnection(source: string): Kysely<Database> {
  const db = connections.get(source) ?? open(source);
  // last used last
  connections.delete(source);
  connections.set(source, db);
  if (connections.size > CONNECTIONS) {
    const [oldest, stale] = connections.entries().next().value!;
    connections.delete(oldest);
    void stale.destroy();
  }
  return db;
}
