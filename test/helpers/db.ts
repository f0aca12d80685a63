import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { migrateToLatest, openDatabase, type Db } from '../../src/db/database.ts';

/** A new SQLite file in a temporary folder, as a DATABASE_URL. */
export const tempDatabaseUrl = (): string => `file:${join(mkdtempSync(join(tmpdir(), 'govbot-')), 'govbot.sqlite')}`;

/** A fresh, migrated in-memory database per test. */
export async function freshDb(url = ':memory:'): Promise<Db> {
  const db = await openDatabase(url);
  await migrateToLatest(db);
  return db;
}
