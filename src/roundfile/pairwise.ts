import { z } from 'zod';
import { baseUnits } from '../core/config.ts';
import type { Comparison, PairwiseRound } from '../core/pairwise/types.ts';
import { formatPath, ID_PATTERN, jsonOf, RoundFileError } from './schema.ts';

const id = z.string().regex(ID_PATTERN, 'an id is 1 to 64 letters, digits or . _ : -');
const isoTime = z.iso.datetime({ offset: true, error: (i) => `${JSON.stringify(i.input)} is not an ISO 8601 date-time` });
const DEFAULT_RATIOS = [1.5, 2, 3, 5, 10, 30, 100];

/** The rules of a pairwise round; every key optional, the DESIGN.md defaults otherwise. */
export const pairwiseConfigSchema = z
  .strictObject({
    aggregation: z.enum(['l2log', 'huber', 'bt']).default('l2log'),
    elicitation: z.enum(['ratio', 'binary']).default('ratio'),
    ratios: z
      .array(z.number().gt(1, 'a ratio to pick is more than 1').max(1e6))
      .min(1)
      .max(20)
      .refine((rs) => rs.every((r, i) => i === 0 || r > rs[i - 1]!), 'ratios are listed in increasing order, each once')
      .default(DEFAULT_RATIOS),
    typedRatios: z.boolean().default(false),
    holdoutPercent: z.number().int().min(0).max(50).default(20),
    jurorWeighting: z.enum(['none', 'reliability']).default('none'),
    seed: z.number().int().min(0).max(0xffffffff).default(0),
    token: z.strictObject({ symbol: z.string().min(1).max(16).default('ETH'), decimals: z.number().int().min(0).max(36).default(18) }).prefault({}),
    pool: baseUnits.default(0n),
    minWeight: z.number().min(0).lt(1).default(0),
  })
  .superRefine((c, ctx) => {
    if (c.elicitation === 'binary' && c.aggregation !== 'bt')
      ctx.addIssue({ code: 'custom', path: ['aggregation'], message: `${c.aggregation} fits stated ratios; a binary round (winners only) uses bt` });
  });

const comparisonSchema = z.strictObject({
  juror: id,
  a: id,
  b: id,
  winner: z.enum(['a', 'b', 'equal']),
  ratio: z.number().min(1, 'a ratio is at least 1 (the winner mattered that many times more)').max(1e6).optional(),
  at: isoTime,
});

const shape = z.strictObject({
  version: z.literal(1, { error: 'this govbot reads round files of version 1' }),
  kind: z.literal('pairwise'),
  round: z.strictObject({
    id,
    name: z.string().min(1).max(200),
    root: z.string().min(1).max(200),
    config: pairwiseConfigSchema.prefault({}),
  }),
  projects: z
    .array(
      z.strictObject({
        id,
        name: z.string().min(1).max(200),
        url: z.url().max(500).optional(),
        parent: id.nullable().default(null),
      }),
    )
    .min(1)
    .max(100_000),
  jurors: z.array(z.strictObject({ id, handle: z.string().min(1).max(100) })).max(100_000),
  comparisons: z.array(comparisonSchema).max(5_000_000).default([]),
  holdout: z.array(z.number().int()).optional(),
  submissions: z
    .array(z.strictObject({ id, author: z.string().min(1).max(100), weights: z.record(z.string(), z.number()) }))
    .max(10_000)
    .default([]),
});

type Issue = { path: (string | number)[]; message: string };
type Shape = z.output<typeof shape>;

/** The checks between lists, each problem at the path of the bad field. */
function crossCheck(file: Shape): Issue[] {
  const issues: Issue[] = [];
  const problem = (path: Issue['path'], message: string) => issues.push({ path, message });
  const { config } = file.round;

  const projects = new Map<string, number>();
  file.projects.forEach((p, k) => (projects.has(p.id) ? problem(['projects', k, 'id'], `${p.id} is listed twice`) : projects.set(p.id, k)));
  file.projects.forEach((p, k) => {
    if (p.parent === null) return;
    if (!projects.has(p.parent)) return problem(['projects', k, 'parent'], `${p.parent} is not a project of the round`);
    // a parent chain longer than the list has come back on itself
    let at: string | null = p.parent;
    for (let steps = 0; at !== null && steps <= file.projects.length; steps++) {
      if (at === p.id) return problem(['projects', k, 'parent'], `${p.id} would be its own ancestor`);
      at = file.projects[projects.get(at)!]?.parent ?? null;
    }
  });
  const jurors = new Set<string>();
  file.jurors.forEach((j, k) => (jurors.has(j.id) ? problem(['jurors', k, 'id'], `${j.id} is listed twice`) : jurors.add(j.id)));

  const parentOf = (id: string) => file.projects[projects.get(id)!]!.parent;
  file.comparisons.forEach((c, k) => {
    const at = (field: string) => ['comparisons', k, field];
    if (!jurors.has(c.juror)) problem(at('juror'), `${c.juror} is not a juror of the round`);
    const known = (side: 'a' | 'b') => projects.has(c[side]) || (problem(at(side), `${c[side]} is not a project of the round`), false);
    if (known('a') && known('b')) {
      if (c.a === c.b) problem(at('b'), `a project is not compared with itself (${c.a})`);
      else if (parentOf(c.a) !== parentOf(c.b))
        problem(at('b'), `${c.b} is not a sibling of ${c.a}: only projects with the same parent are compared (${parentOf(c.a) ?? file.round.root} and ${parentOf(c.b) ?? file.round.root})`);
    }
    if (config.elicitation === 'binary') {
      if (c.ratio !== undefined && !(c.winner === 'equal' && c.ratio === 1)) problem(at('ratio'), 'a binary round asks only the winner; leave the ratio out');
    } else if (c.winner === 'equal') {
      if (c.ratio !== undefined && c.ratio !== 1) problem(at('ratio'), `an equal answer has ratio 1, not ${c.ratio}`);
    } else if (c.ratio === undefined) problem(at('ratio'), 'how many times more the winner mattered is missing');
    else if (c.ratio === 1) problem(at('winner'), 'a ratio of 1 is an equal answer: write "winner": "equal"');
    else if (!config.typedRatios && !config.ratios.includes(c.ratio))
      problem(at('ratio'), `${c.ratio} is not one of the offered ratios (${config.ratios.join(', ')}); set config.typedRatios to allow any ratio ≥ 1`);
  });

  const seen = new Set<number>();
  file.holdout?.forEach((k, i) => {
    if (k < 0 || k >= file.comparisons.length) problem(['holdout', i], `${k} is not a comparison index (there are ${file.comparisons.length} comparisons, from 0)`);
    else if (seen.has(k)) problem(['holdout', i], `comparison ${k} is listed twice`);
    seen.add(k);
  });

  const submissionIds = new Set<string>();
  file.submissions.forEach((s, k) => {
    const at = ['submissions', k];
    if (submissionIds.has(s.id)) problem([...at, 'id'], `${s.id} is listed twice`);
    submissionIds.add(s.id);
    issues.push(...weightProblems(file.projects, s.weights).map((i) => ({ path: [...at, 'weights', ...i.path], message: i.message })));
  });
  return issues;
}

/** Weights per sibling group must be a distribution: every project, each positive, each group's sum 1 (± 1e-6). */
function weightProblems(projects: readonly { id: string; parent: string | null }[], weights: Record<string, number>): Issue[] {
  const issues: Issue[] = [];
  const known = new Set(projects.map((p) => p.id));
  for (const [key, w] of Object.entries(weights)) {
    if (!known.has(key)) issues.push({ path: [key], message: `${key} is not a project of the round` });
    else if (!Number.isFinite(w) || w <= 0) issues.push({ path: [key], message: `${w} is not a positive weight (the score takes its logarithm)` });
  }
  const sums = new Map<string | null, number[]>();
  for (const p of projects) {
    const w = weights[p.id];
    if (w === undefined) issues.push({ path: [], message: `there is no weight for ${p.id}` });
    else sums.set(p.parent, [...(sums.get(p.parent) ?? []), w]);
  }
  if (issues.length > 0) return issues;
  for (const [parent, ws] of sums) {
    const total = ws.sort((a, b) => a - b).reduce((s, w) => s + w, 0);
    if (Math.abs(total - 1) > 1e-6)
      issues.push({ path: [], message: `the weights of the projects ${parent === null ? 'at the top' : `under ${parent}`} add up to ${total}, not 1: each sibling group's weights are a distribution` });
  }
  return issues;
}

const MAX_PROBLEMS_SHOWN = 20;
const refuse = (issues: Issue[]): never => {
  const problems = issues.map((i) => `${formatPath(i.path)}: ${i.message}`);
  const more = problems.length - MAX_PROBLEMS_SHOWN;
  throw new RoundFileError(more > 0 ? [...problems.slice(0, MAX_PROBLEMS_SHOWN), `… and ${more} more`] : problems);
};

const asComparison = (c: z.output<typeof comparisonSchema>, binary: boolean): Comparison => ({
  juror: c.juror,
  a: c.a,
  b: c.b,
  winner: c.winner,
  ratio: binary ? null : c.winner === 'equal' ? 1 : c.ratio!,
  at: c.at,
});

/** Validates a parsed pairwise round file; a RoundFileError naming the path of each bad field otherwise. */
export function parsePairwiseRound(json: unknown): PairwiseRound {
  const parsed = shape.safeParse(json);
  if (!parsed.success) return refuse(parsed.error.issues.map((i) => ({ path: i.path as Issue['path'], message: i.message })));
  const file = parsed.data;
  const issues = crossCheck(file);
  if (issues.length > 0) return refuse(issues);
  const binary = file.round.config.elicitation === 'binary';
  return {
    id: file.round.id,
    name: file.round.name,
    root: file.round.root,
    config: file.round.config,
    projects: file.projects.map((p) => ({ id: p.id, name: p.name, url: p.url, parent: p.parent })),
    jurors: file.jurors,
    comparisons: file.comparisons.map((c) => asComparison(c, binary)),
    holdout: file.holdout ?? null,
    submissions: file.submissions,
  };
}

/** A submission's weights checked against a round: a distribution per sibling group over every project. */
export function parseSubmissionWeights(round: PairwiseRound, weights: unknown): Record<string, number> {
  const parsed = z.record(z.string(), z.number()).safeParse(weights);
  if (!parsed.success) return refuse(parsed.error.issues.map((i) => ({ path: ['weights', ...(i.path as Issue['path'])], message: i.message })));
  const issues = weightProblems(round.projects, parsed.data);
  return issues.length > 0 ? refuse(issues.map((i) => ({ path: ['weights', ...i.path], message: i.message }))) : parsed.data;
}

export const parsePairwiseRoundBytes = (bytes: Uint8Array): PairwiseRound => parsePairwiseRound(jsonOf(bytes));

/**
 * Whether round-file bytes are a pairwise round: they hold `"kind"` `:` `"pairwise"`. Nothing else can: a governance
 * file's only `kind` is a reaction's (upvote, positive, negative), and inside a string the quotes would be escaped.
 * One native search for `"pairwise"`, so a 100 MB governance file is told apart in milliseconds.
 */
export function isPairwiseFile(bytes: Uint8Array): boolean {
  const buffer = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const space = (b: number | undefined) => b === 0x20 || b === 0x0a || b === 0x0d || b === 0x09;
  for (let at = buffer.indexOf('"pairwise"'); at !== -1; at = buffer.indexOf('"pairwise"', at + 1)) {
    let k = at - 1;
    while (space(buffer[k])) k--;
    if (buffer[k] !== 0x3a) continue;
    k--;
    while (space(buffer[k])) k--;
    if (k >= 5 && buffer.toString('latin1', k - 5, k + 1) === '"kind"') return true;
  }
  return false;
}

/** A pairwise round as a round file, keys in a fixed order: the form `govbot replay` reads back. */
export function serializePairwiseRound(round: PairwiseRound): string {
  const { config } = round;
  const file = {
    version: 1,
    kind: 'pairwise',
    round: {
      id: round.id,
      name: round.name,
      root: round.root,
      config: { ...config, pool: config.pool.toString() },
    },
    projects: round.projects.map((p) => ({ id: p.id, name: p.name, ...(p.url ? { url: p.url } : {}), parent: p.parent })),
    jurors: round.jurors.map((j) => ({ id: j.id, handle: j.handle })),
    comparisons: round.comparisons.map((c) => ({
      juror: c.juror,
      a: c.a,
      b: c.b,
      winner: c.winner,
      ...(c.ratio === null ? {} : { ratio: c.ratio }),
      at: c.at,
    })),
    ...(round.holdout ? { holdout: round.holdout } : {}),
    submissions: round.submissions,
  };
  // one list item per line: a file of thousands of comparisons stays readable and diffs line by line
  const lines = Object.entries(file).map(([key, value]) =>
    Array.isArray(value) && value.some((v) => typeof v === 'object')
      ? `  ${JSON.stringify(key)}: [\n${value.map((v) => `    ${JSON.stringify(v)}`).join(',\n')}\n  ]`
      : `  ${JSON.stringify(key)}: ${JSON.stringify(value)}`,
  );
  return `{\n${lines.join(',\n')}\n}\n`;
}
