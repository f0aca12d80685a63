import type { Observations } from './observations.ts';

/**
 * The distinct compared pairs of a group, in the observations' canonical order, and which pair each observation is.
 * A weighted sum of squares over observations is a weighted Laplacian over pairs, so the solvers work on pairs.
 */
export interface Pairs {
  n: number;
  i: Int32Array;
  j: Int32Array;
  /** Per observation, its pair. */
  of: Int32Array;
}

export function pairsOf(obs: Observations): Pairs {
  const m = obs.i.length;
  const of = new Int32Array(m);
  const pi: number[] = [];
  const pj: number[] = [];
  for (let k = 0; k < m; k++) {
    if (k === 0 || obs.i[k] !== obs.i[k - 1] || obs.j[k] !== obs.j[k - 1]) {
      pi.push(obs.i[k]!);
      pj.push(obs.j[k]!);
    }
    of[k] = pi.length - 1;
  }
  return { n: obs.n, i: Int32Array.from(pi), j: Int32Array.from(pj), of };
}

/** Per pair, the sum of `perObservation` over its observations (in canonical order, so always the same sum). */
export function sumByPair(pairs: Pairs, perObservation: (k: number) => number): Float64Array {
  const out = new Float64Array(pairs.i.length);
  for (let k = 0; k < pairs.of.length; k++) out[pairs.of[k]!]! += perObservation(k);
  return out;
}

/** Connected components of the comparison graph (union–find); a group's logits are unique only when there is one. */
export function components(pairs: Pairs): number[][] {
  const parent = Int32Array.from({ length: pairs.n }, (_, k) => k);
  const find = (x: number): number => {
    while (parent[x] !== x) x = parent[x] = parent[parent[x]!]!;
    return x;
  };
  for (let p = 0; p < pairs.i.length; p++) {
    const a = find(pairs.i[p]!);
    const b = find(pairs.j[p]!);
    if (a !== b) parent[Math.max(a, b)] = Math.min(a, b);
  }
  const byRoot = new Map<number, number[]>();
  for (let x = 0; x < pairs.n; x++) {
    const r = find(x);
    byRoot.set(r, [...(byRoot.get(r) ?? []), x]);
  }
  return [...byRoot.values()];
}

/** y = (L_W + shift·I) x, with L_W the Laplacian of the pairs weighted by W. */
function multiply(pairs: Pairs, W: Float64Array, shift: number, x: Float64Array, y: Float64Array): void {
  for (let v = 0; v < pairs.n; v++) y[v] = shift * x[v]!;
  for (let p = 0; p < W.length; p++) {
    const a = pairs.i[p]!;
    const b = pairs.j[p]!;
    const t = W[p]! * (x[b]! - x[a]!);
    y[b]! += t;
    y[a]! -= t;
  }
}

const CG_TOLERANCE = 1e-12;

/**
 * Solves (L_W + shift·I) x = rhs by conjugate gradients with a Jacobi preconditioner, from `start`. With shift 0 the
 * system is singular along the all-ones vector; rhs sums to 0 there, and the answer is returned with mean 0. Fixed
 * order of operations, tolerance and cap (in exact arithmetic CG ends within n steps), so the same bits everywhere.
 */
export function solveLaplacian(pairs: Pairs, W: Float64Array, shift: number, rhs: Float64Array, start?: Float64Array): Float64Array {
  const n = pairs.n;
  const x = start ? Float64Array.from(start) : new Float64Array(n);
  const diag = new Float64Array(n).fill(shift);
  for (let p = 0; p < W.length; p++) {
    diag[pairs.i[p]!]! += W[p]!;
    diag[pairs.j[p]!]! += W[p]!;
  }
  const r = new Float64Array(n);
  const z = new Float64Array(n);
  const d = new Float64Array(n);
  const q = new Float64Array(n);
  multiply(pairs, W, shift, x, q);
  let bNorm = 0;
  for (let v = 0; v < n; v++) {
    r[v] = rhs[v]! - q[v]!;
    bNorm += rhs[v]! * rhs[v]!;
  }
  const stop = CG_TOLERANCE * CG_TOLERANCE * Math.max(bNorm, 1e-300);
  let rz = 0;
  for (let v = 0; v < n; v++) {
    z[v] = r[v]! / (diag[v]! || 1);
    d[v] = z[v]!;
    rz += r[v]! * z[v]!;
  }
  const cap = 2 * n + 100;
  for (let step = 0; step < cap; step++) {
    let rr = 0;
    for (let v = 0; v < n; v++) rr += r[v]! * r[v]!;
    if (rr <= stop) break;
    multiply(pairs, W, shift, d, q);
    let dq = 0;
    for (let v = 0; v < n; v++) dq += d[v]! * q[v]!;
    if (!(dq > 0)) break;
    const alpha = rz / dq;
    let rzNext = 0;
    for (let v = 0; v < n; v++) {
      x[v]! += alpha * d[v]!;
      r[v]! -= alpha * q[v]!;
      z[v] = r[v]! / (diag[v]! || 1);
      rzNext += r[v]! * z[v]!;
    }
    const beta = rzNext / rz;
    rz = rzNext;
    for (let v = 0; v < n; v++) d[v] = z[v]! + beta * d[v]!;
  }
  if (shift === 0) centre(x);
  return x;
}

/** Subtracts the mean: logits are defined up to a constant, fixed by mean 0 per sibling group. */
export function centre(x: Float64Array): void {
  let mean = 0;
  for (const v of x) mean += v;
  mean /= x.length || 1;
  for (let k = 0; k < x.length; k++) x[k]! -= mean;
}

/**
 * The covariance of the logits under mean 0, from the information matrix `L_W + shift·I` (Fisher information of the
 * fit; `shift` is the prior's α for bt, 0 for the log fits): its pseudo-inverse on the mean-zero subspace,
 * `Σ = (L_W + shift·I + (1 − shift)·J/n)⁻¹ − J/n` (J the all-ones matrix, along which `L_W + shift·I` is `shift`).
 * Dense Cholesky, O(n³/3); row-major, every inner loop over contiguous memory. `full` false gives only the diagonal.
 */
export function covariance(pairs: Pairs, W: Float64Array, shift: number, full: boolean): { diag: Float64Array; full: Float64Array | null } {
  const n = pairs.n;
  const A = new Float64Array(n * n).fill((1 - shift) / n);
  for (let v = 0; v < n; v++) A[v * n + v]! += shift;
  for (let p = 0; p < W.length; p++) {
    const a = pairs.i[p]!;
    const b = pairs.j[p]!;
    A[a * n + a]! += W[p]!;
    A[b * n + b]! += W[p]!;
    A[a * n + b]! -= W[p]!;
    A[b * n + a]! -= W[p]!;
  }
  // A = L Lᵀ, L lower triangular, written over A's lower triangle
  for (let r = 0; r < n; r++) {
    const rowR = r * n;
    for (let col = 0; col <= r; col++) {
      const rowC = col * n;
      let s = A[rowR + col]!;
      for (let k = 0; k < col; k++) s -= A[rowR + k]! * A[rowC + k]!;
      A[rowR + col] = col === r ? Math.sqrt(Math.max(s, 1e-300)) : s / A[rowC + col]!;
    }
  }
  // Y = (L⁻¹)ᵀ, upper triangular: Y[c][r] = (L⁻¹)[r][c]
  const Y = new Float64Array(n * n);
  for (let r = 0; r < n; r++) {
    const rowR = r * n;
    const lrr = A[rowR + r]!;
    Y[r * n + r] = 1 / lrr;
    for (let col = 0; col < r; col++) {
      const rowY = col * n;
      let s = 0;
      for (let k = col; k < r; k++) s += A[rowR + k]! * Y[rowY + k]!;
      Y[rowY + r] = -s / lrr;
    }
  }
  // A⁻¹ = Lᵀ⁻¹ L⁻¹: (A⁻¹)[a][b] = Σ_k Y[a][k] Y[b][k]
  const diag = new Float64Array(n);
  for (let a = 0; a < n; a++) {
    let s = 0;
    for (let k = a; k < n; k++) s += Y[a * n + k]! * Y[a * n + k]!;
    diag[a] = s - 1 / n;
  }
  if (!full) return { diag, full: null };
  const S = new Float64Array(n * n);
  for (let a = 0; a < n; a++) {
    S[a * n + a] = diag[a]!;
    for (let b = a + 1; b < n; b++) {
      let s = 0;
      for (let k = b; k < n; k++) s += Y[a * n + k]! * Y[b * n + k]!;
      S[a * n + b] = S[b * n + a] = s - 1 / n;
    }
  }
  return { diag, full: S };
}
