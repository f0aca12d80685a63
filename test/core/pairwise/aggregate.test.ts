import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { computePairwiseReport } from '../../../src/core/pairwise/report.ts';
import { PairwiseError } from '../../../src/core/pairwise/types.ts';
import { pairwiseRound } from './build.ts';

const weights = (round: Parameters<typeof computePairwiseReport>[0]) => Object.fromEntries(computePairwiseReport(round).projects.map((p) => [p.id, p.weight]));
const sum = (xs: number[]) => xs.reduce((s, x) => s + x, 0);

describe('pairwise aggregations on hand-checked cases', () => {
  it('GIVEN B twice A, C twice B and C twice A THEN l2log gives ℓ = (−⅔, 0, ⅔)·ln 2, so w ∝ (2^−⅔, 1, 2^⅔)', () => {
    const round = pairwiseRound(['A', 'B', 'C'], [['j1', 'A', 'B', 'b', 2], ['j1', 'B', 'C', 'b', 2], ['j1', 'A', 'C', 'b', 2]]);
    const z = 2 ** (-2 / 3) + 1 + 2 ** (2 / 3);
    const w = weights(round);
    expect(w['A']).toBeCloseTo(2 ** (-2 / 3) / z, 9);
    expect(w['B']).toBeCloseTo(1 / z, 9);
    expect(w['C']).toBeCloseTo(2 ** (2 / 3) / z, 9);
  });

  for (const aggregation of ['l2log', 'huber', 'bt'] as const) {
    it(`GIVEN a three-project cycle (A < B < C < A, each twice) THEN ${aggregation} gives equal weights and the juror's three answers are on a cycle`, () => {
      const round = pairwiseRound(['A', 'B', 'C'], [['j1', 'A', 'B', 'b'], ['j1', 'B', 'C', 'b'], ['j1', 'C', 'A', 'b']], { aggregation });
      const report = computePairwiseReport(round);
      for (const p of report.projects) expect(p.weight).toBeCloseTo(1 / 3, 9);
      expect(report.jurors[0]!.cycles).toBe(3);
    });

    it(`GIVEN every answer "about equal" THEN ${aggregation} gives equal weights`, () => {
      const round = pairwiseRound(['A', 'B', 'C', 'D'], [['j1', 'A', 'B', 'equal'], ['j1', 'B', 'C', 'equal'], ['j2', 'C', 'D', 'equal'], ['j2', 'A', 'D', 'equal']], { aggregation });
      for (const w of Object.values(weights(round))) expect(w).toBeCloseTo(0.25, 9);
    });

    it(`GIVEN comparisons that leave D and E apart from A, B, C THEN ${aggregation} refuses to publish weights, naming the parts`, () => {
      const round = pairwiseRound(['A', 'B', 'C', 'D', 'E'], [['j1', 'A', 'B', 'b'], ['j1', 'B', 'C', 'a'], ['j1', 'D', 'E', 'b']], { aggregation });
      expect(() => computePairwiseReport(round)).toThrow(PairwiseError);
      expect(() => computePairwiseReport(round)).toThrow(/under Root fall into 2 unconnected parts \{A, B, C\} \{D, E\}/);
    });
  }

  it('GIVEN A beat B and C every time and never lost THEN bt (MAP, α = 0.01) gives A a finite weight below 1, and l2log follows the ratios', () => {
    const answers: [string, string, string, 'a' | 'b'][] = [['j1', 'A', 'B', 'a'], ['j1', 'A', 'C', 'a'], ['j2', 'B', 'A', 'b'], ['j2', 'B', 'C', 'a']];
    const bt = weights(pairwiseRound(['A', 'B', 'C'], answers, { aggregation: 'bt', elicitation: 'binary' }));
    expect(bt['A']).toBeGreaterThan(0.9);
    expect(bt['A']).toBeLessThan(1);
    expect(bt['B']).toBeGreaterThan(bt['C']!);
    expect(Number.isFinite(bt['A'])).toBe(true);
  });

  it('GIVEN one wild answer among consistent ones THEN huber moves less than l2log towards it', () => {
    const consistent: [string, string, string, 'b', number][] = [
      ['j1', 'A', 'B', 'b', 2], ['j2', 'A', 'B', 'b', 2], ['j1', 'B', 'C', 'b', 2], ['j2', 'B', 'C', 'b', 2], ['j1', 'A', 'C', 'b', 3], ['j2', 'A', 'C', 'b', 5],
    ];
    const wild: [string, string, string, 'a', number] = ['j3', 'B', 'C', 'a', 100];
    const l2 = weights(pairwiseRound(['A', 'B', 'C'], [...consistent, wild]));
    const huber = weights(pairwiseRound(['A', 'B', 'C'], [...consistent, wild], { aggregation: 'huber' }));
    const clean = weights(pairwiseRound(['A', 'B', 'C'], consistent));
    expect(Math.abs(huber['C']! - clean['C']!)).toBeLessThan(Math.abs(l2['C']! - clean['C']!) / 2);
  });

  it('GIVEN a tree (two clients, each with two libraries) THEN a final weight is the product down the path and siblings sum to their parent', () => {
    const round = pairwiseRound(
      ['geth', 'reth', 'g1', 'g2', 'r1', 'r2'],
      [['j1', 'geth', 'reth', 'a', 3], ['j1', 'g1', 'g2', 'b', 2], ['j1', 'r1', 'r2', 'equal']],
      { pool: '1000' },
      { parents: { g1: 'geth', g2: 'geth', r1: 'reth', r2: 'reth' } },
    );
    const report = computePairwiseReport(round);
    const p = Object.fromEntries(report.projects.map((x) => [x.id, x]));
    expect(p['geth']!.weight).toBeCloseTo(0.75, 9);
    expect(p['g2']!.weight).toBeCloseTo(0.75 * (2 / 3), 9);
    expect(p['r1']!.weight).toBeCloseTo(0.125, 9);
    expect(p['geth']!.funding).toBeNull();
    expect(report.projects.reduce((s, x) => s + (x.funding ?? 0n), 0n)).toBe(1000n);
    expect([p['g1']!.funding, p['g2']!.funding, p['r1']!.funding, p['r2']!.funding]).toEqual([250n, 500n, 125n, 125n]);
  });
});

/** A random connected round: a ring through every project, then random pairs, by a handful of jurors. */
const arbitraryRound = fc
  .record({
    n: fc.integer({ min: 2, max: 9 }),
    extra: fc.array(fc.tuple(fc.nat(), fc.nat(), fc.constantFrom('a', 'b', 'equal'), fc.constantFrom(1.5, 2, 3, 5, 10), fc.integer({ min: 1, max: 4 })), { maxLength: 25 }),
    aggregation: fc.constantFrom('l2log', 'huber', 'bt'),
    pool: fc.bigInt({ min: 0n, max: 10n ** 24n }),
    minWeight: fc.constantFrom(0, 0.05, 0.2),
  })
  .map(({ n, extra, aggregation, pool, minWeight }) => {
    const ids = Array.from({ length: n }, (_, k) => `p${k}`);
    const ring = ids.map((id, k) => ['j1', id, ids[(k + 1) % n]!, k % 2 ? 'a' : 'b', 2] as const).slice(0, n === 2 ? 1 : n);
    const more = extra.flatMap(([x, y, winner, ratio, juror]) => (x % n === y % n ? [] : [[`j${juror}`, ids[x % n]!, ids[y % n]!, winner, ratio] as const]));
    return { ids, answers: [...ring, ...more].map((a) => [...a] as [string, string, string, 'a' | 'b' | 'equal', number]), config: { aggregation, pool: pool.toString(), minWeight } };
  });

describe('pairwise properties', () => {
  it('GIVEN any connected round THEN the weights sum to 1 and the funding to the pool exactly', () => {
    fc.assert(
      fc.property(arbitraryRound, ({ ids, answers, config }) => {
        const report = computePairwiseReport(pairwiseRound(ids, answers, config));
        expect(sum(report.projects.map((p) => p.weight))).toBeCloseTo(1, 7);
        expect(report.projects.reduce((s, p) => s + p.funding!, 0n) + report.undistributed).toBe(BigInt(config.pool));
        for (const p of report.projects) if (p.weight < config.minWeight) expect(p.funding).toBe(0n);
      }),
      { numRuns: 60 },
    );
  });

  it('GIVEN the comparisons in another order THEN the report is the same, byte for byte', () => {
    fc.assert(
      fc.property(arbitraryRound, fc.infiniteStream(fc.nat()), ({ ids, answers, config }, randoms) => {
        const round = pairwiseRound(ids, answers, { ...config, holdoutPercent: 20, jurorWeighting: 'reliability' });
        const reordered = { ...round, comparisons: round.comparisons.map((c) => ({ c, key: randoms.next().value as number })).sort((x, y) => x.key - y.key).map((x) => x.c) };
        // the holdout lists positions in the file, so only how many it holds can be the same
        const report = (r: typeof round) => {
          const out = computePairwiseReport(r);
          return JSON.stringify({ ...out, holdout: out.holdout.length }, (_, v: unknown) => (typeof v === 'bigint' ? v.toString() : v));
        };
        expect(report(reordered)).toBe(report(round));
      }),
      { numRuns: 40 },
    );
  });

  it('GIVEN the projects renamed THEN the weights are the same, carried to the new names', () => {
    fc.assert(
      fc.property(arbitraryRound, ({ ids, answers, config }) => {
        const rename = (id: string) => `x${(ids.length - Number(id.slice(1))).toString().padStart(2, '0')}`;
        const before = computePairwiseReport(pairwiseRound(ids, answers, config));
        const after = computePairwiseReport(pairwiseRound(ids.map(rename), answers.map(([j, a, b, w, r]) => [j, rename(a), rename(b), w, r]), config));
        const renamed = new Map(after.projects.map((p) => [p.id, p.weight]));
        for (const p of before.projects) expect(renamed.get(rename(p.id))).toBeCloseTo(p.weight, 8);
      }),
      { numRuns: 40 },
    );
  });
});
