import type { RoundConfig } from './config.ts';
import type { IndexedRound } from './indexed.ts';
import { instantRunoff, type WeightedRanking } from './irv.ts';
import type { PollType, Question, SecretTally } from './types.ts';

/** Votes are summed in whole micro-votes, so a tally is exact and independent of the order of the votes. */
const MICRO = 1_000_000;
/** A voter's weight in each view, tokens in base units, the others in micro-votes. */
export interface MicroVotes {
  tokens: bigint;
  quadratic: bigint;
  qualified: bigint;
}
/** An option's totals so far: its voters, and each view as MicroVotes. */
export type OptionSums = MicroVotes & { voters: number };
export const noSums = (): OptionSums => ({ voters: 0, tokens: 0n, quadratic: 0n, qualified: 0n });

/** A voter's weight in each view in whole micro-votes; none without tokens at the snapshot (no vote counts). */
export function microVotes(p: VotingPower | undefined): MicroVotes | undefined {
  return p && p.tokens > 0n ? { tokens: p.tokens, quadratic: BigInt(Math.round(p.quadratic * MICRO)), qualified: BigInt(Math.round(p.weight * MICRO)) } : undefined;
}

export interface VotingPower {
  /** Σ balances of the member's verified wallets at the snapshot, in base units. */
  tokens: bigint;
  /** The quadratic view, without reputation. */
  quadratic: number;
  factor: number;
  /** f(tokens) × factor(tier), the weight that decides. */
  weight: number;
}

type VotingRules = Pick<RoundConfig['voting'], 'weight' | 'quadraticUnit'> & { decimals: number };

/**
 * member unit: quadratic = √(Σ balances / 10^decimals); wallet unit: quadratic = Σ √(balance / 10^decimals).
 * weight = f(tokens) × factor, f being √ (quadratic), identity (one token one vote) or 1 (one member one vote).
 */
export function votingPower(balances: readonly bigint[], rules: VotingRules, factor: number): VotingPower {
  const scale = TOKEN_SCALES[rules.decimals]!;
  const tokens = balances.length === 1 ? balances[0]! : balances.reduce((s, b) => s + b, 0n);
  const quadratic =
    rules.quadraticUnit === 'member'
      ? Math.sqrt(Number(tokens) / scale)
      : // summed smallest first, so the float sum does not depend on the order the wallets are listed in
        [...balances].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)).reduce((s, b) => s + Math.sqrt(Number(b) / scale), 0);
  const base = rules.weight === 'sqrt' ? quadratic : rules.weight === 'linear' ? Number(tokens) / scale : tokens > 0n ? 1 : 0;
  return { tokens, quadratic, factor, weight: base * factor };
}

/** 10^decimals as the nearest double, for every decimals the config allows (0–36). */
const TOKEN_SCALES = Array.from({ length: 37 }, (_, d) => Number(10n ** BigInt(d)));

/**
 * The option that counts for each member on each question, by question then member position (-1: no vote): the
 * last by castAt, later in the list on equal times.
 */
export function countedChoices(votes: IndexedRound['votes'], questionCount: number, memberCount: number): Int32Array[] {
  return countedVotes(votes, questionCount, memberCount).map((votesOf) => votesOf.map((i) => (i < 0 ? -1 : votes.option[i]!)));
}

/** The position of the vote that counts for each member on each question, by question then member (-1: none). */
function countedVotes(votes: IndexedRound['votes'], questionCount: number, memberCount: number): Int32Array[] {
  const latest = Array.from({ length: questionCount }, () => new Int32Array(memberCount).fill(-1));
  const { question, member, at, nanos } = votes;
  for (let i = 0; i < question.length; i++) {
    const seen = latest[question[i]!]!;
    const before = seen[member[i]!]!;
    if (before < 0 || at[i]! > at[before]! || (at[i] === at[before] && nanos[i]! >= nanos[before]!)) seen[member[i]!] = i;
  }
  return latest;
}

/** A counted ballot of an approval poll (the ticked options) or of a ranked poll (best first): option indices from 0. */
export type Ballot = readonly number[];
/** By question then member position, the counted ballot on each approval or ranked poll; undefined for a single-choice poll or no vote. */
export type Ballots = readonly (readonly (Ballot | undefined)[] | undefined)[];

/** The ballots that count, as countedChoices picks the choices; none when no vote carries a ballot. */
export function countedBallots(votes: IndexedRound['votes'], questions: readonly Question[], memberCount: number): Ballots {
  const { ballot } = votes;
  if (!ballot) return [];
  return countedVotes(votes, questions.length, memberCount).map((votesOf, q) =>
    (questions[q]!.type ?? 'single') === 'single' ? undefined : Array.from(votesOf, (i) => (i < 0 ? undefined : ballot[i])),
  );
}

export interface OptionTally {
  label: string;
  voters: number;
  tokenVotes: bigint;
  quadraticVotes: number;
  qualifiedVotes: number;
  /** In a round with delegations: the part of the totals above that delegates carried for members who did not vote. */
  delegated?: { voters: number; tokenVotes: bigint; quadraticVotes: number; qualifiedVotes: number };
}
export type View = 'tokenVotes' | 'quadraticVotes' | 'qualifiedVotes';
export const VIEWS: readonly View[] = ['tokenVotes', 'quadraticVotes', 'qualifiedVotes'];

export interface QuestionTally {
  id: string;
  text: string;
  options: OptionTally[];
  /** Option index that wins each view; null on a tie or with no votes. */
  winners: Record<View, number | null>;
  /** Plain sentences saying where quadratic voting or reputation changed the winner. */
  changes: string[];
  /** A secret poll: how many voted; its options' `voters` are 0, since per-option counts are not published. */
  secretVoters?: number;
  /** Approval or ranked; not set for single choice. */
  type?: Exclude<PollType, 'single'>;
  /** A ranked poll: per view, the options in the order the instant runoff dropped them (its options' figures are first preferences). */
  runoff?: Record<View, number[]>;
}

/**
 * The three views of every question, side by side (DESIGN.md "Votes"), from the counted choices by member
 * position. Only members with voting power count: a verified wallet holding tokens at the snapshot.
 */
export function tally(
  questions: readonly Question[],
  choices: readonly Int32Array[],
  power: readonly (VotingPower | undefined)[],
  secretTallies: readonly SecretTally[] = [],
  ballots: Ballots = [],
  carried?: readonly Int32Array[],
): QuestionTally[] {
  // Each voter's views in whole micro-votes, computed once rather than once per question.
  const micro = power.map(microVotes);
  return questions.map((q, qi) => {
    const attested = secretTallies.find((t) => t.question === q.id);
    const sums = attested
      ? attested.options.map((o) => ({ voters: 0, tokens: o.tokenVotes, quadratic: BigInt(Math.round(o.quadraticVotes * MICRO)), qualified: BigInt(Math.round(o.qualifiedVotes * MICRO)) }))
      : q.options.map(noSums);
    const chosen = choices[qi]!;
    const type = q.type ?? 'single';
    const rankings: { ranking: Ballot; p: MicroVotes }[] = [];
    const carriedBy = carried?.[qi];
    const delegated = carried && q.options.map(noSums);
    let voters = attested?.voters.length ?? 0;
    for (let m = 0; m < chosen.length && !attested; m++) {
      // a member who did not vote counts, with their own weight, for the ballot of the delegate carrying them
      const delegate = chosen[m]! < 0 && carriedBy ? carriedBy[m]! : -1;
      const voter = delegate >= 0 ? delegate : m;
      const p = chosen[voter]! >= 0 && micro[m];
      if (!p) continue;
      const ballot = ballots[qi]?.[voter];
      if (type === 'ranked') rankings.push({ ranking: ballot ?? [chosen[voter]!], p });
      if (delegate < 0) voters++;
      countBallot(delegate >= 0 ? delegated! : sums, type, chosen[voter]!, ballot, p);
    }
    // the totals hold the delegated weight; its voters are the delegators, not ballots cast
    delegated?.forEach((d, i) => addTo(sums[i]!, d, 0));
    const runoff = type === 'ranked' && !attested ? runoffs(q.options.length, rankings) : undefined;
    return questionTally(q, sums, voters, { attested: attested !== undefined, ...(delegated && { delegated }), ...(runoff && { runoff }) });
  });
}

/**
 * Adds one voter's counted ballot to the sums of the options it counts for (`sign` -1 takes it back, for sums kept up
 * to date between reads: standings-state.ts): a single choice, each ticked option, or a ranking's first preference.
 */
export function countBallot(sums: OptionSums[], type: PollType, choice: number, ballot: Ballot | undefined, p: MicroVotes, sign: 1 | -1 = 1): void {
  const count = sign > 0 ? addTo : takeFrom;
  // a single choice adds to one option with no list made: a replay counts a million of them
  if (!ballot || type === 'single') count(sums[choice]!, p);
  else for (const o of optionsCounted(type, ballot)) count(sums[o]!, p);
}

/** A question's tally from the sums of its options and how many voted (DESIGN.md "Votes": the three views side by side). */
export function questionTally(
  q: Question,
  sums: readonly OptionSums[],
  voters: number,
  { attested = false, delegated, runoff }: { attested?: boolean; delegated?: readonly OptionSums[]; runoff?: ReturnType<typeof runoffs> } = {},
): QuestionTally {
  const type = q.type ?? 'single';
  // a secret poll publishes its totals and its turnout, never how many chose each option
  const secret = attested || q.privacy === 'secret';
  // a secret poll's delegated part per option would tell whose choice a delegate followed
  const delegatedShown = secret ? undefined : delegated;
  const winners: Record<View, number | null> = runoff?.winners ?? {
    tokenVotes: winner(sums.map((s) => s.tokens)),
    quadraticVotes: winner(sums.map((s) => s.quadratic)),
    qualifiedVotes: winner(sums.map((s) => s.qualified)),
  };
  return {
    id: q.id,
    text: q.text,
    options: q.options.map((label, i) => {
      const s = sums[i]!;
      return {
        label,
        voters: secret ? 0 : s.voters,
        tokenVotes: s.tokens,
        quadraticVotes: Number(s.quadratic) / MICRO,
        qualifiedVotes: Number(s.qualified) / MICRO,
        ...(delegatedShown && { delegated: { voters: delegatedShown[i]!.voters, tokenVotes: delegatedShown[i]!.tokens, quadraticVotes: Number(delegatedShown[i]!.quadratic) / MICRO, qualifiedVotes: Number(delegatedShown[i]!.qualified) / MICRO } }),
      };
    }),
    winners,
    changes: describeChanges(q, winners),
    ...(secret && { secretVoters: voters }),
    ...(type !== 'single' && { type }),
    ...(runoff && { runoff: runoff.dropped }),
  };
}

function addTo(s: OptionSums, p: MicroVotes, voters = 1): void {
  s.voters += voters;
  s.tokens += p.tokens;
  s.quadratic += p.quadratic;
  s.qualified += p.qualified;
}

function takeFrom(s: OptionSums, p: MicroVotes): void {
  s.voters -= 1;
  s.tokens -= p.tokens;
  s.quadratic -= p.quadratic;
  s.qualified -= p.qualified;
}

/**
 * The options a ballot adds the voter's weight to: single, the choice; approval, each ticked option (the full weight
 * to each); ranked, the first preference (the figures shown per option; the runoff decides the winner).
 */
function optionsCounted(type: PollType, ballot: Ballot): Ballot {
  return type === 'ranked' ? ballot.slice(0, 1) : ballot;
}

/** The instant runoff of each view, each ballot carrying its voter's weight in that view. */
function runoffs(optionCount: number, rankings: readonly { ranking: Ballot; p: MicroVotes }[]) {
  const inView = (weight: (p: MicroVotes) => bigint) =>
    instantRunoff(optionCount, rankings.map((r): WeightedRanking => ({ ranking: r.ranking, weight: weight(r.p) })));
  const views: Record<View, ReturnType<typeof instantRunoff>> = {
    tokenVotes: inView((p) => p.tokens),
    quadraticVotes: inView((p) => p.quadratic),
    qualifiedVotes: inView((p) => p.qualified),
  };
  const each = <T>(f: (r: ReturnType<typeof instantRunoff>) => T): Record<View, T> => ({ tokenVotes: f(views.tokenVotes), quadraticVotes: f(views.quadraticVotes), qualifiedVotes: f(views.qualifiedVotes) });
  return { winners: each((r) => r.winner), dropped: each((r) => r.dropped) };
}

/** Index of the largest total; null when it is shared or nobody voted. */
function winner(totals: readonly bigint[]): number | null {
  let best = 0;
  let tied = false;
  for (let i = 1; i < totals.length; i++) {
    if (totals[i]! > totals[best]!) [best, tied] = [i, false];
    else if (totals[i] === totals[best]) tied = true;
  }
  return tied || !(totals[best]! > 0n) ? null : best;
}

function describeChanges(q: Question, w: Record<View, number | null>): string[] {
  const name = (i: number | null) => (i === null ? 'no single winner' : `"${q.options[i]}"`);
  const changes: string[] = [];
  if (w.tokenVotes !== w.quadraticVotes)
    changes.push(
      `Quadratic voting changed the outcome of ${q.id}: one token one vote gives ${name(w.tokenVotes)}, quadratic voting gives ${name(w.quadraticVotes)}.`,
    );
  if (w.quadraticVotes !== w.qualifiedVotes)
    changes.push(
      `Reputation changed the outcome of ${q.id}: without it ${name(w.quadraticVotes)} wins, with the tier factors ${name(w.qualifiedVotes)} wins.`,
    );
  return changes;
}
