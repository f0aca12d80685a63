import { fitBradleyTerry } from './bt.ts';
import { softmax, type GroupFit } from './fit.ts';
import { fitHuber } from './huber.ts';
import { components, pairsOf } from './laplacian.ts';
import { fitL2log } from './l2log.ts';
import type { Observations } from './observations.ts';
import { finalWeights, type ProjectTree } from './tree.ts';
import { PairwiseError, type Aggregation, type PairwiseRound } from './types.ts';

const SOLVERS: Record<Aggregation, (obs: Observations, u: Float64Array, start?: Float64Array, tolerance?: number) => GroupFit> = {
  l2log: (obs, u, start) => fitL2log(obs, u, start),
  huber: fitHuber,
  bt: fitBradleyTerry,
};

/** Each observation's weight: its juror's (juror weighting), 1 without. */
export const observationWeights = (obs: Observations, jurorWeights: Float64Array | null): Float64Array =>
  Float64Array.from(obs.juror, (j) => (jurorWeights ? jurorWeights[j]! : 1));

/** One group's fit with the round's aggregation; `tolerance` loosens the iterative solvers' stop (replay keeps theirs). */
export const fitGroup = (aggregation: Aggregation, obs: Observations, jurorWeights: Float64Array | null, start?: Float64Array, tolerance?: number): GroupFit =>
  SOLVERS[aggregation](obs, observationWeights(obs, jurorWeights), start, tolerance);

/** The groups whose comparisons leave some projects unconnected, each with its components (as slots). */
export function disconnectedGroups(obs: readonly Observations[]): { group: number; parts: number[][] }[] {
  return obs.flatMap((o, group) => {
    const parts = components(pairsOf(o));
    return parts.length > 1 ? [{ group, parts }] : [];
  });
}

/** Refuses to publish weights for a group whose comparisons are not connected, naming the parts to connect. */
export function requireConnected(round: PairwiseRound, tree: ProjectTree, obs: readonly Observations[], what: string): void {
  const problems = disconnectedGroups(obs).map(({ group, parts }) => {
    const g = tree.groups[group]!;
    const names = parts.map((part) => `{${part.map((slot) => round.projects[g.members[slot]!]!.id).join(', ')}}`);
    return `the projects under ${g.parent ?? round.root} fall into ${parts.length} unconnected parts ${names.join(' ')}`;
  });
  if (problems.length > 0)
    throw new PairwiseError(
      `${what} do not connect every sibling group, so their weights are not defined:\n${problems.map((p) => `  - ${p}`).join('\n')}\n` +
        '(`govbot pairwise next` picks the pairs that connect them)',
    );
}

/** The weights of a whole round. */
export interface RoundFit {
  groups: GroupFit[];
  /** Per project: ℓ within its group, weight among its siblings, final weight (the product down from the root). */
  logits: Float64Array;
  local: Float64Array;
  final: Float64Array;
}

/** Every group's fit, each warm-started from `starts` when given (a refit after a small change converges at once). */
export const fitGroups = (aggregation: Aggregation, obs: readonly Observations[], jurorWeights: Float64Array | null, starts?: readonly GroupFit[], tolerance?: number): GroupFit[] =>
  obs.map((o, g) => fitGroup(aggregation, o, jurorWeights, starts?.[g]?.logits, tolerance));

/** The groups' logits as per-project weights. */
export function assemble(tree: ProjectTree, groups: GroupFit[]): RoundFit {
  const size = tree.groupOf.length;
  const logits = new Float64Array(size);
  const local = new Float64Array(size);
  groups.forEach((fit, g) => {
    const w = softmax(fit.logits);
    tree.groups[g]!.members.forEach((m, slot) => {
      logits[m] = fit.logits[slot]!;
      local[m] = w[slot]!;
    });
  });
  return { groups, logits, local, final: finalWeights(tree, local) };
}
