import { readFile } from 'node:fs/promises';
import { z } from 'zod';
import { holdoutOf, scoreOnHoldout } from '../core/pairwise/holdout.ts';
import { computePairwiseReport, pairwiseReportJson, round6, round9 } from '../core/pairwise/report.ts';
import { nextPairs, samplerState } from '../core/pairwise/sampler.ts';
import { projectTree } from '../core/pairwise/tree.ts';
import { renderPairwiseReport } from '../format/pairwise.ts';
import { parsePairwiseRoundBytes, parseSubmissionWeights } from '../roundfile/pairwise.ts';
import { jsonOf, RoundFileError } from '../roundfile/schema.ts';
import { CliError, parse, readRoundBytes } from './cli.ts';

/** `govbot replay FILE [--json]` on a pairwise round. */
export function replayPairwise(bytes: Uint8Array, json: boolean): string {
  const report = computePairwiseReport(parsePairwiseRoundBytes(bytes));
  return json ? pairwiseReportJson(report) : renderPairwiseReport(report);
}

async function readPairwise(path: string) {
  return parsePairwiseRoundBytes(await readRoundBytes(path));
}

/** `govbot pairwise next FILE --juror ID [--count N] [--json]`: what the active sampler would ask that juror next. */
async function next(args: string[]): Promise<string> {
  const opts = parse(
    args,
    { juror: { type: 'string' }, count: { type: 'string' }, json: { type: 'boolean' } },
    z.object({
      juror: z.string({ error: 'say whose next pairs: --juror ID' }),
      count: z.coerce.number().int().min(1).max(1000).default(1),
      json: z.boolean().optional(),
      positionals: z.tuple([z.string()], { error: 'name exactly one pairwise round file' }),
    }),
  );
  const round = await readPairwise(opts.positionals[0]);
  if (!round.jurors.some((j) => j.id === opts.juror)) throw new CliError(`${opts.juror} is not a juror of round ${round.id}`);
  const pairs = nextPairs(samplerState(round), opts.juror, opts.count);
  if (opts.json) return `${JSON.stringify({ round: round.id, juror: opts.juror, pairs })}\n`;
  const name = new Map(round.projects.map((p) => [p.id, p.name]));
  const parentOf = new Map(round.projects.map((p) => [p.id, p.parent]));
  if (pairs.length === 0) return `${opts.juror} has been asked every pair of round ${round.id}.\n`;
  return pairs.map((p, k) => `${k + 1}. which mattered more to ${parentOf.get(p.a) ? name.get(parentOf.get(p.a)!) : round.root}: ${name.get(p.a)} (${p.a}) or ${name.get(p.b)} (${p.b})?\n`).join('');
}

/** A submission as JSON (`{ "geth": 0.4, … }`, or `{ "weights": { … } }`) or CSV with `project` and `weight` columns. */
export function submissionWeights(path: string, text: string): unknown {
  if (!path.toLowerCase().endsWith('.csv')) {
    const json = jsonOf(Buffer.from(text)) as { weights?: unknown };
    return typeof json === 'object' && json !== null && 'weights' in json ? json.weights : json;
  }
  const [head = '', ...lines] = text.split(/\r?\n/).filter((l) => l.trim() !== '');
  const columns = head.split(',').map((c) => c.trim().toLowerCase());
  const [at, weightAt] = [columns.indexOf('project'), columns.indexOf('weight')];
  if (at === -1 || weightAt === -1) throw new CliError(`${path}: the first line names the columns, with "project" and "weight" among them`);
  return Object.fromEntries(
    lines.map((line, k) => {
      const cells = line.split(',').map((c) => c.trim());
      const weight = Number(cells[weightAt]);
      if (cells[weightAt] === '' || !Number.isFinite(weight)) throw new CliError(`${path}, line ${k + 2}: ${JSON.stringify(cells[weightAt] ?? '')} is not a number`);
      return [cells[at] ?? '', weight];
    }),
  );
}

/** `govbot pairwise score FILE SUBMISSION.json|csv [--json]`: one weight vector scored on the round's holdout. */
async function score(args: string[]): Promise<string> {
  const opts = parse(
    args,
    { json: { type: 'boolean' } },
    z.object({ json: z.boolean().optional(), positionals: z.tuple([z.string(), z.string()], { error: 'name the pairwise round file and the submission' }) }),
  );
  const [roundPath, submissionPath] = opts.positionals;
  const round = await readPairwise(roundPath);
  let text: string;
  try {
    text = await readFile(submissionPath, 'utf8');
  } catch (e) {
    throw new CliError(`cannot read ${submissionPath}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  let weights: Record<string, number>;
  try {
    weights = parseSubmissionWeights(round, submissionWeights(submissionPath, text));
  } catch (e) {
    if (e instanceof RoundFileError) throw new CliError(`${submissionPath} is not a valid submission:\n${e.problems.map((p) => `  - ${p}`).join('\n')}`);
    throw e;
  }
  const holdout = holdoutOf(round, projectTree(round.projects));
  const result = scoreOnHoldout(round, (id) => weights[id]!, holdout);
  if (!result) throw new CliError(`round ${round.id} keeps no comparisons out of the fit (config.holdoutPercent is 0), so there is nothing to score on`);
  const published = {
    round: round.id,
    holdout: holdout.length,
    score: round9(round.config.elicitation === 'binary' ? result.logLoss : result.squaredError!),
    squaredError: result.squaredError === null ? null : round9(result.squaredError),
    logLoss: round9(result.logLoss),
    winnersRight: result.winnersRight === null ? null : round6(result.winnersRight),
  };
  if (opts.json) return `${JSON.stringify(published)}\n`;
  const measure = round.config.elicitation === 'binary' ? 'log-loss' : 'mean squared log-ratio error';
  return (
    `On the ${holdout.length} held-out comparisons of round ${round.id}: ${measure} ${published.score} (lower is better)` +
    `; log-loss ${published.logLoss}${published.winnersRight === null ? '' : `; winners right ${(published.winnersRight * 100).toFixed(1)}%`}.\n`
  );
}

/** `govbot pairwise next|score …` */
export async function runPairwise(args: string[]): Promise<string> {
  const [verb, ...rest] = args;
  if (verb === 'next') return next(rest);
  if (verb === 'score') return score(rest);
  throw new CliError('usage: govbot pairwise next FILE --juror ID [--count N] [--json]\n       govbot pairwise score FILE SUBMISSION.json|csv [--json]');
}
