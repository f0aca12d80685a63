import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { pairwiseSample } from '../../scripts/make-pairwise-sample.ts';
import { govbot } from '../helpers/cli.ts';

const dir = mkdtempSync(join(tmpdir(), 'govbot-pairwise-'));
const write = (name: string, content: unknown) => {
  const path = join(dir, name);
  writeFileSync(path, typeof content === 'string' ? content : JSON.stringify(content));
  return path;
};

/** Three projects, B twice A, C twice B, C twice A: l2log gives w ∝ (2^−⅔, 1, 2^⅔) = (0.1958…, 0.3108…, 0.4934…). */
const small = (extra: Record<string, unknown> = {}) => ({
  version: 1,
  kind: 'pairwise',
  round: { id: 'df-small', name: 'Three clients', root: 'Ethereum', config: { holdoutPercent: 0, pool: '1000', token: { symbol: 'ETH', decimals: 0 } } },
  projects: [
    { id: 'A', name: 'Alpha', parent: null },
    { id: 'B', name: 'Beta', parent: null },
    { id: 'C', name: 'Gamma', parent: null },
  ],
  jurors: [{ id: 'j1', handle: 'alice' }, { id: 'j2', handle: 'bob' }],
  comparisons: [
    { juror: 'j1', a: 'A', b: 'B', winner: 'b', ratio: 2, at: '2025-01-02T10:00:00Z' },
    { juror: 'j1', a: 'B', b: 'C', winner: 'b', ratio: 2, at: '2025-01-02T10:01:00Z' },
    { juror: 'j1', a: 'A', b: 'C', winner: 'b', ratio: 2, at: '2025-01-02T10:02:00Z' },
  ],
  ...extra,
});

describe('govbot replay on a pairwise round', () => {
  it('GIVEN the hand-checked three-project round THEN --json gives the weights to nine decimals and funding adding up to the pool', async () => {
    const { code, out } = await govbot(['replay', write('small.json', small()), '--json']);
    expect(code).toBe(0);
    const report = JSON.parse(out);
    expect(report.kind).toBe('pairwise');
    expect(report.projects.map((p: { weight: number }) => p.weight)).toEqual([0.195800351, 0.310813683, 0.493385967]);
    expect(report.projects.map((p: { funding: string }) => p.funding)).toEqual(['196', '311', '493']);
    expect(report.jurors[0]).toMatchObject({ id: 'j1', comparisons: 3, cycles: 0, bestFit: 'l2log' });
  });

  it('GIVEN the installed bin in a child process THEN it prints the same bytes as in process', async () => {
    const path = write('small-bin.json', small());
    const inProcess = await govbot(['replay', path, '--json']);
    const { stdout } = await promisify(execFile)(process.execPath, ['bin/govbot.js', 'replay', path, '--json']);
    expect(stdout).toBe(inProcess.out);
  });

  it('GIVEN no --json THEN readable tables: projects by weight with intervals and funding, then jurors', async () => {
    const { code, out } = await govbot(['replay', write('small-text.json', small())]);
    expect(code).toBe(0);
    expect(out).toMatch(/Gamma\s+49\.34%\s+\d+\.\d+% – \d+\.\d+%\s+100\.00%\s+2\s+493\n/);
    expect(out.indexOf('Gamma')).toBeLessThan(out.indexOf('Alpha'));
    expect(out).toContain('Pool 1,000 ETH, split by the weights to the base unit.');
    expect(out).toMatch(/alice\s+3/);
  });

  it('GIVEN a comparison between non-siblings THEN it is refused naming the field, exit 1', async () => {
    const bad = small({ projects: [...small().projects, { id: 'D', name: 'Delta', parent: 'A' }] });
    (bad.comparisons as { b: string }[])[2]!.b = 'D';
    const { code, err, out } = await govbot(['replay', write('bad.json', bad)]);
    expect(code).toBe(1);
    expect(out).toBe('');
    expect(err).toContain('govbot replay: the round file is not valid:\n  - comparisons[2].b: D is not a sibling of A');
  });

  it('GIVEN comparisons that do not connect the projects THEN replay refuses to publish weights and says how to connect them', async () => {
    const { code, err } = await govbot(['replay', write('loose.json', small({ comparisons: small().comparisons.slice(0, 1) }))]);
    expect(code).toBe(1);
    expect(err).toContain('the projects under Ethereum fall into 2 unconnected parts {A, B} {C}');
    expect(err).toContain('govbot pairwise next');
  });
});

describe('the example pairwise round', () => {
  it('GIVEN examples/pairwise-ethereum.json THEN replay publishes 30 projects, funding adding up to the 100 ETH pool, 12 jurors and ranked submissions', async () => {
    const { code, out } = await govbot(['replay', 'examples/pairwise-ethereum.json', '--json']);
    expect(code).toBe(0);
    const report = JSON.parse(out);
    expect(report.projects).toHaveLength(30);
    expect(report.projects.reduce((s: bigint, p: { funding: string }) => s + BigInt(p.funding), 0n)).toBe(10n ** 20n);
    expect(report.jurors).toHaveLength(12);
    expect(report.submissions.map((s: { id: string; rank: number }) => [s.id, s.rank])).toEqual([['uniform', 2], ['model-a', 1]]);
  });

  it('GIVEN the sample script (npm run sample:pairwise) THEN it makes the shipped example byte for byte, with the sampler of today', () => {
    expect(pairwiseSample()).toBe(readFileSync('examples/pairwise-ethereum.json', 'utf8'));
  });
});

describe('govbot pairwise next', () => {
  it('GIVEN C never compared THEN the next pair connects C, and the same call gives the same pairs, never one the juror answered', async () => {
    const path = write('next.json', small({ comparisons: small().comparisons.slice(0, 1) }));
    const first = await govbot(['pairwise', 'next', path, '--juror', 'j1', '--count', '2', '--json']);
    expect(first.code).toBe(0);
    const { pairs } = JSON.parse(first.out) as { pairs: { a: string; b: string }[] };
    expect(pairs).toHaveLength(2);
    expect([pairs[0]!.a, pairs[0]!.b]).toContain('C');
    for (const p of pairs) expect([p.a, p.b].sort()).not.toEqual(['A', 'B']);
    expect((await govbot(['pairwise', 'next', path, '--juror', 'j1', '--count', '2', '--json'])).out).toBe(first.out);
  });

  it('GIVEN a juror who answered every pair THEN it says so; GIVEN an unknown juror THEN it is refused', async () => {
    const path = write('done.json', small());
    expect((await govbot(['pairwise', 'next', path, '--juror', 'j1'])).out).toBe('j1 has been asked every pair of round df-small.\n');
    expect((await govbot(['pairwise', 'next', path, '--juror', 'j2'])).out).toMatch(/^1\. which mattered more to Ethereum: \w+ \([ABC]\) or \w+ \([ABC]\)\?\n$/);
    const unknown = await govbot(['pairwise', 'next', path, '--juror', 'j9']);
    expect(unknown.code).toBe(1);
    expect(unknown.err).toBe('govbot pairwise: j9 is not a juror of round df-small\n');
  });
});

describe('govbot pairwise score', () => {
  const withHoldout = () => write('holdout.json', small({ holdout: [2], comparisons: [...small().comparisons, { juror: 'j2', a: 'A', b: 'B', winner: 'b', ratio: 3, at: '2025-01-03T10:00:00Z' }] }));

  it('GIVEN a JSON or CSV submission THEN it is scored on the held-out comparison: (ln(ŵ_C/ŵ_A) − ln 2)²', async () => {
    const round = withHoldout();
    const json = await govbot(['pairwise', 'score', round, write('s.json', { A: 0.25, B: 0.25, C: 0.5 }), '--json']);
    expect(json.code).toBe(0);
    expect(JSON.parse(json.out)).toMatchObject({ holdout: 1, score: Math.round((Math.log(2) - Math.log(2)) ** 2 * 1e9) / 1e9, winnersRight: 1 });
    const csv = await govbot(['pairwise', 'score', round, write('s.csv', 'project,weight\nA,0.5\nB,0.25\nC,0.25\n'), '--json']);
    expect(JSON.parse(csv.out).score).toBe(Math.round((Math.log(0.5) - Math.log(2)) ** 2 * 1e9) / 1e9);
    expect(JSON.parse(csv.out).winnersRight).toBe(0);
  });

  it('GIVEN weights that are not a distribution THEN the submission is refused naming the problem', async () => {
    const { code, err } = await govbot(['pairwise', 'score', withHoldout(), write('bad.csv', 'project,weight\nA,0.5\nB,0.5\nC,0.5\n')]);
    expect(code).toBe(1);
    expect(err).toContain('is not a valid submission:\n  - weights: the weights of the projects at the top add up to 1.5, not 1');
  });
});
