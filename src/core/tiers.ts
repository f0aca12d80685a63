import type { TierConfig } from './config.ts';

export interface Tier {
  name: string;
  factor: number;
}

/** The voting-weight factor of a member with no tier (0 points). */
export const NO_TIER_FACTOR = 1;

/**
 * Tier of every member with points > 0 (DESIGN.md "Tiers"). Members are ranked best first; equal points share
 * the best rank of their group, so they share the higher tier. Members with no tier are absent from the result.
 */
export function assignTiers(points: ReadonlyMap<string, number>, tiers: TierConfig): Map<string, Tier> {
  const ranked = [...points].filter(([, p]) => p > 0).sort((a, b) => b[1] - a[1]);
  const n = ranked.length;
  const result = new Map<string, Tier>();
  let rank = 0;
  ranked.forEach(([id, p], i) => {
    if (i === 0 || p !== ranked[i - 1]![1]) rank = i + 1;
    const level = tiers.by === 'percentile' ? byPercentile(rank, n, tiers.levels) : tiers.levels.find((l) => p >= l.minPoints);
    if (level) result.set(id, { name: level.name, factor: level.factor });
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
