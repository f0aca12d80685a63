import { createHash } from 'node:crypto';
import type { Attachment } from '../commands/reply.ts';
import type { RoundReport } from '../core/report.ts';
import type { QuestionTally } from '../core/voting.ts';
import { WorkerThread } from '../workers/thread.ts';
import type { TopLevelSpec } from 'vega-lite';
import { rewardsSpec, tallySpec } from './specs.ts';
import type { RewardsView } from '../core/standings-state.ts';

/** Charts are drawn in a thread of their own (src/workers/charts.ts): a chart holds the CPU for hundreds of ms. */
export const chartThread = new WorkerThread<TopLevelSpec, { svg: string; png: Uint8Array }>('charts');

/**
 * The charts drawn for a report, by name. A report stands for one version of its round (src/db/standings.ts caches
 * one per version), so a chart is asked for once per change of the round, and forgotten with its report.
 */
const drawn = new WeakMap<Pick<RoundReport, 'round'>, Map<string, Promise<Attachment>>>();

/**
 * The pictures drawn last, by their spec: a change of the round that leaves a chart as it was (a comment moves no
 * tally) makes a new report but draws nothing again. The least recently asked for is dropped first.
 */
const pictures = new Map<string, Promise<Uint8Array>>();
const KEPT_PICTURES = 64;

function pictureOf(spec: TopLevelSpec): Promise<Uint8Array> {
  const key = createHash('sha256').update(JSON.stringify(spec)).digest('base64url');
  let png = pictures.get(key);
  pictures.delete(key);
  if (!png) {
    const drawing = chartThread.request(spec).then(({ png }) => png);
    // a failure is not kept: the next command draws again
    drawing.catch(() => pictures.get(key) === drawing && pictures.delete(key));
    png = drawing;
  }
  pictures.set(key, png);
  if (pictures.size > KEPT_PICTURES) pictures.delete(pictures.keys().next().value!);
  return png;
}

function chartOf(report: Pick<RoundReport, 'round'>, name: string, spec: () => TopLevelSpec): Promise<Attachment> {
  let charts = drawn.get(report);
  if (!charts) drawn.set(report, (charts = new Map()));
  let chart = charts.get(name);
  if (!chart) {
    chart = pictureOf(spec()).then((content) => ({ name, contentType: 'image/png', content }));
    charts.set(name, chart);
    chart.catch(() => charts.get(name) === chart && charts.delete(name));
  }
  return chart;
}

/** The PNG of a poll's three views, to post with its tally. */
export function tallyChart(report: Pick<RoundReport, 'round'>, q: QuestionTally): Promise<Attachment> {
  return chartOf(report, `${report.round}-${q.id}.png`, () => tallySpec(q));
}

/** The PNG of the reward split by member and tier, from what /rewards is sent of it (its first recipients, with their handles). */
export function rewardsViewChart(view: RewardsView): Promise<Attachment> {
  return chartOf(view, `${view.round}-rewards.png`, () => {
    const handles = new Map(view.top.map((r) => [r.member, r.handle]));
    return rewardsSpec(view, (key) => handles.get(key) ?? key, view.top.length);
  });
}
