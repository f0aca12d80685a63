import { readFileSync } from 'node:fs';
import { projectFile } from '../paths.ts';

/**
 * How wide text is in the DejaVu fonts the charts are drawn with (assets/fonts/), from the fonts' own advance widths.
 * Without it vega guesses 0.8 em per character, a third more than DejaVu's letters take: layouts leave blank margins
 * beside every title and legend, and labels cannot be wrapped to the width they really fill.
 */

export type Weight = 'normal' | 'bold';

const FILES: Record<Weight, string> = { normal: 'assets/fonts/DejaVuSans.ttf', bold: 'assets/fonts/DejaVuSans-Bold.ttf' };

interface Metrics {
  unitsPerEm: number;
  /** Advance width of a code point, in font units (the .notdef glyph's for one the font lacks). */
  advance(codePoint: number): number;
}

/** Reads the tables a TrueType font keeps its widths in: head (units per em), hhea, hmtx, and cmap (format 4 or 12). */
function readMetrics(font: Buffer): Metrics {
  const tables = new Map<string, number>();
  for (let i = 0, n = font.readUInt16BE(4); i < n; i++) tables.set(font.toString('latin1', 12 + i * 16, 16 + i * 16), font.readUInt32BE(20 + i * 16));
  const table = (tag: string) => {
    const at = tables.get(tag);
    if (at === undefined) throw new Error(`the chart font has no ${tag} table`);
    return at;
  };
  const unitsPerEm = font.readUInt16BE(table('head') + 18);
  const longMetrics = font.readUInt16BE(table('hhea') + 34);
  const hmtx = table('hmtx');
  const advanceOfGlyph = (glyph: number) => font.readUInt16BE(hmtx + 4 * Math.min(glyph, longMetrics - 1));
  const glyphOf = cmapOf(font, table('cmap'));
  const cache = new Map<number, number>();
  return {
    unitsPerEm,
    advance(codePoint) {
      let width = cache.get(codePoint);
      if (width === undefined) cache.set(codePoint, (width = advanceOfGlyph(glyphOf(codePoint))));
      return width;
    },
  };
}

/** The font's map from code points to glyphs: the Unicode full-repertoire subtable (format 12) if any, else BMP (4). */
function cmapOf(font: Buffer, cmap: number): (codePoint: number) => number {
  const subtables = Array.from({ length: font.readUInt16BE(cmap + 2) }, (_, i) => ({
    platform: font.readUInt16BE(cmap + 4 + i * 8),
    encoding: font.readUInt16BE(cmap + 6 + i * 8),
    at: cmap + font.readUInt32BE(cmap + 8 + i * 8),
  }));
  const full = subtables.find((s) => font.readUInt16BE(s.at) === 12);
  if (full) {
    const groups = font.readUInt32BE(full.at + 12);
    return (c) => {
      for (let g = 0, at = full.at + 16; g < groups; g++, at += 12) {
        const start = font.readUInt32BE(at);
        if (c >= start && c <= font.readUInt32BE(at + 4)) return font.readUInt32BE(at + 8) + c - start;
      }
      return 0;
    };
  }
  const bmp = subtables.find((s) => s.platform === 3 && s.encoding === 1 && font.readUInt16BE(s.at) === 4);
  if (!bmp) throw new Error('the chart font has no Unicode cmap');
  const segments = font.readUInt16BE(bmp.at + 6) / 2;
  const ends = bmp.at + 14;
  const starts = ends + 2 * segments + 2;
  const deltas = starts + 2 * segments;
  const offsets = deltas + 2 * segments;
  return (c) => {
    for (let s = 0; s < segments; s++) {
      if (c > font.readUInt16BE(ends + 2 * s)) continue;
      const start = font.readUInt16BE(starts + 2 * s);
      if (c < start) return 0;
      const delta = font.readUInt16BE(deltas + 2 * s);
      const offset = font.readUInt16BE(offsets + 2 * s);
      if (offset === 0) return (c + delta) & 0xffff;
      const glyph = font.readUInt16BE(offsets + 2 * s + offset + 2 * (c - start));
      return glyph === 0 ? 0 : (glyph + delta) & 0xffff;
    }
    return 0;
  };
}

const loaded = new Map<Weight, Metrics>();
const metricsOf = (weight: Weight) => {
  let metrics = loaded.get(weight);
  if (!metrics) loaded.set(weight, (metrics = readMetrics(readFileSync(projectFile(FILES[weight])))));
  return metrics;
};

/** The width of a line of text in pixels, as resvg draws it (kerning aside, which DejaVu barely uses). */
export function textWidth(text: string, fontSize: number, weight: Weight = 'normal'): number {
  const metrics = metricsOf(weight);
  let units = 0;
  for (const char of text) units += metrics.advance(char.codePointAt(0)!);
  return (units * fontSize) / metrics.unitsPerEm;
}

const graphemes = new Intl.Segmenter('en', { granularity: 'grapheme' });

/** A word wider than a line (an address, a link) in pieces that fit, cut between characters as a reader sees them. */
function pieces(word: string, width: number, fontSize: number, weight: Weight): string[] {
  if (textWidth(word, fontSize, weight) <= width) return [word];
  const out = [''];
  for (const { segment } of graphemes.segment(word)) {
    if (out.at(-1) && textWidth(out.at(-1)! + segment, fontSize, weight) > width) out.push(segment);
    else out[out.length - 1] += segment;
  }
  return out;
}

/** Splits text into lines no wider than `width` pixels, at spaces (inside a word only when it is wider than a line). */
export function wrapText(text: string, width: number, fontSize: number, weight: Weight = 'normal'): string[] {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(/\s+/).filter(Boolean).flatMap((w) => pieces(w, width, fontSize, weight))) {
    const longer = line ? `${line} ${word}` : word;
    if (line && textWidth(longer, fontSize, weight) > width) {
      lines.push(line);
      line = word;
    } else line = longer;
  }
  return line ? [...lines, line] : lines;
}
