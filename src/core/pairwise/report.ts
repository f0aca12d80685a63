import { assemble, fitGroups, requireConnected } from './aggregate.ts';
import type { GroupFit } from './fit.ts';
import { splitPool } from './funding.ts';
import { holdoutOf, scoreOnHoldout, type HoldoutScore } from './holdout.ts';
import { localIntervals } from './intervals.ts';
import { jurorFigures, reliabilityWeights } from './jurors.ts';
import { jurorOrder, observe } from './observations.ts';
import { projectTree } from './tree.ts';
import type { Aggregation, PairwiseRound } from './types.ts';

/** What `govbot replay` publishes for a pairwise round; numbers already rounded as published. */
export interface PairwiseReport {
  round: string;
  kind: 'pairwise';
  name: string;
  root: string;
  aggregation: Aggregation;
  jurorWeighting: 'none' | 'reliability';
  token: { symbol: string; decimals: number };
  pool: bigint;
  undistributed: bigint;
  /** Comparisons in the fit and kept out of it. */
  fitted: number;
  holdout: number[];
  projects: {
    id: string;
    name: string;
    parent: string | null;
    /** Final weight (product of the weights among siblings down from the root), nine decimals. */
    weight: number;
    /** Weight among its siblings. */
    localWeight: number;
    interval: [number, number];
    /** Wins (½ per equal) over all comparisons of the project, holdout included; null without any. */
    winRate: number | null;
    comparisons: number;
    /** Base units; a project with sub-projects is funded through them and gets null. */
    funding: bigint | null;
  }[];
  jurors: { id: string; handle: string; comparisons: number; residual: number | null; scale: number | null; cycles: number; bestFit: Aggregation | null; weight: number }[];
  /** The round's own weights scored on the holdout, for comparison with the submissions. */
  fitScore: HoldoutScore | null;
  /** `score` ranks them: the squared log-ratio error, or the log-loss in a binary round; lower is better. */
  submissions: { id: string; author: string; score: number | null; logLoss: number | null; winnersRight: number | null; rank: number | null }[];
}

const rounded = (digits: number) => (x: number) => Math.round(x * 10 ** digits) / 10 ** digits + 0;
/** Weights to nine decimals; other figures to six. */
export const round9 = rounded(9);
export const round6 = rounded(6);
const orNull = (x: number | null | undefined, r: (x: number) => number) => (x === null || x === undefined || !Number.isFinite(x) ? null : r(x));

/** Every published number of a pairwise round, from the round alone. */
export function computePairwiseReport(round: PairwiseRound): PairwiseReport {
  const { config } = round;
  const tree = projectTree(round.projects);
  const jurors = jurorOrder(round);
  const holdout = holdoutOf(round, tree);
  const held = new Set(holdout);
  const obs = observe(round, tree, jurors, round.comparisons.map((_, k) => k).filter((k) => !held.has(k)));
  requireConnected(round, tree, obs, holdout.length > 0 ? 'the comparisons outside the holdout' : 'the comparisons');

  let jurorWeights: Float64Array | null = null;
  let groups: GroupFit[];
  if (config.jurorWeighting === 'reliability') ({ weights: jurorWeights, fit: groups } = reliabilityWeights(config.aggregation, obs, jurors.size));
  else groups = fitGroups(config.aggregation, obs, null);
  const fit = assemble(tree, groups);

  const lo = new Float64Array(round.projects.length);
  const hi = new Float64Array(round.projects.length);
  groups.forEach((g, k) => {
    const interval = localIntervals(g);
    tree.groups[k]!.members.forEach((m, slot) => {
      lo[m] = interval.lo[slot]!;
      hi[m] = interval.hi[slot]!;
    });
  });
  const above = (p: number) => {
    const parent = round.projects[p]!.parent;
    return parent === null ? 1 : fit.final[tree.index.get(parent)!]!;
  };

  const weights = Array.from(fit.final, round9);
  const leaves = round.projects.flatMap((p, k) => (tree.childGroup[k] === -1 ? [k] : []));
  const split = splitPool(
    config.pool,
    leaves.map((k) => round.projects[k]!.id),
    leaves.map((k) => BigInt(Math.round(weights[k]! * 1e9))),
    BigInt(Math.ceil(round9(config.minWeight) * 1e9)),
  );
  const funding = new Map(leaves.map((k, i) => [k, split.amounts[i]!]));

  const wins = new Float64Array(round.projects.length);
  const counts = new Int32Array(round.projects.length);
  for (const c of round.comparisons) {
    const a = tree.index.get(c.a)!;
    const b = tree.index.get(c.b)!;
    counts[a]!++;
    counts[b]!++;
    wins[a]! += c.winner === 'a' ? 1 : c.winner === 'equal' ? 0.5 : 0;
    wins[b]! += c.winner === 'b' ? 1 : c.winner === 'equal' ? 0.5 : 0;
  }

  const figures = jurorFigures(config.aggregation, obs, groups, jurors.size, jurorWeights, config.elicitation === 'binary');
  const byId = new Map(round.projects.map((p, k) => [p.id, k]));
  const fitScore = scoreOnHoldout(round, (id) => fit.final[byId.get(id)!]!, holdout);
  const scored = round.submissions.map((s) => ({ s, score: scoreOnHoldout(round, (id) => s.weights[id]!, holdout) }));
  // ranked by the published score (squared error; log-loss in a binary round), equal scores sharing the better rank
  const key = (x: HoldoutScore | null) => (x === null ? null : round9(config.elicitation === 'binary' ? x.logLoss : x.squaredError!));
  const keys = scored.map((x) => key(x.score));
  const rankOf = (k: number | null) => (k === null ? null : 1 + keys.filter((o) => o !== null && o < k).length);

  return {
    round: round.id,
    kind: 'pairwise',
    name: round.name,
    root: round.root,
    aggregation: config.aggregation,
    jurorWeighting: config.jurorWeighting,
    token: config.token,
    pool: config.pool,
    undistributed: split.undistributed,
    fitted: round.comparisons.length - holdout.length,
    holdout,
    projects: round.projects.map((p, k) => ({
      id: p.id,
      name: p.name,
      parent: p.parent,
      weight: weights[k]!,
      localWeight: round9(fit.local[k]!),
      interval: [round9(lo[k]! * above(k)), round9(hi[k]! * above(k))],
      winRate: counts[k]! > 0 ? round6(wins[k]! / counts[k]!) : null,
      comparisons: counts[k]!,
      funding: funding.get(k) ?? null,
    })),
    jurors: round.jurors.map((j) => {
      const f = figures[jurors.get(j.id)!]!;
      return {
        id: j.id,
        handle: j.handle,
        comparisons: f.comparisons,
        residual: orNull(f.residual, round6),
        scale: orNull(f.scale, round6),
        cycles: f.cycles,
        bestFit: f.bestFit,
        weight: round6(jurorWeights ? jurorWeights[jurors.get(j.id)!]! : 1),
      };
    }),
    fitScore: fitScore && { squaredError: orNull(fitScore.squaredError, round9), logLoss: round9(fitScore.logLoss), winnersRight: orNull(fitScore.winnersRight, round6) },
    submissions: scored.map(({ s, score }, k) => ({
      id: s.id,
      author: s.author,
      score: keys[k]!,
      logLoss: orNull(score?.logLoss, round9),
      winnersRight: orNull(score?.winnersRight, round6),
      rank: rankOf(keys[k]!),
    })),
  };
}

/** The report as published JSON: amounts as decimal strings, one fixed order of keys, a final newline. */
export function pairwiseReportJson(report: PairwiseReport): string {
  return `${JSON.stringify(report, (_, v: unknown) => (typeof v === 'bigint' ? v.toString() : v), 2)}\n`;
}
