import { compareIds } from './order.ts';

export interface RewardRules {
  /** The whole pool, in base units. */
  pool: bigint;
  contributionPercent: number;
  capPercent: number | null;
}
export interface RewardCandidate {
  id: string;
  excluded: boolean;
  points: number;
  /** Cast at least one counted vote with a verified wallet. */
  voted: boolean;
}
export interface RewardSplit {
  contribution: bigint;
  participation: bigint;
  /** Left over only when nobody is eligible, or when the cap holds everybody below their share. */
  undistributed: bigint;
  /** Amount of every member who gets something, best first then by id. */
  amounts: { member: string; amount: bigint }[];
}

/**
 * Splits the pool (DESIGN.md "Rewards"): contribution = ⌊pool × percent / 100⌋ in proportion to points,
 * participation = the rest, equally among voters; excluded members get nothing; the cap is enforced by
 * water-filling; every amount is rounded by largest remainder, so the amounts add up exactly.
 */
export function splitRewards(candidates: readonly RewardCandidate[], rules: RewardRules): RewardSplit {
  let contribution = (rules.pool * BigInt(rules.contributionPercent)) / 100n;
  let participation = rules.pool - contribution;
  const eligible = candidates.filter((c) => !c.excluded);
  // Points are kept to six decimals, so micro-points are exact integers.
  const weight = new Map(eligible.filter((c) => c.points > 0).map((c) => [c.id, BigInt(Math.round(c.points * 1e6))]));
  const voters = new Set(eligible.filter((c) => c.voted).map((c) => c.id));
  // A part with nobody eligible is added to the other part.
  if (weight.size === 0) [participation, contribution] = [participation + contribution, 0n];
  if (voters.size === 0) [contribution, participation] = [contribution + participation, 0n];
  if (weight.size === 0 && voters.size === 0)
    return { contribution: 0n, participation: 0n, undistributed: rules.pool, amounts: [] };

  // entitlement_i = contribution × w_i / W + participation / N_voters, all over the common denominator W × N_voters.
  const totalWeight = [...weight.values()].reduce((s, w) => s + w, 0n) || 1n;
  const voterCount = BigInt(voters.size || 1);
  const entitlement = new Map<string, bigint>();
  for (const c of eligible) {
    const e = contribution * (weight.get(c.id) ?? 0n) * voterCount + (voters.has(c.id) ? participation * totalWeight : 0n);
    if (e > 0n) entitlement.set(c.id, e);
  }

  const amounts = new Map<string, bigint>();
  let remaining = rules.pool;
  if (rules.capPercent !== null) {
    const cap = (rules.pool * BigInt(rules.capPercent)) / 100n;
    // Whoever would get more than the cap gets the cap; the rest is shared again among the others, until nobody is over.
    for (;;) {
      const total = sum(entitlement.values());
      const over = [...entitlement].filter(([, e]) => e * remaining > cap * total).map(([id]) => id);
      if (over.length === 0) break;
      for (const id of over) {
        amounts.set(id, cap);
        entitlement.delete(id);
        remaining -= cap;
      }
    }
  }
  let undistributed = 0n;
  if (entitlement.size === 0) undistributed = remaining;
  else for (const [id, amount] of largestRemainder(remaining, entitlement)) amounts.set(id, amount);

  return {
    contribution,
    participation,
    undistributed,
    amounts: byLargest(
      [...amounts].filter(([, a]) => a > 0n).map(([member, amount]) => ({ member, amount })),
      (a) => a.amount,
      (a) => a.member,
    ),
  };
}

/**
 * Largest first, ties by id. Compared as doubles first (Number() never reverses an order of bigints) and exactly
 * only when the doubles are equal: a hundred thousand amounts sort without a bigint comparison each time.
 */
function byLargest<T>(items: T[], amount: (t: T) => bigint, id: (t: T) => string): T[] {
  const keyed = items.map((item) => ({ item, rough: Number(amount(item)), exact: amount(item), id: id(item) }));
  keyed.sort((a, b) => b.rough - a.rough || (a.exact === b.exact ? compareIds(a.id, b.id) : a.exact > b.exact ? -1 : 1));
  return keyed.map((k) => k.item);
}

const sum = (xs: Iterable<bigint>) => {
  let s = 0n;
  for (const x of xs) s += x;
  return s;
};

/** ⌊total × w_i / W⌋ each, then one more unit to the largest remainders (ties by id) until the total is reached. */
export function largestRemainder(total: bigint, weights: ReadonlyMap<string, bigint>): Map<string, bigint> {
  const whole = sum(weights.values());
  const shares = [...weights].map(([id, w]) => {
    const floor = (total * w) / whole;
    return { id, floor, remainder: total * w - floor * whole };
  });
  let left = total - sum(shares.map((s) => s.floor));
  for (const s of byLargest(shares, (x) => x.remainder, (x) => x.id)) {
    if (left === 0n) break;
    s.floor += 1n;
    left -= 1n;
  }
  return new Map(shares.map((s) => [s.id, s.floor]));
}
