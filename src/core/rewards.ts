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
  const weights = eligible.map((c) => (c.points > 0 ? BigInt(Math.round(c.points * 1e6)) : 0n));
  const totalWeight = sum(weights);
  const voterCount = eligible.reduce((n, c) => n + (c.voted ? 1 : 0), 0);
  // A part with nobody eligible is added to the other part.
  if (totalWeight === 0n) [participation, contribution] = [participation + contribution, 0n];
  if (voterCount === 0) [contribution, participation] = [contribution + participation, 0n];
  if (totalWeight === 0n && voterCount === 0) return { contribution: 0n, participation: 0n, undistributed: rules.pool, amounts: [] };

  // entitlement_i = contribution × w_i / W + participation / N_voters, all over the common denominator W × N_voters.
  const commonWeight = totalWeight || 1n;
  const voters = BigInt(voterCount || 1);
  let entitled = eligible
    .map((c, i) => ({ id: c.id, entitlement: contribution * weights[i]! * voters + (c.voted ? participation * commonWeight : 0n) }))
    .filter((e) => e.entitlement > 0n);

  const amounts: { member: string; amount: bigint }[] = [];
  let remaining = rules.pool;
  if (rules.capPercent !== null) {
    const cap = (rules.pool * BigInt(rules.capPercent)) / 100n;
    // Whoever would get more than the cap gets the cap; the rest is shared again among the others, until nobody is over.
    for (;;) {
      const total = sum(entitled.map((e) => e.entitlement));
      const isOver = (e: (typeof entitled)[number]) => e.entitlement * remaining > cap * total;
      const over = entitled.filter(isOver);
      if (over.length === 0) break;
      entitled = entitled.filter((e) => !isOver(e));
      for (const e of over) amounts.push({ member: e.id, amount: cap });
      remaining -= cap * BigInt(over.length);
    }
  }
  let undistributed = 0n;
  if (entitled.length === 0) undistributed = remaining;
  else {
    const shares = largestRemainder(
      remaining,
      entitled.map((e) => e.entitlement),
      entitled.map((e) => e.id),
    );
    entitled.forEach((e, i) => amounts.push({ member: e.id, amount: shares[i]! }));
  }

  const paid = amounts.filter((a) => a.amount > 0n);
  const order = largestFirst(
    paid.map((a) => a.amount),
    paid.map((a) => a.member),
  );
  return { contribution, participation, undistributed, amounts: order.map((i) => paid[i]!) };
}

const sum = (xs: Iterable<bigint>) => {
  let s = 0n;
  for (const x of xs) s += x;
  return s;
};

/**
 * ⌊total × w_i / W⌋ each, then one more unit to the largest remainders (ties by id) until the total is reached;
 * the shares in the order of the weights.
 */
export function largestRemainder(total: bigint, weights: readonly bigint[], ids: readonly string[]): bigint[] {
  const whole = sum(weights);
  const shares: bigint[] = [];
  const remainders: bigint[] = [];
  let left = total;
  for (const w of weights) {
    const share = (total * w) / whole;
    shares.push(share);
    remainders.push(total * w - share * whole);
    left -= share;
  }
  // fewer units are left than there are shares
  const order = largestFirst(remainders, ids);
  for (let k = 0; k < Number(left); k++) shares[order[k]!]! += 1n;
  return shares;
}

/**
 * Positions of `values` from largest to smallest, ties by id. Sorted on doubles, since Number() never reverses the
 * order of two bigints; the exact values only settle equal doubles. A hundred thousand shares sort in milliseconds.
 */
function largestFirst(values: readonly bigint[], ids: readonly string[]): number[] {
  const rough = new Float64Array(values.length);
  for (let i = 0; i < values.length; i++) rough[i] = Number(values[i]!);
  return Array.from(values.keys()).sort(
    (a, b) => rough[b]! - rough[a]! || (values[a] === values[b] ? compareIds(ids[a]!, ids[b]!) : values[a]! > values[b]! ? -1 : 1),
  );
}
