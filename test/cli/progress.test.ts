import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { runCli } from '../../src/cli/cli.ts';
import { chatProgress, formatDuration, progressBar, ProgressLine } from '../../src/format/progress.ts';
import { tempDatabaseUrl } from '../helpers/db.ts';

const SAMPLE = 'examples/governance-round-1.json';

/** A terminal or a pipe that keeps what was written, and a clock the test moves. */
function output(isTTY: boolean) {
  let ms = 0;
  const out = { text: '', isTTY, write: (t: string) => void (out.text += t) };
  return { out, clock: () => ms, wait: (by: number) => void (ms += by) };
}

describe('progress of long work on the command line', () => {
  it('GIVEN counts and durations THEN the bar fills in proportion and times read as a person says them', () => {
    expect(progressBar(0, 8, 8)).toBe('[░░░░░░░░]');
    expect(progressBar(3, 8, 8)).toBe('[███░░░░░]');
    expect(progressBar(9, 8, 8)).toBe('[████████]');
    expect(progressBar(0, 0, 4)).toBe('[████]');
    expect([850, 12_340, 125_000].map(formatDuration)).toEqual(['850 ms', '12.3 s', '2 min 5 s']);
  });

  it('GIVEN a terminal THEN one line is redrawn in place at most every 100 ms, always at the end, and cleared when done', () => {
    const { out, clock, wait } = output(true);
    const line = new ProgressLine(out, 'importing', clock);
    for (let done = 0; done <= 5_000; done += 100) {
      line.update(done, 5_000);
      wait(10);
    }
    const frames = out.text.split('\r').filter(Boolean);
    expect(frames.length).toBeLessThanOrEqual(7);
    expect(frames[0]).toBe(`importing ${progressBar(0, 1)} 0% 0 / 5,000`);
    expect(frames.at(-1)).toBe(`importing ${progressBar(1, 1)} 100% 5,000 / 5,000`);
    expect(line.finish()).toBe('510 ms');
    expect(out.text.endsWith('\r\x1b[2K')).toBe(true);
  });

  it('GIVEN no terminal (a log, a pipe) THEN plain lines at each quarter, no carriage return', () => {
    const { out, clock } = output(false);
    const line = new ProgressLine(out, 'importing', clock);
    for (let done = 0; done <= 1_000; done += 10) line.update(done, 1_000);
    line.finish();
    expect(out.text).toBe(['0% (0 / 1,000)', '25% (250 / 1,000)', '50% (500 / 1,000)', '75% (750 / 1,000)', '100% (1,000 / 1,000)'].map((l) => `importing: ${l}\n`).join(''));
  });

  it.each([true, false])('GIVEN govbot import with standard error a terminal: %s THEN it shows progress there and says how long the import took', async (isTTY) => {
    let out = '';
    let err = '';
    const code = await runCli(['import', SAMPLE], { out: (t) => (out += t), err: (t) => (err += t), env: { DATABASE_URL: tempDatabaseUrl() }, input: Readable.from(['']), errIsTTY: isTTY });
    expect(code).toBe(0);
    expect(out).toMatch(/^imported round gr1: \d+ members, 16 proposals, \d+ comments, \d+ votes in \d+(\.\d)? m?s\n$/);
    if (isTTY) expect(err).toMatch(new RegExp(`^\\rimporting ${SAMPLE} \\[.*\\r\\x1b\\[2K$`, 's'));
    else expect(err.trimEnd().split('\n').at(-1)).toMatch(new RegExp(`^importing ${SAMPLE}: 100% \\([\\d,]+ / [\\d,]+\\)$`));
    expect(err).toContain('100%');
  });

  it('GIVEN a long read in chat THEN the status shows the start and the end, and between them at most once a second', () => {
    const { clock, wait } = output(false);
    const shown: string[] = [];
    const reading = chatProgress((t) => shown.push(t), clock)('Reading balances');
    for (let done = 0; done <= 5_000; done += 100) {
      reading(done, 5_000);
      wait(150);
    }
    expect(shown[0]).toBe('Reading balances… 0 / 5,000');
    expect(shown.at(-1)).toBe('Reading balances… 5,000 / 5,000');
    expect(shown.length).toBeLessThanOrEqual(2 + Math.ceil((50 * 150) / 1000));
  });
});
