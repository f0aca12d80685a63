import type { PairwiseReport } from '../core/pairwise/report.ts';
import { renderTable } from './table.ts';
import { formatUnits } from './units.ts';

const percent = (x: number) => `${(x * 100).toFixed(2)}%`;
const figure = (x: number | null, digits = 3) => (x === null ? '–' : x.toFixed(digits));

/** The readable form of a pairwise round's report: weights and funding, jurors, submissions. */
export function renderPairwiseReport(report: PairwiseReport): string {
  const { symbol, decimals } = report.token;
  const held = report.holdout.length;
  const out: string[] = [
    `${report.name} (${report.round}): what mattered to ${report.root}`,
    `${report.aggregation} aggregation, juror weighting ${report.jurorWeighting}; ${report.fitted} comparisons fitted${held > 0 ? `, ${held} held out for scoring` : ''}.`,
    '',
  ];
  const projects = report.projects
    .map((p, k) => ({ p, k }))
    .sort((x, y) => y.p.weight - x.p.weight || (x.p.id < y.p.id ? -1 : 1))
    .map(({ p }) => [
      p.parent === null ? p.name : `${p.name} (in ${p.parent})`,
      percent(p.weight),
      `${percent(p.interval[0])} – ${percent(p.interval[1])}`,
      p.winRate === null ? '–' : percent(p.winRate),
      String(p.comparisons),
      p.funding === null ? 'via its sub-projects' : formatUnits(p.funding, decimals, 6),
    ]);
  out.push(
    renderTable({
      head: ['project', 'weight', '90% interval', 'win rate', 'compared', `funding (${symbol})`],
      rows: projects,
      align: ['left', 'right', 'right', 'right', 'right', 'right'],
    }),
    '',
    report.pool > 0n
      ? `Pool ${formatUnits(report.pool, decimals)} ${symbol}${report.undistributed > 0n ? `; ${formatUnits(report.undistributed, decimals)} ${symbol} undistributed (no project above the minimum weight)` : ', split by the weights to the base unit'}.`
      : 'No pool is set (config.pool), so nothing is paid.',
    '',
    'Jurors (residual: against the fit of everyone else; scale above 1 exaggerates; cycles: own answers on a cycle):',
    renderTable({
      head: ['juror', 'compared', 'residual', 'scale', 'cycles', 'best fit', ...(report.jurorWeighting === 'reliability' ? ['weight'] : [])],
      rows: report.jurors.map((j) => [
        j.handle,
        String(j.comparisons),
        figure(j.residual),
        figure(j.scale, 2),
        String(j.cycles),
        j.bestFit ?? '–',
        ...(report.jurorWeighting === 'reliability' ? [j.weight.toFixed(3)] : []),
      ]),
      align: ['left', 'right', 'right', 'right', 'right', 'left', 'right'],
    }),
  );
  if (report.submissions.length > 0 || report.fitScore) {
    out.push('', `Submissions scored on the ${held} held-out comparisons (lower is better):`);
    const rows = [...report.submissions]
      .sort((x, y) => (x.rank ?? Infinity) - (y.rank ?? Infinity) || (x.id < y.id ? -1 : 1))
      .map((s) => [s.rank === null ? '–' : String(s.rank), `${s.id} (${s.author})`, figure(s.score, 4), figure(s.logLoss, 4), s.winnersRight === null ? '–' : percent(s.winnersRight)]);
    if (report.fitScore)
      rows.push(['', "the round's own weights", figure(report.fitScore.squaredError ?? report.fitScore.logLoss, 4), figure(report.fitScore.logLoss, 4), report.fitScore.winnersRight === null ? '–' : percent(report.fitScore.winnersRight)]);
    out.push(renderTable({ head: ['rank', 'submission', 'score', 'log-loss', 'winners right'], rows, align: ['right', 'left', 'right', 'right', 'right'] }));
  }
  return `${out.join('\n')}\n`;
}
