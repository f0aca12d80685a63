// The chart thread: vega's layout and resvg's rasterising take hundreds of milliseconds per chart, which the bot's
// event loop must not spend (issue 13). Answers a vega-lite spec with its SVG and PNG.
import type { TopLevelSpec } from 'vega-lite';
import { renderChart } from '../charts/render.ts';
import { serve } from './thread.ts';

serve(async (spec: TopLevelSpec) => {
  const chart = await renderChart(spec);
  return { value: chart, transfer: [chart.png.buffer as ArrayBuffer] };
});
