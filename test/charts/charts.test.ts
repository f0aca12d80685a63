import { readFileSync } from 'node:fs';
import { PNG } from 'pngjs';
import { describe, expect, it } from 'vitest';
import { tallyChart } from '../../src/charts/attachments.ts';
import { CHART_ZOOM, inkOf, renderChart } from '../../src/charts/render.ts';
import { rewardsChartInput, rewardsSpec, tallyRows, tallySpec, tierColour, voterRows, votingEventSpec } from '../../src/charts/specs.ts';
import { computeReport } from '../../src/core/report.ts';
import { parseRoundFileText } from '../../src/roundfile/schema.ts';
import { member, round, tokens } from '../helpers/round.ts';

const data = parseRoundFileText(readFileSync(new URL('../../examples/governance-round-1.json', import.meta.url), 'utf8'));
const report = computeReport(data);
const handle = (key: string) => report.members.find((m) => m.id === key)!.handle;
/** The sample with a first poll of 25 options whose labels are sentences: the longest chart a poll can draw. */
const wide = computeReport({
  ...data,
  questions: data.questions.map((q, i) => (i === 0 ? { ...q, options: Array.from({ length: 25 }, (_, n) => `Option ${n + 1}: fund the working group that writes the documentation, tutorials and examples for the SDK`) } : q)),
});

/** Decodes a PNG: its size, its distinct colours (a blank image has one) and the box its ink (anything not white) fills. */
function decode(png: Uint8Array) {
  const image = PNG.sync.read(Buffer.from(png));
  const colours = new Set<number>();
  const ink = { left: image.width, top: image.height, right: -1, bottom: -1 };
  for (let y = 0; y < image.height; y++)
    for (let x = 0; x < image.width; x++) {
      const pixel = image.data.readUInt32BE((y * image.width + x) * 4);
      colours.add(pixel);
      if (pixel !== 0xffffffff) Object.assign(ink, { left: Math.min(ink.left, x), top: Math.min(ink.top, y), right: Math.max(ink.right, x), bottom: Math.max(ink.bottom, y) });
    }
  return { width: image.width, height: image.height, colours: colours.size, ink };
}

/** The text of an SVG as a reader sees it, lines joined by spaces. */
const textOf = (svg: string) =>
  [...svg.matchAll(/<text[^>]*>(.*?)<\/text>/g)]
    .map((m) => m[1]!.replace(/<[^>]+>/g, ' '))
    .join(' ')
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&amp;/g, '&')
    .replace(/\s+/g, ' ');

/** The size in CSS pixels of the smallest text of a chart whose PNG is shown fitted to a 390-pixel-wide phone screen. */
function smallestTextOnPhone(svg: string, pngWidth: number): number {
  const sizes = [...svg.matchAll(/font-size="([\d.]+)px"/g)].map((m) => Number(m[1]));
  return (Math.min(...sizes) * CHART_ZOOM * 390) / pngWidth;
}

/** Each chart drawn once for the tests that look at it. */
const drawn = new Map<string, ReturnType<typeof renderChart>>();
const draw = (name: keyof typeof charts) => drawn.get(name) ?? (drawn.set(name, renderChart(charts[name]())), drawn.get(name)!);

const charts = {
  'the tally of q1': () => tallySpec(report.questions[0]!),
  'the tally of q2': () => tallySpec(report.questions[1]!),
  'the tally of 25 options with long labels': () => tallySpec(wide.questions[0]!),
  'the reward split': () => rewardsSpec(rewardsChartInput(report), handle),
  'the voting event of q1': () => votingEventSpec(report, 'q1', handle),
  'the voting event of 25 options': () => votingEventSpec(wide, 'q1', handle),
};

describe('charts', () => {
  it.each(Object.entries(charts))('GIVEN %s THEN its ink reaches every edge of the PNG and its smallest text is at least 12 px on a 390 px phone', async (name) => {
    const { svg, png } = await draw(name as keyof typeof charts);
    const image = decode(png);
    // the margin kept around the ink is 4 chart pixels, 8 in the PNG
    expect(image.ink.left).toBeLessThanOrEqual(10);
    expect(image.ink.top).toBeLessThanOrEqual(10);
    expect(image.ink.right).toBeGreaterThanOrEqual(image.width - 11);
    expect(image.ink.bottom).toBeGreaterThanOrEqual(image.height - 11);
    expect(smallestTextOnPhone(svg, image.width)).toBeGreaterThanOrEqual(12);
  });

  it('GIVEN a poll where quadratic voting changed the winner THEN its chart shows every option label in full, the three views, the winners and the reason', async () => {
    const q1 = report.questions[0]!;
    expect(q1.changes.length).toBeGreaterThan(0);
    const { svg, png } = await draw('the tally of q1');
    expect(decode(png).colours).toBeGreaterThan(10);
    const text = textOf(svg);
    for (const [i, label] of q1.options.map((o) => o.label).entries()) expect(text).toContain(`${i + 1}. ${label}`);
    for (const view of ['1 token 1 vote', 'quadratic', 'quadratic + reputation', q1.text, ...q1.changes]) expect(text).toContain(view);
    // One ★ per view with a winner.
    expect(textOf(svg).match(/★/g)).toHaveLength(Object.values(q1.winners).filter((w) => w !== null).length);
  });

  it('GIVEN options with long labels THEN the chart wraps them whole, and the voting event too', async () => {
    const label = wide.questions[0]!.options[24]!.label;
    expect(textOf((await draw('the tally of 25 options with long labels')).svg)).toContain(`25. ${label}`);
    expect(textOf((await draw('the voting event of 25 options')).svg)).toContain(`25. ${label}`);
  });

  it('GIVEN the tally for a page that shows the question as text THEN the chart has no title of its own', async () => {
    const q1 = report.questions[0]!;
    expect(textOf((await renderChart(tallySpec(q1, { titled: false }))).svg)).not.toContain(q1.text);
  });

  it('GIVEN a tally THEN the chart rows are its shares, adding up to one per view', () => {
    const rows = tallyRows(report.questions[1]!);
    for (const view of ['1 token 1 vote', 'quadratic', 'quadratic + reputation']) {
      const shares = rows.filter((r) => r.view === view).map((r) => r.share);
      expect(shares.reduce((s, x) => s + x, 0)).toBeCloseTo(1, 12);
    }
  });

  it('GIVEN a reward split whose largest members have no tier A THEN B keeps B\'s colour, and the legend lists only the tiers the bars show', async () => {
    const shownTiers = new Set(report.rewards.amounts.slice(0, 40).map((a) => report.members.find((m) => m.id === a.member)!.tier ?? 'no tier'));
    expect(shownTiers.has('A')).toBe(false);
    expect(report.members.some((m) => m.tier === 'A')).toBe(true);
    const { svg, png } = await draw('the reward split');
    expect(decode(png).colours).toBeGreaterThan(10);
    const legend = [...svg.matchAll(/role-legend-label" pointer-events="none"><text[^>]*>([^<]*)<\/text>/g)].map((m) => m[1]);
    expect(new Set(legend)).toEqual(shownTiers);
    const barOf = (member: string) => svg.match(new RegExp(`aria-label="[^"]*member: ${member}; tier: [^"]*"[^>]*fill="(#[0-9a-f]{6})"`))?.[1];
    const b = report.members.find((m) => m.tier === 'B')!;
    expect(barOf(b.handle)).toBe(tierColour('B'));
    expect(tierColour('B')).not.toBe(tierColour('A'));
    expect(textOf(svg)).toContain(handle(report.rewards.amounts[0]!.member));
  });

  it('GIVEN the voting event THEN it draws every answer and a legend of the voters\' tiers only', async () => {
    const event = await draw('the voting event of q1');
    expect(decode(event.png).colours).toBeGreaterThan(10);
    expect(textOf(event.svg)).toContain('who voted for what');
    for (const [i, o] of report.questions[0]!.options.entries()) expect(textOf(event.svg)).toContain(`${i + 1}. ${o.label}`);
    const voterTiers = new Set([...report.choicesOf('q1').keys()].filter((k) => (report.powerOf(k)?.tokens ?? 0n) > 0n).map((k) => report.members.find((m) => m.id === k)!.tier ?? 'no tier'));
    const legend = [...event.svg.matchAll(/role-legend-label" pointer-events="none"><text[^>]*>([^<]*)<\/text>/g)].map((m) => m[1]);
    expect(new Set(legend)).toEqual(voterTiers);
  });

  it('GIVEN a tally posted in chat THEN it carries the chart as a PNG attachment', async () => {
    const chart = await tallyChart(report, report.questions[0]!);
    expect(chart).toMatchObject({ name: 'gr1-q1.png', contentType: 'image/png' });
    expect(decode(chart.content as Uint8Array).width).toBeGreaterThan(0);
  });

  it('GIVEN the same report (one version of its round) asked for its chart twice THEN it is drawn once; GIVEN another report THEN it is drawn again', async () => {
    const first = await tallyChart(report, report.questions[1]!);
    expect(await tallyChart(report, report.questions[1]!)).toBe(first);
    const next = computeReport(data);
    const redrawn = await tallyChart(next, next.questions[1]!);
    expect(redrawn).not.toBe(first);
    expect(Buffer.from(redrawn.content as Uint8Array).equals(Buffer.from((await renderChart(tallySpec(next.questions[1]!))).png))).toBe(true);
  });

  it('GIVEN pixels that are white but for two, wherever their buffer starts THEN the ink is the box of those two, whatever their alpha', () => {
    // 4 × 3 pixels, RGBA; white with any alpha is no ink
    const rgba = new Uint8Array(4 * 3 * 4).fill(255);
    rgba.set([255, 255, 255, 0], 0);
    rgba.set([255, 254, 255, 255], (1 * 4 + 1) * 4);
    rgba.set([0, 0, 0, 0], (2 * 4 + 2) * 4);
    for (const start of [0, 1, 3]) {
      const pixels = Buffer.alloc(rgba.length + start);
      pixels.set(rgba, start);
      expect(inkOf({ width: 4, height: 3, pixels: pixels.subarray(start) })).toEqual({ left: 1, top: 1, right: 2, bottom: 2 });
    }
    expect(inkOf({ width: 4, height: 3, pixels: Buffer.alloc(48, 255) })).toBeUndefined();
  });

  it('GIVEN an approval poll THEN its voting event draws a line from each voter to every option they ticked, and counts each voter once', async () => {
    const approval = computeReport(
      round({
        members: [member('a', tokens(100)), member('b', tokens(25)), member('c', tokens(36))],
        questions: [{ id: 'q1', text: 'Which?', options: ['A', 'B', 'C'], type: 'approval' }],
        votes: [
          { question: 'q1', member: 'a', options: [0], castAt: '2024-01-01T00:00:00Z' },
          { question: 'q1', member: 'b', options: [1, 2], castAt: '2024-01-01T00:00:00Z' },
          { question: 'q1', member: 'c', options: [1, 0], castAt: '2024-01-01T00:00:00Z' },
        ],
      }),
    );
    const rows = voterRows(approval, 'q1', (m) => m);
    expect(rows.map((r) => [r.voter, r.rank, r.option])).toEqual([['a', 0, 0], ['c', 1, 1], ['c', 1, 0], ['b', 2, 1], ['b', 2, 2]]);
    const spec = JSON.stringify(votingEventSpec(approval, 'q1', (m) => m));
    expect(spec).not.toContain('heaviest of');
  });
});
