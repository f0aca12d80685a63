import type { GroupFit } from './fit.ts';
import { pairsOf, solveLaplacian, sumByPair } from './laplacian.ts';
import type { Observations } from './observations.ts';

/** The prior's strength, choix's `opt_pairwise` default convention: `(α/2) Σ ℓ²`. */
export const BT_ALPHA = 0.01;
const MAX_ITERATIONS = 100;
const TOLERANCE = 1e-10;

const logSigmoid = (x: number) => (x >= 0 ? -Math.log1p(Math.exp(-x)) : x - Math.log1p(Math.exp(x)));
const sigmoid = (x: number) => (x >= 0 ? 1 / (1 + Math.exp(-x)) : Math.exp(x) / (1 + Math.exp(x)));

/**
 * Bradley–Terry on winners only, `P(j beats i) = w_j / (w_i + w_j) = σ(ℓ_j − ℓ_i)`, an equal answer half a win each,
 * maximum a posteriori: minimise `−Σ_k u_k [s_k ln σ(ℓ_j − ℓ_i) + (1 − s_k) ln σ(ℓ_i − ℓ_j)] + (α/2) Σ ℓ²`, α = 0.01,
 * so a project that never lost stays finite. The objective is strictly convex; Newton's method with step halving,
 * each step `(L_{A·p(1−p)} + α I) Δ = −∇` solved by conjugate gradients, until a step moves no logit by more than
 * 1e-10 (at most 100 steps). The prior makes the optimum's mean 0. The information is the Hessian at the optimum.
 */
export function fitBradleyTerry(obs: Observations, u: Float64Array, start?: Float64Array, tolerance = TOLERANCE): GroupFit {
  const pairs = pairsOf(obs);
  const A = sumByPair(pairs, (k) => u[k]!);
  const S = sumByPair(pairs, (k) => u[k]! * obs.s[k]!);
  const n = obs.n;
  const x = start ? Float64Array.from(start) : new Float64Array(n);
  const objective = (v: Float64Array) => {
    let f = 0;
    for (let p = 0; p < A.length; p++) {
      const d = v[pairs.j[p]!]! - v[pairs.i[p]!]!;
      f -= S[p]! * logSigmoid(d) + (A[p]! - S[p]!) * logSigmoid(-d);
    }
    for (const l of v) f += (BT_ALPHA / 2) * l * l;
    return f;
  };
  const curvature = new Float64Array(A.length);
  const gradient = new Float64Array(n);
  const refresh = (): void => {
    gradient.fill(0);
    for (let p = 0; p < A.length; p++) {
      const prob = sigmoid(x[pairs.j[p]!]! - x[pairs.i[p]!]!);
      const g = A[p]! * prob - S[p]!;
      gradient[pairs.j[p]!]! += g;
      gradient[pairs.i[p]!]! -= g;
      curvature[p] = A[p]! * prob * (1 - prob);
    }
    for (let v = 0; v < n; v++) gradient[v]! += BT_ALPHA * x[v]!;
  };
  let f = objective(x);
  for (let step = 0; step < MAX_ITERATIONS; step++) {
    refresh();
    const direction = solveLaplacian(pairs, curvature, BT_ALPHA, gradient.map((g) => -g));
    let size = 1;
    let moved = -1;
    for (let halvings = 0; halvings < 40; halvings++, size /= 2) {
      const trial = x.map((v, k) => v + size * direction[k]!);
      const ft = objective(trial);
      if (ft <= f) {
        moved = 0;
        for (let k = 0; k < n; k++) moved = Math.max(moved, Math.abs(trial[k]! - x[k]!));
        x.set(trial);
        f = ft;
        break;
      }
    }
    if (moved <= tolerance) break;
  }
  refresh();
  return { logits: x, pairs, information: curvature, shift: BT_ALPHA, noise: null };
}
