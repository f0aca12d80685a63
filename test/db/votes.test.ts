import { describe, expect, it } from 'vitest';
import { openDatabase } from '../../src/db/database.ts';
import { ensureCommunity, importRound, loadRoundData } from '../../src/db/repositories.ts';
import { VoteWriter } from '../../src/db/votes.ts';
import { freshDb, tempDatabaseUrl } from '../helpers/db.ts';
import { member, round, tokens } from '../helpers/round.ts';

async function setup(url = ':memory:') {
  const db = await freshDb(url);
  const community = await ensureCommunity(db, { platform: 'console', chatId: 'default', name: 'console' });
  const row = await importRound(
    db,
    community.id,
    round({ members: [member('a', tokens(1)), member('b', tokens(4))], questions: [{ id: 'q1', text: 'Q', options: ['Yes', 'No'] }] }),
  );
  const question = await db.selectFrom('questions').select('id').executeTakeFirstOrThrow();
  const ids = Object.fromEntries((await db.selectFrom('members').select(['id', 'key']).execute()).map((m) => [m.key, m.id]));
  const vote = (who: string, option: number, at: string) => ({ roundId: row.id, questionId: question.id, memberId: ids[who]!, option, castAt: at });
  return { db, row, vote };
}

describe('vote writer', () => {
  it('GIVEN a cast that resolved THEN another connection already reads the vote and its audit entry', async () => {
    const url = tempDatabaseUrl();
    const { db, vote } = await setup(url);
    const writer = new VoteWriter(db);
    await writer.cast(vote('a', 1, '2024-01-01T00:00:00.000Z'));
    const other = await openDatabase(url);
    expect(await other.selectFrom('votes').select(['option_idx', 'seq']).execute()).toEqual([{ option_idx: 1, seq: 0 }]);
    expect(await other.selectFrom('audit_log').select('action').where('action', '=', 'vote.cast').execute()).toHaveLength(1);
    await other.destroy();
    await db.destroy();
  });

  it('GIVEN many votes at once THEN each member keeps its history in order and the last choice counts', async () => {
    const { db, row, vote } = await setup();
    const writer = new VoteWriter(db);
    const receipts = await Promise.all([
      writer.cast(vote('a', 0, '2024-01-01T00:00:00.000Z')),
      writer.cast(vote('b', 1, '2024-01-01T00:00:00.000Z')),
      writer.cast(vote('a', 1, '2024-01-01T00:00:00.000Z')),
    ]);
    expect(receipts.map((r) => r.seq)).toEqual([0, 0, 1]);
    expect((await writer.cast(vote('a', 0, '2024-01-01T00:00:01.000Z'))).seq).toBe(2);
    const data = await loadRoundData(db, row);
    expect(data.votes.filter((v) => v.member === 'a').map((v) => v.option)).toEqual([0, 1, 0]);
    await db.destroy();
  });

  it('GIVEN one vote that cannot be stored THEN only that one fails and the others are written', async () => {
    const { db, vote } = await setup();
    const writer = new VoteWriter(db);
    const results = await Promise.allSettled([
      writer.cast(vote('a', 0, '2024-01-01T00:00:00.000Z')),
      writer.cast({ ...vote('b', 0, '2024-01-01T00:00:00.000Z'), questionId: 'no-such-question' }),
      writer.cast(vote('b', 1, '2024-01-01T00:00:00.000Z')),
    ]);
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect(await db.selectFrom('votes').select('option_idx').execute()).toHaveLength(2);
    await db.destroy();
  });
});
