import { sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import { migrator, openDatabase } from '../../src/db/database.ts';

const PAIRWISE_TABLES = ['pairwise_comparisons', 'pairwise_exclusions', 'pairwise_holdout', 'pairwise_jobs', 'pairwise_jurors', 'pairwise_pending', 'pairwise_projects', 'pairwise_rounds', 'pairwise_skips', 'pairwise_submissions'];
const pairwiseTables = async (db: Awaited<ReturnType<typeof openDatabase>>) =>
  (await sql<{ name: string }>`select name from sqlite_master where type = 'table' and name like 'pairwise_%' order by name`.execute(db)).rows.map((r) => r.name);

describe('migration 0013_pairwise', () => {
  it('GIVEN the migrations up THEN the pairwise tables exist, and migrating down past 0013 drops every one of them, and up again makes them again', async () => {
    const db = await openDatabase(':memory:');
    const m = migrator(db);
    expect((await m.migrateToLatest()).error).toBeUndefined();
    expect(await pairwiseTables(db)).toEqual(PAIRWISE_TABLES);
    expect((await m.migrateTo('0011_leases')).error).toBeUndefined();
    expect(await pairwiseTables(db)).toEqual([]);
    expect((await m.migrateToLatest()).error).toBeUndefined();
    expect(await pairwiseTables(db)).toEqual(PAIRWISE_TABLES);
    await db.destroy();
  });
});
