import { votingRulesOf } from './config.ts';
import { compareIds } from './order.ts';
import { breakdownAt, countContributions, pointColumns, pointsIn, type Contributions, type PointsBreakdown } from './reputation.ts';
import { splitRewards, type RewardSplit } from './rewards.ts';
import { assignTiers, NO_TIER_FACTOR } from './tiers.ts';
import { indexRound, isIndexed, type IndexedRound } from './indexed.ts';
import type { RoundData } from './types.ts';
import { countedBallots, countedChoices, tally, votingPower, type Ballot, type Ballots, type QuestionTally, type VotingPower } from './voting.ts';
import { carriers, pollTimes } from './delegation.ts';

export interface MemberReport {
  id: string;
  handle: string;
  excluded: boolean;
  points: number;
  tier: string | null;
  factor: number;
  breakdown: PointsBreakdown;
}
export interface RoundReport {
  round: string;
  name: string;
  token: { symbol: string; decimals: number };
  members: MemberReport[];
  questions: QuestionTally[];
  rewards: RewardSplit & { pool: bigint };
  /** Voting power of a member with a wallet, for receipts and charts. */
  powerOf(memberId: string): VotingPower | undefined;
  /** The option that counts for each member who voted on a question, for charts. */
  choicesOf(questionId: string): Map<string, number>;
  /** The counted ballot of each member who voted on an approval or ranked poll (empty for a single-choice poll). */
  ballotsOf(questionId: string): Map<string, Ballot>;
}

/** What a report needs of a round besides its counts: of a member's wallets, only the balances. */
export interface ReportInput {
  round: IndexedRound['round'];
  members: readonly { id: string; handle: string; excluded: boolean; wallets: readonly { balance: bigint }[] }[];
  questions: IndexedRound['questions'];
  secretTallies?: IndexedRound['secretTallies'];
  /** In a round with approval or ranked ballots, the counted ones (voting.ts countedBallots). */
  ballots?: Ballots;
  /** In a round with delegations, who carries whom (delegation.ts carriers), by question then member position. */
  carried?: readonly Int32Array[];
}

/** Every number of a round, from its data alone; round data is indexed first. */
export function computeReport(data: RoundData | IndexedRound): RoundReport {
  const round = isIndexed(data) ? data : indexRound(data);
  const choices = countedChoices(round.votes, round.questions.length, round.members.length);
  const carried = round.delegations && carriers(round.delegations, choices, pollTimes(round.votes, round.questions.length));
  const ballots = round.votes.ballot && countedBallots(round.votes, round.questions, round.members.length);
  return reportOf({ ...round, ...(carried && { carried }), ...(ballots && { ballots }) }, countContributions(round), choices);
}

/**
 * Every number of a round from what its events add up to: each member's contributions and the option that counts for
 * each member on each question (by question then member position, -1: no vote). A full recount and the counts kept
 * up to date as events are written (src/db/standings.ts) both end here, so they give the same report.
 */
export function reportOf(round: ReportInput, contributions: Contributions, choices: readonly Int32Array[]): RoundReport {
  const { config } = round.round;
  // as columns, with an object only for each member's breakdown in the report: 100,000 members' points as objects
  // were 10 MiB more for the garbage collector to copy
  const columns = pointColumns(contributions, config.reputation);
  const points = pointsIn(columns);
  // Reward points count every event; the tiers, which weight votes, only those before the reputation snapshot.
  const tierPoints = contributions.beforeSnapshot ? pointsIn(pointColumns(contributions.beforeSnapshot, config.reputation)) : points;
  const tiers = assignTiers(tierPoints, config.tiers);

  const power = new Array<VotingPower | undefined>(round.members.length);
  const votingRules = votingRulesOf(config);
  round.members.forEach((m, i) => {
    if (m.wallets.length > 0) power[i] = votingPower(m.wallets.map((w) => w.balance), votingRules, tiers[i]?.factor ?? NO_TIER_FACTOR);
  });
  const questions = tally(round.questions, choices, power, round.secretTallies, round.ballots ?? [], round.carried);
  const secretVoters = new Set(round.secretTallies?.flatMap((t) => t.voters));
  const voted = (m: number) => (power[m]?.tokens ?? 0n) > 0n && (choices.some((c) => c[m]! >= 0) || secretVoters.has(round.members[m]!.id));

  const ids = round.members.map((m) => m.id);
  // best first, then by id
  const order = Array.from(ids.keys()).sort((a, b) => points[b]! - points[a]! || compareIds(ids[a]!, ids[b]!));
  const members: MemberReport[] = order.map((i) => {
    const m = round.members[i]!;
    const tier = tiers[i];
    return {
      id: m.id,
      handle: m.handle,
      excluded: m.excluded,
      points: points[i]!,
      tier: tier?.name ?? null,
      factor: tier?.factor ?? NO_TIER_FACTOR,
      breakdown: breakdownAt(columns, i),
    };
  });
  // The split is computed when first asked for: /reputation, /leaderboard and receipts read a report for its members
  // only, and at 100,000 members the split (bigint shares, largest remainders) is a large part of a recount.
  let rewards: RoundReport['rewards'] | undefined;
  const split = () => ({
    pool: config.rewards.pool,
    ...splitRewards(
      order.map((i) => ({ id: ids[i]!, excluded: round.members[i]!.excluded, points: points[i]!, voted: voted(i) })),
      config.rewards,
    ),
  });
  return {
    round: round.round.id,
    name: round.round.name,
    token: config.token,
    members,
    questions,
    get rewards() {
      return (rewards ??= split());
    },
    ...lookups(ids, round.questions, (at) => power[at], choices, round.ballots),
  };
}

/**
 * powerOf and choicesOf of a report, over members by position; the index of ids is built on first use, since a replay
 * asks for none of it. Shared with the report moved between threads (standings-transfer.ts).
 */
export function lookups(
  ids: readonly string[],
  questions: readonly { id: string }[],
  powerAt: (position: number) => VotingPower | undefined,
  choices: readonly Int32Array[],
  ballots: Ballots = [],
): Pick<RoundReport, 'powerOf' | 'choicesOf' | 'ballotsOf'> {
  let positions: Map<string, number> | undefined;
  return {
    powerOf: (memberId) => {
      positions ??= new Map(ids.map((id, i) => [id, i]));
      const at = positions.get(memberId);
      return at === undefined ? undefined : powerAt(at);
    },
    choicesOf: (questionId) => {
      const chosen = choices[questions.findIndex((q) => q.id === questionId)];
      return new Map(chosen ? ids.flatMap((id, i) => (chosen[i]! >= 0 ? [[id, chosen[i]!] as const] : [])) : []);
    },
    ballotsOf: (questionId) => {
      const cast = ballots[questions.findIndex((q) => q.id === questionId)];
      return new Map(cast ? ids.flatMap((id, i) => (cast[i] ? [[id, cast[i]] as const] : [])) : []);
    },
  };
}

/** The report JSON of DESIGN.md: amounts as decimal strings, keys in a fixed order, so the bytes are reproducible. */
export const reportJson = (report: RoundReport): string => [...reportJsonPieces(report)].join('');

/**
 * The report JSON in pieces of at most `perPiece` members or reward amounts each, whose text put together is
 * reportJson's. A replay of 100,000 members writes 36 MiB of it: made whole it is one string as large, copied again into
 * a flat one before it is written, all of it fresh memory, which this kind of machine is slow to touch (16,500 page
 * faults on the bench round). 200 members are some 70 KiB of text: below V8's 128 KiB, past which a string is a large
 * object of fresh pages of its own, so each piece reuses the young generation's (2,200 faults, half the CPU time).
 */
export function* reportJsonPieces(report: RoundReport, perPiece = 200): Generator<string> {
  const { members, rewards } = report;
  const lists = [
    // A MemberReport holds exactly these fields in this order (the golden report pins it): no copy of each.
    ['members', members.length, (from: number, to: number) => members.slice(from, to)],
    ['rewards', rewards.amounts.length, (from: number, to: number) => rewards.amounts.slice(from, to).map(amountJson)],
  ] as const;
  const outline = `${JSON.stringify(outlineOf(report), null, 2)}\n`;
  let done = 0;
  for (const [key, count, items] of lists) {
    // a top-level key stands at the start of a line indented by two, which no string of the report can hold unescaped
    const open = outline.indexOf(`\n  "${key}": []`, done) + `\n  "${key}": [`.length;
    yield outline.slice(done, open);
    done = open;
    for (let i = 0; i < count; i += perPiece) {
      // `[\n  [\n` … `\n  ]\n]` around items indented as deep as the report's lists indent theirs
      const nested = JSON.stringify([items(i, i + perPiece)], null, 2);
      yield `${i === 0 ? '\n' : ',\n'}${nested.slice(6, -6)}${i + perPiece >= count ? '\n  ' : ''}`;
    }
  }
  yield outline.slice(done);
}

const amountJson = (r: RewardSplit['amounts'][number]) => ({ member: r.member, amount: r.amount.toString() });

/** The report JSON's keys and values, in order, with its two long lists, members and rewards, left empty. */
function outlineOf(report: RoundReport) {
  return {
    round: report.round,
    members: [],
    questions: report.questions.map((q) => ({
      id: q.id,
      text: q.text,
      options: q.options.map((o) => ({ ...o, tokenVotes: o.tokenVotes.toString(), ...(o.delegated && { delegated: { ...o.delegated, tokenVotes: o.delegated.tokenVotes.toString() } }) })),
      winners: q.winners,
      changes: q.changes,
      ...(q.secretVoters !== undefined && { secretVoters: q.secretVoters }),
      ...(q.type && { type: q.type }),
      ...(q.runoff && { runoff: q.runoff }),
    })),
    rewards: [],
    rewardTotals: {
      pool: report.rewards.pool.toString(),
      contribution: report.rewards.contribution.toString(),
      participation: report.rewards.participation.toString(),
      undistributed: report.rewards.undistributed.toString(),
    },
  };
}
