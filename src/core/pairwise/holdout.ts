import { hash32 } from './random.ts';
import type { ProjectTree } from './tree.ts';
import type { Comparison, PairwiseRound } from './types.ts';

/** A comparison's content as one string: what the seeded draw keys it by, so the draw ignores the file's order. */
const contentOf = (c: Comparison) => [c.juror, c.a, c.b, c.winner, c.ratio ?? '', c.at].join('\u0000');

/**
 * The comparisons kept out of the fit: the file's `holdout` when it lists them, else ⌊holdoutPercent × m / 100⌋ drawn
 * with the round's seed: those with the smallest `hash32(seed, content)`, skipping a spanning forest of the comparison
 * graph (built from the largest keys down), so that the fit stays connected wherever the whole round is. Keyed by
 * content, the draw does not depend on the order of the file; identical comparisons are interchangeable.
 */
export function holdoutOf(round: PairwiseRound, tree: ProjectTree): number[] {
  if (round.holdout) return [...round.holdout].sort((a, b) => a - b);
  const m = round.comparisons.length;
  const count = Math.floor((round.config.holdoutPercent * m) / 100);
  if (count === 0) return [];
  const keys = round.comparisons.map((c) => hash32(round.config.seed, contentOf(c)));
  const text = round.comparisons.map(contentOf);
  const order = Array.from({ length: m }, (_, k) => k).sort((x, y) => keys[x]! - keys[y]! || (text[x]! < text[y]! ? -1 : text[x]! > text[y]! ? 1 : x - y));
  const parent = Int32Array.from({ length: tree.groupOf.length }, (_, k) => k);
  const find = (x: number): number => {
    while (parent[x] !== x) x = parent[x] = parent[parent[x]!]!;
    return x;
  };
  const forest = new Uint8Array(m);
  for (let r = m - 1; r >= 0; r--) {
    const k = order[r]!;
    const a = find(tree.index.get(round.comparisons[k]!.a)!);
    const b = find(tree.index.get(round.comparisons[k]!.b)!);
    if (a !== b) {
      parent[Math.max(a, b)] = Math.min(a, b);
      forest[k] = 1;
    }
  }
  const chosen: number[] = [];
  for (const k of order) {
    if (chosen.length === count) break;
    if (!forest[k]) chosen.push(k);
  }
  return chosen.sort((a, b) => a - b);
}

/** A weight vector's score on held-out comparisons. */
export interface HoldoutScore {
  /** Mean of `(ln(ŵ_b / ŵ_a) − c)²`, lower is better; null in a binary round (no ratios to score). */
  squaredError: number | null;
  /** Mean of `−ln P(answer)` under Bradley–Terry with these weights, an equal answer half a win each. */
  logLoss: number;
  /** Share of the decisive answers whose winner has the larger weight (equal weights count half); null without any. */
  winnersRight: number | null;
}

/**
 * Scores `weights` (a positive weight per project; among siblings only ratios matter, so local and final weights score
 * the same) on the comparisons at `holdout`. Terms are sorted before they are summed, so the score does not depend on
 * the order of the file.
 */
export function scoreOnHoldout(round: PairwiseRound, weights: (id: string) => number, holdout: readonly number[]): HoldoutScore | null {
  if (holdout.length === 0) return null;
  const squares: number[] = [];
  const losses: number[] = [];
  let decisive = 0;
  let right = 0;
  for (const k of holdout) {
    const cmp = round.comparisons[k]!;
    const d = Math.log(weights(cmp.b)) - Math.log(weights(cmp.a));
    const claim = cmp.ratio === null ? null : cmp.winner === 'b' ? Math.log(cmp.ratio) : cmp.winner === 'a' ? -Math.log(cmp.ratio) : 0;
    if (claim !== null) squares.push((d - claim) ** 2);
    const s = cmp.winner === 'b' ? 1 : cmp.winner === 'a' ? 0 : 0.5;
    // −[s ln σ(d) + (1 − s) ln σ(−d)], written with log1p so that a large |d| stays exact
    const lnP = (x: number) => (x >= 0 ? -Math.log1p(Math.exp(-x)) : x - Math.log1p(Math.exp(x)));
    losses.push(-(s * lnP(d) + (1 - s) * lnP(-d)));
    if (s !== 0.5) {
      decisive++;
      right += d === 0 ? 0.5 : (d > 0) === (s === 1) ? 1 : 0;
    }
  }
  const mean = (xs: number[]) => xs.sort((a, b) => a - b).reduce((t, x) => t + x, 0) / xs.length;
  return {
    squaredError: squares.length > 0 ? mean(squares) : null,
    logLoss: mean(losses),
    winnersRight: decisive > 0 ? right / decisive : null,
  };
}
