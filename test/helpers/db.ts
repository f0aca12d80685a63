import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import { expect } from 'vitest';
import { migrateToLatest, openDatabase, type Db } from '../../src/db/database.ts';

/** A new SQLite file in a temporary folder, as a DATABASE_URL. */
export const tempDatabaseUrl = (): string => `file:${join(mkdtempSync(join(tmpdir(), 'govbot-')), 'govbot.sqlite')}`;

/** A fresh, migrated in-memory database per test. */
export async function freshDb(url = ':memory:'): Promise<Db> {
  const db = await openDatabase(url);
  await migrateToLatest(db);
  return db;
}

/** Writes one audit entry, then checks that updating, deleting (and, on PostgreSQL, truncating) it are refused. */
export async function expectAppendOnlyAudit(db: Db, alsoTruncate = false): Promise<void> {
  await db.insertInto('audit_log').values({ id: 'a1', community_id: null, round_id: null, actor_id: null, action: 'test', detail: '{}', at: '2025-01-01T00:00:00Z' }).execute();
  await expect(db.updateTable('audit_log').set({ detail: '{"rewritten":true}' }).execute()).rejects.toThrow(/append-only/);
  await expect(db.deleteFrom('audit_log').execute()).rejects.toThrow(/append-only/);
  if (alsoTruncate) await expect(sql`truncate audit_log`.execute(db)).rejects.toThrow(/append-only/);
  expect(await db.selectFrom('audit_log').select(['id', 'detail']).execute()).toEqual([{ id: 'a1', detail: '{}' }]);
}
