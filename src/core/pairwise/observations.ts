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
  type Row = { i: number; j: number; c: number; s: number; juror: number; source: number };
  const rows: Row[][] = tree.groups.map(() => []);
  for (const k of use) {
    const cmp = round.comparisons[k]!;
    const a = tree.index.get(cmp.a)!;
    const b = tree.index.get(cmp.b)!;
    const sa = tree.slotOf[a]!;
    const sb = tree.slotOf[b]!;
    const c = claimOf(cmp);
    const s = cmp.winner === 'b' ? 1 : cmp.winner === 'a' ? 0 : 0.5;
    const juror = jurors.get(cmp.juror)!;
    rows[tree.groupOf[a]!]!.push(sa < sb ? { i: sa, j: sb, c, s, juror, source: k } : { i: sb, j: sa, c: c === 0 ? 0 : -c, s: 1 - s, juror, source: k });
  }
  return rows.map((list, g) => {
    list.sort((x, y) => x.i - y.i || x.j - y.j || x.c - y.c || x.s - y.s || x.juror - y.juror || x.source - y.source);
    return {
      n: tree.groups[g]!.members.length,
      i: Int32Array.from(list, (r) => r.i),
      j: Int32Array.from(list, (r) => r.j),
      c: Float64Array.from(list, (r) => r.c),
      s: Float64Array.from(list, (r) => r.s),
      juror: Int32Array.from(list, (r) => r.juror),
      source: Int32Array.from(list, (r) => r.source),
    };
  });
}

/** The observations for which `keep(k)` holds, in the same canonical order. */
export function filterObservations(obs: Observations, keep: (k: number) => boolean): Observations {
  const at: number[] = [];
  for (let k = 0; k < obs.i.length; k++) if (keep(k)) at.push(k);
  const pick = <A extends Int32Array | Float64Array>(xs: A): A => (xs instanceof Int32Array ? Int32Array.from(at, (k) => xs[k]!) : Float64Array.from(at, (k) => xs[k]!)) as A;
  return { n: obs.n, i: pick(obs.i), j: pick(obs.j), c: pick(obs.c), s: pick(obs.s), juror: pick(obs.juror), source: pick(obs.source) };
}
