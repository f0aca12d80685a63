import { setImmediate as pause } from 'node:timers/promises';
import { SqliteAdapter, sql } from 'kysely';
import { reportOf, type MemberReport, type RoundReport } from '../core/report.ts';
import type { Contributions } from '../core/reputation.ts';
import { packRound, unpackReport, type PackedStrings } from '../core/standings-transfer.ts';
import { ballotFromText } from '../core/ballots.ts';
import type { Member, PollType, Question, RoundData } from '../core/types.ts';
import { StandingsState, type MemberStanding, type MemberTiers, type RewardsAnswer, type RewardsAsk, type RewardsView, type RoundTallies, type StandingsAnswers, type StandingsAsk } from '../core/standings-state.ts';
import { NO_TIER_FACTOR } from '../core/tiers.ts';
import type { Answers, Ask, StandingsAnswer, StandingsRequest } from '../workers/standings.ts';
import { WorkerThread } from '../workers/thread.ts';
import { emptyContributions, setCounts } from './counts.ts';
import type { Executor } from './repositories.ts';
import { postgresUrl } from './database.ts';
import { roundBalances, roundConfigOf, roundOptions } from './repositories.ts';
import { frozenContributions } from './reputation-snapshot.ts';
import { roundCarriers } from './delegations.ts';

/**
 * Where a round's report stands: `version` is a new token at every write the report depends on, `standings` at
 * those that change what it says of its members (points, tiers, handles, exclusions; votes and balances do not).
 * Tokens, not counters: see the migration.
 */
export interface RoundVersion {
  version: string;
  standings: string;
  /** Moves on with every write but those of counts and choices: while it stays, applyChangesSince brings a state up. */
  shape: string;
  /** The number of writes of counts and choices so far. */
  seq: number;
}

export async function roundVersion(db: Executor, roundId: string): Promise<RoundVersion | undefined> {
  const row = await db.selectFrom('round_versions').select(['version', 'standings_version', 'shape_version', 'seq']).where('round_id', '=', roundId).executeTakeFirst();
  return row && { version: String(row.version), standings: String(row.standings_version), shape: String(row.shape_version), seq: Number(row.seq) };
}

/** What the rules need of a round, read from the maintained counts instead of from every event. */
export interface MaintainedRound {
  round: RoundData['round'];
  members: Member[];
  questions: Question[];
  contributions: Contributions;
  /** The option that counts, by question then member position; -1: no vote. */
  choices: Int32Array[];
  /** The database ids of the members and questions, by position. */
  rowIds: { members: string[]; questions: string[] };
  /** In a round with approval or ranked polls, their counted ballots, by question then member position. */
  ballots?: (readonly number[] | undefined)[][];
  /** In a round with delegations, who carries whom (src/core/delegation.ts), by question then member position. */
  carried?: Int32Array[];
}

/**
 * Reads a round's maintained state: one row per member (with its counts), per wallet balance, per poll option and
 * per counted choice. No proposal, rating, comment, reaction or superseded vote is read.
 */
export async function readMaintainedRound(db: Executor, roundId: string): Promise<MaintainedRound> {
  // read here, after the version: the config the caller holds may be older than the version it is cached under
  const round = await db.selectFrom('rounds').selectAll().where('id', '=', roundId).executeTakeFirstOrThrow();
  const [members, wallets, questions, options, choices] = await Promise.all([
    db
      .selectFrom('round_members')
      .innerJoin('members', 'members.id', 'round_members.member_id')
      .leftJoin('member_standings as s', (j) => j.onRef('s.round_id', '=', 'round_members.round_id').onRef('s.member_id', '=', 'round_members.member_id'))
      .leftJoin('exclusions as x', (j) => j.onRef('x.round_id', '=', 'round_members.round_id').onRef('x.member_id', '=', 'round_members.member_id'))
      .select(['members.id', 'members.key', 'members.handle', 's.proposals', 's.stars', 's.comments', 's.upvotes', 's.positives', 's.negatives', 'x.member_id as excluded'])
      .where('round_members.round_id', '=', round.id)
      .orderBy('members.key')
      .execute(),
    roundBalances(db, round.id),
    db.selectFrom('questions').select(['id', 'key', 'text', 'type', 'privacy']).where('round_id', '=', round.id).orderBy('position').execute(),
    roundOptions(db, round.id),
    db
      .selectFrom('vote_choices')
      .innerJoin('questions', 'questions.id', 'vote_choices.question_id')
      .select(['vote_choices.question_id', 'vote_choices.member_id', 'vote_choices.option_idx'])
      .where('questions.round_id', '=', round.id)
      .execute(),
  ]);

  const n = members.length;
  const typed = questions.filter((q) => q.type !== 'single').map((q) => q.id);
  const position = new Map<string, number>();
  const contributions = emptyContributions(n);
  const beforeSnapshot = await frozenContributions(db, round.id, members.map((m) => m.id));
  if (beforeSnapshot) contributions.beforeSnapshot = beforeSnapshot;
  const walletsOf = members.map((): Member['wallets'] => []);
  members.forEach((m, i) => {
    position.set(m.id, i);
    setCounts(contributions, i, m);
  });
  for (const w of wallets) {
    const at = position.get(w.member_id);
    if (at !== undefined) walletsOf[at]!.push({ chain: w.chain, address: w.address, balance: BigInt(w.balance) });
  }
  const optionsOf = new Map<string, string[]>();
  for (const o of options) optionsOf.set(o.question_id, [...(optionsOf.get(o.question_id) ?? []), o.label]);
  const questionAt = new Map(questions.map((q, i) => [q.id, i]));
  const chosen = questions.map(() => new Int32Array(n).fill(-1));
  for (const c of choices) {
    const at = position.get(c.member_id);
    // a choice of someone who is not (or no longer) a member of the round does not count, as in a full recount
    if (at !== undefined) chosen[questionAt.get(c.question_id)!]![at] = c.option_idx;
  }
  const rowIds = { members: members.map((m) => m.id), questions: questions.map((q) => q.id) };
  const carried = await roundCarriers(db, round.id, rowIds, chosen);
  return {
    round: { id: round.key, name: round.name, config: roundConfigOf(round) },
    members: members.map((m, i) => ({ id: m.key, handle: m.handle, excluded: m.excluded !== null, wallets: walletsOf[i]! })),
    // a secret poll's tally publishes no per-option counts, here as in replay
    questions: questions.map((q) => ({
      id: q.key,
      text: q.text,
      options: optionsOf.get(q.id) ?? [],
      ...(q.type !== 'single' && { type: q.type as PollType }),
      ...(q.privacy === 'secret' && { privacy: 'secret' as const }),
    })),
    contributions,
    choices: chosen,
    ...(typed.length > 0 && { ballots: await readBallots(db, typed, questionAt, position, n) }),
    rowIds,
    ...(carried && { carried }),
  };
}

/**
 * Brings a round's state read at `seq` up to date with the counts and choices written since, when nothing else has
 * changed (the round's shape version is the same): a few rows instead of the whole round.
 */
export async function applyChangesSince(db: Executor, roundId: string, state: MaintainedRound, seq: number): Promise<void> {
  const position = new Map(state.rowIds.members.map((id, i) => [id, i]));
  const counts = await db
    .selectFrom('member_standings')
    .select(['member_id', 'proposals', 'stars', 'comments', 'upvotes', 'positives', 'negatives'])
    .where('round_id', '=', roundId)
    .where('changed', '>', seq)
    .execute();
  for (const row of counts) {
    const at = position.get(row.member_id);
    if (at !== undefined) setCounts(state.contributions, at, row);
  }
  if (state.rowIds.questions.length === 0) return;
  const questionAt = new Map(state.rowIds.questions.map((id, i) => [id, i]));
  const choices = await db
    .selectFrom('vote_choices')
    .select(['question_id', 'member_id', 'option_idx'])
    .where('question_id', 'in', state.rowIds.questions)
    .where('changed', '>', seq)
    .execute();
  for (const row of choices) {
    const at = position.get(row.member_id);
    if (at !== undefined) state.choices[questionAt.get(row.question_id)!]![at] = row.option_idx;
  }
  const typed = state.questions.flatMap((q, i) => ((q.type ?? 'single') !== 'single' ? [state.rowIds.questions[i]!] : []));
  if (choices.length > 0 && state.ballots && typed.length > 0)
    await readBallots(db, typed, questionAt, position, state.rowIds.members.length, { changedAfter: seq, into: state.ballots });
  // a vote changes who carries whom; a delegation's own change moves the shape, and the state is read whole
  if (choices.length > 0 && state.carried) state.carried = await roundCarriers(db, roundId, state.rowIds, state.choices);
}

/**
 * The ballot of each counted vote on the approval and ranked polls `typed` (database ids), as a list per question
 * position (undefined for the other polls), by member position; with `changedAfter`, only the choices written since,
 * into `into`. A ranked poll is tallied from these when its report is read, so they are not summed by triggers.
 */
async function readBallots(
  db: Executor,
  typed: readonly string[],
  questionAt: ReadonlyMap<string, number>,
  position: ReadonlyMap<string, number>,
  memberCount: number,
  { changedAfter, into }: { changedAfter?: number; into?: (readonly number[] | undefined)[][] } = {},
): Promise<(readonly number[] | undefined)[][]> {
  const ballots = into ?? [];
  for (const id of typed) ballots[questionAt.get(id)!] ??= new Array(memberCount);
  let query = db
    .selectFrom('vote_choices as c')
    .innerJoin('votes as v', (j) => j.onRef('v.question_id', '=', 'c.question_id').onRef('v.member_id', '=', 'c.member_id').onRef('v.seq', '=', 'c.seq'))
    .select(['c.question_id', 'c.member_id', 'v.option_idx', 'v.ballot'])
    .where('c.question_id', 'in', [...typed]);
  if (changedAfter !== undefined) query = query.where('c.changed', '>', changedAfter);
  for (const row of await query.execute()) {
    const at = position.get(row.member_id);
    // a vote cast before the poll had a type (none are) would count as its one option
    if (at !== undefined) ballots[questionAt.get(row.question_id)!]![at] = row.ballot === null ? [row.option_idx] : ballotFromText(row.ballot);
  }
  return ballots;
}

interface Cached {
  at: RoundVersion;
  report: Promise<RoundReport>;
  /** Whether the report has its reward split: a report of standings only is not computed with one. */
  rewards: boolean;
  byKey?: Map<string, MemberReport>;
}

/**
 * The reports computed last, by round id (ids are UUIDs, unique across databases), a few rounds at most: the report
 * of a round is computed once per change and shared by every command until the next write.
 */
const cache = new Map<string, Cached>();
const CACHED_ROUNDS = 8;

/** The report of a round from its maintained state, computed once per version. */
export async function maintainedReport(db: Executor, roundId: string): Promise<RoundReport> {
  return (await cached(db, roundId, (hit, at) => hit.at.version === at.version && hit.rewards, { rewards: true })).report;
}

/**
 * A report whose tallies are current, for /tally: of the current version, with or without the reward split (reading
 * its rewards may throw), so that a tally just after a write waits for no split of the pool.
 */
export async function tallyReport(db: Executor, roundId: string): Promise<RoundReport> {
  return (await cached(db, roundId, (hit, at) => hit.at.version === at.version, { rewards: false })).report;
}

/**
 * A report whose members (points, breakdowns, tiers, handles, exclusions) are current, for /reputation and
 * /leaderboard: votes and balances do not change them, so the report of an earlier version with the same standings
 * serves, and a burst of votes causes no recount. Its tallies may be older by those votes, and it may have no reward
 * split (reading its rewards then throws): a recount for standings leaves the split out.
 */
export async function standingsReport(db: Executor, roundId: string): Promise<RoundReport> {
  return (await cached(db, roundId, (hit, at) => hit.at.standings === at.standings, { rewards: false })).report;
}

/**
 * A member's line of the report (points, breakdown, tier, factor) and their rank among the members with points, for
 * /reputation: asked of the standings thread, which keeps the round's standings between reads, so that after a write
 * it reads the rows changed and re-ranks in milliseconds, and moves one member's line, not the round's report.
 */
export function memberStandingOf(db: Executor, roundId: string, memberKey: string): Promise<MemberStanding | undefined> {
  return asked(db, roundId, { kind: 'standing', member: memberKey });
}

/** The first `limit` members with points other than 0, in the report's order, for /leaderboard (as memberStandingOf). */
export function leaderboardOf(db: Executor, roundId: string, limit: number): Promise<MemberReport[]> {
  return asked(db, roundId, { kind: 'top', limit });
}

/**
 * Every poll's tally of the current version, for /tally (as memberStandingOf; the thread adds to or takes from each
 * poll's sums only the ballots and weights changed). One answer per version, shared by every /tally until the next
 * write, as its charts are (src/charts/attachments.ts draws once per answer).
 */
export async function roundTallies(db: Executor, roundId: string): Promise<RoundTallies> {
  const at = await versionOf(db, roundId);
  const hit = talliesCache.get(roundId);
  if (hit?.version === at.version) return hit.tallies;
  const entry = { version: at.version, tallies: asked(db, roundId, { kind: 'tallies' }, at) };
  remember(talliesCache, roundId, entry);
  entry.tallies.catch(() => talliesCache.get(roundId) === entry && talliesCache.delete(roundId));
  return entry.tallies;
}
const talliesCache = new Map<string, { version: string; tallies: Promise<RoundTallies> }>();

/**
 * What /rewards preview shows of the split of the pool: its totals, the first `limit` recipients and `member`'s own
 * line (as memberStandingOf, of the current version). The thread splits the pool once per version and keeps the split
 * until the next write; only these lines move to the bot.
 */
export function rewardsOf(db: Executor, roundId: string, limit: number, member?: string): Promise<RewardsView> {
  return asked(db, roundId, { kind: 'rewards', limit, ...(member !== undefined && { member }) });
}

/**
 * A member's tier and factor, for a vote's receipt: every member's tier is asked of the standings thread once per
 * standings version (votes do not move them), so a burst of votes asks it nothing more and never waits for a recount.
 * Undefined for someone who is not a member of the round.
 */
export async function memberStanding(db: Executor, roundId: string, memberKey: string): Promise<Pick<MemberReport, 'tier' | 'factor'> | undefined> {
  return (await memberStandings(db, roundId))(memberKey);
}

/** `memberStanding` of many members at one version of the round: one version read for all, not one per member. */
export async function memberStandings(db: Executor, roundId: string): Promise<(memberKey: string) => Pick<MemberReport, 'tier' | 'factor'> | undefined> {
  const at = await versionOf(db, roundId);
  let hit = tiersCache.get(roundId);
  if (hit?.standings !== at.standings) {
    const entry = (hit = { standings: at.standings, tiers: memberTiers(db, roundId, at) });
    remember(tiersCache, roundId, entry);
    entry.tiers.catch(() => tiersCache.get(roundId) === entry && tiersCache.delete(roundId));
  }
  const { positions, levels, tiers } = await hit.tiers;
  return (memberKey) => {
    const position = positions.get(memberKey);
    if (position === undefined) return undefined;
    const tier = tiers[levels[position]!];
    return { tier: tier?.name ?? null, factor: tier?.factor ?? NO_TIER_FACTOR };
  };
}
const tiersCache = new Map<string, { standings: string; tiers: Promise<MemberTiers & { positions: ReadonlyMap<string, number> }> }>();
/** The members' positions by key, per round, for the shape version they hold for: the thread sends the keys only when it changed. */
const positionsCache = new Map<string, { shape: string; positions: ReadonlyMap<string, number> }>();

async function memberTiers(db: Executor, roundId: string, at: RoundVersion): Promise<MemberTiers & { positions: ReadonlyMap<string, number> }> {
  const held = positionsCache.get(roundId);
  const answered = await inThread(db, roundId, { kind: 'tiers', ...(held && { idsOf: held.shape }) }, (answer) => answer.standings === at.standings);
  if ('inPlace' in answered) return { ...new StandingsState(answered.inPlace).answer({ kind: 'tiers' }), positions: new Map(answered.inPlace.members.map((m, i) => [m.id, i])) };
  const { levels, tiers, shape, ids } = answered.answer;
  if (!ids) return { levels, tiers, positions: held!.positions };
  const positions = await positionsOf(ids);
  if (shape) remember(positionsCache, roundId, { shape, positions });
  return { levels, tiers, positions };
}

/** Keys indexed between two pauses: a few milliseconds of work. */
const CHUNK = 4096;

/** Each member's position by key, built CHUNK keys at a time with a pause between: 100,000 held the loop 240 ms at once. */
async function positionsOf(ids: PackedStrings): Promise<Map<string, number>> {
  const positions = new Map<string, number>();
  for (let at = 0; at < ids.ends.length; at++) {
    if (at % CHUNK === CHUNK - 1) await pause();
    positions.set(ids.text.slice(at === 0 ? 0 : ids.ends[at - 1]!, ids.ends[at]!), at);
  }
  return positions;
}

/** Puts an entry last in a cache of a few rounds, the least recently used dropped. */
function remember<T>(cache: Map<string, T>, roundId: string, entry: T): void {
  cache.delete(roundId);
  cache.set(roundId, entry);
  if (cache.size > CACHED_ROUNDS) cache.delete(cache.keys().next().value!);
}

async function versionOf(db: Executor, roundId: string): Promise<RoundVersion> {
  const at = await roundVersion(db, roundId);
  if (!at) throw new Error(`round ${roundId} has no version: it does not exist`);
  return at;
}

async function cached(db: Executor, roundId: string, fresh: (hit: Cached, at: RoundVersion) => boolean, { rewards }: { rewards: boolean }): Promise<Cached> {
  // the version first, then the state: what is read is then at least as new as the version it is cached under
  const at = await versionOf(db, roundId);
  const hit = cache.get(roundId);
  if (hit && fresh(hit, at)) return hit;
  const entry: Cached = { at, rewards, report: recount(db, roundId, at, rewards) };
  remember(cache, roundId, entry);
  entry.report.catch(() => cache.get(roundId) === entry && cache.delete(roundId));
  await entry.report;
  return entry;
}

/** The cold recounts run in a thread of their own (src/workers/standings.ts): the bot's event loop stays free. */
const standingsThread = new WorkerThread<StandingsRequest, StandingsAnswer>('standings');

/** Starts the standings thread ahead of the first command (src/commands/warm.ts). */
export const startStandingsThread = () => standingsThread.start();

/**
 * Rounds with fewer members are recounted in place: a few milliseconds, less than handing them to the thread (and
 * than starting it). Tests set it to 0 to run every recount through the thread.
 */
export const recountThread = { minMembers: 1000 };

/** The whole report of a round as the caller sees it at version `at` (see inThread). */
async function recount(db: Executor, roundId: string, at: RoundVersion, rewards: boolean): Promise<RoundReport> {
  const answered = await inThread(db, roundId, { kind: 'report', rewards }, (answer) => answer.version === at.version);
  if ('inPlace' in answered) return reportOf(answered.inPlace, answered.inPlace.contributions, answered.inPlace.choices);
  return unpackReport(answered.answer, () => pause());
}

/**
 * What a command shows of a round (the StandingsState's answer to `ask`), current for the caller: for its points and
 * tiers (the standings version) or, for tallies, for its votes too (the version).
 */
async function asked<A extends StandingsAsk>(db: Executor, roundId: string, ask: A, at?: RoundVersion): Promise<StandingsAnswers[A['kind']]> {
  const caller = at ?? (await versionOf(db, roundId));
  // the tallies and the reward split count votes and balances too: they are current only for the caller's version
  const current = (answer: StandingsAnswer) => (ask.kind === 'tallies' || ask.kind === 'rewards' ? answer.version === caller.version : answer.standings === caller.standings);
  const answered = await inThread(db, roundId, ask, current);
  return 'inPlace' in answered ? new StandingsState(answered.inPlace).answer(ask) : (answered.answer as StandingsAnswers[A['kind']]);
}

/**
 * The answer to `ask` for a round as the caller sees it. On an SQLite file or PostgreSQL the thread reads the round
 * itself (a read on the bot's thread held its event loop for seconds on a large round), and its answer serves when its
 * snapshot is `current` for the caller: the same token means the same state. Otherwise (the caller's own writes are
 * not committed yet, or a write committed in between; a database in memory) the counts are read here, through the
 * caller's connection, and the thread computes. A small round is read here and left to the caller (`inPlace`).
 */
async function inThread<A extends Ask>(db: Executor, roundId: string, ask: A, current: (answer: StandingsAnswer) => boolean): Promise<{ answer: Answers[A['kind']] } | { inPlace: MaintainedRound }> {
  if (!(await isLarge(db, roundId))) return { inPlace: await readMaintainedRound(db, roundId) };
  const source = (await sqliteFile(db)) ?? postgresUrl(db);
  if (source) {
    const answer = await standingsThread.request({ kind: 'read', source, roundId, ask });
    if (current(answer)) return { answer: answer.answer as Answers[A['kind']] };
  }
  const { packed, transfer } = packRound(await readMaintainedRound(db, roundId));
  return { answer: (await standingsThread.request({ kind: 'compute', round: packed, ask }, transfer)).answer as Answers[A['kind']] };
}

/**
 * Whether a round has recountThread.minMembers members or more: at most that many rows of the index are counted.
 * Counting all 100,000 of the bench round held the event loop 26-64 ms in SQLite. A round found large is asked of the
 * thread from then on without counting (`large`: the threshold it was found at), as the thread answers a round of any
 * size: a read command on PostgreSQL makes one round trip less.
 */
async function isLarge(db: Executor, roundId: string): Promise<boolean> {
  const n = recountThread.minMembers;
  if ((large.get(roundId) ?? -1) >= n) return true;
  const first = db.selectFrom('round_members').select('member_id').where('round_id', '=', roundId).limit(n);
  const { members } = await db.selectFrom(first.as('first')).select((eb) => eb.fn.countAll<number | string>().as('members')).executeTakeFirstOrThrow();
  if (Number(members) < n) return false;
  remember(large, roundId, n);
  return true;
}
const large = new Map<string, number>();

/** The file of an SQLite database, which another connection can open; none for PostgreSQL or a database in memory. */
export async function sqliteFile(db: Executor): Promise<string | undefined> {
  if (!(db.getExecutor().adapter instanceof SqliteAdapter)) return undefined;
  const { rows } = await sql<{ name: string; file: string }>`pragma database_list`.execute(db);
  return rows.find((r) => r.name === 'main')?.file || undefined;
}

/**
 * rewardsOf, and how the split as it stands differs from the published one (`since`; its first `limit` differences,
 * and how many there are), and for /rewards publish the whole split (`whole`), as columns: every amount stays in the
 * standings thread but those asked for, and the bot compares and formats nothing of the round's size.
 */
export function rewardsAgainst(db: Executor, roundId: string, ask: Omit<RewardsAsk, 'kind'>): Promise<RewardsAnswer> {
  return asked(db, roundId, { kind: 'rewards', ...ask });
}
