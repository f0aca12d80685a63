import { randomInt } from 'node:crypto';
import { carriers, type Delegation, type IndexedDelegation } from '../core/delegation.ts';
import { instantOf } from '../core/instant.ts';
import type { Executor } from './repositories.ts';
import { newId } from './repositories.ts';
import type { Database } from './schema.ts';
import type { Selectable } from 'kysely';

export type DelegationRow = Selectable<Database['delegations']>;

/** The delegations of a round: its own, and the community's. */
const ofRound = (db: Executor, round: { id: string; community_id: string }) =>
  db
    .selectFrom('delegations')
    .where('delegations.community_id', '=', round.community_id)
    .where((eb) => eb.or([eb('delegations.round_id', 'is', null), eb('delegations.round_id', '=', round.id)]));

/**
 * A delegation changes who carries whom in every round it covers: their reports are read whole again (a fresh version
 * and shape, as the standings triggers of migrations/0009 give other writes).
 */
async function roundsChanged(db: Executor, communityId: string): Promise<void> {
  const token = randomInt(2 ** 47);
  await db
    .updateTable('round_versions')
    .set({ version: token, shape_version: token })
    .where('round_id', 'in', db.selectFrom('rounds').select('id').where('community_id', '=', communityId))
    .execute();
}

/** A member's delegation in force, if any: a member has one at a time. */
export async function delegationOf(db: Executor, memberId: string): Promise<DelegationRow | undefined> {
  return db.selectFrom('delegations').selectAll().where('from_member_id', '=', memberId).where('until', 'is', null).executeTakeFirst();
}

/** The delegations in force to a member. */
export async function delegationsTo(db: Executor, memberId: string): Promise<DelegationRow[]> {
  return db.selectFrom('delegations').selectAll().where('to_member_id', '=', memberId).where('until', 'is', null).orderBy('since').execute();
}

/** Ends a member's delegation in force at `now`; false when there was none. */
export async function endDelegation(db: Executor, communityId: string, memberId: string, now: Date): Promise<boolean> {
  const ended = await db.updateTable('delegations').set({ until: now.toISOString() }).where('from_member_id', '=', memberId).where('until', 'is', null).executeTakeFirst();
  if (ended.numUpdatedRows === 0n) return false;
  await roundsChanged(db, communityId);
  return true;
}

/** Delegates from `from` to `to` from `now` on, for one round or (roundId null) the community; ends the one before. */
export async function startDelegation(db: Executor, d: { communityId: string; from: string; to: string; roundId: string | null }, now: Date): Promise<void> {
  await endDelegation(db, d.communityId, d.from, now);
  await db.insertInto('delegations').values({ id: newId(), community_id: d.communityId, from_member_id: d.from, to_member_id: d.to, round_id: d.roundId, since: now.toISOString(), until: null }).execute();
  await roundsChanged(db, d.communityId);
}

/** The round file's `delegations`: those between members of the round, by start, keyed as the file keys members. */
export async function roundDelegations(db: Executor, round: { id: string; community_id: string }): Promise<Delegation[]> {
  const rows = await ofRound(db, round)
    .innerJoin('members as f', 'f.id', 'delegations.from_member_id')
    .innerJoin('members as t', 't.id', 'delegations.to_member_id')
    .select(['f.key as from', 't.key as to', 'delegations.since', 'delegations.until'])
    .where((eb) => eb.exists(eb.selectFrom('round_members').select('member_id').where('round_members.round_id', '=', round.id).whereRef('round_members.member_id', '=', 'delegations.from_member_id')))
    .where((eb) => eb.exists(eb.selectFrom('round_members').select('member_id').where('round_members.round_id', '=', round.id).whereRef('round_members.member_id', '=', 'delegations.to_member_id')))
    .orderBy('delegations.since')
    .orderBy('f.key')
    .execute();
  return rows.map((r) => ({ from: r.from, to: r.to, since: r.since, until: r.until }));
}

/**
 * Who carries whom in a round's maintained state (delegation.ts carriers), by question then member position, the
 * members and questions given by their row ids; undefined when the round has no delegations.
 */
export async function roundCarriers(db: Executor, roundId: string, rowIds: { members: readonly string[]; questions: readonly string[] }, choices: readonly Int32Array[]): Promise<Int32Array[] | undefined> {
  const round = await db.selectFrom('rounds').select(['id', 'community_id']).where('id', '=', roundId).executeTakeFirstOrThrow();
  const rows = await ofRound(db, round).select(['from_member_id', 'to_member_id', 'since', 'until']).execute();
  if (rows.length === 0) return undefined;
  const position = new Map(rowIds.members.map((id, i) => [id, i]));
  const delegations: IndexedDelegation[] = rows.map((r) => ({
    from: position.get(r.from_member_id) ?? -1,
    to: position.get(r.to_member_id) ?? -1,
    since: instantOf(r.since),
    until: r.until === null ? null : instantOf(r.until),
  }));
  // each poll's time is its latest vote, as replay takes it from the file
  const latest = rowIds.questions.length === 0 ? [] : await db.selectFrom('vote_choices').select(['question_id', (eb) => eb.fn.max('cast_at').as('at')]).where('question_id', 'in', rowIds.questions).groupBy('question_id').execute();
  const at = new Map(latest.map((l) => [l.question_id, String(l.at)]));
  const times = rowIds.questions.map((q) => (at.has(q) ? instantOf(at.get(q)!) : undefined));
  return carriers(delegations, choices, times);
}

/**
 * The members whose delegation in force to `delegateId` covers the round: a vote of the delegate enrolls them (a
 * community delegation made before the round began would otherwise leave its delegator out of the round, and out of
 * the tally, until they act in it), and its receipt says the weight it carries for them.
 */
export async function delegatorsOf(db: Executor, round: { id: string; community_id: string }, delegateId: string): Promise<string[]> {
  const rows = await ofRound(db, round).select('delegations.from_member_id').where('delegations.to_member_id', '=', delegateId).where('delegations.until', 'is', null).execute();
  return rows.map((r) => r.from_member_id);
}
