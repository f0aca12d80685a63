import { sql } from 'kysely';
import { UserError } from '../commands/errors.ts';
import type { RoundConfig } from '../core/config.ts';
import type { Contributions } from '../core/reputation.ts';
import { emptyContributions, setCounts } from './counts.ts';
import { newId, type Executor } from './repositories.ts';

/**
 * The reputation snapshot of a round in the database (DESIGN.md "Reputation snapshot"). When it falls, each member's
 * counts of the proposals, ratings, comments and reactions created before it are written to frozen_standings, once;
 * from then on they give the tiers that weight votes, whatever comes later, while reward points go on counting.
 */

/** What happened that may make the snapshot fall. */
export type SnapshotOccasion = 'voting opens' | 'snapshot time' | 'poll closes' | 'round closes';

/** The setting of a round: `voting` when not set. */
export const snapshotSetting = (config: RoundConfig): string => config.voting.reputationSnapshot ?? 'voting';

/**
 * Makes the snapshot fall if this occasion is its moment: voting opens (the voting phase or the round's first poll)
 * for `voting`, its time for a time, and in any case when a poll or the round closes first, so that a posted tally
 * never moves. `at` is the moment it falls. Returns whether it fell now.
 */
export async function reputationSnapshotFalls(db: Executor, round: { id: string; config: RoundConfig }, occasion: SnapshotOccasion, at: Date): Promise<boolean> {
  const setting = snapshotSetting(round.config);
  const due = occasion === 'voting opens' ? setting === 'voting' : occasion === 'snapshot time' ? setting !== 'voting' && setting !== 'close' : true;
  if (!due || (await snapshotTakenAt(db, round.id))) return false;
  await takeReputationSnapshot(db, round.id, at.toISOString());
  return true;
}

export async function snapshotTakenAt(db: Executor, roundId: string): Promise<string | undefined> {
  return (await db.selectFrom('reputation_snapshots').select('taken_at').where('round_id', '=', roundId).executeTakeFirst())?.taken_at;
}

/**
 * Writes the counts of every event created before `at` (an event without a time counts as before), exactly as a
 * replay of the round file counts them: ratings and reactions from others only, withdrawn comments not at all.
 */
export async function takeReputationSnapshot(db: Executor, roundId: string, at: string): Promise<void> {
  await db.insertInto('reputation_snapshots').values({ round_id: roundId, taken_at: at }).execute();
  // before `at` = all − from `at` on: the maintained counts (all) copied, less the few events dated from `at` on
  await copyStandings(db, roundId);
  if (await anEventFrom(db, roundId, at)) await takeAwayEventsFrom(db, roundId, at);
  // moves the round's versions on (its standings trigger), so cached reports are recounted with the frozen tiers
  await db.updateTable('rounds').set((eb) => ({ phase: eb.ref('phase') })).where('id', '=', roundId).execute();
}

/**
 * Whether an event of the round is dated at or after `at`, by the indexes of migration 0021: a look-up each. `cross
 * join` makes SQLite walk the ratings and reactions from `at` on (few) rather than the round's comments (282 ms over
 * 400,000 of them); PostgreSQL takes it for an inner join.
 */
async function anEventFrom(db: Executor, roundId: string, at: string): Promise<boolean> {
  const { rows } = await sql`
    select 1 as later where exists (select 1 from proposals where round_id = ${roundId} and created_at >= ${at})
      or exists (select 1 from comments where round_id = ${roundId} and created_at >= ${at})
      or exists (select 1 from ratings r cross join proposals p where p.id = r.proposal_id and r.rated_at >= ${at} and p.round_id = ${roundId})
      or exists (select 1 from reactions x cross join comments c where c.id = x.comment_id and x.created_at >= ${at} and c.round_id = ${roundId})`.execute(db);
  return rows.length > 0;
}

/** Members per statement of the copy and of the taking away: a few milliseconds each, so that the loop is free between them (tests set less). */
export const snapshotCopy = { chunk: 5000 };
const COUNTS = ['proposals', 'stars', 'comments', 'upvotes', 'positives', 'negatives'] as const;
const COLUMNS = sql.raw(COUNTS.join(', '));
const nextTurn = () => new Promise(setImmediate);

/**
 * The round's maintained counts (migration 0009 counts what the replay counts: ratings and reactions from others only,
 * withdrawn comments not at all) of the members with a count: an event counted gives its member a positive count, so
 * a member has a row exactly when an event of theirs counts. Copied a chunk of members at a time with a turn of the
 * event loop between (better-sqlite3 runs a statement on the loop's thread; the caller's transaction keeps the
 * connection, so other queries wait for it without holding the loop). Member ids are never empty, hence ''.
 */
async function copyStandings(db: Executor, roundId: string): Promise<void> {
  for (let after = ''; ; await nextTurn()) {
    const last = (
      await db.selectFrom('member_standings').select('member_id').where('round_id', '=', roundId).where('member_id', '>', after).orderBy('member_id').limit(1).offset(snapshotCopy.chunk - 1).executeTakeFirst()
    )?.member_id;
    await sql`
      insert into frozen_standings (round_id, member_id, ${COLUMNS}) select round_id, member_id, ${COLUMNS} from member_standings
      where round_id = ${roundId} and member_id > ${after} ${last === undefined ? sql`` : sql`and member_id <= ${last}`}
        and (proposals <> 0 or stars <> 0 or comments <> 0 or upvotes <> 0 or positives <> 0 or negatives <> 0)`.execute(db);
    if (last === undefined) return;
    after = last;
  }
}

type Counts = Record<(typeof COUNTS)[number], number | string>;

/**
 * Takes the events dated from `at` on (an event without a time counts as before, so it stays) out of the copied
 * counts, by member, counted as migration 0009 counts them; a member left with no count loses their row. The events
 * are found by their times (migration 0021's indexes; `cross join` as in anEventFrom), so the work is that of the
 * events after the snapshot, not of the round.
 */
async function takeAwayEventsFrom(db: Executor, roundId: string, at: string): Promise<void> {
  const { rows } = await sql<Counts & { member_id: string }>`
    select member_id, sum(proposals) as proposals, sum(stars) as stars, sum(comments) as comments, sum(upvotes) as upvotes, sum(positives) as positives, sum(negatives) as negatives from (
      select author_id as member_id, 1 as proposals, 0 as stars, 0 as comments, 0 as upvotes, 0 as positives, 0 as negatives
        from proposals where round_id = ${roundId} and created_at >= ${at}
      union all
      select p.author_id, 0, r.stars, 0, 0, 0, 0 from ratings r cross join proposals p
        where p.id = r.proposal_id and r.rated_at >= ${at} and p.round_id = ${roundId} and r.rater_id <> p.author_id
      union all
      select author_id, 0, 0, 1, 0, 0, 0 from comments where round_id = ${roundId} and created_at >= ${at} and retracted_at is null
      union all
      select c.author_id, 0, 0, 0, case when x.kind = 'upvote' then 1 else 0 end, case when x.kind = 'positive' then 1 else 0 end, case when x.kind = 'negative' then 1 else 0 end
        from reactions x cross join comments c
        where c.id = x.comment_id and x.created_at >= ${at} and c.round_id = ${roundId} and c.retracted_at is null and x.reactor_id <> c.author_id
    ) later group by member_id order by member_id`.execute(db);
  for (let i = 0; i < rows.length; i += snapshotCopy.chunk, await nextTurn()) {
    const chunk = rows.slice(i, i + snapshotCopy.chunk);
    for (const later of chunk)
      await db
        .updateTable('frozen_standings')
        .set((eb) => Object.fromEntries(COUNTS.map((count) => [count, eb(count, '-', Number(later[count]))])))
        .where('round_id', '=', roundId)
        .where('member_id', '=', later.member_id)
        .execute();
    await db
      .deleteFrom('frozen_standings')
      .where('round_id', '=', roundId)
      .where('member_id', 'in', chunk.map((later) => later.member_id))
      .where((eb) => eb.and(COUNTS.map((count) => eb(count, '=', 0))))
      .execute();
  }
}

/** The frozen counts by member position, for the members of a maintained round; undefined before the snapshot. */
export async function frozenContributions(db: Executor, roundId: string, memberIds: readonly string[]): Promise<Contributions | undefined> {
  if (!(await snapshotTakenAt(db, roundId))) return undefined;
  const rows = await db.selectFrom('frozen_standings').selectAll().where('round_id', '=', roundId).execute();
  const position = new Map(memberIds.map((id, i) => [id, i]));
  const c = emptyContributions(memberIds.length);
  for (const row of rows) {
    const at = position.get(row.member_id);
    if (at !== undefined) setCounts(c, at, row);
  }
  return c;
}

/**
 * Checks a new setting of `voting.reputationSnapshot` (a moderator may move it only before it falls, and only to a
 * time to come) and schedules the job that makes a time fall.
 */
export async function reputationSnapshotConfigured(db: Executor, roundId: string, config: RoundConfig, now: Date): Promise<void> {
  const taken = await snapshotTakenAt(db, roundId);
  if (taken) throw new UserError('invalid_config', `The reputation snapshot of this round fell at ${taken}; the tiers that weight votes are frozen and it can no longer move.`);
  const setting = snapshotSetting(config);
  await db.deleteFrom('jobs').where('round_id', '=', roundId).where('kind', '=', 'reputation_snapshot').where('done_at', 'is', null).execute();
  if (setting === 'voting' || setting === 'close') return;
  const at = new Date(setting);
  if (at.getTime() <= now.getTime()) throw new UserError('invalid_config', `voting.reputationSnapshot: ${setting} is not in the future; the snapshot can be set to a time to come, "voting" or "close".`);
  await db.insertInto('jobs').values({ id: newId(), round_id: roundId, kind: 'reputation_snapshot', target: roundId, due_at: at.toISOString(), done_at: null }).execute();
}
