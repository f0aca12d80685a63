import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { largestRemainder, splitRewards, type RewardCandidate } from '../../src/core/rewards.ts';

const c = (id: string, points: number, voted = false, excluded = false): RewardCandidate => ({ id, points, voted, excluded });
const amounts = (split: ReturnType<typeof splitRewards>) => Object.fromEntries(split.amounts.map((a) => [a.member, a.amount]));
const rules = (pool: bigint, extra: { contributionPercent?: number; capPercent?: number | null } = {}) => ({
  pool,
  contributionPercent: 90,
  capPercent: null,
  ...extra,
});

describe('rewards', () => {
  it('GIVEN points and voters THEN 90% follows points and 10% is equal among voters', () => {
    const split = splitRewards([c('a', 3, true), c('b', 1), c('c', 0, true)], rules(1000n));
    expect(split.contribution).toBe(900n);
    expect(split.participation).toBe(100n);
    expect(amounts(split)).toEqual({ a: 725n, b: 225n, c: 50n });
  });

  it('GIVEN an excluded member THEN it gets nothing and its share goes to the others', () => {
    const split = splitRewards([c('a', 3, true), c('staff', 3, true, true), c('b', 1, true)], rules(1000n));
    expect(amounts(split)).toEqual({ a: 725n, b: 275n });
  });

  it('GIVEN everybody excluded THEN nothing is paid and the whole pool is reported undistributed', () => {
    const split = splitRewards([c('a', 3, true, true)], rules(1000n));
    expect(split.amounts).toEqual([]);
    expect(split.undistributed).toBe(1000n);
  });

  it('GIVEN no voters THEN participation joins contribution; GIVEN no points THEN contribution joins participation', () => {
    expect(amounts(splitRewards([c('a', 1), c('b', 3)], rules(1000n)))).toEqual({ a: 250n, b: 750n });
    expect(amounts(splitRewards([c('a', 0, true), c('b', -2, true)], rules(1000n)))).toEqual({ a: 500n, b: 500n });
  });

  it('GIVEN negative points THEN no contribution reward', () => {
    expect(amounts(splitRewards([c('a', -5, true), c('b', 5)], rules(1000n)))).toEqual({ a: 100n, b: 900n });
  });

  it('GIVEN a cap THEN the excess is shared among those below it, again until nobody is over', () => {
    // uncapped: a 80, b 12, c 8 → a capped at 40; 60 left for b:c = 12:8 → 36, 24
    const split = splitRewards([c('a', 80), c('b', 12), c('c', 8)], rules(100n, { contributionPercent: 100, capPercent: 40 }));
    expect(amounts(split)).toEqual({ a: 40n, b: 36n, c: 24n });
    // second pass: a 50 → 30, then b 30 → 30 (exactly at cap), c, d share the rest
    const twice = splitRewards([c('a', 50), c('b', 25), c('c', 15), c('d', 10)], rules(100n, { contributionPercent: 100, capPercent: 30 }));
    expect(amounts(twice)).toEqual({ a: 30n, b: 30n, c: 24n, d: 16n });
  });

  it('GIVEN a cap too low for everybody THEN each gets the cap and the rest stays undistributed', () => {
    const split = splitRewards([c('a', 1), c('b', 1)], rules(100n, { contributionPercent: 100, capPercent: 10 }));
    expect(amounts(split)).toEqual({ a: 10n, b: 10n });
    expect(split.undistributed).toBe(80n);
  });

  it('GIVEN remainders THEN largest remainder rounds so the amounts add up, ties going to the smaller id', () => {
    expect(largestRemainder(10n, [1n, 1n, 1n], ['b', 'a', 'c'])).toEqual([3n, 4n, 3n]);
    expect(largestRemainder(100n, [2n, 1n], ['x', 'y'])).toEqual([67n, 33n]);
  });

  it('PROPERTY amounts are never negative, never over the cap, and add up to the pool exactly', () => {
    const candidate = fc.record({
      id: fc.string({ minLength: 1, maxLength: 4 }),
      points: fc.oneof(fc.constant(0), fc.double({ min: -50, max: 1e6, noNaN: true }).map((x) => Math.round(x * 1e6) / 1e6)),
      voted: fc.boolean(),
      excluded: fc.boolean(),
    });
    fc.assert(
      fc.property(
        fc.uniqueArray(candidate, { selector: (x) => x.id, maxLength: 30 }),
        fc.bigInt({ min: 0n, max: 10n ** 30n }),
        fc.integer({ min: 0, max: 100 }),
        fc.option(fc.integer({ min: 1, max: 100 }), { nil: null }),
        (candidates, pool, contributionPercent, capPercent) => {
          const split = splitRewards(candidates, { pool, contributionPercent, capPercent });
          const total = split.amounts.reduce((s, a) => s + a.amount, 0n);
          expect(total + split.undistributed).toBe(pool);
          for (const a of split.amounts) {
            expect(a.amount).toBeGreaterThan(0n);
            if (capPercent !== null) expect(a.amount).toBeLessThanOrEqual((pool * BigInt(capPercent)) / 100n);
            expect(candidates.find((x) => x.id === a.member)!.excluded).toBe(false);
          }
          const eligible = candidates.some((x) => !x.excluded && (x.voted || x.points > 0));
          if (eligible && capPercent === null) expect(split.undistributed).toBe(0n);
        },
      ),
    );
  });
});
