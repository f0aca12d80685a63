import type { TierConfig } from './config.ts';

export interface Tier {
  name: string;
  factor: number;
}

/** The voting-weight factor of a member with no tier (0 points). */
export const NO_TIER_FACTOR = 1;

/**
 * Tier of every member with points > 0, by member position (DESIGN.md "Tiers"). Members are ranked best first;
 * equal points share the best rank of their group, so they share the higher tier. Members with no tier get none.
 */
export function assignTiers(points: ArrayLike<number>, tiers: TierConfig): (Tier | undefined)[] {
  // One object per level, shared by every member in it.
  const levels = tiers.levels.map((l) => ({ name: l.name, factor: l.factor }));
  return Array.from(tierLevels(points, tiers), (level) => (level < 0 ? undefined : levels[level]));
}

/** The points > 0, smallest first: the ranking tierLevels and a rank lookup (rankOf) search in. */
export function positivesAscending(points: ArrayLike<number>): Float64Array {
  const positives = new Float64Array(points.length);
  let count = 0;
  for (let m = 0; m < points.length; m++) if (points[m]! > 0) positives[count++] = points[m]!;
  // a typed array sorts numbers natively: the ranking of 100,000 members in milliseconds
  return positives.subarray(0, count).sort();
}

/** 1 + how many of the `ascending` points are greater than `p`: the best rank of the group with p points. */
export function rankOf(p: number, ascending: Float64Array): number {
  let lo = 0;
  let hi = ascending.length;
  // the first position holding more than p
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (ascending[mid]! > p) hi = mid;
    else lo = mid + 1;
  }
  return ascending.length - lo + 1;
}

/** assignTiers as the index of each member's level in `tiers.levels`, -1 for none; `ranked`: positivesAscending(points). */
export function tierLevels(points: ArrayLike<number>, tiers: TierConfig, ranked = positivesAscending(points)): Int16Array {
  const result = new Int16Array(points.length).fill(-1);
  for (let m = 0; m < points.length; m++) {
    const p = points[m]!;
    if (!(p > 0)) continue;
    result[m] = tiers.by === 'percentile' ? byPercentile(rankOf(p, ranked), ranked.length, tiers.levels) : tiers.levels.findIndex((l) => p >= l.minPoints);
  }
  return result;
}

// The index of the first level whose cumulative percent c satisfies r ≤ ceil(c × n / 100), in integers; -1: none.
function byPercentile(rank: number, n: number, levels: readonly { percent: number }[]): number {
  let cumulative = 0;
  for (let i = 0; i < levels.length; i++) {
    cumulative += levels[i]!.percent;
    if (rank <= Math.floor((cumulative * n + 99) / 100)) return i;
  }
  return -1;
}
