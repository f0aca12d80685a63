import { samplerCache, type SamplerCache } from '../core/pairwise/sampler.ts';
import type { Comparison, PairwiseConfig, PairwiseRound, Winner } from '../core/pairwise/types.ts';
import { pseudonym } from '../results/public.ts';
import { pairwiseConfigSchema, parsePairwiseRound, serializePairwiseRound } from '../roundfile/pairwise.ts';
import { insertChunked, newId, type Executor } from './repositories.ts';
import type { PairwiseRoundRow } from './schema.ts';

/** Who may judge a pairwise round. */
export type Eligibility =
  | { kind: 'anyone' }
  /** The members added with /pairwise jurors member:… */
  | { kind: 'named' }
  /** Members whose tier in a governance round is `tier` or better. */
  | { kind: 'tier'; round: string; tier: string }
  /** Members with a verified wallet. */
  | { kind: 'wallet' }
  /** Members holding this platform role (a Discord role id), as the platform says when they judge. */
  | { kind: 'role'; role: string };

export const eligibilityOf = (row: Pick<PairwiseRoundRow, 'eligibility'>): Eligibility => JSON.parse(row.eligibility) as Eligibility;
export const pairwiseConfigOf = (row: Pick<PairwiseRoundRow, 'config'>): PairwiseConfig => pairwiseConfigSchema.parse(JSON.parse(row.config)) as PairwiseConfig;
export const storedPairwiseConfig = (config: PairwiseConfig): string => JSON.stringify({ ...config, pool: config.pool.toString() });

/** The pairwise round of a community with this key, or without a key its latest one. */
export async function findPairwiseRound(db: Executor, communityId: string, key?: string): Promise<PairwiseRoundRow | undefined> {
  const query = db.selectFrom('pairwise_rounds').selectAll().where('community_id', '=', communityId);
  return (key ? query.where('key', '=', key) : query.orderBy('created_at', 'desc').orderBy('key', 'desc')).executeTakeFirst();
}

export interface ProjectRow {
  key: string;
  name: string;
  url: string | null;
  parent_key: string | null;
  address: string | null;
}

export async function projectsOf(db: Executor, roundId: string): Promise<ProjectRow[]> {
  return db.selectFrom('pairwise_projects').select(['key', 'name', 'url', 'parent_key', 'address']).where('round_id', '=', roundId).orderBy('position').execute();
}

/** Adds projects after the round's last one; the caller has checked their ids and parents. */
export async function addProjects(db: Executor, roundId: string, projects: readonly ProjectRow[]): Promise<void> {
  if (projects.length === 0) return;
  const last = await db.selectFrom('pairwise_projects').select('position').where('round_id', '=', roundId).orderBy('position', 'desc').limit(1).executeTakeFirst();
  const from = last ? last.position + 1 : 0;
  for (let i = 0; i < projects.length; i += 500)
    await db
      .insertInto('pairwise_projects')
      .values(projects.slice(i, i + 500).map((p, k) => ({ round_id: roundId, ...p, position: from + i + k })))
      .execute();
}

/** How a juror or an author is named in the round file: their handle if they chose to show it, else a pseudonym. */
const publicName = (m: { key: string; handle: string; public_handle: number }) => (m.public_handle ? m.handle : pseudonym(m.key));

/**
 * The round as its round file, and the round read back from that file: the bot computes every number it posts from
 * what `govbot replay` reads, so the two cannot differ. Comparisons that count are each juror's latest answer per
 * pair, in the order given, without those of excluded jurors; jurors are named by member key (the keyed hash of
 * their chat id) with a public handle or a pseudonym, so the file names nobody who did not choose it.
 */
export async function exportPairwiseRound(db: Executor, row: PairwiseRoundRow): Promise<{ file: string; round: PairwiseRound; comparisonIds: string[] }> {
  const { draft, comparisonIds } = await roundAsStored(db, row);
  const file = serializePairwiseRound(draft);
  return { file, round: parsePairwiseRound(JSON.parse(file)), comparisonIds };
}

/** What the sampler's reads keep of each round between answers (one per process, rounds by id). */
export interface JudgingMemory {
  /** The sampler's last fit per round. */
  fits: SamplerCache;
  rounds: Map<string, KeptRound>;
}
/** A round's counted comparisons and jurors as of its rows' version and last row. */
interface KeptRound {
  version: string;
  last: { position: number; id: string } | null;
  comparisons: Comparison[];
  jurors: { id: string; handle: string }[];
}
export const judgingMemory = (): JudgingMemory => ({ fits: samplerCache(), rounds: new Map() });

/**
 * The round as the sampler reads it: the projects, the counted comparisons and their jurors, exactly as the export's
 * file gives them back (the same rows, in the same order, mapped the same way), without writing and re-reading the
 * file: a juror's every answer asks for the next pair, and the file costs more than the pair (100 projects, 3,000
 * comparisons: ~100 ms against a few), while nothing the sampler reads can differ (the rows were checked as the
 * answers were taken). Submissions and the holdout, which the sampler does not read, are left out. With `memory`,
 * the comparisons read last time are kept, and as long as answers were only added since (no answer superseded, no
 * juror excluded, the rules unchanged, the last row kept still there, so nothing kept was rolled back) only the new
 * rows are read.
 */
export async function samplerRound(db: Executor, row: PairwiseRoundRow, memory?: JudgingMemory): Promise<PairwiseRound> {
  const config = pairwiseConfigOf(row);
  const rowsNow = await db
    .selectFrom('pairwise_comparisons')
    .select((eb) => eb.fn.count<number>('superseded_at').as('superseded'))
    .where('round_id', '=', row.id)
    .executeTakeFirstOrThrow();
  const excluded = await db.selectFrom('pairwise_exclusions').select((eb) => eb.fn.countAll<number>().as('n')).where('round_id', '=', row.id).executeTakeFirstOrThrow();
  const version = JSON.stringify([row.config, Number(rowsNow.superseded), Number(excluded.n)]);
  let kept = memory?.rounds.get(row.id);
  const lastKeptStands = async (last: KeptRound['last']) =>
    last === null || (await db.selectFrom('pairwise_comparisons').select('id').where('round_id', '=', row.id).where('position', '=', last.position).executeTakeFirst())?.id === last.id;
  if (!kept || kept.version !== version || !(await lastKeptStands(kept.last))) kept = { version, last: null, comparisons: [], jurors: [] };
  const added = await countedComparisons(db, row.id, kept.last?.position ?? -1);
  const fresh = { ...kept, comparisons: [...kept.comparisons, ...added.map((c) => asComparison(c, config))], last: added.length ? { position: added.at(-1)!.position, id: added.at(-1)!.id } : kept.last };
  const known = new Set(kept.jurors.map((j) => j.id));
  if (added.some((c) => !known.has(c.juror)) || kept.last === null) fresh.jurors = (await jurorsOf(db, row.id)).map((j) => ({ id: j.key, handle: publicName(j) }));
  memory?.rounds.set(row.id, fresh);
  const projects = await projectsOf(db, row.id);
  return { id: row.key, name: row.name, root: row.root, config, projects: projects.map(asProject), jurors: fresh.jurors, comparisons: fresh.comparisons, holdout: null, submissions: [] };
}

/** The counted comparisons after a position: each juror's latest answer per pair, excluded jurors' left out, in order. */
function countedComparisons(db: Executor, roundId: string, after: number) {
  return db
    .selectFrom('pairwise_comparisons as c')
    .innerJoin('members as m', 'm.id', 'c.juror_id')
    .select(['c.id', 'c.position', 'm.key as juror', 'c.a', 'c.b', 'c.winner', 'c.ratio', 'c.at'])
    .where('c.round_id', '=', roundId)
    .where('c.position', '>', after)
    .where('c.superseded_at', 'is', null)
    .where((eb) => eb.not(eb.exists(eb.selectFrom('pairwise_exclusions as x').select('x.member_id').where('x.round_id', '=', roundId).whereRef('x.member_id', '=', 'c.juror_id'))))
    .orderBy('c.position')
    .execute();
}

/** The jurors of a round's file: who answered, excluded jurors left out, by key. */
function jurorsOf(db: Executor, roundId: string) {
  return db
    .selectFrom('members')
    .select(['key', 'handle', 'public_handle'])
    .where('id', 'in', db.selectFrom('pairwise_comparisons').select('juror_id').where('round_id', '=', roundId))
    .where('id', 'not in', db.selectFrom('pairwise_exclusions').select('member_id').where('round_id', '=', roundId))
    .orderBy('key')
    .execute();
}

const asProject = (p: ProjectRow) => ({ id: p.key, name: p.name, url: p.url ?? undefined, parent: p.parent_key });
/** A stored answer as the file gives it back: ratio 1 for equal, none in a binary round. */
const asComparison = (c: { juror: string; a: string; b: string; winner: string; ratio: number | null; at: string }, config: PairwiseConfig): Comparison => ({
  juror: c.juror,
  a: c.a,
  b: c.b,
  winner: c.winner as Winner,
  ratio: config.elicitation === 'binary' ? null : c.winner === 'equal' ? 1 : c.ratio,
  at: c.at,
});

/** The round from its rows, as the file is written from it. */
async function roundAsStored(db: Executor, row: PairwiseRoundRow): Promise<{ draft: PairwiseRound; comparisonIds: string[] }> {
  const projects = await projectsOf(db, row.id);
  const comparisons = await countedComparisons(db, row.id, -1);
  const jurors = await jurorsOf(db, row.id);
  const frozen = new Set((await db.selectFrom('pairwise_holdout').select('comparison_id').where('round_id', '=', row.id).execute()).map((h) => h.comparison_id));
  const submissions = await db
    .selectFrom('pairwise_submissions as s')
    .innerJoin('members as m', 'm.id', 's.author_id')
    .select(['s.key', 's.weights', 'm.key as author', 'm.handle', 'm.public_handle'])
    .where('s.round_id', '=', row.id)
    .orderBy('s.position')
    .execute();
  const config = pairwiseConfigOf(row);
  const draft: PairwiseRound = {
    id: row.key,
    name: row.name,
    root: row.root,
    config,
    projects: projects.map(asProject),
    jurors: jurors.map((j) => ({ id: j.key, handle: publicName(j) })),
    comparisons: comparisons.map((c) => asComparison(c, config)),
    holdout: frozen.size > 0 ? comparisons.flatMap((c, k) => (frozen.has(c.id) ? [k] : [])) : null,
    submissions: submissions.map((s) => ({ id: s.key, author: publicName({ key: s.author, handle: s.handle, public_handle: s.public_handle }), weights: JSON.parse(s.weights) as Record<string, number> })),
  };
  return { draft, comparisonIds: comparisons.map((c) => c.id) };
}

/** A juror's answer as stored: the pair in the order shown, the winner, the ratio (1 for equal, null in binary). */
export interface Answer {
  a: string;
  b: string;
  winner: Winner;
  ratio: number | null;
  reason: string | null;
}

/**
 * Records an answer. An answer to a pair the juror answered before replaces it (the earlier one is kept, superseded:
 * a changed mind); the very same answer again (a tap repeated) changes nothing. Says which of the three it was.
 */
export async function recordAnswer(db: Executor, roundId: string, jurorId: string, answer: Answer, at: string): Promise<'new' | 'changed' | 'same'> {
  const earlier = await db
    .selectFrom('pairwise_comparisons')
    .select(['id', 'a', 'b', 'winner', 'ratio'])
    .where('round_id', '=', roundId)
    .where('juror_id', '=', jurorId)
    .where('superseded_at', 'is', null)
    .where((eb) => eb.or([eb.and([eb('a', '=', answer.a), eb('b', '=', answer.b)]), eb.and([eb('a', '=', answer.b), eb('b', '=', answer.a)])]))
    .executeTakeFirst();
  if (earlier) {
    const flipped = earlier.a !== answer.a;
    const winner = flipped && earlier.winner !== 'equal' ? (earlier.winner === 'a' ? 'b' : 'a') : earlier.winner;
    if (winner === answer.winner && earlier.ratio === answer.ratio) return 'same';
    await db.updateTable('pairwise_comparisons').set({ superseded_at: at }).where('id', '=', earlier.id).execute();
  }
  const last = await db.selectFrom('pairwise_comparisons').select('position').where('round_id', '=', roundId).orderBy('position', 'desc').limit(1).executeTakeFirst();
  await db
    .insertInto('pairwise_comparisons')
    .values({ id: newId(), round_id: roundId, juror_id: jurorId, ...answer, at, position: last ? last.position + 1 : 0, superseded_at: null })
    .execute();
  return earlier ? 'changed' : 'new';
}

/** A juror's counted comparisons in a round. */
export async function answersOf(db: Executor, roundId: string, jurorId: string): Promise<number> {
  const row = await db.selectFrom('pairwise_comparisons').select((eb) => eb.fn.countAll<number>().as('n')).where('round_id', '=', roundId).where('juror_id', '=', jurorId).where('superseded_at', 'is', null).executeTakeFirstOrThrow();
  return Number(row.n);
}

/** The round's counted comparisons, excluded jurors' left out. */
export async function countedAnswers(db: Executor, roundId: string): Promise<number> {
  const row = await db
    .selectFrom('pairwise_comparisons')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('round_id', '=', roundId)
    .where('superseded_at', 'is', null)
    .where('juror_id', 'not in', db.selectFrom('pairwise_exclusions').select('member_id').where('round_id', '=', roundId))
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

export async function pendingOf(db: Executor, roundId: string, memberId: string) {
  return db.selectFrom('pairwise_pending').select(['a', 'b', 'shown_at']).where('round_id', '=', roundId).where('member_id', '=', memberId).executeTakeFirst();
}

/** The pairs handed to other jurors since `since` and not answered: the sampler counts them as pending. */
export async function othersPending(db: Executor, roundId: string, memberId: string, since: string): Promise<{ juror: string; a: string; b: string }[]> {
  return db
    .selectFrom('pairwise_pending as p')
    .innerJoin('members as m', 'm.id', 'p.member_id')
    .select(['m.key as juror', 'p.a', 'p.b'])
    .where('p.round_id', '=', roundId)
    .where('p.member_id', '!=', memberId)
    .where('p.shown_at', '>=', since)
    .orderBy('p.shown_at')
    .orderBy('m.key')
    .execute();
}

export async function setPending(db: Executor, roundId: string, memberId: string, pair: { a: string; b: string } | null, at: string): Promise<void> {
  await db.deleteFrom('pairwise_pending').where('round_id', '=', roundId).where('member_id', '=', memberId).execute();
  if (pair) await db.insertInto('pairwise_pending').values({ round_id: roundId, member_id: memberId, a: pair.a, b: pair.b, shown_at: at }).execute();
}

export async function addSkip(db: Executor, roundId: string, memberId: string, pair: { a: string; b: string }, at: string): Promise<void> {
  await db
    .insertInto('pairwise_skips')
    .values({ round_id: roundId, member_id: memberId, a: pair.a, b: pair.b, at })
    .onConflict((oc) => oc.columns(['round_id', 'member_id', 'a', 'b']).doNothing())
    .execute();
}

/** The pairs a juror skipped, each as `a\0b` with a < b. */
export async function skipsOf(db: Executor, roundId: string, memberId: string): Promise<Set<string>> {
  const rows = await db.selectFrom('pairwise_skips').select(['a', 'b']).where('round_id', '=', roundId).where('member_id', '=', memberId).execute();
  return new Set(rows.map((r) => pairKey(r.a, r.b)));
}

export const pairKey = (a: string, b: string) => (a < b ? `${a}\u0000${b}` : `${b}\u0000${a}`);

export async function isExcluded(db: Executor, roundId: string, memberId: string): Promise<boolean> {
  return (await db.selectFrom('pairwise_exclusions').select('member_id').where('round_id', '=', roundId).where('member_id', '=', memberId).executeTakeFirst()) !== undefined;
}

export async function excludeJuror(db: Executor, roundId: string, memberId: string, reason: string | null, at: string): Promise<boolean> {
  const result = await db
    .insertInto('pairwise_exclusions')
    .values({ round_id: roundId, member_id: memberId, reason, created_at: at })
    .onConflict((oc) => oc.columns(['round_id', 'member_id']).doNothing())
    .executeTakeFirst();
  await db.deleteFrom('pairwise_pending').where('round_id', '=', roundId).where('member_id', '=', memberId).execute();
  return (result.numInsertedOrUpdatedRows ?? 0n) > 0n;
}

export async function isNamedJuror(db: Executor, roundId: string, memberId: string): Promise<boolean> {
  return (await db.selectFrom('pairwise_jurors').select('member_id').where('round_id', '=', roundId).where('member_id', '=', memberId).executeTakeFirst()) !== undefined;
}

export async function addNamedJuror(db: Executor, roundId: string, memberId: string, at: string): Promise<void> {
  await db
    .insertInto('pairwise_jurors')
    .values({ round_id: roundId, member_id: memberId, added_at: at })
    .onConflict((oc) => oc.columns(['round_id', 'member_id']).doNothing())
    .execute();
}

/** Stores a submission under the next key (s1, s2…) and returns the key. */
export async function addSubmission(db: Executor, roundId: string, authorId: string, weights: Record<string, number>, at: string): Promise<string> {
  const last = await db.selectFrom('pairwise_submissions').select('position').where('round_id', '=', roundId).orderBy('position', 'desc').limit(1).executeTakeFirst();
  const position = last ? last.position + 1 : 0;
  const key = `s${position + 1}`;
  await db.insertInto('pairwise_submissions').values({ id: newId(), round_id: roundId, key, author_id: authorId, weights: JSON.stringify(weights), submitted_at: at, position }).execute();
  return key;
}

/** Keeps the holdout drawn at close, so the published scores stay what they were whatever comes later. */
export async function freezeHoldout(db: Executor, roundId: string, comparisonIds: readonly string[]): Promise<void> {
  await db.deleteFrom('pairwise_holdout').where('round_id', '=', roundId).execute();
  for (let i = 0; i < comparisonIds.length; i += 500)
    await db
      .insertInto('pairwise_holdout')
      .values(comparisonIds.slice(i, i + 500).map((comparison_id) => ({ round_id: roundId, comparison_id })))
      .execute();
}

/** Replaces the round's scheduled phase changes by these. */
export async function schedulePairwise(db: Executor, roundId: string, changes: readonly { phase: 'open' | 'closed'; at: Date }[]): Promise<void> {
  await db.deleteFrom('pairwise_jobs').where('round_id', '=', roundId).where('done_at', 'is', null).execute();
  for (const c of changes) await db.insertInto('pairwise_jobs').values({ id: newId(), round_id: roundId, kind: 'pairwise_phase', target: c.phase, due_at: c.at.toISOString(), done_at: null, leased_by: null, leased_until: null }).execute();
}

/** Marks the round's scheduled change to `phase` done (it happened by hand). */
export async function settleScheduled(db: Executor, roundId: string, phase: string, at: string): Promise<void> {
  await db.updateTable('pairwise_jobs').set({ done_at: at }).where('round_id', '=', roundId).where('target', '=', phase).where('done_at', 'is', null).execute();
}

/**
 * Loads a round file as an open round of the community, in place of the community's round with its id: the projects,
 * every comparison as given (each one counted, as the replay counts them), the submissions under their ids, and the
 * jurors and authors as members keyed by the file's juror id and author name (made, handle hidden, where none is).
 * Projects have no addresses: the round file carries none. The caller holds the transaction.
 */
export async function importPairwiseRound(db: Executor, communityId: string, round: PairwiseRound, at: string): Promise<PairwiseRoundRow> {
  const earlier = await findPairwiseRound(db, communityId, round.id);
  if (earlier) await db.deleteFrom('pairwise_rounds').where('id', '=', earlier.id).execute();
  const row: PairwiseRoundRow = {
    id: newId(),
    community_id: communityId,
    key: round.id,
    name: round.name,
    root: round.root,
    config: storedPairwiseConfig(round.config),
    phase: 'open',
    eligibility: JSON.stringify({ kind: 'anyone' } satisfies Eligibility),
    // the file's comparisons and as many more as a new round wants (five per project), so members joining are asked for some
    wanted: round.comparisons.length + 5 * round.projects.length,
    weights_before_close: 1,
    live_scoring: 0,
    payout_token: null,
    created_at: at,
    closed_at: null,
  };
  await db.insertInto('pairwise_rounds').values(row).execute();
  await addProjects(db, row.id, round.projects.map((p) => ({ key: p.id, name: p.name, url: p.url ?? null, parent_key: p.parent, address: null })));
  const member = await membersByKey(db, communityId, [...round.jurors.map((j) => ({ key: j.id, handle: j.handle })), ...round.submissions.map((s) => ({ key: s.author, handle: s.author }))], at);
  const comparisons = round.comparisons.map((c, position) => ({ id: newId(), round_id: row.id, juror_id: member(c.juror), a: c.a, b: c.b, winner: c.winner, ratio: c.ratio, reason: null, at: c.at, position, superseded_at: null }));
  await insertChunked(db, 'pairwise_comparisons', comparisons);
  const submissions = round.submissions.map((s, position) => ({ id: newId(), round_id: row.id, key: s.id, author_id: member(s.author), weights: JSON.stringify(s.weights), submitted_at: at, position }));
  await insertChunked(db, 'pairwise_submissions', submissions);
  return row;
}

/** Each person's member id by key, making members (handle hidden) for the keys the community does not have yet. */
async function membersByKey(db: Executor, communityId: string, people: readonly { key: string; handle: string }[], at: string): Promise<(key: string) => string> {
  const known = await db.selectFrom('members').select(['id', 'key']).where('community_id', '=', communityId).execute();
  const ids = new Map(known.map((m) => [m.key, m.id]));
  const fresh = [...new Map(people.filter((p) => !ids.has(p.key)).map((p) => [p.key, p])).values()];
  for (const p of fresh) ids.set(p.key, newId());
  const rows = fresh.map((p) => ({ id: ids.get(p.key)!, community_id: communityId, key: p.key, handle: p.handle, created_at: at, public_handle: 0 }));
  await insertChunked(db, 'members', rows);
  return (key) => ids.get(key)!;
}

