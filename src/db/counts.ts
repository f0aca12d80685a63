import type { Contributions } from '../core/reputation.ts';

/** One member's counts as a standings row holds them (maintained or frozen at the reputation snapshot). */
export interface CountsRow {
  proposals: number | string | bigint | null;
  stars: number | string | bigint | null;
  comments: number | string | bigint | null;
  upvotes: number | string | bigint | null;
  positives: number | string | bigint | null;
  negatives: number | string | bigint | null;
}

/** Counts for n members by position, all zero; `received` holds upvotes, then positives, then negatives. */
export const emptyContributions = (n: number): Contributions => ({ proposals: new Int32Array(n), stars: new Float64Array(n), comments: new Int32Array(n), received: new Int32Array(3 * n) });

/** Puts one member's row at their position. */
export function setCounts(c: Contributions, at: number, row: CountsRow): void {
  const n = c.proposals.length;
  c.proposals[at] = Number(row.proposals ?? 0);
  c.stars[at] = Number(row.stars ?? 0);
  c.comments[at] = Number(row.comments ?? 0);
  c.received[at] = Number(row.upvotes ?? 0);
  c.received[n + at] = Number(row.positives ?? 0);
  c.received[2 * n + at] = Number(row.negatives ?? 0);
}
