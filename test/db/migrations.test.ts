import { sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import { migrator, openDatabase } from '../../src/db/database.ts';
import { migrations } from '../../migrations/index.ts';
import { expectAppendOnlyAudit, freshDb, tempDatabaseUrl } from '../helpers/db.ts';

const tables = async (db: Awaited<ReturnType<typeof openDatabase>>) =>
  (await sql<{ name: string }>`select name from sqlite_master where type = 'table' and name not like 'sqlite_%' and name not like 'kysely_%' order by name`.execute(db)).rows.map((r) => r.name);

describe('migrations', () => {
  it('GIVEN an empty database THEN every migration goes up, and down again to nothing', async () => {
    const db = await openDatabase(':memory:');
    const up = await migrator(db).migrateToLatest();
    expect(up.error).toBeUndefined();
    expect(up.results?.map((r) => r.status)).toEqual(Object.keys(migrations).map(() => 'Success'));
    expect(await tables(db)).toEqual(
      ['audit_log', 'balances', 'chat_choices', 'chat_links', 'chat_reactions', 'comments', 'communities', 'delegations', 'exclusions', 'frozen_standings', 'handled_events', 'inbox', 'jobs', 'member_accounts', 'member_standings', 'members', 'outbox', 'outbox_leases', 'pairwise_comparisons', 'pairwise_exclusions', 'pairwise_holdout', 'pairwise_jobs', 'pairwise_jurors', 'pairwise_pending', 'pairwise_projects', 'pairwise_rounds', 'pairwise_skips', 'pairwise_submissions', 'payout_wallets', 'poll_reminders', 'proposals', 'published_rewards', 'question_options', 'questions', 'ratings', 'reactions', 'reminder_opt_outs', 'reputation_snapshots', 'reward_publications', 'round_members', 'round_moderators', 'round_versions', 'rounds', 'standings_paused', 'tier_role_grants', 'tier_roles', 'vote_choices', 'votes', 'wallet_challenges', 'wallets'],
    );
    for (const _ of Object.keys(migrations)) expect((await migrator(db).migrateDown()).error).toBeUndefined();
    expect(await tables(db)).toEqual([]);
    await db.destroy();
  });

  it('GIVEN an entry in the audit log THEN the database refuses to change or remove it', async () => {
    const db = await freshDb();
    await expectAppendOnlyAudit(db);
    await db.destroy();
  });

  it('GIVEN a file database THEN WAL, foreign keys and a busy timeout are on', async () => {
    const db = await openDatabase(tempDatabaseUrl());
    const wal = await sql<{ journal_mode: string }>`pragma journal_mode`.execute(db);
    expect(wal.rows[0]!.journal_mode).toBe('wal');
    const fk = await sql<{ foreign_keys: number }>`pragma foreign_keys`.execute(db);
    const busy = await sql<{ timeout: number }>`pragma busy_timeout`.execute(db);
    expect(fk.rows[0]!.foreign_keys).toBe(1);
    expect(busy.rows[0]!.timeout).toBe(5000);
    await db.destroy();
  });
});
