import type { GroupFit } from './fit.ts';
import { pairsOf } from './laplacian.ts';
import { fitL2log } from './l2log.ts';
import type { Observations } from './observations.ts';

/** Huber's constant for 95 % efficiency under normal errors, and the MAD's consistency factor Φ⁻¹(¾). */
const HUBER_K = 1.345;
const MAD_SCALE = 0.6744897501960817;
const MAX_ITERATIONS = 100;
/** Replay's stop: no logit moves by more than this; the sampler, which needs the weights to a few digits, passes 1e-6. */
const TOLERANCE = 1e-10;

const median = (xs: Float64Array): number => {
  const s = Float64Array.from(xs).sort();
  const h = s.length >> 1;
  return s.length === 0 ? 0 : s.length % 2 ? s[h]! : (s[h - 1]! + s[h]!) / 2;
};

/** The median absolute deviation from the median; when half the values or more are equal (MAD 0), the mean absolute deviation. */
function deviation(c: Float64Array): number {
  const centre = median(c);
  const mad = median(c.map((x) => Math.abs(x - centre)));
  if (mad > 0) return mad;
  let sum = 0;
  for (const x of c) sum += Math.abs(x - centre);
  return c.length > 0 ? sum / c.length : 0;
}

/**
 * δ = 1.345 · MAD(c) / 0.6745, the claims' robust spread; when half the claims or more are equal (MAD 0) the mean
 * absolute deviation stands in, and 1 when all claims are the same (as deepfunding's weights.py).
 */
export function huberDelta(c: Float64Array): number {
  const mad = deviation(c);
  return mad > 0 ? (HUBER_K * mad) / MAD_SCALE : 1;
}

/** The robust standard deviation MAD / 0.6745 of the values, measured as `huberDelta` measures it; 0 when all are the same. */
export const robustScale = (x: Float64Array): number => deviation(x) / MAD_SCALE;

/**
 * Minimise `Σ_k u_k ρ_δ(ℓ_j − ℓ_i − c_k)`, ρ the Huber loss (quadratic within δ, linear beyond), mean ℓ = 0, by
 * iteratively reweighted least squares: each step solves l2log with weights `u_k · min(1, δ / |r_k|)` from the last
 * residuals r, from the least-squares answer, until no logit moves by more than 1e-10 (at most 100 steps).
 */
export function fitHuber(obs: Observations, u: Float64Array, start?: Float64Array, tolerance = TOLERANCE): GroupFit {
  const pairs = pairsOf(obs);
  const delta = huberDelta(obs.c);
  let fit = fitL2log(obs, u, start, pairs);
  const weights = new Float64Array(u.length);
  for (let step = 0; step < MAX_ITERATIONS; step++) {
    for (let k = 0; k < u.length; k++) {
      const r = Math.abs(fit.logits[obs.j[k]!]! - fit.logits[obs.i[k]!]! - obs.c[k]!);
      weights[k] = r > delta ? (u[k]! * delta) / r : u[k]!;
    }
    const next = fitL2log(obs, weights, fit.logits, pairs);
    let moved = 0;
    for (let v = 0; v < obs.n; v++) moved = Math.max(moved, Math.abs(next.logits[v]! - fit.logits[v]!));
    fit = next;
    if (moved <= tolerance) break;
  }
  return fit;
}
