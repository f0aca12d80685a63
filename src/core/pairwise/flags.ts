import { computePairwiseReport, type PairwiseReport } from './report.ts';
import { PairwiseError, type PairwiseRound } from './types.ts';

type JurorFigures = PairwiseReport['jurors'][number];

/** A mean squared log-ratio error of 0.5 is answers off by a factor of e^√0.5 ≈ 2 on average: honest disagreement stays under it. */
const RESIDUAL_FLOOR = 0.5;

/**
 * Why one juror looks messy, from their figures alone: their residual is over twice the median and over
 * RESIDUAL_FLOOR (among consistent jurors twice a tiny median is still nothing), their scale is under ½ (they hardly
 * follow the differences everyone else sees) or negative, or a quarter of their answers lie on cycles.
 */
export function flagsOf(juror: JurorFigures, medianResidual: number | null): string[] {
  const why: string[] = [];
  if (juror.residual !== null && medianResidual !== null && juror.residual > Math.max(2 * medianResidual, RESIDUAL_FLOOR))
    why.push(`residual ${juror.residual.toFixed(2)}${medianResidual > 0 ? `, ${(juror.residual / medianResidual).toFixed(1)}× the median` : ''}`);
  if (juror.scale !== null && juror.scale < 0.5) why.push(juror.scale < 0 ? 'answers against the others' : `scale ${juror.scale.toFixed(2)}, hardly following the others`);
  if (juror.comparisons > 0 && juror.cycles * 4 >= juror.comparisons && juror.cycles > 0) why.push(`${juror.cycles} answers on cycles`);
  return why;
}

export function medianResidual(report: PairwiseReport): number | null {
  const rs = report.jurors.flatMap((j) => (j.residual === null ? [] : [j.residual])).sort((a, b) => a - b);
  if (rs.length === 0) return null;
  const mid = rs.length >> 1;
  return rs.length % 2 ? rs[mid]! : (rs[mid - 1]! + rs[mid]!) / 2;
}

/** The round as it would be with these jurors' comparisons taken out (what `/jurors exclude` does to the file). */
function without(round: PairwiseRound, jurors: ReadonlySet<string>): PairwiseRound {
  const kept = round.comparisons.flatMap((c, k) => (jurors.has(c.juror) ? [] : [k]));
  const at = new Map(kept.map((k, position) => [k, position]));
  return {
    ...round,
    jurors: round.jurors.filter((j) => !jurors.has(j.id)),
    comparisons: kept.map((k) => round.comparisons[k]!),
    holdout: round.holdout && round.holdout.flatMap((k) => (at.has(k) ? [at.get(k)!] : [])),
  };
}

/**
 * The jurors to flag, with why, worst first. A messy juror skews the fit on the pairs they answered, so an honest
 * juror who shares those pairs can look off against "everyone else" only because of them (masking, in outlier
 * terms). So the jurors are confirmed one at a time, by residual: the worst flagged one first, then each next one
 * only if their figures still flag them in the round without the jurors confirmed so far — what the moderator would
 * see after excluding those. A juror whose pairs nobody else compares once those are out is not flagged.
 */
export function flaggedJurors(round: PairwiseRound, report: PairwiseReport): { id: string; why: string[] }[] {
  const median = medianResidual(report);
  const candidates = report.jurors
    .map((juror) => ({ juror, why: flagsOf(juror, median) }))
    .filter((c) => c.why.length > 0)
    .sort((x, y) => (y.juror.residual ?? -1) - (x.juror.residual ?? -1) || (x.juror.id < y.juror.id ? -1 : 1));
  const confirmed: { id: string; why: string[] }[] = [];
  let current = report;
  let currentFor = 0;
  for (const { juror, why } of candidates) {
    if (confirmed.length === 0) {
      confirmed.push({ id: juror.id, why });
      continue;
    }
    if (currentFor !== confirmed.length) {
      try {
        current = computePairwiseReport(without(round, new Set(confirmed.map((c) => c.id))));
      } catch (error) {
        // without the confirmed jurors the rest no longer connects: nobody is left to confirm against
        if (error instanceof PairwiseError) break;
        throw error;
      }
      currentFor = confirmed.length;
    }
    const again = current.jurors.find((j) => j.id === juror.id);
    const stillWhy = again ? flagsOf(again, medianResidual(current)) : [];
    if (stillWhy.length > 0) confirmed.push({ id: juror.id, why: stillWhy });
  }
  return confirmed;
}
