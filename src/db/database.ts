import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import SqliteDatabase from 'better-sqlite3';
import { Kysely, Migrator, PostgresAdapter, SqliteDialect, type MigrationResultSet } from 'kysely';
import { migrations } from '../../migrations/index.ts';
import type { Database } from './schema.ts';

export type Db = Kysely<Database>;

import { DEFAULT_DATABASE_URL } from './errors.ts';

export { DEFAULT_DATABASE_URL };

/**
 * Opens the database named by a URL: `file:PATH` or a plain path for SQLite, `:memory:` for a throwaway one,
 * `postgres://…` for PostgreSQL (several bot processes sharing one state).
 */
export async function openDatabase(url: string = DEFAULT_DATABASE_URL): Promise<Db> {
  if (isPostgresUrl(url)) {
    const [{ PostgresDialect }, pg] = await Promise.all([import('kysely'), import('pg')]);
    const pool = new pg.default.Pool({ connectionString: url, max: 10 });
    // an idle connection the server closed (a restart, a failover) is an error event of the pool, which unhandled would
    // end the process; the pool drops that connection and the next query opens another (or fails, and says why)
    pool.on('error', () => undefined);
    const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
    // the adapter is the one object a database shares with its transactions: by it, a worker thread is told where to read
    postgresUrls.set(db.getExecutor().adapter, url);
    return db;
  }
  const path = url.replace(/^file:/, '');
  if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
  const sqlite = new SqliteDatabase(path);
  // WAL lets readers run beside the writer; NORMAL sync keeps every commit across a crash of the process.
  sqlite.pragma('journal_mode = WAL');
  sqlite.pragma('synchronous = NORMAL');
  sqlite.pragma('foreign_keys = ON');
  sqlite.pragma('busy_timeout = 5000');
  // 64 MiB of page cache, and a checkpoint (the only fsync under NORMAL) every 32 MiB of WAL rather than every 4.
  sqlite.pragma('cache_size = -65536');
  sqlite.pragma('wal_autocheckpoint = 8192');
  return new Kysely<Database>({ dialect: new SqliteDialect({ database: withStatementCache(sqlite) }) });
}

export const isPostgresUrl = (url: string) => /^postgres(ql)?:\/\//.test(url);

const postgresUrls = new WeakMap<object, string>();

/** The URL a PostgreSQL database (or a transaction of it) was opened with, for a thread to open its own connection. */
export const postgresUrl = (db: { getExecutor(): { adapter: object } }): string | undefined => postgresUrls.get(db.getExecutor().adapter);

/** Statements kept prepared on an SQLite connection; the bot runs a few dozen distinct ones over and over. */
const CACHED_STATEMENTS = 500;

/**
 * kysely prepares every query anew, and preparing costs SQLite as much as running a short query (a tap's dozen
 * queries: a sixth of its time). The statements are kept by their SQL, the least recently used dropped past the
 * limit. One connection runs one statement at a time (kysely's connection lock), so a kept one is never used twice at once.
 */
function withStatementCache(sqlite: SqliteDatabase.Database): { prepare(sql: string): SqliteDatabase.Statement; close(): void } {
  const kept = new Map<string, SqliteDatabase.Statement>();
  return {
    prepare(sql) {
      let statement = kept.get(sql);
      if (statement) kept.delete(sql);
      else statement = sqlite.prepare(sql);
      kept.set(sql, statement);
      if (kept.size > CACHED_STATEMENTS) kept.delete(kept.keys().next().value!);
      return statement;
    },
    close: () => sqlite.close(),
  };
}

/** PostgreSQL, where several processes may share the database (row locks, advisory locks); else SQLite, one process. */
export function isPostgres(db: { getExecutor(): { adapter: unknown } }): boolean {
  return db.getExecutor().adapter instanceof PostgresAdapter;
}

export function migrator(db: Db): Migrator {
  return new Migrator({ db, provider: { getMigrations: async () => migrations } });
}

/** Applies what is pending; throws with the failing migration's name if one fails. */
export async function migrateToLatest(db: Db): Promise<MigrationResultSet> {
  const result = await migrator(db).migrateToLatest();
  if (result.error) throw new Error(`migration failed: ${describe(result)}`, { cause: result.error });
  return result;
}

export const describe = (result: MigrationResultSet): string =>
  (result.results ?? []).map((r) => `${r.migrationName} ${r.direction.toLowerCase()} ${r.status.toLowerCase()}`).join(', ') ||
  'nothing to do';
