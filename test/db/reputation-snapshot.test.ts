import { describe, expect, it } from 'vitest';
import type { Db } from '../../src/db/database.ts';
import { ensureCommunity, importRound } from '../../src/db/repositories.ts';
import { snapshotCopy, takeReputationSnapshot } from '../../src/db/reputation-snapshot.ts';
import { parseRoundFile } from '../../src/roundfile/schema.ts';
import { freshDb } from '../helpers/db.ts';
import { postgresForTheseTests } from '../helpers/postgres.ts';

const AT = '2025-01-02T00:00:00.000Z';
const BEFORE = '2025-01-01T12:00:00.000Z';
const AFTER = '2025-01-03T00:00:00.000Z';

// before AT: a self-rating, a self-reaction, events without a time (they count as before), d's comment c3 (withdrawn
// below) with a reaction from another
const early = {
  proposals: [{ id: 'p1', author: 'a', title: 'A', createdAt: BEFORE }, { id: 'p2', author: 'b', title: 'B' }],
  ratings: [{ proposal: 'p1', rater: 'b', stars: 4, createdAt: BEFORE }, { proposal: 'p1', rater: 'a', stars: 5, createdAt: BEFORE }, { proposal: 'p2', rater: 'c', stars: 2 }],
  comments: [{ id: 'c1', author: 'a', proposal: 'p2', createdAt: BEFORE }, { id: 'c2', author: 'c', proposal: 'p1', createdAt: BEFORE }, { id: 'c3', author: 'd', proposal: 'p1', createdAt: BEFORE }],
  reactions: [
    { comment: 'c1', reactor: 'b', kind: 'upvote', createdAt: BEFORE },
    { comment: 'c1', reactor: 'a', kind: 'positive', createdAt: BEFORE },
    { comment: 'c2', reactor: 'a', kind: 'negative' },
    { comment: 'c3', reactor: 'a', kind: 'upvote', createdAt: BEFORE },
  ],
};
// at AT and after: one of each, from others, and all that e did
const late = {
  proposals: [{ id: 'p3', author: 'c', title: 'C', createdAt: AFTER }],
  ratings: [{ proposal: 'p2', rater: 'a', stars: 3, createdAt: AT }],
  // e's only event: e has no row
  comments: [{ id: 'c4', author: 'b', proposal: 'p1', createdAt: AFTER }, { id: 'c5', author: 'e', proposal: 'p2', createdAt: AFTER }],
  reactions: [{ comment: 'c2', reactor: 'b', kind: 'upvote', createdAt: AFTER }],
};

/** A round of those events (and `later`'s), c3 withdrawn, its snapshot taken at AT: the frozen rows by handle. */
async function frozenAt(db: Db, key: string, later?: typeof late) {
  const community = await ensureCommunity(db, { platform: 'console', chatId: 'default', name: 'console' });
  const list = (name: keyof typeof early) => [...early[name], ...(later?.[name] ?? [])];
  const file = { version: 1, round: { id: key, name: key }, members: ['a', 'b', 'c', 'd', 'e'].map((id) => ({ id, handle: id, excluded: false, wallets: [] })) };
  const round = await importRound(db, community.id, parseRoundFile({ ...file, proposals: list('proposals'), ratings: list('ratings'), comments: list('comments'), reactions: list('reactions') }));
  await db.updateTable('comments').set({ retracted_at: BEFORE }).where('round_id', '=', round.id).where('key', '=', 'c3').execute();
  await takeReputationSnapshot(db, round.id, AT);
  return db
    .selectFrom('frozen_standings as f')
    .innerJoin('members as m', 'm.id', 'f.member_id')
    .select(['m.handle', 'f.proposals', 'f.stars', 'f.comments', 'f.upvotes', 'f.positives', 'f.negatives'])
    .where('f.round_id', '=', round.id)
    .orderBy('m.handle')
    .execute();
}

const counted = (handle: string, [proposals, stars, comments, upvotes, positives, negatives]: number[]) => ({ handle, proposals, stars, comments, upvotes, positives, negatives });
// d's only comment is withdrawn and e did nothing: neither has a row
const expected = [counted('a', [1, 4, 1, 1, 0, 0]), counted('b', [1, 2, 0, 0, 0, 0]), counted('c', [0, 0, 1, 0, 0, 1])];

async function copyMatchesCount(db: Db) {
  const { chunk } = snapshotCopy;
  snapshotCopy.chunk = 2;
  try {
    // the maintained counts copied two members a chunk, less (with events dated from AT on) those events, two members a chunk
    expect(await frozenAt(db, 'counted', late)).toEqual(expected);
    expect(await frozenAt(db, 'copied')).toEqual(expected);
  } finally {
    snapshotCopy.chunk = chunk;
    await db.destroy();
  }
}

describe('the reputation snapshot in the database', () => {
  it('GIVEN events before the snapshot, with or without events dated from it on THEN the maintained counts copied, less the later events, are the rows the events before it give (SQLite)', async () => {
    await copyMatchesCount(await freshDb());
  });

  const server = postgresForTheseTests();
  it('GIVEN events before the snapshot, with or without events dated from it on THEN the maintained counts copied, less the later events, are the rows the events before it give (PostgreSQL)', async () => {
    await copyMatchesCount(await freshDb(await server.freshDatabase()));
  });
});
