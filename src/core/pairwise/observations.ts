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
  const widest = tree.groups.reduce((most, g) => Math.max(most, g.members.length), 0);
  const order = canonicalOrder({ group, i, j, c, s, juror, source }, tree.groups.length, widest);
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

/** Runs of one pair up to this long are ordered by insertion; longer ones (a pair asked very often) by a sort. */
const INSERTION_RUN = 32;

/**
 * The rows ordered by (group, i, j, c, s, juror, source), a total order (source is unique), so any correct sort gives
 * the same order: three stable counting passes (by j, by i, by group) in linear time, then each run of one pair by
 * the rest. A comparison sort over all seven columns took most of a sampler's refit.
 */
function canonicalOrder(rows: Omit<Observations, 'n'> & { group: Int32Array }, groups: number, slots: number): Uint32Array {
  const { group, i, j, c, s, juror, source } = rows;
  const m = group.length;
  let order = Uint32Array.from({ length: m }, (_, r) => r);
  let next = new Uint32Array(m);
  for (const [key, range] of [[j, slots], [i, slots], [group, groups]] as const) {
    const start = new Int32Array(range + 1);
    for (let r = 0; r < m; r++) start[key[r]! + 1]!++;
    for (let k = 0; k < range; k++) start[k + 1]! += start[k]!;
    for (let r = 0; r < m; r++) next[start[key[order[r]!]!]!++] = order[r]!;
    [order, next] = [next, order];
  }
  const later = (x: number, y: number) => c[x]! - c[y]! || s[x]! - s[y]! || juror[x]! - juror[y]! || source[x]! - source[y]!;
  for (let from = 0; from < m; ) {
    const first = order[from]!;
    let to = from + 1;
    while (to < m && group[order[to]!] === group[first] && i[order[to]!] === i[first] && j[order[to]!] === j[first]) to++;
    if (to - from > INSERTION_RUN) order.subarray(from, to).sort(later);
    else
      for (let x = from + 1; x < to; x++) {
        const row = order[x]!;
        let y = x - 1;
        for (; y >= from && later(order[y]!, row) > 0; y--) order[y + 1] = order[y]!;
        order[y + 1] = row;
      }
    from = to;
  }
  return order;
}

/** The observations for which `keep(k)` holds, in the same canonical order. */
export function filterObservations(obs: Observations, keep: (k: number) => boolean): Observations {
  const at: number[] = [];
  for (let k = 0; k < obs.i.length; k++) if (keep(k)) at.push(k);
  const pick = <A extends Int32Array | Float64Array>(xs: A): A => (xs instanceof Int32Array ? Int32Array.from(at, (k) => xs[k]!) : Float64Array.from(at, (k) => xs[k]!)) as A;
  return { n: obs.n, i: pick(obs.i), j: pick(obs.j), c: pick(obs.c), s: pick(obs.s), juror: pick(obs.juror), source: pick(obs.source) };
}
