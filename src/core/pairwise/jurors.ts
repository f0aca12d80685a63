import { fitGroup, fitGroups } from './aggregate.ts';
import type { GroupFit } from './fit.ts';
import { components, pairsOf } from './laplacian.ts';
import { filterObservations, type Observations } from './observations.ts';
import { AGGREGATIONS, type Aggregation } from './types.ts';

/** A juror's figures, by position in the jurors ordered by id. */
export interface JurorFigures {
  comparisons: number;
  /**
   * Against the fit of everyone else's comparisons: the mean of `(ℓ_j − ℓ_i − c)²` over the juror's comparisons for
   * the log fits, the share of their winners the fit disagrees with for bt (a tie in the fit counts half); only
   * comparisons the others connect count. Null when none does.
   */
  residual: number | null;
  /** Slope of the juror's claims on the others' fit, `Σ c·d / Σ d²` with `d = ℓ_j − ℓ_i`: > 1 exaggerates. Log fits only. */
  scale: number | null;
  /** How many of the juror's own decisive answers lie on a cycle of them (a > b > a, or a > b > c > a). */
  cycles: number;
  /** The aggregation whose weights (without juror weighting) fit the juror's answers best. */
  bestFit: Aggregation | null;
}

/** The observations of each group, by juror. */
const byJuror = (obs: readonly Observations[], juror: number) => obs.map((o) => filterObservations(o, (k) => o.juror[k] === juror));

/** Residual and scale of one juror against a fit of the others. */
function againstOthers(aggregation: Aggregation, obs: readonly Observations[], full: readonly GroupFit[], juror: number, jurorWeights: Float64Array | null) {
  let squares = 0;
  let disagreements = 0;
  let counted = 0;
  let cd = 0;
  let dd = 0;
  obs.forEach((o, g) => {
    const own = filterObservations(o, (k) => o.juror[k] === juror);
    if (own.i.length === 0) return;
    const others = filterObservations(o, (k) => o.juror[k] !== juror);
    const part = new Int32Array(o.n);
    components(pairsOf(others)).forEach((c, id) => c.forEach((slot) => (part[slot] = id)));
    const logits = fitGroup(aggregation, others, jurorWeights, full[g]!.logits).logits;
    for (let k = 0; k < own.i.length; k++) {
      if (part[own.i[k]!] !== part[own.j[k]!]) continue;
      const d = logits[own.j[k]!]! - logits[own.i[k]!]!;
      if (aggregation === 'bt') {
        if (own.s[k] === 0.5) continue;
        disagreements += d === 0 ? 0.5 : (d > 0) !== (own.s[k] === 1) ? 1 : 0;
      } else {
        squares += (d - own.c[k]!) ** 2;
        cd += own.c[k]! * d;
        dd += d * d;
      }
      counted++;
    }
  });
  if (counted === 0) return { residual: null, scale: null };
  return aggregation === 'bt' ? { residual: disagreements / counted, scale: null } : { residual: squares / counted, scale: dd > 0 ? cd / dd : null };
}

/** The juror's decisive answers that lie on a 2- or 3-cycle of their own answers. */
export function cycleCount(own: readonly Observations[]): number {
  let count = 0;
  for (const o of own) {
    // beats[x] = the slots x was said to beat, with the observations that said so
    const beats = new Map<number, Map<number, number[]>>();
    const said = (w: number, l: number, k: number) => {
      const row = beats.get(w) ?? new Map<number, number[]>();
      row.set(l, [...(row.get(l) ?? []), k]);
      beats.set(w, row);
    };
    for (let k = 0; k < o.i.length; k++) if (o.s[k] !== 0.5) o.s[k] === 1 ? said(o.j[k]!, o.i[k]!, k) : said(o.i[k]!, o.j[k]!, k);
    const onCycle = new Set<number>();
    for (const [w, row] of beats)
      for (const [l, ks] of row) {
        const back = beats.get(l);
        if (!back) continue;
        if (back.has(w)) ks.forEach((k) => onCycle.add(k));
        for (const [third, ks2] of back) {
          const closing = beats.get(third)?.get(w);
          if (third !== w && closing) [...ks, ...ks2, ...closing].forEach((k) => onCycle.add(k));
        }
      }
    count += onCycle.size;
  }
  return count;
}

/** How well a set of group logits fits one juror: mean squared log-ratio error, or log-loss in a binary round. */
function misfit(own: readonly Observations[], groupLogits: readonly Float64Array[], binary: boolean): number {
  let total = 0;
  let count = 0;
  own.forEach((o, g) => {
    const logits = groupLogits[g]!;
    for (let k = 0; k < o.i.length; k++) {
      const d = logits[o.j[k]!]! - logits[o.i[k]!]!;
      if (binary) {
        const p = 1 / (1 + Math.exp(-d));
        total -= o.s[k]! * Math.log(p) + (1 - o.s[k]!) * Math.log(1 - p);
      } else total += (d - o.c[k]!) ** 2;
      count++;
    }
  });
  return count > 0 ? total / count : NaN;
}

/**
 * `jurorWeighting: "reliability"`: each juror's comparisons weighted by `1 / (1 + r_j / median r)`, r_j the residual
 * against the others' fit (refitted with the current weights), until no weight moves by more than 1e-6 (at most 10
 * rounds). When the median residual is 0 the mean stands in; when every residual is 0 all weights stay 1. A juror
 * with no residual (the others never connect their pairs) keeps weight 1.
 */
export function reliabilityWeights(aggregation: Aggregation, obs: readonly Observations[], jurorCount: number): { weights: Float64Array; fit: GroupFit[] } {
  const weights = new Float64Array(jurorCount).fill(1);
  let fit = fitGroups(aggregation, obs, weights);
  for (let round = 0; round < 10; round++) {
    const residuals = Array.from({ length: jurorCount }, (_, j) => againstOthers(aggregation, obs, fit, j, weights).residual);
    const known = residuals.filter((r): r is number => r !== null).sort((a, b) => a - b);
    const mid = known.length === 0 ? 0 : known.length % 2 ? known[known.length >> 1]! : (known[known.length / 2 - 1]! + known[known.length / 2]!) / 2;
    const scale = mid > 0 ? mid : known.reduce((s, r) => s + r, 0) / (known.length || 1);
    let moved = 0;
    residuals.forEach((r, j) => {
      const next = r === null || !(scale > 0) ? 1 : 1 / (1 + r / scale);
      moved = Math.max(moved, Math.abs(next - weights[j]!));
      weights[j] = next;
    });
    fit = fitGroups(aggregation, obs, weights, fit);
    if (moved <= 1e-6) break;
  }
  return { weights, fit };
}

/** Every juror's figures; `fit` is the round's own fit of `obs` with `jurorWeights`. */
export function jurorFigures(
  aggregation: Aggregation,
  obs: readonly Observations[],
  fit: readonly GroupFit[],
  jurorCount: number,
  jurorWeights: Float64Array | null,
  binary: boolean,
): JurorFigures[] {
  const plain = AGGREGATIONS.map((a) => (a === aggregation && jurorWeights === null ? fit : obs.map((o) => fitGroup(a, o, null))).map((g) => g.logits));
  return Array.from({ length: jurorCount }, (_, j) => {
    const own = byJuror(obs, j);
    const comparisons = own.reduce((s, o) => s + o.i.length, 0);
    const { residual, scale } = againstOthers(aggregation, obs, fit, j, jurorWeights);
    let bestFit: Aggregation | null = null;
    let best = Infinity;
    AGGREGATIONS.forEach((a, k) => {
      const m = misfit(own, plain[k]!, binary);
      if (m < best - 1e-12) [best, bestFit] = [m, a];
    });
    return { comparisons, residual, scale, cycles: cycleCount(own), bestFit };
  });
}
