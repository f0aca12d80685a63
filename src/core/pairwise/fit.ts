import type { Pairs } from './laplacian.ts';

/** What an aggregation gives for one sibling group. */
export interface GroupFit {
  /** ℓ per slot, mean 0 (bt: its MAP, whose mean is 0 too); the group's weights are softmax(ℓ). */
  logits: Float64Array;
  /** The Fisher information of ℓ as a weighted Laplacian over the pairs, plus `shift`·I. */
  pairs: Pairs;
  information: Float64Array;
  shift: number;
  /** The log fits' residual variance σ² (a new comparison adds information 1/σ²); null for bt, where it adds p(1−p). */
  noise: number | null;
}

/**
 * The residual variance of the log fits, `σ² = (Σ u_k r_k² + ν₀ s₀²) / (m − n + 1 + ν₀)`: with a weak prior of ν₀ = 2
 * pseudo-comparisons at s₀² = ½ (an error of about a factor 2), so that a design with few redundant comparisons
 * (m − n + 1 near 0, nothing to estimate the noise from) still has finite, honest intervals.
 */
export function residualVariance(weightedSquares: number, comparisons: number, projects: number): number {
  const PRIOR_COUNT = 2;
  const PRIOR_VARIANCE = 0.5;
  return (weightedSquares + PRIOR_COUNT * PRIOR_VARIANCE) / (Math.max(comparisons - projects + 1, 0) + PRIOR_COUNT);
}

/** The weights among siblings, `w = softmax(ℓ)`, shifted by the largest logit so no exp overflows. */
export function softmax(logits: Float64Array): Float64Array {
  let top = -Infinity;
  for (const l of logits) top = Math.max(top, l);
  const out = Float64Array.from(logits, (l) => Math.exp(l - top));
  let total = 0;
  for (const v of out) total += v;
  for (let k = 0; k < out.length; k++) out[k]! /= total;
  return out;
}
