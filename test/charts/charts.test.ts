import { readFileSync } from 'node:fs';
import { PNG } from 'pngjs';
import { describe, expect, it } from 'vitest';
import { tallyChart } from '../../src/charts/attachments.ts';
import { renderChart } from '../../src/charts/render.ts';
import { rewardsSpec, tallyRows, tallySpec, votingEventSpec } from '../../src/charts/specs.ts';
import { computeReport } from '../../src/core/report.ts';
import { parseRoundFileText } from '../../src/roundfile/schema.ts';

const data = parseRoundFileText(readFileSync(new URL('../../examples/governance-round-1.json', import.meta.url), 'utf8'));
const report = computeReport(data);
const handle = (key: string) => report.members.find((m) => m.id === key)!.handle;

/** Decodes a PNG and counts its distinct colours: a blank image has one. */
function decode(png: Uint8Array) {
  const image = PNG.sync.read(Buffer.from(png));
  const colours = new Set<number>();
  for (let i = 0; i < image.data.length; i += 4) colours.add(image.data.readUInt32BE(i));
  return { width: image.width, height: image.height, colours: colours.size };
}

describe('charts', () => {
  it('GIVEN a poll where quadratic voting changed the winner THEN its chart shows the three views, the winners and the reason', async () => {
    const q1 = report.questions[0]!;
    expect(q1.changes.length).toBeGreaterThan(0);
    const { svg, png } = await renderChart(tallySpec(q1));
    const image = decode(png);
    expect(image.width).toBeGreaterThan(800);
    expect(image.height).toBeGreaterThan(400);
    expect(image.colours).toBeGreaterThan(10);
    for (const text of ['1 token 1 vote', 'quadratic', 'quadratic + reputation', 'share of the votes', 'Quadratic voting changed the outcome of q1']) expect(svg).toContain(text);
    // One ★ per view with a winner.
    expect(svg.match(/★/g)).toHaveLength(Object.values(q1.winners).filter((w) => w !== null).length);
  });

  it('GIVEN a tally THEN the chart rows are its shares, adding up to one per view', () => {
    const rows = tallyRows(report.questions[1]!);
    for (const view of ['1 token 1 vote', 'quadratic', 'quadratic + reputation']) {
      const shares = rows.filter((r) => r.view === view).map((r) => r.share);
      expect(shares.reduce((s, x) => s + x, 0)).toBeCloseTo(1, 12);
    }
  });

  it('GIVEN the reward split and the voting event THEN both draw, named and coloured by tier', async () => {
    const rewards = await renderChart(rewardsSpec(report, handle));
    expect(decode(rewards.png).colours).toBeGreaterThan(10);
    expect(rewards.svg).toContain(handle(report.rewards.amounts[0]!.member));
    expect(rewards.svg).toContain('tier');
    const event = await renderChart(votingEventSpec(report, 'q1', handle));
    expect(decode(event.png).colours).toBeGreaterThan(10);
    expect(event.svg).toContain('who voted for what');
    expect(event.svg).toContain(report.questions[0]!.options[0]!.label);
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
});
