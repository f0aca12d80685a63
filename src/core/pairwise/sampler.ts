import { disconnectedGroups, fitGroups } from './aggregate.ts';
import { huberDelta, robustScale } from './huber.ts';
import type { GroupFit } from './fit.ts';
import { softmax } from './fit.ts';
import { answerInformation } from './information.ts';
import { covariance } from './laplacian.ts';
import { jurorOrder, observe, type Observations } from './observations.ts';
import { hash32, mulberry32, shuffled } from './random.ts';
import { projectTree, type ProjectTree } from './tree.ts';
import type { Comparison, PairwiseRound } from './types.ts';

/** A pair to show a juror, in the (seeded random) order to show it: "which mattered more to X, a or b?" */
export interface Pair {
  a: string;
  b: string;
}
/** A pair already handed to a juror and not answered yet: counted as if answered, so two jurors get different pairs. */
export interface Pending extends Pair {
  juror: string;
}

/** What the criterion needs of a connected group: the logits' covariance Σ and G = (JΣ)ᵀ(JΣ), J the softmax Jacobian. */
export interface GroupDesign {
  fit: GroupFit;
  sigma: Float64Array;
  gram: Float64Array;
  /** Squared final weight of the group's parent: an error among its children counts that much in the final weights. */
  importance: number;
  /** The log fits' information from one answer at log-ratio d; null for bt. */
  information: ((d: number) => number) | null;
  /** Per slot, its answers the fit at the last refit disputes (`disputedAnswers`): they do not count as support. */
  disputed: Int32Array;
  /** Whether the criterion keeps most of this group's pairs near (`wantsNear`): huber, and answers with heavy tails. */
  near: boolean;
}

/** The state the sampler chooses from; `nextPairs` adds its picks to it as pending. */
export interface SamplerState {
  round: PairwiseRound;
  tree: ProjectTree;
  /** Per group: union–find of the answered and pending pairs (the random connected design's progress). */
  parent: Int32Array[];
  /** Per group: the seeded ring over its projects, the random connected design. */
  ring: number[][];
  /** Per group, the criterion's matrices once its comparisons are connected; null before. */
  designs: (GroupDesign | null)[];
  /** Comparisons per project, answered and pending. */
  load: Int32Array;
  /** Per juror id, the pairs they have answered or been handed (`pairKey`). */
  asked: Map<string, Set<number>>;
  answered: number;
  /** Per group: its comparisons answered and pending, and how many of them are near pairs (`isNear`). */
  noted: Int32Array;
  near: Int32Array;
}

/** The sampler ranks pairs by the fit's weights: logits to 1e-6 rank them as 1e-10 would, in a fraction of the steps. */
const SAMPLER_TOLERANCE = 1e-6;

/** A pair of slots x, y of group g as one number (numbers hash faster than strings): (g·P + min)·P + max, P projects. */
const pairKey = (state: SamplerState, g: number, x: number, y: number) => {
  const size = state.load.length;
  return x < y ? (g * size + x) * size + y : (g * size + y) * size + x;
};

/** The root of v in a union–find forest, halving the path on the way. */
function find(parent: Int32Array, v: number): number {
  while (parent[v] !== v) v = parent[v] = parent[parent[v]!]!;
  return v;
}

/**
 * How many answers the sampler takes in between two fits: the fit (O(n³) for the covariance) is of the comparisons up
 * to the last multiple of this, and each answer since is a rank-one update of it, exactly as a pending pair is. The
 * answers' values only enter at a refit, so which pairs come next depends on the file alone (a cache changes no bit),
 * while a juror's next pair costs O(n²) between refits. A fifth of the projects: the fit then moves little in between.
 */
export const refitEvery = (projects: number): number => Math.max(10, Math.round(projects / 5));

/** The designs of one round as of its last refit, with the answers since taken in; kept by the caller between calls. */
interface Epoch {
  /** The projects, jurors and configuration the designs were made for. */
  made: string;
  /** The comparisons taken in, in file order: the first `fitted` fitted, the rest rank-one updates. */
  taken: Comparison[];
  fitted: number;
  designs: (GroupDesign | null)[];
}
/**
 * Keeps each round's last fit between calls (the chat asks for one pair per answer): `samplerState(round, pending,
 * { cache })` then refits only every `refitEvery` answers and otherwise updates the kept designs, giving the very
 * pairs a cold call gives. One cache per process; rounds by id.
 */
export interface SamplerCache {
  rounds: Map<string, Epoch>;
}
export const samplerCache = (): SamplerCache => ({ rounds: new Map() });

export interface SamplerOptions {
  cache?: SamplerCache;
}

/**
 * The active sampler's view of a round: first a random connected design (a ring through each sibling group in an order
 * seeded by the round), then, once a group's comparisons connect it, a pair with any project short of MIN_SUPPORT
 * undisputed answers (`supportPair`), and otherwise the pair whose answer is expected to shrink the error of the final
 * weights most. With Σ the covariance of the group's logits (information matrix of the round's
 * aggregation), J = diag(w̃) − w̃w̃ᵀ the Jacobian of softmax at the posterior-weighted w̃ (see `design`), x = e_b − e_a
 * and λ the information one answer adds (answerInformation(d) for the log fits, which fades for pairs so far apart
 * that the answers saturate at the largest ratio; p(1−p) for bt), an answer on (a, b) lowers the weights' expected
 * squared error `tr(J Σ Jᵀ)` by `λ ‖JΣx‖² / (1 + λ xᵀΣx)` (a rank-one update of Σ); times the parent's squared final
 * weight. Σ is of the fit at the last refit (`refitEvery`), updated by each answer since.
 */
export function samplerState(round: PairwiseRound, pending: readonly Pending[] = [], options: SamplerOptions = {}): SamplerState {
  const tree = projectTree(round.projects);
  const state: SamplerState = {
    round,
    tree,
    parent: tree.groups.map((g) => Int32Array.from(g.members, (_, k) => k)),
    ring: tree.groups.map((g, k) => shuffled(g.members.map((_, slot) => slot), mulberry32(hash32(round.config.seed, `ring\u0000${g.parent ?? ''}\u0000${k}`)))),
    // copies: the picks of this call update them, the kept ones stay as of the answers
    designs: epochDesigns(round, tree, options.cache).map((d) => d && { ...d, sigma: Float64Array.from(d.sigma), gram: Float64Array.from(d.gram) }),
    load: new Int32Array(round.projects.length),
    asked: new Map(),
    answered: round.comparisons.length,
    noted: new Int32Array(tree.groups.length),
    near: new Int32Array(tree.groups.length),
  };
  for (const c of round.comparisons) note(state, c.juror, c.a, c.b, false);
  for (const p of pending) note(state, p.juror, p.a, p.b, true);
  return state;
}

const sameComparison = (x: Comparison, y: Comparison) => x.juror === y.juror && x.a === y.a && x.b === y.b && x.winner === y.winner && x.ratio === y.ratio;

/** The designs as of the round's answers: the kept epoch when it is this round's, else a refit; then the answers since. */
function epochDesigns(round: PairwiseRound, tree: ProjectTree, cache: SamplerCache | undefined): (GroupDesign | null)[] {
  const m = round.comparisons.length;
  const fitted = m - (m % refitEvery(round.projects.length));
  const { aggregation, elicitation, ratios, typedRatios, seed } = round.config;
  const made = JSON.stringify([round.projects.map((p) => [p.id, p.parent]), round.jurors.map((j) => j.id), aggregation, elicitation, ratios, typedRatios, seed]);
  const kept = cache?.rounds.get(round.id);
  const reusable = kept && kept.made === made && kept.fitted === fitted && kept.taken.length <= m && kept.taken.every((c, k) => sameComparison(c, round.comparisons[k]!));
  const epoch: Epoch = reusable ? kept : { made, taken: round.comparisons.slice(0, fitted), fitted, designs: fittedDesigns(round, tree, fitted) };
  for (let k = epoch.taken.length; k < m; k++) {
    const c = round.comparisons[k]!;
    const [pa, pb] = [tree.index.get(c.a)!, tree.index.get(c.b)!];
    const d = epoch.designs[tree.groupOf[pa]!];
    if (d) rankOneUpdate(d, tree.slotOf[pa]!, tree.slotOf[pb]!);
    epoch.taken.push(c);
  }
  cache?.rounds.set(round.id, epoch);
  return epoch.designs;
}

/** Per group, the criterion's matrices from the fit of the first `fitted` comparisons; null for a group they leave loose. */
function fittedDesigns(round: PairwiseRound, tree: ProjectTree, fitted: number): (GroupDesign | null)[] {
  const obs = observe(round, tree, jurorOrder(round), Array.from({ length: fitted }, (_, k) => k));
  const loose = new Set(disconnectedGroups(obs).map((d) => d.group));
  const connected = obs.map((o, g) => (loose.has(g) ? emptyLike(o) : o));
  const fits = fitGroups(round.config.aggregation, connected, null, undefined, SAMPLER_TOLERANCE);
  const local = new Float64Array(round.projects.length);
  fits.forEach((f, g) => {
    const w = softmax(f.logits);
    tree.groups[g]!.members.forEach((m, slot) => (local[m] = w[slot]!));
  });
  const finalOf = (id: string | null): number => (id === null ? 1 : local[tree.index.get(id)!]! * finalOf(round.projects[tree.index.get(id)!]!.parent));
  return fits.map((fit, g) => (loose.has(g) || fit.logits.length < 2 ? null : design(fit, connected[g]!, finalOf(tree.groups[g]!.parent) ** 2, round.config)));
}

/**
 * Per slot, how many of its answers the fit disputes: a log-ratio whose residual `|ℓ_j − ℓ_i − c|` exceeds Huber's
 * δ (the claims' robust spread, `huberDelta`), or for bt a winner the fit has losing. Such an answer is likely one
 * of the wild ones jurors now and then give, so it does not count towards the project's support.
 */
export function disputedAnswers(obs: Observations, fit: GroupFit): Int32Array {
  const out = new Int32Array(obs.n);
  const delta = huberDelta(obs.c);
  for (let k = 0; k < obs.i.length; k++) {
    const [i, j] = [obs.i[k]!, obs.j[k]!];
    const d = fit.logits[j]! - fit.logits[i]!;
    const disputed = fit.noise === null ? (obs.s[k]! - 0.5) * d < 0 : Math.abs(d - obs.c[k]!) > delta;
    if (disputed) [out[i], out[j]] = [out[i]! + 1, out[j]! + 1];
  }
  return out;
}

const emptyLike = (o: Observations): Observations => ({ ...o, i: new Int32Array(0), j: new Int32Array(0), c: new Float64Array(0), s: new Float64Array(0), juror: new Int32Array(0), source: new Int32Array(0) });

function design(fit: GroupFit, obs: Observations, importance: number, config: PairwiseRound['config']): GroupDesign {
  const n = fit.logits.length;
  const sigma = covariance(fit.pairs, fit.information, fit.shift, true).full!;
  // the weights the error is weighed by, E[w_k²]^½ under ℓ ~ N(ℓ̂, Σ): w̃ = softmax(ℓ̂_k + Σ_kk), so that a project the
  // first answers put low but that few answers support still looks as if it might matter, and is asked about again
  const w = softmax(fit.logits.map((l, k) => l + sigma[k * n + k]!));
  const information = fit.noise === null ? null : answerInformation(config.typedRatios ? [] : config.ratios, fit.noise, fit.pairs.of.length);
  const near = config.aggregation === 'huber' && heavyTailed(Float64Array.from(obs.c, (c, k) => fit.logits[obs.j[k]!]! - fit.logits[obs.i[k]!]! - c));
  return { fit, sigma, gram: weightGram(sigma, w), importance, information, disputed: disputedAnswers(obs, fit), near };
}

/**
 * G = (JΣ)ᵀ(JΣ), J = diag(w) − wwᵀ the Jacobian of softmax at w, for the criterion `λ ‖JΣx‖² / (1 + λ xᵀΣx)`.
 * M = JΣ: M[k][b] = w_k (Σ[k][b] − t_b), t = Σw. Row b of Mᵀ is w ⊙ (Σ[b] − t_b) (Σ is symmetric), so each G[a][b]
 * is a dot product of two contiguous rows, and G is symmetric: half of them.
 */
export function weightGram(sigma: Float64Array, w: Float64Array): Float64Array {
  const n = w.length;
  const t = new Float64Array(n);
  for (let b = 0; b < n; b++) for (let k = 0; k < n; k++) t[b]! += sigma[b * n + k]! * w[k]!;
  const Mt = new Float64Array(n * n);
  for (let b = 0; b < n; b++) for (let k = 0; k < n; k++) Mt[b * n + k] = w[k]! * (sigma[b * n + k]! - t[b]!);
  const gram = new Float64Array(n * n);
  for (let a = 0; a < n; a++)
    for (let b = a; b < n; b++) {
      let dot = 0;
      for (let k = 0; k < n; k++) dot += Mt[a * n + k]! * Mt[b * n + k]!;
      gram[a * n + b] = gram[b * n + a] = dot;
    }
  return gram;
}

/** The information one more answer on slots (x, y) adds. */
function lambda(d: GroupDesign, x: number, y: number): number {
  if (d.information) return d.information(d.fit.logits[y]! - d.fit.logits[x]!);
  const p = 1 / (1 + Math.exp(d.fit.logits[x]! - d.fit.logits[y]!));
  return p * (1 - p);
}

/** Counts a pair as answered or handed out: the juror will not get it again, and the criterion takes it as known. */
function note(state: SamplerState, juror: string, a: string, b: string, update: boolean): void {
  const { tree } = state;
  const pa = tree.index.get(a)!;
  const pb = tree.index.get(b)!;
  const g = tree.groupOf[pa]!;
  const x = tree.slotOf[pa]!;
  const y = tree.slotOf[pb]!;
  const asked = state.asked.get(juror) ?? new Set<number>();
  asked.add(pairKey(state, g, x, y));
  state.asked.set(juror, asked);
  state.load[pa]!++;
  state.load[pb]!++;
  const parent = state.parent[g]!;
  const rx = find(parent, x);
  const ry = find(parent, y);
  if (rx !== ry) parent[Math.max(rx, ry)] = Math.min(rx, ry);
  const d = state.designs[g];
  state.noted[g]!++;
  if (d && isNear(d, x, y)) state.near[g]!++;
  if (update && d) rankOneUpdate(d, x, y);
}

/**
 * Σ' = Σ − κ s sᵀ with s = Σx, κ = λ / (1 + λ xᵀΣx); and G' = G − κ(s qᵀ + q sᵀ) + κ² (xᵀGx) s sᵀ with q = Gx,
 * which follows from M' = M − κ (Mx) sᵀ: O(n²) per pick instead of O(n³).
 */
export function rankOneUpdate(d: GroupDesign, x: number, y: number): void {
  const n = d.fit.logits.length;
  const { sigma, gram } = d;
  const l = lambda(d, x, y);
  const s = new Float64Array(n);
  const q = new Float64Array(n);
  for (let k = 0; k < n; k++) {
    s[k] = sigma[y * n + k]! - sigma[x * n + k]!;
    q[k] = gram[y * n + k]! - gram[x * n + k]!;
  }
  const v = s[y]! - s[x]!;
  const xgx = q[y]! - q[x]!;
  const kappa = l / (1 + l * v);
  const k2 = kappa * kappa * xgx;
  // both stay symmetric: the upper triangle, mirrored
  for (let a = 0; a < n; a++) {
    const sa = s[a]!;
    const qa = q[a]!;
    for (let b = a; b < n; b++) {
      const sigmaAB = sigma[a * n + b]! - kappa * sa * s[b]!;
      const gramAB = gram[a * n + b]! - kappa * (sa * q[b]! + qa * s[b]!) + k2 * sa * s[b]!;
      sigma[a * n + b] = sigma[b * n + a] = sigmaAB;
      gram[a * n + b] = gram[b * n + a] = gramAB;
    }
  }
}

/** The next pair for `juror` in one group of the connected design phase, or undefined when that group is connected. */
function designPair(state: SamplerState, g: number, asked: Set<number>): [number, number] | undefined {
  const parent = state.parent[g]!;
  const ring = state.ring[g]!;
  const n = ring.length;
  let loose = false;
  for (let k = 0; k < n; k++) {
    const x = ring[k]!;
    const y = ring[(k + 1) % n]!;
    if (find(parent, x) === find(parent, y)) continue;
    loose = true;
    if (!asked.has(pairKey(state, g, x, y))) return [x, y];
  }
  if (!loose) return undefined;
  // every ring pair across the gap was asked to this juror already: any pair across it
  for (let x = 0; x < n; x++) for (let y = x + 1; y < n; y++) if (find(parent, x) !== find(parent, y) && !asked.has(pairKey(state, g, x, y))) return [x, y];
  return undefined;
}

/** How much an answer on slots (x, y) is expected to lower the final weights' squared error: `λ xᵀGx / (1 + λ xᵀΣx)`, times the importance. */
export function pairGain(d: GroupDesign, x: number, y: number): number {
  const n = d.fit.logits.length;
  const { sigma, gram } = d;
  const v = sigma[x * n + x]! + sigma[y * n + y]! - 2 * sigma[x * n + y]!;
  const e = gram[x * n + x]! + gram[y * n + y]! - 2 * gram[x * n + y]!;
  const l = lambda(d, x, y);
  return (d.importance * l * e) / (1 + l * v);
}

/**
 * A project's support `n_k − d_k`: its answers with those pending, less those the last fit disputes. The criterion
 * weighs a project by its fitted weight, so one that two wild answers put near 0, or an arc of the first design that
 * they cut off, would never be asked about again; until its support reaches MIN_SUPPORT a project is asked next, the
 * least supported first, in the pair with it of largest expected gain that this juror has not been asked. This also
 * gives the first design the redundant answers by which the fit can dispute a wild one (three: two outvote one).
 */
const MIN_SUPPORT = 3;
function supportPair(state: SamplerState, asked: Set<number>): [number, number, number] | undefined {
  let best: [number, number, number] | undefined;
  let least = MIN_SUPPORT;
  state.designs.forEach((d, g) => {
    if (!d) return;
    const members = state.tree.groups[g]!.members;
    for (let x = 0; x < members.length; x++) {
      const support = state.load[members[x]!]! - d.disputed[x]!;
      if (support >= least) continue;
      let top = -Infinity;
      for (let y = 0; y < members.length; y++) {
        const gain = y === x ? -Infinity : pairGain(d, x, y);
        if (gain > top && !asked.has(pairKey(state, g, x, y))) [top, least, best] = [gain, support, [g, x, y]];
      }
    }
  });
  return best;
}

/**
 * Huber's δ is 1.345 · MAD(c) / 0.6745 of the claims themselves (DESIGN.md), so it is set by which pairs are asked
 * as much as by the jurors' noise: claims on pairs far apart make a wide δ, within which a wild answer counts in full
 * (δ about 4 against the ordinary answers' 0.5 in session 10's simulation). The MAD is a median, so it stays small
 * while most claims are: for huber, while fewer than NEAR_SHARE of a group's comparisons are near pairs, fitted
 * within NEAR_LOGIT of each other (a factor e^0.5 ≈ 1.65; 0.35 and 0.7 measured worse, as did shares of 0.45–0.7),
 * the criterion's next pair is the best near one; the others go wherever the criterion wants. Only while the answers
 * are heavy-tailed (`heavyTailed`): with bell-curve errors a small δ buys nothing and the near pairs cost the
 * criterion its choice (session 11: 23.8 % error at 1,500 comparisons against 18.8 %).
 */
const NEAR_LOGIT = 0.5;
const NEAR_SHARE = 0.55;
/** Residuals with heavy tails: their root mean square over 1.5 times their robust spread (a logistic's is 1.1; a few wild answers among close ones, 3). */
const TAIL_RATIO = 1.5;
function heavyTailed(residuals: Float64Array): boolean {
  let squares = 0;
  for (const r of residuals) squares += r * r;
  return Math.sqrt(squares / Math.max(1, residuals.length)) > TAIL_RATIO * robustScale(residuals);
}
const isNear = (d: GroupDesign, x: number, y: number) => Math.abs(d.fit.logits[y]! - d.fit.logits[x]!) <= NEAR_LOGIT;
const wantsNear = (state: SamplerState, g: number) => state.designs[g]!.near && state.near[g]! < NEAR_SHARE * (state.noted[g]! + 1);

/** The pair of largest expected gain this juror has not been asked, over the groups whose design is done; only near pairs where `nearOnly`. */
function bestPair(state: SamplerState, asked: Set<number>, nearOnly: (g: number) => boolean): [number, number, number] | undefined {
  let best: [number, number, number] | undefined;
  let top = -Infinity;
  state.designs.forEach((d, g) => {
    if (!d) return;
    const n = d.fit.logits.length;
    const near = nearOnly(g);
    for (let x = 0; x < n; x++)
      for (let y = x + 1; y < n; y++) {
        if (near && !isNear(d, x, y)) continue;
        const gain = pairGain(d, x, y);
        if (gain > top && !asked.has(pairKey(state, g, x, y))) [top, best] = [gain, [g, x, y]];
      }
  });
  return best;
}

/** The least-compared pair this juror has not been asked, for a group connected within this very batch. */
function spreadPair(state: SamplerState, g: number, asked: Set<number>): [number, number] | undefined {
  const members = state.tree.groups[g]!.members;
  let best: [number, number] | undefined;
  let least = Infinity;
  for (let x = 0; x < members.length; x++)
    for (let y = x + 1; y < members.length; y++) {
      const load = state.load[members[x]!]! + state.load[members[y]!]!;
      if (load < least && !asked.has(pairKey(state, g, x, y))) [least, best] = [load, [x, y]];
    }
  return best;
}

/**
 * The next `count` pairs to ask `juror`, each counted as pending before the next is chosen; fewer when the juror has
 * been asked every pair. Deterministic: the same round, juror and pending pairs give the same pairs, in the same order.
 */
export function nextPairs(state: SamplerState, juror: string, count = 1): Pair[] {
  const out: Pair[] = [];
  // kept in the state, so that the picks noted below are seen by the next pick (a new juror has no set yet)
  const asked = state.asked.get(juror) ?? new Set<number>();
  state.asked.set(juror, asked);
  const groups = state.tree.groups;
  for (let pick = 0; pick < count; pick++) {
    let chosen: [number, number, number] | undefined;
    for (let g = 0; g < groups.length && !chosen; g++) {
      if (groups[g]!.members.length < 2) continue;
      const pair = designPair(state, g, asked);
      if (pair) chosen = [g, ...pair];
    }
    // when no near pair is left for this juror where one is wanted, the best pair of any distance
    chosen ??= supportPair(state, asked) ?? bestPair(state, asked, (g) => wantsNear(state, g)) ?? bestPair(state, asked, () => false);
    for (let g = 0; g < groups.length && !chosen; g++) {
      if (state.designs[g] || groups[g]!.members.length < 2) continue;
      const pair = spreadPair(state, g, asked);
      if (pair) chosen = [g, ...pair];
    }
    if (!chosen) break;
    const [g, x, y] = chosen;
    const flip = mulberry32(hash32(state.round.config.seed, `order\u0000${juror}\u0000${state.answered}\u0000${asked.size}`))() < 0.5;
    const [a, b] = [state.round.projects[groups[g]!.members[x]!]!.id, state.round.projects[groups[g]!.members[y]!]!.id];
    const pair = flip ? { a: b, b: a } : { a, b };
    note(state, juror, pair.a, pair.b, true);
    out.push(pair);
  }
  return out;
}
