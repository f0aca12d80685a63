import { largestRemainder } from '../rewards.ts';

/**
 * The pool split by weight: each project `⌊pool × w_p / Σw⌋` base units, then one more to the largest remainders
 * (ties by project id) until the pool is used up, so the amounts add up to it exactly. `weights` are the published
 * nine-decimal weights as integers (units of 1e-9), so anyone recomputes the split from the report; projects under
 * `minWeight` (given in the same units) get nothing and their share goes to the others. Nothing is paid when no
 * project is left: the whole pool is returned as undistributed.
 */
export function splitPool(pool: bigint, ids: readonly string[], weights: readonly bigint[], minWeight: bigint): { amounts: bigint[]; undistributed: bigint } {
  const eligible = weights.map((w) => (w >= minWeight && w > 0n ? w : 0n));
  if (eligible.every((w) => w === 0n)) return { amounts: weights.map(() => 0n), undistributed: pool };
  return { amounts: largestRemainder(pool, eligible, ids), undistributed: 0n };
}
