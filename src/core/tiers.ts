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
export function assignTiers(points: readonly number[], tiers: TierConfig): (Tier | undefined)[] {
  const ranked = Array.from(points.keys()).filter((m) => points[m]! > 0);
  ranked.sort((a, b) => points[b]! - points[a]!);
  // One object per level, shared by every member in it.
  const levels = new Map(tiers.levels.map((l) => [l, { name: l.name, factor: l.factor }]));
  const result = new Array<Tier | undefined>(points.length);
  let rank = 0;
  ranked.forEach((m, i) => {
    const p = points[m]!;
    if (i === 0 || p !== points[ranked[i - 1]!]) rank = i + 1;
    const level = tiers.by === 'percentile' ? byPercentile(rank, ranked.length, tiers.levels) : tiers.levels.find((l) => p >= l.minPoints);
    if (level) result[m] = levels.get(level);
  });
  return result;
}

// The first level whose cumulative percent c satisfies r ≤ ceil(c × n / 100), in integers.
function byPercentile<L extends { percent: number }>(rank: number, n: number, levels: readonly L[]): L | undefined {
  let cumulative = 0;
  for (const level of levels) {
    cumulative += level.percent;
    if (rank <= Math.floor((cumulative * n + 99) / 100)) return level;
  }
  return undefined;
}
