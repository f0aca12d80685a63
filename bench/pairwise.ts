// `npm run bench -- pairwise`: the Deep Funding engine's figures. Quick by default (one seed, the default against random
// pairs); PAIRWISE_FULL=1 (or `-- pairwise --full`) runs every variant over 5 seeds in both worlds and the growth with
// the number of projects. The simulated rounds run on worker threads (bench/pairwise-worker.ts), one per core.
import { once } from 'node:events';
import { availableParallelism, loadavg } from 'node:os';
import { Worker } from 'node:worker_threads';
import { assemble, fitGroups } from '../src/core/pairwise/aggregate.ts';
import { reliabilityWeights } from '../src/core/pairwise/jurors.ts';
import { jurorOrder, observe } from '../src/core/pairwise/observations.ts';
import { mulberry32 } from '../src/core/pairwise/random.ts';
import { covariance } from '../src/core/pairwise/laplacian.ts';
import { nextPairs, pairGain, rankOneUpdate, refitEvery, samplerCache, samplerState, weightGram, type GroupDesign } from '../src/core/pairwise/sampler.ts';
import { projectTree } from '../src/core/pairwise/tree.ts';
import { disconnectedGroups } from '../src/core/pairwise/aggregate.ts';
import type { Aggregation, Comparison, PairwiseRound } from '../src/core/pairwise/types.ts';
import { answer, CALIBRATED_NOISE, CAPPED_NOISE, MIXTURE_NOISE, kendallTau, lognormalWorld, makeJurors, relativeError, simulatedRound, zipfWorld, type JurorNoise, type SimJuror, type World } from './pairwise-sim.ts';

export interface Variant {
  world: 'lognormal' | 'zipf';
  projects: number;
  messyShare: number;
  strategy: 'random' | 'sampler';
  aggregation: Aggregation;
  weighting: 'none' | 'reliability';
  /** The honest jurors' perception noise (CALIBRATED_NOISE unless said). */
  noise?: JurorNoise;
}

const at = (k: number) => new Date(Date.UTC(2025, 0, 1) + k * 60_000).toISOString().replace('.000', '');

/** The weights a round's comparisons give with `aggregation` and `weighting`; null while the projects are not connected. */
function estimate(round: PairwiseRound): number[] | null {
  const tree = projectTree(round.projects);
  const obs = observe(round, tree, jurorOrder(round), round.comparisons.keys());
  if (disconnectedGroups(obs).length > 0) return null;
  const { aggregation, jurorWeighting } = round.config;
  const groups = jurorWeighting === 'reliability' ? reliabilityWeights(aggregation, obs, round.jurors.length).fit : fitGroups(aggregation, obs, null);
  return [...assemble(tree, groups).final];
}

/** A measurement of a simulated round: the comparisons so far, the relative error and Kendall's τ against the truth. */
export interface Checkpoint {
  comparisons: number;
  error: number;
  tau: number;
}

/**
 * One simulated round: comparisons accumulate (20 jurors in turn) and the error is measured every `step` comparisons,
 * or at each count of a list; with `stopBelow`, the round ends at the first checkpoint past `stopBelow.after`
 * comparisons whose error is at most `stopBelow.error` (what the figures need is then known).
 */
export function simulate(v: Variant, seed: number, budget: number, step: number | readonly number[], stopBelow?: { error: number; after: number }): Checkpoint[] {
  const random = mulberry32(seed * 7919 + 1);
  const world: World = v.world === 'lognormal' ? lognormalWorld(v.projects, random) : zipfWorld(v.projects, random);
  const jurors: SimJuror[] = makeJurors(20, v.messyShare, world, random);
  const noise = v.noise ?? CALIBRATED_NOISE;
  const round = simulatedRound(world, jurors, [], { aggregation: v.aggregation, jurorWeighting: v.weighting, seed, typedRatios: noise.beyondLargest });
  const comparisons: Comparison[] = [];
  round.comparisons = comparisons;
  const index = new Map(world.ids.map((id, k) => [id, k]));
  const ask = (juror: SimJuror, a: number, b: number) => comparisons.push({ juror: juror.id, a: world.ids[a]!, b: world.ids[b]!, ...answer(juror, world, a, b, random, noise), at: at(comparisons.length) });
  const checkpoints = typeof step === 'number' ? Array.from({ length: Math.floor(budget / step) }, (_, k) => (k + 1) * step) : step.filter((c) => c <= budget);
  const out: Checkpoint[] = [];
  // the sampler is asked for the pairs up to its next refit at once, each juror's picks counted as pending for the next
  // juror's: between refits an answer only counts as asked (samplerState), so these are the pairs the chat would ask
  const batch = refitEvery(v.projects);
  for (const checkpoint of checkpoints) {
    while (comparisons.length < checkpoint) {
      const size = Math.min(batch - (comparisons.length % batch), checkpoint - comparisons.length);
      if (v.strategy === 'random')
        for (let k = 0; k < size; k++) {
          const a = Math.floor(random() * v.projects);
          const b = (a + 1 + Math.floor(random() * (v.projects - 1))) % v.projects;
          ask(jurors[comparisons.length % jurors.length]!, a, b);
        }
      else {
        const state = samplerState(round);
        for (let k = 0; k < size; k++) {
          const juror = jurors[comparisons.length % jurors.length]!;
          const [pair] = nextPairs(state, juror.id, 1);
          ask(juror, index.get(pair!.a)!, index.get(pair!.b)!);
        }
      }
    }
    const w = estimate(round);
    out.push({ comparisons: comparisons.length, error: w ? relativeError(w, world.weights) : Infinity, tau: w ? kendallTau(w, world.weights) : 0 });
    if (stopBelow && comparisons.length >= stopBelow.after && out.at(-1)!.error <= stopBelow.error) break;
  }
  return out;
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[s.length >> 1]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};

/**
 * The first count at which the error is at most `target`, interpolated between the two checkpoints around it on
 * log–log axes (an error falling as a power of the count); null when the budget ran out first.
 */
export function comparisonsToReach(trace: readonly Checkpoint[], target: number): number | null {
  const k = trace.findIndex((t) => t.error <= target);
  if (k < 0) return null;
  if (k === 0 || !Number.isFinite(trace[k - 1]!.error)) return trace[k]!.comparisons;
  const [a, b] = [trace[k - 1]!, trace[k]!];
  const slope = (Math.log(b.error) - Math.log(a.error)) / (Math.log(b.comparisons) - Math.log(a.comparisons));
  const reach = Math.exp(Math.log(a.comparisons) + (Math.log(target) - Math.log(a.error)) / (slope || -Infinity));
  return Math.round(Math.min(Math.max(reach, a.comparisons), b.comparisons) / 10) * 10;
}

/** The variance of an honest juror's log-ratio about the truth, `Var(c − d)`, over 100,000 answers on random pairs of the world. */
export function honestNoise(world: World, noise: JurorNoise, seed: number): number {
  const random = mulberry32(seed);
  const [juror] = makeJurors(1, 0, world, random);
  const n = world.ids.length;
  let squares = 0;
  const count = 100_000;
  for (let k = 0; k < count; k++) {
    const a = Math.floor(random() * n);
    const b = (a + 1 + Math.floor(random() * (n - 1))) % n;
    const { winner, ratio } = answer(juror!, world, a, b, random, noise);
    const c = winner === 'b' ? Math.log(ratio!) : winner === 'a' ? -Math.log(ratio!) : 0;
    squares += (c - Math.log(world.weights[b]! / world.weights[a]!)) ** 2;
  }
  return squares / count;
}

/** `E‖ŵ − w‖² / ‖w‖²` to first order, `tr(JΣJ) / ‖w‖²` with J = diag(w) − wwᵀ: `Σ_k w_k² (Σ_kk − 2 (Σw)_k + wᵀΣw) / Σ_k w_k²`. */
function expectedSquaredError(sigma: Float64Array, w: readonly number[]): number {
  const n = w.length;
  const t = new Float64Array(n);
  for (let b = 0; b < n; b++) for (let k = 0; k < n; k++) t[b]! += sigma[b * n + k]! * w[k]!;
  const u = w.reduce((s, wk, k) => s + wk * t[k]!, 0);
  let num = 0;
  let den = 0;
  w.forEach((wk, k) => {
    num += wk * wk * (sigma[k * n + k]! - 2 * t[k]! + u);
    den += wk * wk;
  });
  return num / den;
}

/**
 * What a sampler could reach if it knew the true weights (the bound the simulation's sampler is held against): from the
 * same seeded-ring start, each next pair the one of largest `pairGain` with Σ and G at the true weights (the sampler's
 * criterion, greedy A-optimal design in weight space) and every answer the information 1/σ² of an l2log fit, σ² the
 * honest jurors' noise. Returns the root of the expected squared relative error after each of `counts` comparisons,
 * and the count at which it falls to `target` (null past `budget`). For random pairs the same error has a closed
 * form: Σ = σ²(n − 1)/(2m) (I − J/n), so m = σ²(n − 1) Σ_k w_k² (1 − 2w_k + ‖w‖²) / (2 target² ‖w‖²).
 */
export function informationBound(world: World, noiseVariance: number, counts: readonly number[], target: number, budget: number) {
  const n = world.ids.length;
  const ring = { n, i: Int32Array.from({ length: n }, (_, k) => k), j: Int32Array.from({ length: n }, (_, k) => (k + 1) % n), of: Int32Array.from({ length: n }, (_, k) => k) };
  const sigma = covariance(ring, new Float64Array(n).fill(1 / noiseVariance), 0, true).full!;
  const w = Float64Array.from(world.weights);
  const logits = Float64Array.from(w, Math.log);
  const d: GroupDesign = {
    fit: { logits, pairs: ring, information: new Float64Array(n).fill(1 / noiseVariance), shift: 0, noise: noiseVariance },
    sigma,
    gram: weightGram(sigma, w),
    importance: 1,
    information: () => 1 / noiseVariance,
    disputed: new Int32Array(n),
    near: false,
  };
  const errors = new Map<number, number>();
  let reach: number | null = null;
  const last = Math.max(...counts);
  for (let m = n; m <= budget && (m <= last || reach === null); m++) {
    const error = Math.sqrt(expectedSquaredError(d.sigma, world.weights));
    if (counts.includes(m)) errors.set(m, error);
    if (reach === null && error <= target) reach = m;
    let best: [number, number] = [0, 1];
    let top = -Infinity;
    for (let x = 0; x < n; x++)
      for (let y = x + 1; y < n; y++) {
        const gain = pairGain(d, x, y);
        if (gain > top) [top, best] = [gain, [x, y]];
      }
    rankOneUpdate(d, best[0], best[1]);
  }
  const norm = world.weights.reduce((s, x) => s + x * x, 0);
  const spread = world.weights.reduce((s, x) => s + x * x * (1 - 2 * x + norm), 0);
  return { errors, reach, random: Math.round((noiseVariance * (n - 1) * spread) / (2 * target * target * norm)) };
}

/** Wall time of the engine's hot paths: aggregation at scale, and the sampler's next pair. */
export function speedFigures() {
  const random = mulberry32(99);
  const big = lognormalWorld(1000, random);
  const jurors = makeJurors(50, 0, big, random);
  const comparisons: Comparison[] = [];
  for (let k = 0; k < 100_000; k++) {
    const a = Math.floor(random() * 1000);
    const b = (a + 1 + Math.floor(random() * 999)) % 1000;
    comparisons.push({ juror: jurors[k % 50]!.id, a: big.ids[a]!, b: big.ids[b]!, ...answer(jurors[k % 50]!, big, a, b, random), at: at(k) });
  }
  const aggregate: Record<string, number> = {};
  for (const aggregation of ['l2log', 'huber', 'bt'] as const) {
    const round = { ...simulatedRound(big, jurors, [], { aggregation, jurorWeighting: 'none', seed: 1 }), comparisons };
    let best = Infinity;
    for (let trial = 0; trial < 3; trial++) {
      const started = performance.now();
      const tree = projectTree(round.projects);
      fitGroups(aggregation, observe(round, tree, jurorOrder(round), round.comparisons.keys()), null);
      best = Math.min(best, performance.now() - started);
    }
    aggregate[aggregation] = best;
  }

  // a juror's next pair among 100 projects from 1,000 to 3,000 answers, one call per answer as the chat makes them: from
  // the round alone (as `govbot pairwise next` does) and with the fit kept between calls (a SamplerCache)
  const world = lognormalWorld(100, random);
  const panel = makeJurors(20, 0, world, random);
  const round = simulatedRound(world, panel, [], { aggregation: 'huber', jurorWeighting: 'none', seed: 3, typedRatios: true });
  const cache = samplerCache();
  const cold: number[] = [];
  const warm: number[] = [];
  for (let k = 0; k < 3000; k++) {
    const juror = panel[k % 20]!;
    let started = performance.now();
    const [pair] = nextPairs(samplerState(round, [], { cache }), juror.id, 1);
    if (k >= 1000) warm.push(performance.now() - started);
    if (k >= 1000 && k % 5 === 0) {
      started = performance.now();
      nextPairs(samplerState(round), juror.id, 1);
      cold.push(performance.now() - started);
    }
    const [a, b] = [world.ids.indexOf(pair!.a), world.ids.indexOf(pair!.b)];
    round.comparisons.push({ juror: juror.id, a: pair!.a, b: pair!.b, ...answer(juror, world, a, b, random), at: at(k) });
  }
  const spread = (times: number[]) => {
    times.sort((x, y) => x - y);
    return { p50: times[times.length >> 1]!, p99: times[Math.floor(times.length * 0.99)]!, max: times.at(-1)! };
  };
  return { aggregate, next: spread(cold), nextKept: spread(warm) };
}

const ms = (t: number) => `${t.toFixed(1)} ms`;
/** The speed figures as the bench prints them, each timing with the load average (1 min) it was taken under. */
export function speedLines(): string[] {
  const { aggregate, next, nextKept } = speedFigures();
  const load = `load ${loadavg()[0]!.toFixed(2)} on ${availableParallelism()} cores`;
  return [
    `pairwise engine: aggregating 100,000 comparisons over 1,000 projects, best of 3: ${Object.entries(aggregate).map(([a, t]) => `${a} ${ms(t)}`).join(', ')} (${load})   [target < 1 s]`,
    `  next pair among 100 projects over 1,000–3,000 comparisons, from the round alone (govbot pairwise next; 400 calls): p50 ${ms(next.p50)}, p99 ${ms(next.p99)}, max ${ms(next.max)}   [target p99 < 20 ms]`,
    `  same with the fit kept between answers (SamplerCache, a refit every ${refitEvery(100)} answers; 2,000 calls): p50 ${ms(nextKept.p50)}, p99 ${ms(nextKept.p99)}, max ${ms(nextKept.max)} (${load})`,
  ];
}

/**
 * The bound per world (informationBound), for honest jurors: messy ones add at most their share of answers, so their
 * panels' bound is at least a fifth higher; a fit of the exact answer model (logistic perception) instead of l2log
 * would gain at most the ratio of the logistic's Fisher information 1/(3s²) to 1/σ².
 */
export function boundLines(worlds: readonly Variant['world'][], seeds: readonly number[]): string[] {
  return worlds.map((world) => {
    const bounds = seeds.map((seed) => {
      const random = mulberry32(seed * 7919 + 1);
      const truth = world === 'lognormal' ? lognormalWorld(100, random) : zipfWorld(100, random);
      const noise = honestNoise(truth, CALIBRATED_NOISE, seed);
      return { noise, ...informationBound(truth, noise, [1500, 3000], 0.1, 20_000) };
    });
    const reach = median(bounds.map((b) => b.reach ?? Infinity));
    const random = median(bounds.map((b) => b.random));
    const noise = median(bounds.map((b) => b.noise));
    return (
      `  bound, calibrated jurors, ${world}, honest (greedy A-optimal design at the true weights, l2log information at σ² = ${noise.toFixed(2)}): ` +
      `10 % RMS error after ${Number.isFinite(reach) ? thousands(reach) : '> 20,000'}${seeds.length > 1 ? ` [${bounds.map((b) => (b.reach === null ? '> 20,000' : thousands(b.reach))).join(', ')}]` : ''}; ` +
      `at 1,500: ${percent(median(bounds.map((b) => b.errors.get(1500)!)))}, at 3,000: ${percent(median(bounds.map((b) => b.errors.get(3000)!)))}; ` +
      `random pairs by the same formula ${thousands(random)} (the bound's share ${(reach / random).toFixed(2)}); ` +
      `an exact-model fit at most ×${((3 * CALIBRATED_NOISE.scale ** 2) / noise).toFixed(2)} the comparisons`
    );
  });
}

/**
 * A reduced simulation (minutes, not the full run's half hour), chosen by environment variables, each optional:
 * PAIRWISE_SEEDS=3 (seeds 1..3), PAIRWISE_NOISE=mixture,calibrated, PAIRWISE_WORLDS=lognormal,zipf,
 * PAIRWISE_PANELS=honest,messy, PAIRWISE_METHODS=random-l2log,sampler-huber-reliability (strategy-aggregation[-reliability]),
 * PAIRWISE_BOUND=0 (no bound lines). The growth with the number of projects runs only in full without PAIRWISE_METHODS.
 */
export function reducedRun(env: NodeJS.ProcessEnv) {
  const list = (name: string) => env[name]?.split(',').map((x) => x.trim()).filter(Boolean);
  const seeds = env.PAIRWISE_SEEDS ? Array.from({ length: Number(env.PAIRWISE_SEEDS) }, (_, k) => k + 1) : undefined;
  return {
    seeds,
    noises: list('PAIRWISE_NOISE') as JurorNoise['name'][] | undefined,
    worlds: list('PAIRWISE_WORLDS') as Variant['world'][] | undefined,
    panels: list('PAIRWISE_PANELS')?.map((p) => (p === 'messy' ? 0.2 : 0)),
    methods: list('PAIRWISE_METHODS'),
    bound: env.PAIRWISE_BOUND === '0' ? false : undefined,
  };
}
/** `sampler-huber-reliability` → the sampler, huber, juror weighting by reliability. */
function methodOf(name: string): Method {
  const [strategy, aggregation, weighting] = name.split('-');
  if ((strategy !== 'sampler' && strategy !== 'random') || !['l2log', 'huber', 'bt'].includes(aggregation!) || (weighting !== undefined && weighting !== 'reliability')) throw new Error(`PAIRWISE_METHODS: unknown method ${name}`);
  return { strategy, aggregation: aggregation as Aggregation, weighting: weighting ?? 'none' };
}

/** One simulated round to run: a variant, a seed, and where to measure. */
export interface SimulationTask {
  variant: Variant;
  seed: number;
  budget: number;
  checkpoints: number[];
  stopBelow?: { error: number; after: number };
}

/** Runs the tasks on `threads` worker threads (bench/pairwise-worker.ts), each task's trace at its index. */
async function runTasks(tasks: readonly SimulationTask[], threads: number): Promise<Checkpoint[][]> {
  const script = new URL('./pairwise-worker.ts', import.meta.url);
  const traces: Checkpoint[][] = new Array(tasks.length);
  let next = 0;
  const lane = async () => {
    const worker = new Worker(`import(${JSON.stringify(import.meta.resolve('tsx/esm/api'))}).then((tsx) => tsx.register()).then(() => import(${JSON.stringify(script.href)}))`, { eval: true });
    try {
      while (next < tasks.length) {
        const k = next++;
        worker.postMessage(tasks[k]);
        traces[k] = (await once(worker, 'message'))[0] as Checkpoint[];
      }
    } finally {
      await worker.terminate();
    }
  };
  await Promise.all(Array.from({ length: Math.min(threads, tasks.length) }, lane));
  return traces;
}

const percent = (x: number) => `${(x * 100).toFixed(1)} %`;
const thousands = (x: number) => x.toLocaleString('en-US');
type Method = Pick<Variant, 'strategy' | 'aggregation' | 'weighting'>;
/** What a round made in chat starts with (huber, no juror weighting) with the sampler: the bot's default since session 9. */
const DEFAULT: Method = { strategy: 'sampler', aggregation: 'huber', weighting: 'none' };
const RANDOM: Method = { strategy: 'random', aggregation: 'l2log', weighting: 'none' };
const label = (v: Method) => `${v.strategy} pairs, ${v.aggregation}${v.weighting === 'reliability' ? ' + reliability' : ''}`;
/** Where a variant's round ends: random pairs with reliability refit every juror against the others, so they stop sooner. */
const budgetOf = (v: Method) => (v.strategy === 'sampler' ? 8000 : v.weighting === 'reliability' ? 10_000 : 40_000);

/**
 * The simulation figures, every run on worker threads across the cores: per juror model, world, juror panel and
 * variant the comparisons to reach 10 % relative error (median over seeds, each seed's in brackets), the error and
 * Kendall τ at 1,500 and 3,000 comparisons; the default's need against random pairs' with l2log in the same worlds;
 * and, in full, how the default's error grows with the number of projects at 15 comparisons per project (heavy-tailed
 * jurors, for whom huber is the default). Quick, the heavy-tailed jurors get the default and random pairs; in full
 * they and the calibrated jurors (CALIBRATED_NOISE) get every variant, session 5's capped ones the default and random pairs.
 */
export async function simulationFigures(full: boolean): Promise<string[]> {
  const choice = reducedRun(process.env);
  const seeds = choice.seeds ?? (full ? [1, 2, 3, 4, 5] : [1]);
  const worlds: Variant['world'][] = choice.worlds ?? (full ? ['lognormal', 'zipf'] : ['lognormal']);
  const every: Method[] = (['sampler', 'random'] as const).flatMap((strategy) => (['huber', 'l2log', 'bt'] as const).flatMap((aggregation) => (['reliability', 'none'] as const).map((weighting) => ({ strategy, aggregation, weighting }))));
  const all = [
    { noise: CALIBRATED_NOISE, variants: every },
    { noise: MIXTURE_NOISE, variants: every },
    { noise: CAPPED_NOISE, variants: [DEFAULT, RANDOM] },
  ];
  const models: { noise: JurorNoise; variants: Method[] }[] = (
    choice.noises ? all.filter((m) => choice.noises!.includes(m.noise.name)) : full ? all : [{ noise: MIXTURE_NOISE, variants: [DEFAULT, RANDOM] }]
  ).map((m) => ({ noise: m.noise, variants: choice.methods?.map(methodOf) ?? m.variants }));
  const samplerChecks = [...Array.from({ length: 12 }, (_, k) => 250 * (k + 1)), 3500, 4000, 5000, 6000, 8000];
  const randomChecks = [1500, 3000, 6000, 10_000, 15_000, 20_000, 30_000, 40_000];
  const tasks: SimulationTask[] = [];
  const rows: { noise: JurorNoise; world: Variant['world']; messyShare: number; variant: Method; from: number }[] = [];
  for (const { noise, variants } of models)
    for (const world of worlds)
      for (const messyShare of choice.panels ?? [0, 0.2])
        for (const variant of variants) {
          rows.push({ noise, world, messyShare, variant, from: tasks.length });
          for (const seed of seeds)
            tasks.push({
              variant: { ...variant, world, projects: 100, messyShare, noise },
              seed,
              budget: budgetOf(variant),
              checkpoints: variant.strategy === 'sampler' ? samplerChecks : randomChecks,
              stopBelow: { error: 0.1, after: 3000 },
            });
        }
  const growthFrom = tasks.length;
  const sizes = full && !choice.methods ? [50, 100, 200, 500] : [];
  for (const projects of sizes)
    for (const seed of seeds) tasks.push({ variant: { ...DEFAULT, world: 'lognormal', projects, messyShare: 0, noise: MIXTURE_NOISE }, seed, budget: 15 * projects, checkpoints: [15 * projects] });
  const traces = await runTasks(tasks, Math.max(1, Math.min(2, availableParallelism())));

  const lines: string[] = [];
  const needs = new Map<string, number>();
  const cell = (noise: JurorNoise, world: string, messyShare: number, v: Method) => `${noise.name}\u0000${world}\u0000${messyShare}\u0000${label(v)}`;
  const panel = (messyShare: number) => (messyShare ? '20 % messy' : 'honest');
  for (const { noise, world, messyShare, variant, from } of rows) {
    const runs = traces.slice(from, from + seeds.length);
    const budget = budgetOf(variant);
    const reach = runs.map((t) => comparisonsToReach(t, 0.1));
    const middle = median(reach.map((r) => r ?? Infinity));
    needs.set(cell(noise, world, messyShare, variant), middle);
    const at = (count: number) => {
      const points = runs.map((t) => t.find((c) => c.comparisons === count)).filter((c): c is Checkpoint => c !== undefined);
      return points.length === runs.length ? `at ${thousands(count)}: ${percent(median(points.map((c) => c.error)))}, τ ${median(points.map((c) => c.tau)).toFixed(3)}` : '';
    };
    const each = reach.map((r) => (r === null ? `> ${thousands(budget)}` : thousands(r))).join(', ');
    lines.push(
      `  ${noise.name} jurors, ${world}, ${panel(messyShare)}, ${label(variant)}: 10 % after ${Number.isFinite(middle) ? thousands(middle) : `> ${thousands(budget)}`}` +
        `${seeds.length > 1 ? ` [${each}]` : ''}; ${[at(1500), at(3000)].filter(Boolean).join('; ')}`,
    );
  }
  for (const { noise, variants } of models)
    for (const world of worlds)
      for (const messyShare of choice.panels ?? [0, 0.2])
        for (const variant of variants.filter((v) => v.strategy === 'sampler')) {
          const mine = needs.get(cell(noise, world, messyShare, variant))!;
          const random = needs.get(cell(noise, world, messyShare, RANDOM));
          if (random === undefined) continue;
          const ratio = Number.isFinite(mine) && Number.isFinite(random) ? (mine / random).toFixed(2) : Number.isFinite(mine) ? `< ${(mine / budgetOf(RANDOM)).toFixed(2)}` : 'n/a';
          lines.push(`  ${noise.name} jurors, ${world}, ${panel(messyShare)}: ${label(variant)} needs ${ratio} of what random pairs with l2log need   [target ≤ 0.25; 10 % within ${messyShare ? '3,000' : '1,500'}]`);
        }
  if (models.some((m) => m.noise === CALIBRATED_NOISE) && choice.bound !== false) lines.push(...boundLines(worlds, seeds));
  sizes.forEach((projects, k) => {
    const ends = traces.slice(growthFrom + k * seeds.length, growthFrom + (k + 1) * seeds.length).map((t) => t.at(-1)!);
    lines.push(`  ${projects} projects, ${MIXTURE_NOISE.name} jurors, ${label(DEFAULT)}, ${thousands(15 * projects)} comparisons (15 per project): error ${percent(median(ends.map((c) => c.error)))}, Kendall τ ${median(ends.map((c) => c.tau)).toFixed(3)}`);
  });
  return lines;
}
