// Read-only connections a worker thread opens to the bot's SQLite file: each read sees one snapshot, beside the bot's
// writer thanks to WAL, so the bot's own thread reads nothing for the work handed to the worker.
import SqliteDatabase from 'better-sqlite3';
import { Kysely, SqliteDialect } from 'kysely';
import type { Database } from '../db/schema.ts';

/** Connections by file, the last few used (a bot has one file; a test run makes many). */
const connections = new Map<string, Kysely<Database>>();
const CONNECTIONS = 4;

export function readOnlyConnection(file: string): Kysely<Database> {
  const db = connections.get(file) ?? new Kysely<Database>({ dialect: new SqliteDialect({ database: new SqliteDatabase(file, { readonly: true, fileMustExist: true }) }) });
  // last used last
  connections.delete(file);
  connections.set(file, db);
  if (connections.size > CONNECTIONS) {
    const [oldest, stale] = connections.entries().next().value!;
    connections.delete(oldest);
    void stale.destroy();
  }
  return db;
}
