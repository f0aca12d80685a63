import { describe, expect, it } from 'vitest';
import { roundConfigSchema } from '../../src/core/config.ts';
import { assignTiers } from '../../src/core/tiers.ts';

const defaults = roundConfigSchema.parse({}).tiers;
const tiersOf = (points: number[], tiers = defaults) => {
  const result = assignTiers(points, tiers);
  return points.map((_, i) => result[i]?.name ?? null);
};

describe('tiers', () => {
  it('GIVEN 10 members with distinct points THEN 1 is A, 2 are B, 3 are C, 4 are D', () => {
    expect(tiersOf([10, 9, 8, 7, 6, 5, 4, 3, 2, 1])).toEqual(['A', 'B', 'B', 'C', 'C', 'C', 'D', 'D', 'D', 'D']);
  });

  it('GIVEN equal points THEN they share the best rank of their group and so the higher tier', () => {
    expect(tiersOf([10, 10, 8, 7, 6, 5, 4, 3, 2, 1])).toEqual(['A', 'A', 'B', 'C', 'C', 'C', 'D', 'D', 'D', 'D']);
    expect(tiersOf([5, 5, 5, 5])).toEqual(['A', 'A', 'A', 'A']);
  });

  it('GIVEN zero or negative points THEN no tier', () => {
    expect(tiersOf([3, 0, -2])).toEqual(['A', null, null]);
  });

  it('GIVEN 3 members THEN the limits are computed in integers: ceil(c × n / 100)', () => {
    // A: ceil(0.3) = 1, B: ceil(0.9) = 1, C: ceil(1.8) = 2, D: ceil(3) = 3
    expect(tiersOf([3, 2, 1])).toEqual(['A', 'C', 'D']);
  });

  it('GIVEN percents that add up to less than 100 THEN the rest has no tier', () => {
    const tiers = roundConfigSchema.parse({ tiers: { by: 'percentile', levels: [{ name: 'top', percent: 50, factor: 2 }] } }).tiers;
    expect(tiersOf([4, 3, 2, 1], tiers)).toEqual(['top', 'top', null, null]);
  });

  it('GIVEN tiers by points THEN each member gets the first level it reaches', () => {
    const tiers = roundConfigSchema.parse({
      tiers: { by: 'points', levels: [{ name: 'A', minPoints: 50, factor: 5 }, { name: 'B', minPoints: 10, factor: 2 }] },
    }).tiers;
    expect(tiersOf([80, 50, 49.9, 10, 9], tiers)).toEqual(['A', 'A', 'B', 'B', null]);
  });

  it('GIVEN levels out of order or over 100% THEN the config is refused', () => {
    expect(() => roundConfigSchema.parse({ tiers: { by: 'points', levels: [{ name: 'B', minPoints: 1, factor: 2 }, { name: 'A', minPoints: 5, factor: 5 }] } })).toThrow(/best first/);
    expect(() => roundConfigSchema.parse({ tiers: { by: 'percentile', levels: [{ name: 'A', percent: 60, factor: 2 }, { name: 'B', percent: 50, factor: 1 }] } })).toThrow(/more than 100/);
  });
});
