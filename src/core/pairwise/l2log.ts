import { residualVariance, type GroupFit } from './fit.ts';
import { pairsOf, solveLaplacian, sumByPair, type Pairs } from './laplacian.ts';
import type { Observations } from './observations.ts';

/**
 * Least squares in log space (deepfunding's cost function): minimise `Σ_k u_k (ℓ_j − ℓ_i − c_k)²` with mean ℓ = 0.
 * Its normal equations are `L_U ℓ = b`, L_U the Laplacian with pair weights `U_p = Σ_{k∈p} u_k` and
 * `b_j = Σ u_k c_k`, `b_i = −Σ u_k c_k` over each pair (i, j); unique exactly when the group's graph is connected.
 * `u` weighs each observation (juror weighting; Huber's IRLS weights); the information is `L_U / σ²`.
 */
export function fitL2log(obs: Observations, u: Float64Array, start?: Float64Array, pairs: Pairs = pairsOf(obs)): GroupFit {
  const U = sumByPair(pairs, (k) => u[k]!);
  const rhs = new Float64Array(obs.n);
  for (let k = 0; k < obs.i.length; k++) {
    const t = u[k]! * obs.c[k]!;
    rhs[obs.j[k]!]! += t;
    rhs[obs.i[k]!]! -= t;
  }
  const logits = solveLaplacian(pairs, U, 0, rhs, start);
  let squares = 0;
  for (let k = 0; k < obs.i.length; k++) {
    const r = logits[obs.j[k]!]! - logits[obs.i[k]!]! - obs.c[k]!;
    squares += u[k]! * r * r;
  }
  const sigma2 = residualVariance(squares, obs.i.length, obs.n);
  return { logits, pairs, information: U.map((w) => w / sigma2), shift: 0, noise: sigma2 };
}
