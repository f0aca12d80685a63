import { Resvg } from '@resvg/resvg-js';
import * as vega from 'vega';
import type { TopLevelSpec } from 'vega-lite';
import { projectFile } from '../paths.ts';

/** The fonts the charts are drawn with, shipped in assets/ so that text renders the same on every machine. */
const FONT_DIR = projectFile('assets/fonts/');
const FONTS = ['DejaVuSans.ttf', 'DejaVuSans-Bold.ttf', 'DejaVuSansMono.ttf'].map((f) => FONT_DIR + f);

// vega-lite adds a toJSON to Set.prototype when it loads, which breaks libraries that inspect built-ins as they
// load (discord.js's event emitter does). It is loaded on first use, after every module of the bot is in.
let vegaLite: Promise<typeof import('vega-lite')> | undefined;

/** A vega-lite spec compiled to the vega spec that browsers and the server both render. */
export async function toVega(spec: TopLevelSpec): Promise<vega.Spec> {
  vegaLite ??= import('vega-lite');
  return (await vegaLite).compile(spec).spec;
}

/** Draws a chart: vega lays it out as SVG, resvg rasterises it at twice the size for sharp text on phones. */
export async function renderChart(spec: TopLevelSpec): Promise<{ svg: string; png: Uint8Array }> {
  const view = new vega.View(vega.parse(await toVega(spec)), { renderer: 'none' });
  try {
    const svg = await view.toSVG();
    const png = new Resvg(svg, { font: { fontFiles: FONTS, loadSystemFonts: false, defaultFontFamily: 'DejaVu Sans' }, fitTo: { mode: 'zoom', value: 2 }, background: 'white' }).render().asPng();
    return { svg, png };
  } finally {
    view.finalize();
  }
}
