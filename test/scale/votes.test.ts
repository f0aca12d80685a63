import { describe, expect, it } from 'vitest';
import { openDatabase } from '../../src/db/database.ts';
import { ensureCommunity, importRound } from '../../src/db/repositories.ts';
import { VoteWriter, writeVotes } from '../../src/db/votes.ts';
import { freshDb } from '../helpers/db.ts';
import { postgresForTheseTests } from '../helpers/postgres.ts';
import { member, round, tokens } from '../helpers/round.ts';

const server = postgresForTheseTests();

describe('votes written by several processes on one PostgreSQL', () => {
  it('GIVEN two processes writing the same member\'s votes at the same moment THEN none is lost or doubled, the history is numbered without gaps, and the last castAt counts', async () => {
    const url = await server.freshDatabase();
    const db = await freshDb(url);
    const other = await openDatabase(url);
    const community = await ensureCommunity(db, { platform: 'console', chatId: 'default', name: 'console' });
    const row = await importRound(db, community.id, round({ members: [member('a', tokens(1)), member('b', tokens(4))], questions: [{ id: 'q1', text: 'Q', options: ['Yes', 'No', 'Maybe'] }] }));
    const question = await db.selectFrom('questions').select('id').executeTakeFirstOrThrow();
    const ids = Object.fromEntries((await db.selectFrom('members').select(['id', 'key']).execute()).map((m) => [m.key, m.id]));
    const castAt = (i: number) => new Date(Date.UTC(2024, 0, 1, 0, 0, 0, i)).toISOString();
    const vote = (who: string, i: number) => ({ roundId: row.id, questionId: question.id, memberId: ids[who]!, option: i % 3, castAt: castAt(i) });
    const who = (i: number) => (i % 4 < 2 ? 'a' : 'b');
    // Half through each process's group-commit writer, half in events' own transactions (which have no retry: a
    // vote numbered like another process's would fail its whole event); the processes alternate.
    const writers = [new VoteWriter(db), new VoteWriter(other)];
    const inEvent = (i: number) => (i % 2 ? other : db).transaction().execute((trx) => writeVotes(trx, [vote(who(i), i)]));
    const casts = Array.from({ length: 200 }, (_, i) => (i % 8 < 4 ? writers[i % 2]!.cast(vote(who(i), i)) : inEvent(i)));
    const results = await Promise.allSettled(casts);
    expect(results.filter((r) => r.status === 'rejected')).toEqual([]);
    for (const who of ['a', 'b']) {
      const seqs = (await db.selectFrom('votes').select('seq').where('member_id', '=', ids[who]!).orderBy('seq').execute()).map((v) => v.seq);
      expect(seqs).toEqual(Array.from({ length: 100 }, (_, i) => i));
    }
    const counted = await db.selectFrom('vote_choices').select(['member_id', 'option_idx', 'cast_at']).orderBy('cast_at').execute();
    expect(counted).toEqual([
      { member_id: ids['a'], option_idx: 197 % 3, cast_at: castAt(197) },
      { member_id: ids['b'], option_idx: 199 % 3, cast_at: castAt(199) },
    ]);
    expect(await db.selectFrom('audit_log').select('id').where('action', '=', 'vote.cast').execute()).toHaveLength(200);
    await other.destroy();
    await db.destroy();
  });
});
