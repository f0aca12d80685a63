import type { ProjectTree } from './tree.ts';
import type { Comparison, PairwiseRound } from './types.ts';

/**
 * The comparisons of one sibling group in canonical form: each oriented from the lower slot `i` to the higher `j`,
 * with the claim `c = ℓ_j − ℓ_i` (scoring.py's log-ratio: ln(ratio) when the second won, −ln(ratio) when the first
 * did, 0 for equal) and the score `s` of j (1 won, 0 lost, ½ equal), sorted by (i, j, c, s, juror). Every solver
 * walks them in this order, so a fit does not depend on the order of the round file, to the last bit.
 */
export interface Observations {
  /** Projects in the group. */
  n: number;
  i: Int32Array;
  j: Int32Array;
  c: Float64Array;
  s: Float64Array;
  /** Position of the juror in the round's jurors ordered by id. */
  juror: Int32Array;
  /** Position of the comparison in the round file. */
  source: Int32Array;
}

/** The log-ratio claim `ℓ_b − ℓ_a` of a comparison; binary rounds have no ratio, so only the winner is used. */
export function claimOf(comparison: Comparison): number {
  const magnitude = comparison.ratio === null ? 0 : Math.log(comparison.ratio);
  return comparison.winner === 'b' ? magnitude : comparison.winner === 'a' ? -magnitude : 0;
}

/** The round's jurors ordered by id, and each id's position in that order. */
export function jurorOrder(round: PairwiseRound): Map<string, number> {
  return new Map(
    round.jurors
      .map((j) => j.id)
      .sort()
      .map((id, k) => [id, k]),
  );
}

/** The comparisons at `use` (positions in the round file) split by sibling group, each group in canonical form. */
export function observe(round: PairwiseRound, tree: ProjectTree, jurors: Map<string, number>, use: Iterable<number>): Observations[] {
  const at = [...use];
  const m = at.length;
  const group = new Int32Array(m);
  const i = new Int32Array(m);
  const j = new Int32Array(m);
  const c = new Float64Array(m);
  const s = new Float64Array(m);
  const juror = new Int32Array(m);
  const source = Int32Array.from(at);
  for (let r = 0; r < m; r++) {
    const cmp = round.comparisons[at[r]!]!;
    const a = tree.index.get(cmp.a)!;
    const b = tree.index.get(cmp.b)!;
    const sa = tree.slotOf[a]!;
    const sb = tree.slotOf[b]!;
    const claim = claimOf(cmp);
    const score = cmp.winner === 'b' ? 1 : cmp.winner === 'a' ? 0 : 0.5;
    const forward = sa < sb;
    group[r] = tree.groupOf[a]!;
    juror[r] = jurors.get(cmp.juror)!;
    i[r] = forward ? sa : sb;
    j[r] = forward ? sb : sa;
    c[r] = forward || claim === 0 ? claim : -claim;
    s[r] = forward ? score : 1 - score;
  }
  // sorted on the typed columns: a hundred thousand comparisons in tens of milliseconds, where objects took hundreds
  const order = Uint32Array.from({ length: m }, (_, r) => r).sort(
    (x, y) => group[x]! - group[y]! || i[x]! - i[y]! || j[x]! - j[y]! || c[x]! - c[y]! || s[x]! - s[y]! || juror[x]! - juror[y]! || source[x]! - source[y]!,
  );
  const out: Observations[] = [];
  let start = 0;
  for (let g = 0; g < tree.groups.length; g++) {
    let end = start;
    while (end < m && group[order[end]!] === g) end++;
    const rows = order.subarray(start, end);
    out.push({
      n: tree.groups[g]!.members.length,
      i: Int32Array.from(rows, (r) => i[r]!),
      j: Int32Array.from(rows, (r) => j[r]!),
      c: Float64Array.from(rows, (r) => c[r]!),
      s: Float64Array.from(rows, (r) => s[r]!),
      juror: Int32Array.from(rows, (r) => juror[r]!),
      source: Int32Array.from(rows, (r) => source[r]!),
    });
    start = end;
  }
  return out;
}

/** The observations for which `keep(k)` holds, in the same canonical order. */
export function filterObservations(obs: Observations, keep: (k: number) => boolean): Observations {
  const at: number[] = [];
  for (let k = 0; k < obs.i.length; k++) if (keep(k)) at.push(k);
  const pick = <A extends Int32Array | Float64Array>(xs: A): A => (xs instanceof Int32Array ? Int32Array.from(at, (k) => xs[k]!) : Float64Array.from(at, (k) => xs[k]!)) as A;
  return { n: obs.n, i: pick(obs.i), j: pick(obs.j), c: pick(obs.c), s: pick(obs.s), juror: pick(obs.juror), source: pick(obs.source) };
}
