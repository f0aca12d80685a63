import type { RoundConfig } from './config.ts';
import type { Question, Vote } from './types.ts';

/** Votes are summed in whole micro-votes, so a tally is exact and independent of the order of the votes. */
const MICRO = 1_000_000;

export interface VotingPower {
  /** Σ balances of the member's verified wallets at the snapshot, in base units. */
  tokens: bigint;
  /** The quadratic view, without reputation. */
  quadratic: number;
  factor: number;
  /** f(tokens) × factor(tier), the weight that decides. */
  weight: number;
}

type VotingRules = RoundConfig['voting'] & { decimals: number };

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

/** The choice that counts for each member on each question: the last by castAt, later in the list on equal times. */
export function countedChoices(votes: readonly Vote[]): Map<string, Map<string, number>> {
  const choices = new Map<string, Map<string, number>>();
  const castAt = new Map<string, Map<string, string>>();
  for (const v of votes) {
    let byMember = choices.get(v.question);
    let timeOf = castAt.get(v.question);
    if (!byMember || !timeOf) {
      choices.set(v.question, (byMember = new Map()));
      castAt.set(v.question, (timeOf = new Map()));
    }
    const seen = timeOf.get(v.member);
    if (seen === undefined || notEarlier(v.castAt, seen)) {
      byMember.set(v.member, v.option);
      timeOf.set(v.member, v.castAt);
    }
  }
  return choices;
}

/**
 * a ≥ b in time. Two UTC date-times of the same length are in the same format, so their text order is their time
 * order and nothing needs parsing; anything else (offsets, other precisions) is compared by its parsed time.
 */
function notEarlier(a: string, b: string): boolean {
  if (a.length === b.length && a.endsWith('Z') && b.endsWith('Z')) return a >= b;
  return Date.parse(a) >= Date.parse(b);
}

export interface OptionTally {
  label: string;
  voters: number;
  tokenVotes: bigint;
  quadraticVotes: number;
  qualifiedVotes: number;
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
}

/**
 * The three views of every question, side by side (DESIGN.md "Votes"). Only members with voting power count:
 * a verified wallet holding tokens at the snapshot.
 */
export function tally(
  questions: readonly Question[],
  choices: ReadonlyMap<string, ReadonlyMap<string, number>>,
  power: ReadonlyMap<string, VotingPower>,
): QuestionTally[] {
  return questions.map((q) => {
    const sums = q.options.map(() => ({ voters: 0, tokens: 0n, quadratic: 0n, qualified: 0n }));
    for (const [member, option] of choices.get(q.id) ?? []) {
      const p = power.get(member);
      if (!p || p.tokens <= 0n) continue;
      const s = sums[option]!;
      s.voters++;
      s.tokens += p.tokens;
      s.quadratic += BigInt(Math.round(p.quadratic * MICRO));
      s.qualified += BigInt(Math.round(p.weight * MICRO));
    }
    const winners: Record<View, number | null> = {
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
          voters: s.voters,
          tokenVotes: s.tokens,
          quadraticVotes: Number(s.quadratic) / MICRO,
          qualifiedVotes: Number(s.qualified) / MICRO,
        };
      }),
      winners,
      changes: describeChanges(q, winners),
    };
  });
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
