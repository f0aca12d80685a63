// `npm run bench -- pairwise`: the Deep Funding engine's figures. Quick by default (one seed, a few seconds);
// PAIRWISE_FULL=1 (or `-- pairwise --full`) runs every variant over 5 seeds and the growth with the number of projects.
import { assemble, fitGroups } from '../src/core/pairwise/aggregate.ts';
import { reliabilityWeights } from '../src/core/pairwise/jurors.ts';
import { jurorOrder, observe } from '../src/core/pairwise/observations.ts';
import { mulberry32 } from '../src/core/pairwise/random.ts';
import { nextPairs, samplerState } from '../src/core/pairwise/sampler.ts';
import { projectTree } from '../src/core/pairwise/tree.ts';
import { disconnectedGroups } from '../src/core/pairwise/aggregate.ts';
import type { Aggregation, Comparison, PairwiseRound } from '../src/core/pairwise/types.ts';
import { answer, kendallTau, lognormalWorld, makeJurors, relativeError, simulatedRound, zipfWorld, type SimJuror, type World } from './pairwise-sim.ts';

export interface Variant {
  world: 'lognormal' | 'zipf';
  projects: number;
  messyShare: number;
  strategy: 'random' | 'sampler';
  aggregation: Aggregation;
  weighting: 'none' | 'reliability';
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

/** One simulated round: comparisons accumulate (20 jurors in turn) and the error is measured every `step`. */
export function simulate(v: Variant, seed: number, budget: number, step: number): { comparisons: number; error: number; tau: number }[] {
  const random = mulberry32(seed * 7919 + 1);
  const world: World = v.world === 'lognormal' ? lognormalWorld(v.projects, random) : zipfWorld(v.projects, random);
  const jurors: SimJuror[] = makeJurors(20, v.messyShare, world, random);
  const round = simulatedRound(world, jurors, [], { aggregation: v.aggregation, jurorWeighting: v.weighting, seed });
  const comparisons: Comparison[] = [];
  round.comparisons = comparisons;
  const index = new Map(world.ids.map((id, k) => [id, k]));
  const ask = (juror: SimJuror, a: number, b: number) => comparisons.push({ juror: juror.id, a: world.ids[a]!, b: world.ids[b]!, ...answer(juror, world, a, b, random), at: at(comparisons.length) });
  const out: { comparisons: number; error: number; tau: number }[] = [];
  // the sampler is asked for a batch at a time, each juror's picks counted as pending for the next juror's
  const batch = Math.max(20, Math.round(v.projects / 5));
  while (comparisons.length < budget) {
    if (v.strategy === 'random')
      for (let k = 0; k < batch; k++) {
        const a = Math.floor(random() * v.projects);
        const b = (a + 1 + Math.floor(random() * (v.projects - 1))) % v.projects;
        ask(jurors[comparisons.length % jurors.length]!, a, b);
      }
    else {
      const state = samplerState(round);
      const picks = jurors.map((j) => ({ j, pairs: nextPairs(state, j.id, batch / jurors.length) }));
      for (const { j, pairs } of picks) for (const p of pairs) ask(j, index.get(p.a)!, index.get(p.b)!);
    }
    if (comparisons.length % step < batch) {
      const w = estimate(round);
      out.push({ comparisons: comparisons.length, error: w ? relativeError(w, world.weights) : Infinity, tau: w ? kendallTau(w, world.weights) : 0 });
    }
  }
  return out;
}

/** The first measured count at which the error is at most `target`; null when the budget ran out first. */
export const comparisonsToReach = (trace: { comparisons: number; error: number }[], target: number) => trace.find((t) => t.error <= target)?.comparisons ?? null;

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[s.length >> 1]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};
/** Median over seeds, a seed that never reached the target counting as more than the budget. */
const medianReach = (reached: (number | null)[], budget: number) => {
  const m = median(reached.map((r) => r ?? Infinity));
  return Number.isFinite(m) ? String(m) : `> ${budget}`;
};

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

  const world = lognormalWorld(100, random);
  const panel = makeJurors(20, 0, world, random);
  const round = simulatedRound(world, panel, [], { aggregation: 'huber', jurorWeighting: 'none', seed: 3 });
  const times: number[] = [];
  for (let k = 0; k < 3000; k++) {
    const juror = panel[k % 20]!;
    const started = performance.now();
    const [pair] = nextPairs(samplerState(round), juror.id, 1);
    if (k >= 1000 && k % 10 === 0) times.push(performance.now() - started);
    const [a, b] = [world.ids.indexOf(pair!.a), world.ids.indexOf(pair!.b)];
    round.comparisons.push({ juror: juror.id, a: pair!.a, b: pair!.b, ...answer(juror, world, a, b, random), at: at(k) });
  }
  times.sort((x, y) => x - y);
  return { aggregate, next: { p50: times[times.length >> 1]!, p99: times[Math.floor(times.length * 0.99)]!, max: times.at(-1)! } };
}

/** The simulation figures: comparisons to reach 10 % relative error, per variant, median over seeds. */
export function simulationFigures(full: boolean) {
  const seeds = full ? [1, 2, 3, 4, 5] : [1];
  const lines: string[] = [];
  const row = (v: Variant, budget: number, step: number) => {
    const traces = seeds.map((s) => simulate(v, s, budget, step));
    const reach = medianReach(traces.map((t) => comparisonsToReach(t, 0.1)), budget);
    const last = traces.map((t) => t.at(-1)!);
    return { reach, error: median(last.map((t) => t.error)), tau: median(last.map((t) => t.tau)), at: last[0]!.comparisons };
  };
  const worlds: Variant['world'][] = full ? ['lognormal', 'zipf'] : ['lognormal'];
  const variants: Omit<Variant, 'world' | 'projects' | 'messyShare'>[] = full
    ? (['sampler', 'random'] as const).flatMap((strategy) => (['l2log', 'huber', 'bt'] as const).flatMap((aggregation) => (['none', 'reliability'] as const).map((weighting) => ({ strategy, aggregation, weighting }))))
    : [
        { strategy: 'sampler', aggregation: 'huber', weighting: 'reliability' },
        { strategy: 'random', aggregation: 'l2log', weighting: 'none' },
      ];
  for (const world of worlds)
    for (const messyShare of [0, 0.2])
      for (const v of variants) {
        const budget = v.strategy === 'sampler' ? (full ? 8000 : 3000) : full ? 40_000 : 6000;
        const r = row({ ...v, world, projects: 100, messyShare }, budget, full ? (v.strategy === 'sampler' ? 100 : 500) : 1500);
        lines.push(
          `  ${world}, ${messyShare ? '20 % messy' : 'honest'} jurors, ${v.strategy} pairs, ${v.aggregation}${v.weighting === 'reliability' ? ' + reliability' : ''}: ` +
            `10 % after ${r.reach} comparisons; at ${r.at}: error ${(r.error * 100).toFixed(1)} %, Kendall τ ${r.tau.toFixed(3)}`,
        );
      }
  if (full)
    for (const projects of [50, 100, 200, 500]) {
      const budget = 15 * projects;
      const r = row({ world: 'lognormal', projects, messyShare: 0, strategy: 'sampler', aggregation: 'huber', weighting: 'none' }, budget, budget);
      lines.push(`  ${projects} projects, sampler + huber, ${budget} comparisons (15 per project): error ${(r.error * 100).toFixed(1)} %, Kendall τ ${r.tau.toFixed(3)}`);
    }
  return lines;
}
