import type { PairwiseRound } from '../../../src/core/pairwise/types.ts';
import { parsePairwiseRound } from '../../../src/roundfile/pairwise.ts';

type Answer = [juror: string, a: string, b: string, winner: 'a' | 'b' | 'equal', ratio?: number];

/** A flat (or, with `parents`, nested) pairwise round through the real schema, so tests build only valid rounds. */
export function pairwiseRound(
  projects: string[],
  answers: Answer[],
  config: Record<string, unknown> = {},
  extra: { parents?: Record<string, string>; submissions?: unknown[]; holdout?: number[] } = {},
): PairwiseRound {
  const jurors = [...new Set(answers.map((a) => a[0]))].sort();
  return parsePairwiseRound({
    version: 1,
    kind: 'pairwise',
    round: { id: 'r', name: 'Test round', root: 'Root', config: { holdoutPercent: 0, typedRatios: true, ...config } },
    projects: projects.map((id) => ({ id, name: id, parent: extra.parents?.[id] ?? null })),
    jurors: (jurors.length > 0 ? jurors : ['j1']).map((id) => ({ id, handle: id })),
    comparisons: answers.map(([juror, a, b, winner, ratio], k) => ({
      juror,
      a,
      b,
      winner,
      ...(config['elicitation'] === 'binary' || winner === 'equal' ? {} : { ratio: ratio ?? 2 }),
      at: new Date(Date.UTC(2025, 0, 1, 0, k)).toISOString(),
    })),
    ...(extra.holdout ? { holdout: extra.holdout } : {}),
    submissions: extra.submissions ?? [],
  });
}
