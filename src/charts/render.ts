import { Resvg } from '@resvg/resvg-js';
import * as vega from 'vega';
import type { TopLevelSpec } from 'vega-lite';
import { projectFile } from '../paths.ts';
import { textWidth } from './fonts.ts';

/** The fonts the charts are drawn with, shipped in assets/ so that text renders the same on every machine. */
const FONT_DIR = projectFile('assets/fonts/');
const FONTS = ['DejaVuSans.ttf', 'DejaVuSans-Bold.ttf', 'DejaVuSansMono.ttf'].map((f) => FONT_DIR + f);

/** PNGs are drawn at twice the chart's size, for sharp text on phone screens. */
export const CHART_ZOOM = 2;
/** White kept around the ink of a PNG, in chart pixels: enough not to look cut, too little to look empty. */
export const CHART_MARGIN = 4;

// vega measures text to lay a chart out; without a canvas it guesses 0.8 em a character, so it is told the widths of
// the fonts resvg draws with (vega calls a width function it did not make a user's, as vl-convert does).
const { textMetrics } = vega as unknown as { textMetrics: { width: (item: { fontSize?: number; fontWeight?: string | number }, text: string) => number } };
textMetrics.width = (item, text) => textWidth(String(text ?? '').trim(), item.fontSize ?? 11, item.fontWeight === 'bold' || Number(item.fontWeight) >= 600 ? 'bold' : 'normal');

// vega-lite adds a toJSON to Set.prototype when it loads, which breaks libraries that inspect built-ins as they
// load (discord.js's event emitter does). It is loaded on first use, after every module of the bot is in.
let vegaLite: Promise<typeof import('vega-lite')> | undefined;

/** A vega-lite spec compiled to the vega spec that browsers and the server both render. */
export async function toVega(spec: TopLevelSpec): Promise<vega.Spec> {
  vegaLite ??= import('vega-lite');
  return (await vegaLite).compile(spec).spec;
}

/**
 * Draws a chart: vega lays it out as SVG, resvg rasterises it at CHART_ZOOM times its size, cut to its ink plus
 * CHART_MARGIN. The ink is found in the pixels: the boxes vega and resvg know include invisible frames and the
 * full line height of text, which would leave blank bands. The cut is drawn by the same Resvg: a second one parsed
 * the SVG and loaded the fonts again, 50-150 ms of a chart (the PNG is the same byte for byte).
 */
export async function renderChart(spec: TopLevelSpec): Promise<{ svg: string; png: Uint8Array }> {
  const view = new vega.View(vega.parse(await toVega(spec)), { renderer: 'none' });
  try {
    const svg = await view.toSVG();
    const options = { font: { fontFiles: FONTS, loadSystemFonts: false, defaultFontFamily: 'DejaVu Sans' }, fitTo: { mode: 'zoom', value: CHART_ZOOM }, background: 'white' } as const;
    const resvg = new Resvg(svg, options);
    const whole = resvg.render();
    const ink = inkOf(whole);
    const box = resvg.getBBox();
    if (!ink || !box) return { svg, png: whole.asPng() };
    // resvg takes back only a BBox it made: one is set to the ink, in chart pixels
    Object.assign(box, { x: ink.left / CHART_ZOOM - CHART_MARGIN, y: ink.top / CHART_ZOOM - CHART_MARGIN, width: (ink.right - ink.left + 1) / CHART_ZOOM + 2 * CHART_MARGIN, height: (ink.bottom - ink.top + 1) / CHART_ZOOM + 2 * CHART_MARGIN });
    resvg.cropByBBox(box);
    return { svg, png: resvg.render().asPng() };
  } finally {
    view.finalize();
  }
}

/** The box of the pixels that are not white (red, green and blue 255, whatever the alpha), or undefined on a blank image. */
export function inkOf(image: { width: number; height: number; pixels: Buffer }) {
  const { width, height } = image;
  const { buffer, byteOffset, byteLength } = image.pixels;
  // a pixel as one number, its bytes RGBA in memory; the buffer is copied when it is not aligned for that
  const aligned = byteOffset % 4 === 0 ? buffer : image.pixels.buffer.slice(byteOffset, byteOffset + byteLength);
  const pixels = new Uint32Array(aligned, aligned === buffer ? byteOffset : 0, width * height);
  const rgb = new Uint32Array(new Uint8Array([255, 255, 255, 0]).buffer)[0]!;
  let left = width, top = height, right = -1, bottom = -1;
  for (let y = 0; y < height; y++) {
    const row = y * width;
    for (let x = 0; x < width; x++) {
      if ((pixels[row + x]! & rgb) === rgb) continue;
      if (x < left) left = x;
      if (x > right) right = x;
      if (y < top) top = y;
      bottom = y;
    }
  }
  return right < 0 ? undefined : { left, top, right, bottom };
}
