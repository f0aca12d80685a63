// A simulated Deep Funding round with known true weights, for the pairwise bench and tests: worlds of projects,
// jurors answering like people do (a Bradley–Terry-noisy winner, a stated ratio carrying the perceived intensity,
// rounded to the offered choices) and messy jurors (random answers, an exaggerated scale, or pet projects).
import type { Aggregation, Comparison, PairwiseRound } from '../src/core/pairwise/types.ts';
import { parsePairwiseRound } from '../src/roundfile/pairwise.ts';

export const RATIOS = [1.5, 2, 3, 5, 10, 30, 100];

/** A standard normal from two uniforms (Box–Muller). */
export const normal = (random: () => number) => Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());

export interface World {
  ids: string[];
  /** True weights, summing to 1. */
  weights: number[];
}
const normalised = (xs: number[]) => {
  const total = xs.reduce((s, x) => s + x, 0);
  return xs.map((x) => x / total);
};
const ids = (n: number) => Array.from({ length: n }, (_, k) => `p${String(k).padStart(3, '0')}`);
/** ln w ~ N(0, σ²), σ = 1.5 by default. */
export const lognormalWorld = (n: number, random: () => number, sigma = 1.5): World => ({ ids: ids(n), weights: normalised(Array.from({ length: n }, () => Math.exp(sigma * normal(random)))) });
/** w ∝ 1/rank, the ranks in a random order. */
export function zipfWorld(n: number, random: () => number): World {
  const ranks = Array.from({ length: n }, (_, k) => k + 1);
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [ranks[i], ranks[j]] = [ranks[j]!, ranks[i]!];
  }
  return { ids: ids(n), weights: normalised(ranks.map((r) => 1 / r)) };
}

export type JurorKind = 'honest' | 'random' | 'exaggerating' | 'biased';
export interface SimJuror {
  id: string;
  kind: JurorKind;
  /** Projects a biased juror favours: +2 on their log weight. */
  pets: Set<number>;
}
/** `count` jurors, the first `messyShare` of them messy in turn: random, exaggerating (×3), biased. */
export function makeJurors(count: number, messyShare: number, world: World, random: () => number): SimJuror[] {
  const messy = Math.round(count * messyShare);
  const kinds: JurorKind[] = ['random', 'exaggerating', 'biased'];
  return Array.from({ length: count }, (_, k) => ({
    id: `j${String(k + 1).padStart(2, '0')}`,
    kind: k < messy ? kinds[k % 3]! : 'honest',
    pets: new Set(Array.from({ length: Math.max(1, Math.round(world.ids.length / 10)) }, () => Math.floor(random() * world.ids.length))),
  }));
}

/** The offered choice nearest to e^t in log space; below the middle of 1 and 1.5, "about equal". */
function nearestRatio(t: number): number {
  let best = 1;
  for (const r of RATIOS) if (Math.abs(Math.log(r) - t) < Math.abs(Math.log(best) - t)) best = r;
  return best;
}

/** How a juror answers "which of a and b mattered more, and how many times more?" */
export function answer(juror: SimJuror, world: World, a: number, b: number, random: () => number): Pick<Comparison, 'winner' | 'ratio'> {
  if (juror.kind === 'random') {
    const pick = Math.floor(random() * (RATIOS.length + 1));
    return pick === RATIOS.length ? { winner: 'equal', ratio: 1 } : { winner: random() < 0.5 ? 'a' : 'b', ratio: RATIOS[pick]! };
  }
  const bias = (p: number) => (juror.kind === 'biased' && juror.pets.has(p) ? 2 : 0);
  const d = Math.log(world.weights[b]!) + bias(b) - Math.log(world.weights[a]!) - bias(a);
  // perceived log-ratio d + ε with logistic ε: the winner is then exactly Bradley–Terry, P(b) = σ(d), and the stated
  // ratio carries the perceived intensity, |d + ε| (three times it for an exaggerating juror)
  const u = random();
  const perceived = d + Math.log(u / (1 - u || Number.MIN_VALUE) || Number.MIN_VALUE);
  const bWins = perceived > 0;
  const ratio = nearestRatio((juror.kind === 'exaggerating' ? 3 : 1) * Math.abs(perceived));
  return ratio === 1 ? { winner: 'equal', ratio: 1 } : { winner: bWins ? 'b' : 'a', ratio };
}

/** The simulated round as a real, validated pairwise round. */
export function simulatedRound(world: World, jurors: SimJuror[], comparisons: Comparison[], config: { aggregation: Aggregation; jurorWeighting: 'none' | 'reliability'; seed: number; holdoutPercent?: number }): PairwiseRound {
  return parsePairwiseRound({
    version: 1,
    kind: 'pairwise',
    round: { id: 'sim', name: 'Simulated round', root: 'Root', config: { holdoutPercent: 0, ...config } },
    projects: world.ids.map((id) => ({ id, name: id, parent: null })),
    jurors: jurors.map((j) => ({ id: j.id, handle: j.id })),
    comparisons: comparisons.map((c) => (c.winner === 'equal' ? { juror: c.juror, a: c.a, b: c.b, winner: c.winner, at: c.at } : c)),
  });
}

/** ‖ŵ − w‖₂ / ‖w‖₂ */
export function relativeError(estimate: readonly number[], truth: readonly number[]): number {
  let num = 0;
  let den = 0;
  truth.forEach((w, k) => {
    num += (estimate[k]! - w) ** 2;
    den += w * w;
  });
  return Math.sqrt(num / den);
}

/** Kendall's τ-a between two weight vectors. */
export function kendallTau(x: readonly number[], y: readonly number[]): number {
  let s = 0;
  let pairs = 0;
  for (let i = 0; i < x.length; i++)
    for (let j = i + 1; j < x.length; j++) {
      s += Math.sign(x[i]! - x[j]!) * Math.sign(y[i]! - y[j]!);
      pairs++;
    }
  return pairs > 0 ? s / pairs : 1;
}
