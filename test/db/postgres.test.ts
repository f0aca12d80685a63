import { readFileSync } from 'node:fs';
import { sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import { migrations } from '../../migrations/index.ts';
import { computeReport, reportJson } from '../../src/core/report.ts';
import { migrator, openDatabase } from '../../src/db/database.ts';
import { ensureCommunity, importRound, loadRoundData, WalletTakenError } from '../../src/db/repositories.ts';
import { VoteWriter, writeVotes, type VoteToCast } from '../../src/db/votes.ts';
import { parseRoundFileText, serializeRoundFile } from '../../src/roundfile/schema.ts';
import { expectAppendOnlyAudit, freshDb } from '../helpers/db.ts';
import { postgresForTheseTests } from '../helpers/postgres.ts';
import { member, round, tokens } from '../helpers/round.ts';

const server = postgresForTheseTests();

const sample = parseRoundFileText(readFileSync('examples/governance-round-1.json', 'utf8'));
const where = { platform: 'console', chatId: 'default', name: 'console' };

describe('on PostgreSQL', () => {
  it('GIVEN an empty database THEN every migration goes up, down to nothing, and up again, with the tables SQLite has', async () => {
    const db = await openDatabase(await server.freshDatabase());
    const tables = async () =>
      (await sql<{ name: string }>`select table_name as name from information_schema.tables where table_schema = 'public' and table_name not like 'kysely_%' order by table_name`.execute(db)).rows.map((r) => r.name);
    const up = await migrator(db).migrateToLatest();
    expect(up.results?.map((r) => r.status)).toEqual(Object.keys(migrations).map(() => 'Success'));
    const lite = await freshDb();
    const liteTables = (await sql<{ name: string }>`select name from sqlite_master where type = 'table' and name not like 'sqlite_%' and name not like 'kysely_%' order by name`.execute(lite)).rows.map((r) => r.name);
    await lite.destroy();
    expect(await tables()).toEqual(liteTables);
    for (const _ of Object.keys(migrations)) expect((await migrator(db).migrateDown()).error).toBeUndefined();
    expect(await tables()).toEqual([]);
    expect((await migrator(db).migrateToLatest()).error).toBeUndefined();
    await db.destroy();
  });

  it('GIVEN an entry in the audit log THEN the database refuses to change, remove or truncate it', async () => {
    const db = await freshDb(await server.freshDatabase());
    await expectAppendOnlyAudit(db, true);
    await db.destroy();
  });

  it('GIVEN the sample round THEN import and export give the same file and the same replay as on SQLite', async () => {
    const onPostgres = await freshDb(await server.freshDatabase());
    const onSqlite = await freshDb();
    const exported = [];
    for (const db of [onPostgres, onSqlite]) {
      const community = await ensureCommunity(db, where);
      exported.push(serializeRoundFile(await loadRoundData(db, await importRound(db, community.id, sample))));
      await db.destroy();
    }
    expect(exported[0]).toBe(exported[1]);
    expect(reportJson(computeReport(parseRoundFileText(exported[0]!)))).toBe(reportJson(computeReport(sample)));
  });

  it('GIVEN one wallet claimed by two members THEN the import is refused and nothing is written', async () => {
    const db = await freshDb(await server.freshDatabase());
    const community = await ensureCommunity(db, where);
    const wallet = { chain: 'eip155:1', address: `0x${'a'.repeat(40)}`, balance: tokens(1) };
    await importRound(db, community.id, round({ members: [{ ...member('a'), wallets: [wallet] }] }));
    const second = { version: 1 as const, round: { id: 'r2', name: 'R2' }, members: [{ ...member('b'), wallets: [wallet] }] };
    await expect(importRound(db, community.id, parseRoundFileText(JSON.stringify(second)))).rejects.toBeInstanceOf(WalletTakenError);
    expect(await db.selectFrom('rounds').select('key').execute()).toEqual([{ key: 'r1' }]);
    await db.destroy();
  });

  it('GIVEN votes cast at once, one of them bad THEN each member keeps its history in order and only the bad one fails', async () => {
    const url = await server.freshDatabase();
    const db = await freshDb(url);
    const community = await ensureCommunity(db, where);
    const row = await importRound(db, community.id, round({ members: [member('a', tokens(1)), member('b', tokens(4))], questions: [{ id: 'q1', text: 'Q', options: ['Yes', 'No'] }] }));
    const question = await db.selectFrom('questions').select('id').executeTakeFirstOrThrow();
    const ids = Object.fromEntries((await db.selectFrom('members').select(['id', 'key']).execute()).map((m) => [m.key, m.id]));
    const vote = (who: string, option: number) => ({ roundId: row.id, questionId: question.id, memberId: ids[who]!, option, castAt: '2024-01-01T00:00:00.000Z' });
    const writer = new VoteWriter(db);
    const results = await Promise.allSettled([writer.cast(vote('a', 0)), writer.cast({ ...vote('b', 0), questionId: 'no-such-question' }), writer.cast(vote('b', 1)), writer.cast(vote('a', 1))]);
    expect(results.map((r) => (r.status === 'fulfilled' ? r.value.seq : 'failed'))).toEqual([0, 'failed', 0, 1]);
    // committed before the receipt: another connection reads it
    const other = await openDatabase(url);
    expect(await other.selectFrom('audit_log').select('action').where('action', '=', 'vote.cast').execute()).toHaveLength(3);
    await other.destroy();
    const data = await loadRoundData(db, row);
    expect(data.votes.filter((v) => v.member === 'a').map((v) => v.option)).toEqual([0, 1]);
    await db.destroy();
  });

  it('GIVEN the same batch of votes (a repeated voter, a ballot, a salt) THEN PostgreSQL stores the rows and audit entries SQLite stores', async () => {
    const stored = [];
    for (const db of [await freshDb(await server.freshDatabase()), await freshDb()]) {
      const community = await ensureCommunity(db, where);
      const row = await importRound(db, community.id, round({ members: [member('a', tokens(1)), member('b', tokens(4))], questions: [{ id: 'q1', text: 'Q', options: ['Yes', 'No', 'Maybe'] }] }));
      const question = await db.selectFrom('questions').select('id').executeTakeFirstOrThrow();
      const ids = Object.fromEntries((await db.selectFrom('members').select(['id', 'key']).execute()).map((m) => [m.key, m.id]));
      const vote = (who: string, option: number, at: string, more: Partial<VoteToCast> = {}): VoteToCast => ({ roundId: row.id, questionId: question.id, memberId: ids[who]!, option, castAt: at, ...more });
      const seqs = await db.transaction().execute(async (trx) => [
        ...(await writeVotes(trx, [vote('a', 0, '2024-01-01T00:00:00.000Z'), vote('b', 2, '2024-01-01T00:00:01.000Z', { ballot: [2, 0] }), vote('a', 1, '2024-01-01T00:00:02.000Z', { salt: 'ab'.repeat(32) })])),
        ...(await writeVotes(trx, [vote('a', 2, '2024-01-01T00:00:03.000Z')])),
      ]);
      const key = Object.fromEntries(Object.entries(ids).map(([k, id]) => [id, k]));
      const votes = await db.selectFrom('votes').select(['member_id', 'option_idx', 'ballot', 'cast_at', 'seq', 'salt']).orderBy('cast_at').execute();
      const audit = await db.selectFrom('audit_log').select(['actor_id', 'action', 'detail', 'at', 'community_id']).where('action', '=', 'vote.cast').orderBy('at').execute();
      const choices = await db.selectFrom('vote_choices').select(['member_id', 'option_idx', 'seq']).execute();
      stored.push({
        seqs,
        votes: votes.map((v) => ({ ...v, member_id: key[v.member_id] })),
        audit: audit.map((a) => ({ ...a, actor_id: key[a.actor_id!], detail: a.detail.replace(question.id, 'q') })),
        choices: choices.map((c) => ({ ...c, member_id: key[c.member_id]! })).sort((x, y) => x.member_id.localeCompare(y.member_id)),
      });
      await db.destroy();
    }
    expect(stored[0]).toEqual(stored[1]);
    expect(stored[0]!.seqs).toEqual([0, 0, 1, 2]);
    expect(stored[0]!.audit.map((a) => a.detail)).toEqual(['{"question":"q","option":0,"seq":0}', '{"question":"q","option":2,"ballot":[2,0],"seq":0}', '{"question":"q","option":1,"seq":1}', '{"question":"q","option":2,"seq":2}']);
  });

  it('GIVEN two processes casting one member\'s votes on one poll at once THEN every vote gets its own seq, in one unbroken sequence', async () => {
    const url = await server.freshDatabase();
    const db = await freshDb(url);
    const community = await ensureCommunity(db, where);
    const row = await importRound(db, community.id, round({ members: [member('a', tokens(1))], questions: [{ id: 'q1', text: 'Q', options: ['Yes', 'No'] }] }));
    const question = await db.selectFrom('questions').select('id').executeTakeFirstOrThrow();
    const { id } = await db.selectFrom('members').select('id').executeTakeFirstOrThrow();
    const other = await openDatabase(url);
    const writers = [new VoteWriter(db), new VoteWriter(other)];
    const receipts = await Promise.all(Array.from({ length: 40 }, (_, i) => writers[i % 2]!.cast({ roundId: row.id, questionId: question.id, memberId: id, option: i % 2, castAt: `2024-01-01T00:00:${String(i).padStart(2, '0')}.000Z` })));
    expect(receipts.map((r) => r.seq).sort((x, y) => x - y)).toEqual(Array.from({ length: 40 }, (_, i) => i));
    await other.destroy();
    await db.destroy();
  });
});
