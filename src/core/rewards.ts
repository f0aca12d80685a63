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
  // Members of equal weight who all voted or all did not are entitled alike, so the bigint arithmetic is done once per
  // such group: a round of 100,000 members has a few hundred (it took half a second member by member).
  // Points are kept to six decimals, so micro-points are exact integers.
  const groups = new Map<number, { weight: bigint; voted: boolean; members: number[] }>();
  let voterCount = 0;
  candidates.forEach((c, i) => {
    if (c.excluded) return;
    const micro = c.points > 0 ? Math.round(c.points * 1e6) : 0;
    const key = c.voted ? micro : -1 - micro;
    let group = groups.get(key);
    if (!group) groups.set(key, (group = { weight: BigInt(micro), voted: c.voted, members: [] }));
    group.members.push(i);
    if (c.voted) voterCount++;
  });
  const totalWeight = sum([...groups.values()].map((g) => g.weight * BigInt(g.members.length)));
  // A part with nobody eligible is added to the other part.
  if (totalWeight === 0n) [participation, contribution] = [participation + contribution, 0n];
  if (voterCount === 0) [contribution, participation] = [contribution + participation, 0n];
  if (totalWeight === 0n && voterCount === 0) return { contribution: 0n, participation: 0n, undistributed: rules.pool, amounts: [] };

  // entitlement_i = contribution × w_i / W + participation / N_voters, all over the common denominator W × N_voters.
  const commonWeight = totalWeight || 1n;
  const voters = BigInt(voterCount || 1);
  let entitled = [...groups.values()]
    .map((g) => ({ weight: contribution * g.weight * voters + (g.voted ? participation * commonWeight : 0n), members: g.members }))
    .filter((e) => e.weight > 0n);

  const paid: Paid[] = [];
  let remaining = rules.pool;
  if (rules.capPercent !== null) {
    const cap = (rules.pool * BigInt(rules.capPercent)) / 100n;
    // Whoever would get more than the cap gets the cap; the rest is shared again among the others, until nobody is over.
    for (;;) {
      const total = sum(entitled.map((e) => e.weight * BigInt(e.members.length)));
      const isOver = (e: (typeof entitled)[number]) => e.weight * remaining > cap * total;
      const over = entitled.filter(isOver);
      if (over.length === 0) break;
      entitled = entitled.filter((e) => !isOver(e));
      for (const e of over) {
        paid.push({ amount: cap, members: e.members });
        remaining -= cap * BigInt(e.members.length);
      }
    }
  }
  const ids = candidates.map((c) => c.id);
  const undistributed = entitled.length === 0 ? remaining : 0n;
  if (entitled.length > 0) paid.push(...largestRemainderGroups(remaining, entitled, ids));
  const amounts: RewardSplit['amounts'] = [];
  for (const { amount, members } of largestFirst(paid.filter((p) => p.amount > 0n), ids)) for (const m of members) amounts.push({ member: ids[m]!, amount });
  return { contribution, participation, undistributed, amounts };
}

/** Members (positions in a list of ids) paid the same amount. */
interface Paid {
  amount: bigint;
  members: readonly number[];
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
  const byWeight = new Map<bigint, number[]>();
  weights.forEach((w, i) => (byWeight.get(w) ?? byWeight.set(w, []).get(w)!).push(i));
  const shares = new Array<bigint>(weights.length);
  for (const { amount, members } of largestRemainderGroups(total, [...byWeight].map(([weight, members]) => ({ weight, members })), ids)) for (const m of members) shares[m] = amount;
  return shares;
}

/**
 * largestRemainder over groups of members of equal weight, who get equal shares and remainders: the bigints are
 * computed once per group, and only the members of the remainder where the extra units run out are ordered by id.
 */
function largestRemainderGroups(total: bigint, groups: readonly { weight: bigint; members: readonly number[] }[], ids: readonly string[]): Paid[] {
  const whole = sum(groups.map((g) => g.weight * BigInt(g.members.length)));
  let left = total;
  const shared = groups.map(({ weight, members }) => {
    const share = (total * weight) / whole;
    left -= share * BigInt(members.length);
    return { share, remainder: total * weight - share * whole, members };
  });
  // fewer units are left than there are members; equal remainders are one tie, broken by id across their groups
  shared.sort((a, b) => (a.remainder === b.remainder ? 0 : a.remainder > b.remainder ? -1 : 1));
  const paid: Paid[] = [];
  for (let at = 0; at < shared.length; ) {
    let end = at + 1;
    while (end < shared.length && shared[end]!.remainder === shared[at]!.remainder) end++;
    const tied = shared.slice(at, end);
    const count = BigInt(tied.reduce((n, g) => n + g.members.length, 0));
    if (left === 0n || left >= count) {
      const extra = left === 0n ? 0n : 1n;
      for (const g of tied) paid.push({ amount: g.share + extra, members: g.members });
      left -= extra * count;
    } else {
      // the units run out in this tie: one more to its smallest ids (its groups' shares may differ)
      const first = new Set(byId(tied.flatMap((g) => g.members), (m) => ids[m]!).slice(0, Number(left)));
      for (const g of tied)
        paid.push({ amount: g.share + 1n, members: g.members.filter((m) => first.has(m)) }, { amount: g.share, members: g.members.filter((m) => !first.has(m)) });
      left = 0n;
    }
    at = end;
  }
  return paid;
}

/** The members of `paid`, largest amount first, ties by id: groups sorted by amount, the members of an amount by id. */
function largestFirst(paid: readonly Paid[], ids: readonly string[]): Paid[] {
  const sorted = [...paid].sort((a, b) => (a.amount === b.amount ? 0 : a.amount > b.amount ? -1 : 1));
  const out: Paid[] = [];
  for (let at = 0; at < sorted.length; ) {
    let end = at;
    while (end < sorted.length && sorted[end]!.amount === sorted[at]!.amount) end++;
    out.push({ amount: sorted[at]!.amount, members: byId(sorted.slice(at, end).flatMap((p) => p.members), (m) => ids[m]!) });
    at = end;
  }
  return out;
}

/** Sorted by id (a list mostly in id order already, as the report's is, sorts in about linear time). */
const byId = <T>(xs: T[], id: (x: T) => string): T[] => xs.sort((a, b) => compareIds(id(a), id(b)));
