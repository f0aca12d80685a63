import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { compareIds } from '../../src/core/order.ts';
import { largestRemainder, splitRewards, type RewardCandidate, type RewardRules } from '../../src/core/rewards.ts';

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

  it('PROPERTY the split by groups of equal weight is the split member by member, ties and caps included, in any order', () => {
    // few distinct points and small pools: many members share a weight and many remainders tie
    const candidate = fc.record({ points: fc.constantFrom(-1, 0, 0.5, 1, 2, 3.000001, 7), voted: fc.boolean(), excluded: fc.boolean() });
    fc.assert(
      fc.property(
        fc.array(candidate, { maxLength: 40 }),
        fc.oneof(fc.bigInt({ min: 0n, max: 200n }), fc.bigInt({ min: 0n, max: 10n ** 24n })),
        fc.integer({ min: 0, max: 100 }),
        fc.option(fc.integer({ min: 1, max: 100 }), { nil: null }),
        (drawn, pool, contributionPercent, capPercent) => {
          // ids in no particular order, as a caller may give them
          const candidates = drawn.map((x, i) => ({ ...x, id: `m${(i * 7) % 41}-${i}` }));
          const rules = { pool, contributionPercent, capPercent };
          expect(splitRewards(candidates, rules)).toEqual(memberByMember(candidates, rules));
          // nor does the order they are given in change it
          expect(splitRewards([...candidates].reverse(), rules)).toEqual(memberByMember(candidates, rules));
        },
      ),
      { seed: 10, numRuns: 400 },
    );
  });
});

/** The split computed member by member, as DESIGN.md states it (the implementation before groups): the oracle. */
function memberByMember(candidates: readonly RewardCandidate[], rules: RewardRules) {
  const sum = (xs: bigint[]) => xs.reduce((s, x) => s + x, 0n);
  const byAmountThenId = (xs: { member: string; amount: bigint }[]) => [...xs].sort((a, b) => (a.amount === b.amount ? compareIds(a.member, b.member) : a.amount > b.amount ? -1 : 1));
  let contribution = (rules.pool * BigInt(rules.contributionPercent)) / 100n;
  let participation = rules.pool - contribution;
  const eligible = candidates.filter((c) => !c.excluded);
  const weights = eligible.map((c) => (c.points > 0 ? BigInt(Math.round(c.points * 1e6)) : 0n));
  const totalWeight = sum(weights);
  const voterCount = eligible.filter((c) => c.voted).length;
  if (totalWeight === 0n) [participation, contribution] = [participation + contribution, 0n];
  if (voterCount === 0) [contribution, participation] = [contribution + participation, 0n];
  if (totalWeight === 0n && voterCount === 0) return { contribution: 0n, participation: 0n, undistributed: rules.pool, amounts: [] };
  let entitled = eligible
    .map((c, i) => ({ id: c.id, e: contribution * weights[i]! * BigInt(voterCount || 1) + (c.voted ? participation * (totalWeight || 1n) : 0n) }))
    .filter((x) => x.e > 0n);
  const amounts: { member: string; amount: bigint }[] = [];
  let remaining = rules.pool;
  if (rules.capPercent !== null) {
    const cap = (rules.pool * BigInt(rules.capPercent)) / 100n;
    for (;;) {
      const total = sum(entitled.map((x) => x.e));
      const over = entitled.filter((x) => x.e * remaining > cap * total);
      if (over.length === 0) break;
      entitled = entitled.filter((x) => !over.includes(x));
      for (const x of over) amounts.push({ member: x.id, amount: cap });
      remaining -= cap * BigInt(over.length);
    }
  }
  if (entitled.length > 0) {
    const whole = sum(entitled.map((x) => x.e));
    const shares = entitled.map((x) => ({ member: x.id, amount: (remaining * x.e) / whole, remainder: remaining * x.e - ((remaining * x.e) / whole) * whole }));
    let left = remaining - sum(shares.map((x) => x.amount));
    for (const x of [...shares].sort((a, b) => (a.remainder === b.remainder ? compareIds(a.member, b.member) : a.remainder > b.remainder ? -1 : 1)))
      if (left-- > 0n) x.amount += 1n;
    amounts.push(...shares.map(({ member, amount }) => ({ member, amount })));
  }
  return { contribution, participation, undistributed: entitled.length === 0 ? remaining : 0n, amounts: byAmountThenId(amounts.filter((a) => a.amount > 0n)) };
}
