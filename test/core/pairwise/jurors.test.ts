import { describe, expect, it } from 'vitest';
import { holdoutOf, scoreOnHoldout } from '../../../src/core/pairwise/holdout.ts';
import { mulberry32 } from '../../../src/core/pairwise/random.ts';
import { computePairwiseReport } from '../../../src/core/pairwise/report.ts';
import { projectTree } from '../../../src/core/pairwise/tree.ts';
import type { Comparison } from '../../../src/core/pairwise/types.ts';
import { answer, CAPPED_NOISE, lognormalWorld, makeJurors, simulatedRound, type SimJuror } from '../../../bench/pairwise-sim.ts';

/** 30 projects, 10 jurors each answering 60 random pairs; j01 answers at random, j02 exaggerates threefold. */
function plantedRound(aggregation: 'l2log' | 'huber' = 'l2log', jurorWeighting: 'none' | 'reliability' = 'none', holdoutPercent = 0) {
  const random = mulberry32(5);
  const world = lognormalWorld(30, random);
  const jurors: SimJuror[] = makeJurors(10, 0, world, random);
  jurors[0]!.kind = 'random';
  jurors[1]!.kind = 'exaggerating';
  const comparisons: Comparison[] = [];
  for (let k = 0; k < 600; k++) {
    const a = Math.floor(random() * 30);
    const b = (a + 1 + Math.floor(random() * 29)) % 30;
    comparisons.push({ juror: jurors[k % 10]!.id, a: world.ids[a]!, b: world.ids[b]!, ...answer(jurors[k % 10]!, world, a, b, random, CAPPED_NOISE), at: new Date(Date.UTC(2025, 0, 1, 0, k)).toISOString() });
  }
  return { world, round: simulatedRound(world, jurors, comparisons, { aggregation, jurorWeighting, seed: 11, holdoutPercent }) };
}

describe('juror figures', () => {
  it('GIVEN a juror answering at random THEN their residual against the others is the largest, and reliability weighting gives them the least weight', () => {
    const plain = computePairwiseReport(plantedRound().round);
    const residuals = plain.jurors.map((j) => j.residual!);
    expect(residuals.indexOf(Math.max(...residuals))).toBe(0);
    const weighted = computePairwiseReport(plantedRound('l2log', 'reliability').round);
    const weights = weighted.jurors.map((j) => j.weight);
    expect(weights.indexOf(Math.min(...weights))).toBe(0);
    expect(weights[0]).toBeLessThan(0.5);
    expect(weighted.jurorWeighting).toBe('reliability');
  });

  it('GIVEN a juror stating three times the intensity THEN their scale is well above 1 and above every honest juror\'s, which stay near 1', () => {
    // not 3: the offered ratios stop at 100, so the largest exaggerations are cut
    const report = computePairwiseReport(plantedRound().round);
    const honest = report.jurors.slice(2).map((j) => j.scale!);
    expect(report.jurors[1]!.scale).toBeGreaterThan(1.5);
    expect(report.jurors[1]!.scale).toBeGreaterThan(Math.max(...honest) + 0.3);
    for (const scale of honest) expect(Math.abs(scale - 1)).toBeLessThan(0.45);
  });
});

describe('holdout scoring', () => {
  it('GIVEN the true weights and random weights THEN the true weights score better on the seeded holdout, and the draw keeps the fit connected', () => {
    const { world, round } = plantedRound('l2log', 'none', 20);
    const holdout = holdoutOf(round, projectTree(round.projects));
    expect(holdout).toHaveLength(120);
    const truth = new Map(world.ids.map((id, k) => [id, world.weights[k]!]));
    const random = mulberry32(3);
    const noise = new Map(world.ids.map((id) => [id, random() + 0.01]));
    const good = scoreOnHoldout(round, (id) => truth.get(id)!, holdout)!;
    const bad = scoreOnHoldout(round, (id) => noise.get(id)!, holdout)!;
    expect(good.squaredError!).toBeLessThan(bad.squaredError!);
    expect(good.logLoss).toBeLessThan(bad.logLoss);
    expect(good.winnersRight!).toBeGreaterThan(bad.winnersRight!);
    // the report fits the other 480 without refusing (the draw never takes a comparison that would disconnect)
    expect(computePairwiseReport(round).fitted).toBe(480);
  });

  it('GIVEN submissions THEN they are ranked by score, the truth first', () => {
    const { world, round } = plantedRound('l2log', 'none', 20);
    const uniform = Object.fromEntries(world.ids.map((id) => [id, 1 / 30]));
    round.submissions = [
      { id: 'uniform', author: 'lazy', weights: uniform },
      { id: 'truth', author: 'oracle', weights: Object.fromEntries(world.ids.map((id, k) => [id, world.weights[k]!])) },
    ];
    const report = computePairwiseReport(round);
    expect(report.submissions.map((s) => [s.id, s.rank])).toEqual([['uniform', 2], ['truth', 1]]);
  });
});
