/** A ranked ballot with the weight it carries in one view: option indices, best first. */
export interface WeightedRanking {
  ranking: readonly number[];
  weight: bigint;
}

export interface Runoff {
  /** The option left when all others are dropped; null with no weight cast, or when only the option index parted the last two. */
  winner: number | null;
  /** The options in the order they were dropped. */
  dropped: number[];
}

/**
 * Instant runoff (DESIGN.md "Poll types"): repeatedly drop the option with the least first-preference weight, ties
 * broken by the lower total weight over all ranks, then by the lower option index, until one option is left. Weights
 * are whole micro-votes (or base units), so the outcome is exact and does not depend on the order of the ballots.
 */
export function instantRunoff(optionCount: number, ballots: readonly WeightedRanking[]): Runoff {
  const total = totalWeights(optionCount, ballots);
  const standing = new Array<boolean>(optionCount).fill(true);
  const dropped: number[] = [];
  let tied = false;
  for (let left = optionCount; left > 1; left--) {
    const first = firstPreferences(standing, ballots);
    const drop = leastSupported(standing, first, total);
    // the last two apart only by their index: nobody's ballots chose between them
    tied = left === 2 && standing.every((on, o) => !on || o === drop || (first[o] === first[drop] && total[o] === total[drop]));
    standing[drop] = false;
    dropped.push(drop);
  }
  const cast = total.some((t) => t > 0n);
  return { winner: !cast || tied ? null : standing.indexOf(true), dropped };
}

/** total_o = Σ weight of the ballots that rank o anywhere. */
function totalWeights(optionCount: number, ballots: readonly WeightedRanking[]): bigint[] {
  const total = new Array<bigint>(optionCount).fill(0n);
  for (const b of ballots) for (const o of b.ranking) total[o]! += b.weight;
  return total;
}

/** first_o = Σ weight of the ballots whose best option still standing is o; a ballot with none left counts for nobody. */
function firstPreferences(standing: readonly boolean[], ballots: readonly WeightedRanking[]): bigint[] {
  const first = new Array<bigint>(standing.length).fill(0n);
  for (const b of ballots) {
    const best = b.ranking.find((o) => standing[o]);
    if (best !== undefined) first[best]! += b.weight;
  }
  return first;
}

/** The standing option least by (first preferences, total weight, index). */
function leastSupported(standing: readonly boolean[], first: readonly bigint[], total: readonly bigint[]): number {
  let least = -1;
  for (let o = 0; o < standing.length; o++) {
    if (!standing[o]) continue;
    if (least < 0 || first[o]! < first[least]! || (first[o] === first[least] && total[o]! < total[least]!)) least = o;
  }
  return least;
}
