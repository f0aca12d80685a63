import type { TopLevelSpec } from 'vega-lite';
import type { Attachment } from '../commands/reply.ts';
import type { PairwiseReport } from '../core/pairwise/report.ts';
import { chartThread } from './attachments.ts';
import { CHART_WIDTH } from './specs.ts';

/** The chart shows the largest weights; the rest is in the list and on the page. */
const SHOWN = 15;

/** The final weights as bars, with their 90 % intervals as whiskers, largest first. */
export function weightsSpec(report: PairwiseReport): TopLevelSpec {
  const name = new Map(report.projects.map((p) => [p.id, p.name]));
  const rows = [...report.projects]
    .filter((p) => p.funding !== null)
    .sort((x, y) => y.weight - x.weight || (x.id < y.id ? -1 : 1))
    .slice(0, SHOWN)
    .map((p) => ({ project: p.parent === null ? p.name : `${p.name} (${name.get(p.parent) ?? p.parent})`, weight: p.weight, lo: p.interval[0], hi: p.interval[1] }));
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    background: 'transparent',
    padding: 0,
    config: { font: 'DejaVu Sans', view: { stroke: null }, axis: { labelFontSize: 11, titleFontSize: 11 }, title: { fontSize: 14, anchor: 'start', subtitleFontSize: 12 } },
    title: { text: `Weights of ${report.name}`, subtitle: [`what mattered to ${report.root}; 90 % intervals (${report.aggregation})`] },
    width: CHART_WIDTH - 150,
    height: { step: 18 },
    data: { values: rows },
    encoding: { y: { field: 'project', type: 'nominal', sort: null, title: null, axis: { labelLimit: 140 } } },
    layer: [
      { mark: { type: 'bar', color: '#0969da' }, encoding: { x: { field: 'weight', type: 'quantitative', title: 'weight', axis: { format: '.0%', tickCount: 4 } } } },
      { mark: { type: 'rule', color: '#1b1f24' }, encoding: { x: { field: 'lo', type: 'quantitative' }, x2: { field: 'hi' } } },
    ],
  } as TopLevelSpec;
}

/** The PNG of the weights, to post with them (drawn in the chart thread). */
export async function weightsChart(report: PairwiseReport): Promise<Attachment> {
  const { png } = await chartThread.request(weightsSpec(report));
  return { name: `${report.round}-weights.png`, contentType: 'image/png', content: png };
}
