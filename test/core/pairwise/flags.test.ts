import { describe, expect, it } from 'vitest';
import { flaggedJurors, flagsOf, medianResidual } from '../../../src/core/pairwise/flags.ts';
import { computePairwiseReport } from '../../../src/core/pairwise/report.ts';
import { pairwiseRound } from './build.ts';

type Answer = Parameters<typeof pairwiseRound>[1][number];
const TRUTH: Record<string, number> = { g1: 2, g2: 1, a: 8, b: 4, c: 2, d: 1, x: 3, y: 1 };
const parents = { a: 'g1', b: 'g1', c: 'g1', d: 'g1', x: 'g2', y: 'g2' };
const PAIRS: [string, string][] = [['g1', 'g2'], ['a', 'b'], ['b', 'c'], ['c', 'd'], ['a', 'c'], ['b', 'd'], ['a', 'd']];
const truthful = (juror: string, a: string, b: string): Answer => (TRUTH[a]! > TRUTH[b]! ? [juror, a, b, 'a', TRUTH[a]! / TRUTH[b]!] : [juror, a, b, 'b', TRUTH[b]! / TRUTH[a]!]);
/** The loser said to win a hundredfold. */
const reversed = (juror: string, a: string, b: string): Answer => (TRUTH[a]! > TRUTH[b]! ? [juror, a, b, 'b', 100] : [juror, a, b, 'a', 100]);
const honest = ['h1', 'h2', 'h3', 'h4'].flatMap((j) => PAIRS.map(([a, b]) => truthful(j, a, b)));

describe('flagged jurors', () => {
  it('GIVEN an honest juror whose only pair is otherwise answered by a messy juror THEN only the messy one is flagged, though both look off against everyone else', () => {
    // jx reverses every pair of g1 and says y beats x threefold; h5 answered only x against y, truthfully
    const round = pairwiseRound(Object.keys(TRUTH), [...honest, ...PAIRS.slice(1).map(([a, b]) => reversed('jx', a, b)), ['jx', 'x', 'y', 'b', 3], truthful('h5', 'x', 'y')], {}, { parents });
    const report = computePairwiseReport(round);
    const median = medianResidual(report);
    const h5 = report.jurors.find((j) => j.id === 'h5')!;
    expect(flagsOf(h5, median)).not.toEqual([]);
    expect(flaggedJurors(round, report).map((f) => f.id)).toEqual(['jx']);
  });

  it('GIVEN two messy jurors on pairs the honest ones answer too THEN both stay flagged, the worst first, each with why', () => {
    const round = pairwiseRound(
      Object.keys(TRUTH),
      [...honest, truthful('h1', 'x', 'y'), ...PAIRS.map(([a, b]) => reversed('jx', a, b)), ...PAIRS.slice(0, 4).map(([a, b]) => reversed('jy', a, b)), ...PAIRS.slice(4).map(([a, b]) => truthful('jy', a, b))],
      {},
      { parents },
    );
    const flagged = flaggedJurors(round, computePairwiseReport(round));
    expect(flagged.map((f) => f.id)).toEqual(['jx', 'jy']);
    for (const f of flagged) expect(f.why.join('; ')).toMatch(/residual \d+\.\d\d/);
  });

  it('GIVEN honest jurors only THEN nobody is flagged', () => {
    const round = pairwiseRound(Object.keys(TRUTH), [...honest, truthful('h1', 'x', 'y')], {}, { parents });
    expect(flaggedJurors(round, computePairwiseReport(round))).toEqual([]);
  });
});
