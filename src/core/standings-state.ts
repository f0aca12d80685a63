// A round's standings kept between reads (issue 13). After one write, recounting a round of 100,000 members from its
// counts took about half a second (an object per member for points, tiers, voting power and the members' order, then
// every ballot summed again), and moving the whole report to the bot another half. Kept here instead: every member's
// points as columns (recomputed in milliseconds: a comment moves the proposal share of every author), the ranking as a
// typed-array sort, each voter's weight in micro-votes, and each poll's sums, to which only the ballots and factors
// that changed are added or taken back. A command asks for the little it shows: one member's standing, the top of the
// leaderboard, the tallies. Sums are integers (micro-votes, base units) and points use the arithmetic of a replay
// (pointColumns, tierLevels, questionTally), so the answers are exactly those of a full recount.
import { votingRulesOf } from './config.ts';
import type { MemberReport, ReportInput } from './report.ts';
import { compareIds } from './order.ts';
import { packStrings, unpackStrings, type PackedStrings } from './standings-transfer.ts';
import { pointColumns, POINT_FIELDS, type Contributions } from './reputation.ts';
import { splitRewards, type RewardSplit } from './rewards.ts';
import { NO_TIER_FACTOR, positivesAscending, rankOf, tierLevels, type Tier } from './tiers.ts';
import type { PollType } from './types.ts';
import { countBallot, microVotes, noSums, questionTally, tally, votingPower, type Ballot, type MicroVotes, type OptionSums, type QuestionTally, type VotingPower } from './voting.ts';

/** What the state is computed from: the round as standings.ts keeps it (MaintainedRound), updated in place. */
export interface StandingsInput extends ReportInput {
  contributions: Contributions;
  choices: readonly Int32Array[];
}

/** A member's standing as /reputation shows it: their line of the report, and their rank among the members with points. */
export interface MemberStanding {
  member: MemberReport;
  /** 1-based, in the report's order (points, then id); 0 for a member without points > 0. */
  rank: number;
  /** How many members have points > 0. */
  ranked: number;
}

/** What /tally shows: each poll's tally, and how many members have a counted choice on it (a sealed poll shows only that). */
export interface RoundTallies {
  round: string;
  token: { symbol: string; decimals: number };
  questions: QuestionTally[];
  /** By question id. */
  voted: Record<string, number>;
}

/** A recipient's line of the reward split as /rewards preview shows it. */
export interface RewardLine {
  member: string;
  handle: string;
  tier: string | null;
  amount: bigint;
}

/**
 * What /rewards preview shows of the split: the totals (in base units, adding up to the pool exactly, as the whole
 * split does), the first `limit` recipients in the split's order, how many there are, and the asking member's line.
 */
export interface RewardsView {
  round: string;
  token: { symbol: string; decimals: number };
  pool: bigint;
  contribution: bigint;
  participation: bigint;
  undistributed: bigint;
  top: RewardLine[];
  recipients: number;
  /** The asked member's line and 1-based place among the recipients; undefined when they get nothing (or none was asked). */
  own?: RewardLine & { place: number };
}

/** What a command asks of the standings, and the answer to each kind. */
export type StandingsAsk = { kind: 'standing'; member: string } | { kind: 'top'; limit: number } | { kind: 'tallies' } | { kind: 'tiers' } | RewardsAsk;
export interface StandingsAnswers {
  tiers: MemberTiers;
  standing: MemberStanding | undefined;
  top: MemberReport[];
  tallies: RoundTallies;
  rewards: RewardsAnswer;
}

/**
 * Every member's tier at once, for votes' receipts: a burst of votes from different members then asks nothing more
 * until the standings change. `levels` by member position, an index in `tiers`, -1 for none.
 */
export interface MemberTiers {
  levels: Int16Array;
  tiers: Tier[];
}

/** A question whose sums are kept: each option's, and how many voters counted. */
interface KeptSums {
  options: OptionSums[];
  voters: number;
}

export class StandingsState {
  /** Reward points and their breakdown, POINT_FIELDS per member (pointColumns). */
  private points: Float64Array = new Float64Array(0);
  /** points > 0, smallest first: the ranking. */
  private ranking: Float64Array = new Float64Array(0);
  /** Each member's tier level (index in the config's levels), -1 for none. */
  private levels: Int16Array = new Int16Array(0);
  /** f(tokens) of each member with wallets (their weight at factor 1); undefined for a member without. */
  private readonly base: (VotingPower | undefined)[];
  /** Each member's weight in micro-votes at their current factor; undefined without tokens. */
  private readonly micro: (MicroVotes | undefined)[];
  /** The choices and ballots the sums count, by question then member: what an update compares the round's with. */
  private readonly counted: Int32Array[];
  private readonly countedBallots: ((Ballot | undefined)[] | undefined)[];
  /** Per question, its sums; undefined for a question tallied whole at each read (ranked, delegated or attested). */
  private readonly sums: (KeptSums | undefined)[];
  /**
   * The reward split of the state as it is, computed on the first ask after an update (bigint shares of every member),
   * and each recipient's place in it by member position (-1 for none): an ask then reads the lines it shows, not the
   * whole split.
   */
  private split: { split: RewardSplit; places: Int32Array } | undefined;
  /** Each member's position by key, built on first use: the members stay those of the state. */
  private positions: Map<string, number> | undefined;

  constructor(private readonly round: StandingsInput) {
    const { config } = round.round;
    const rules = votingRulesOf(config);
    // factor 1: f(tokens) × 1 is f(tokens) exactly, so base × factor is votingPower's weight
    this.base = round.members.map((m) => (m.wallets.length > 0 ? votingPower(m.wallets.map((w) => w.balance), rules, 1) : undefined));
    this.rank();
    this.micro = this.base.map((p, m) => this.microAt(p, m));
    this.counted = round.choices.map((c) => c.slice());
    this.countedBallots = round.questions.map((_, q) => round.ballots?.[q]?.slice());
    this.sums = round.questions.map((q, qi) => {
      if (!this.keepsSums(qi)) return undefined;
      const kept: KeptSums = { options: q.options.map(noSums), voters: 0 };
      for (let m = 0; m < round.members.length; m++) this.count(kept, qi, m, this.micro[m], 1);
      return kept;
    });
  }

  /**
   * Brings the state up to the round's counts and choices as they are now (the same members, polls and rules: a
   * change of those builds a new state): with `counts` (the standings version moved) every member's points and tier
   * again, then, for each kept poll, only the members whose choice, ballot or factor changed are taken back and counted
   * again.
   */
  update({ counts }: { counts: boolean }): void {
    this.split = undefined;
    const before = this.levels;
    // votes alone move no points: the ranking stands
    if (counts) this.rank();
    const n = this.round.members.length;
    const now = this.round.choices;
    const ballots = this.round.ballots;
    for (let m = 0; m < n; m++) {
      const refactored = before[m] !== this.levels[m] && this.factorOf(before[m]!) !== this.factorOf(this.levels[m]!);
      const was = this.micro[m];
      const is = refactored ? this.microAt(this.base[m], m) : was;
      for (let qi = 0; qi < this.sums.length; qi++) {
        const kept = this.sums[qi];
        const ballot = ballots?.[qi]?.[m];
        if (!kept || (!refactored && now[qi]![m] === this.counted[qi]![m] && ballot === this.countedBallots[qi]?.[m])) continue;
        this.count(kept, qi, m, was, -1);
        this.counted[qi]![m] = now[qi]![m]!;
        if (this.countedBallots[qi]) this.countedBallots[qi]![m] = ballot;
        this.count(kept, qi, m, is, 1);
      }
      this.micro[m] = is;
    }
  }

  answer<A extends StandingsAsk>(ask: A): StandingsAnswers[A['kind']];
  answer(ask: StandingsAsk): StandingsAnswers[StandingsAsk['kind']] {
    switch (ask.kind) {
      case 'standing':
        return this.standing(ask.member);
      case 'top':
        return this.top(ask.limit);
      case 'tallies':
        return this.tallies();
      case 'rewards':
        return rewardsAnswer(this, ask);
      case 'tiers':
        return { levels: this.levels.slice(), tiers: this.round.round.config.tiers.levels.map((l) => ({ name: l.name, factor: l.factor })) };
    }
  }

  /** A member's standing by their key; undefined for someone who is not a member of the round. */
  standing(memberKey: string): MemberStanding | undefined {
    const m = this.positionOf(memberKey);
    if (m === undefined) return undefined;
    const p = this.points[POINT_FIELDS * m]!;
    return { member: this.memberReport(m), rank: p > 0 ? rankOf(p, this.ranking) + this.aheadOnEqualPoints(m) : 0, ranked: this.ranking.length };
  }

  /** The first `limit` members with points other than 0, in the report's order (points, best first, then id). */
  top(limit: number): MemberReport[] {
    // the limit-th best of the positive points: nobody below it is shown (when fewer have points, every other is)
    const threshold = this.ranking.length >= limit ? this.ranking[this.ranking.length - limit]! : -Infinity;
    const shown: number[] = [];
    for (let m = 0; m < this.round.members.length; m++) {
      const p = this.points[POINT_FIELDS * m]!;
      if (p !== 0 && p >= threshold) shown.push(m);
    }
    return shown.sort((a, b) => this.order(a, b)).slice(0, limit).map((m) => this.memberReport(m));
  }

  /** Every poll's tally, as a full recount gives it. */
  tallies(): RoundTallies {
    const { round } = this;
    const whole = round.questions.some((_, qi) => !this.sums[qi]) ? this.power() : [];
    return {
      round: round.round.id,
      token: round.round.config.token,
      questions: round.questions.map((q, qi) => {
        const kept = this.sums[qi];
        if (kept) return questionTally(q, kept.options, kept.voters);
        const attested = round.secretTallies?.filter((t) => t.question === q.id);
        return tally([q], [round.choices[qi]!], whole, attested, [round.ballots?.[qi]], round.carried && [round.carried[qi]!])[0]!;
      }),
      voted: Object.fromEntries(round.questions.map((q, qi) => [q.id, round.choices[qi]!.reduce((n, c) => n + (c >= 0 ? 1 : 0), 0)])),
    };
  }

  /**
   * The split of the pool as a full recount gives it, kept until the next update; only what /rewards preview shows of
   * it: O(limit) once the split is made.
   */
  rewards(limit: number, memberKey?: string): RewardsView {
    const { round } = this;
    this.split ??= this.splitNow();
    const { split, places } = this.split;
    const { amounts } = split;
    const line = ({ member, amount }: { member: string; amount: bigint }): RewardLine => {
      const m = this.positionOf(member)!;
      const level = this.levels[m]!;
      return { member, handle: round.members[m]!.handle, tier: level < 0 ? null : round.round.config.tiers.levels[level]!.name, amount };
    };
    const at = memberKey === undefined ? undefined : this.positionOf(memberKey);
    const place = at === undefined || places[at]! < 0 ? undefined : places[at]!;
    return {
      round: round.round.id,
      token: round.round.config.token,
      pool: round.round.config.rewards.pool,
      contribution: split.contribution,
      participation: split.participation,
      undistributed: split.undistributed,
      top: amounts.slice(0, limit).map(line),
      recipients: amounts.length,
      ...(place !== undefined && { own: { ...line(amounts[place]!), place: place + 1 } }),
    };
  }

  /**
   * The split as report.ts reportOf makes it (a voter: a member with tokens and a counted or attested vote), and each
   * recipient's place. The members go in by position: the split does not depend on their order.
   */
  private splitNow(): NonNullable<StandingsState['split']> {
    const { round } = this;
    const secretVoters = new Set(round.secretTallies?.flatMap((t) => t.voters));
    const voted = (m: number) => (this.base[m]?.tokens ?? 0n) > 0n && (round.choices.some((c) => c[m]! >= 0) || secretVoters.has(round.members[m]!.id));
    const split = splitRewards(
      round.members.map((member, m) => ({ id: member.id, excluded: member.excluded, points: this.points[POINT_FIELDS * m]!, voted: voted(m) })),
      round.round.config.rewards,
    );
    // by position: the members' map is the state's, a map of the recipients a write would build again
    const places = new Int32Array(round.members.length).fill(-1);
    split.amounts.forEach((a, i) => (places[this.positionOf(a.member)!] = i));
    return { split, places };
  }

  private positionOf(memberKey: string): number | undefined {
    this.positions ??= new Map(this.round.members.map((m, i) => [m.id, i]));
    return this.positions.get(memberKey);
  }

  /** Points, ranking and tiers from the counts as they are now. */
  private rank(): void {
    const { contributions } = this.round;
    const { reputation, tiers } = this.round.round.config;
    this.points = pointColumns(contributions, reputation);
    const points = Float64Array.from({ length: this.round.members.length }, (_, m) => this.points[POINT_FIELDS * m]!);
    this.ranking = positivesAscending(points);
    // the tiers, which weight votes, count only the events before the reputation snapshot
    if (!contributions.beforeSnapshot) this.levels = tierLevels(points, tiers, this.ranking);
    else {
      const before = pointColumns(contributions.beforeSnapshot, reputation);
      this.levels = tierLevels(Float64Array.from(points, (_, m) => before[POINT_FIELDS * m]!), tiers);
    }
  }

  /** Sums are kept for single-choice and approval polls; a ranked poll's runoff, delegation and attested totals are tallied whole. */
  private keepsSums(qi: number): boolean {
    const q = this.round.questions[qi]!;
    return (q.type ?? 'single') !== 'ranked' && !this.round.carried && !this.round.secretTallies?.some((t) => t.question === q.id);
  }

  /** Adds (1) or takes back (-1) member m's counted ballot on question qi, with the weight `p`. */
  private count(kept: KeptSums, qi: number, m: number, p: MicroVotes | undefined, sign: 1 | -1): void {
    const choice = this.counted[qi]![m]!;
    if (choice < 0 || !p) return;
    kept.voters += sign;
    countBallot(kept.options, (this.round.questions[qi]!.type ?? 'single') as PollType, choice, this.countedBallots[qi]?.[m], p, sign);
  }

  private factorOf(level: number): number {
    return level < 0 ? NO_TIER_FACTOR : this.round.round.config.tiers.levels[level]!.factor;
  }

  private microAt(base: VotingPower | undefined, m: number): MicroVotes | undefined {
    return base && microVotes({ ...base, weight: base.weight * this.factorOf(this.levels[m]!) });
  }

  /** Each member's voting power at their current factor, for a poll tallied whole. */
  private power(): (VotingPower | undefined)[] {
    return this.base.map((p, m) => {
      const factor = this.factorOf(this.levels[m]!);
      return p && { ...p, factor, weight: p.weight * factor };
    });
  }

  /** The report's order: points, best first, then id. */
  private order(a: number, b: number): number {
    const ids = this.round.members;
    return this.points[POINT_FIELDS * b]! - this.points[POINT_FIELDS * a]! || compareIds(ids[a]!.id, ids[b]!.id);
  }

  /** How many members with the same points as m come before m in the report's order (by id). */
  private aheadOnEqualPoints(m: number): number {
    const p = this.points[POINT_FIELDS * m]!;
    const id = this.round.members[m]!.id;
    let ahead = 0;
    for (let other = 0; other < this.round.members.length; other++) if (this.points[POINT_FIELDS * other] === p && compareIds(this.round.members[other]!.id, id) < 0) ahead++;
    return ahead;
  }

  /** Member m's line of the report (report.ts reportOf), its fields in the same order. */
  private memberReport(m: number): MemberReport {
    const member = this.round.members[m]!;
    const level = this.levels[m]!;
    const f = POINT_FIELDS * m;
    const points = this.points;
    return {
      id: member.id,
      handle: member.handle,
      excluded: member.excluded,
      points: points[f]!,
      tier: level < 0 ? null : this.round.round.config.tiers.levels[level]!.name,
      factor: this.factorOf(level),
      breakdown: { proposalCreation: points[f + 1]!, proposalRating: points[f + 2]!, comments: points[f + 3]!, feedback: points[f + 4]! },
    };
  }
}

/**
 * What /rewards preview and /rewards publish ask of the split: the lines shown (RewardsView), and, once a split is
 * published, how the split as it stands differs from it (`since`); for publishing, the whole split (`whole`).
 */
export interface RewardsAsk {
  kind: 'rewards';
  limit: number;
  member?: string;
  since?: PublishedAmounts;
  whole?: boolean;
}

/**
 * A published split as the thread compares it: its recipients' keys and amounts (base units, decimal) in any order
 * (as storage gives them), and each one's place in the split.
 */
export interface PublishedAmounts {
  members: PackedStrings;
  amounts: PackedStrings;
  places: Uint32Array;
  undistributed: bigint;
}

/** A member whose amount differs between the published split and the split as it stands (0 where they are not in one). */
export interface RewardChange {
  member: string;
  /** Their handle, when they are in the split as it stands; the caller names the others. */
  handle?: string;
  before: bigint;
  after: bigint;
}

/** How the split as it stands differs from a published one. */
export interface RewardChanges {
  /** How many members' amounts differ. */
  members: number;
  /** The first `limit` of them: the published recipients in the published order, then the new ones in the current order. */
  shown: RewardChange[];
  /** Before and after, when the undistributed rest differs. */
  undistributed?: { before: bigint; after: bigint };
}

/** Every recipient of the split in its order, as columns: the record /rewards publish stores. */
export interface PackedSplit {
  members: PackedStrings;
  amounts: PackedStrings;
  /** Each recipient's tier, an index in `tierNames`; -1 for none. */
  tiers: Int16Array;
  tierNames: string[];
}

export interface RewardsAnswer extends RewardsView {
  changes?: RewardChanges;
  whole?: PackedSplit;
}

/** The answer to a rewards ask: the whole split is read where the state is (the thread), and only what is asked leaves. */
export function rewardsAnswer(state: StandingsState, ask: RewardsAsk): RewardsAnswer {
  const view = state.rewards(ask.limit, ask.member);
  if (!ask.since && !ask.whole) return view;
  const all = state.rewards(view.recipients).top;
  return { ...view, ...(ask.since && { changes: rewardChanges(ask.since, all, view.undistributed, ask.limit) }), ...(ask.whole && { whole: packSplit(all) }) };
}

/** changed(m) = before(m) ≠ after(m), over the members of either split, each missing from one counting 0 in it. */
export function rewardChanges(published: PublishedAmounts, now: readonly RewardLine[], undistributed: bigint, limit: number): RewardChanges {
  const members = unpackStrings(published.members);
  const amounts = unpackStrings(published.amounts);
  const current = new Map(now.map((line) => [line.member, line]));
  const changes: RewardChanges = { members: 0, shown: [] };
  const compare = (member: string, before: bigint, after: bigint) => {
    if (before === after) return;
    if (changes.members++ < limit) changes.shown.push({ member, ...(current.has(member) && { handle: current.get(member)!.handle }), before, after });
  };
  const byPlace = new Uint32Array(members.length);
  published.places.forEach((place, i) => (byPlace[place] = i));
  for (const i of byPlace) compare(members[i]!, BigInt(amounts[i]!), current.get(members[i]!)?.amount ?? 0n);
  const before = new Set(members);
  for (const line of now) if (!before.has(line.member)) compare(line.member, 0n, line.amount);
  if (published.undistributed !== undistributed) changes.undistributed = { before: published.undistributed, after: undistributed };
  return changes;
}

function packSplit(lines: readonly RewardLine[]): PackedSplit {
  const tierNames = [...new Set(lines.flatMap((l) => (l.tier === null ? [] : [l.tier])))];
  return {
    members: packStrings(lines.map((l) => l.member)),
    amounts: packStrings(lines.map((l) => l.amount.toString())),
    tiers: Int16Array.from(lines, (l) => (l.tier === null ? -1 : tierNames.indexOf(l.tier))),
    tierNames,
  };
}
