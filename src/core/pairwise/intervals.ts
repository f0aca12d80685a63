import type { GroupFit } from './fit.ts';
import { covariance } from './laplacian.ts';

/** Φ⁻¹(0.95): a two-sided 90 % interval. */
const Z90 = 1.6448536269514722;

/**
 * A 90 % interval of each weight among its siblings, from the information matrix: ℓ_i ± 1.645·√Σ_ii (Σ its covariance
 * under mean 0), mapped to the weight with the other logits held, `w(t) = e^t / (e^t + Σ_{k≠i} e^{ℓ_k})`.
 */
export function localIntervals(fit: GroupFit): { lo: Float64Array; hi: Float64Array } {
  const n = fit.logits.length;
  const { diag } = covariance(fit.pairs, fit.information, fit.shift, false);
  let top = -Infinity;
  for (const l of fit.logits) top = Math.max(top, l);
  const e = Float64Array.from(fit.logits, (l) => Math.exp(l - top));
  let total = 0;
  for (const v of e) total += v;
  const lo = new Float64Array(n);
  const hi = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const others = total - e[i]!;
    const half = Z90 * Math.sqrt(Math.max(diag[i]!, 0));
    const at = (t: number) => {
      const x = Math.exp(fit.logits[i]! - top + t);
      return others > 0 ? x / (x + others) : 1;
    };
    lo[i] = at(-half);
    hi[i] = at(half);
  }
  return { lo, hi };
}
