import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'vitest';
import { renderFunding, renderLeaderboard, renderWeights } from '../../commands/pairwise.ts';
import { runPairwise } from '../../src/cli/pairwise.ts';
import { flagsOf, medianResidual } from '../../src/core/pairwise/flags.ts';
import { mulberry32 } from '../../src/core/pairwise/random.ts';
import { computePairwiseReport, type PairwiseReport } from '../../src/core/pairwise/report.ts';
import type { Db } from '../../src/db/database.ts';
import { exportPairwiseRound, findPairwiseRound } from '../../src/db/pairwise.ts';
import { parsePairwiseRoundBytes } from '../../src/roundfile/pairwise.ts';

/** A private message with buttons the bot sent a juror: its text and its buttons' labels, in order. */
export interface Question {
  text: string;
  labels: string[];
  /** Taps the button at this index; the juror's next private message with buttons (or the last private text). */
  tap(index: number): Promise<Question>;
}

/** One chat surface (console, Telegram, Discord) as the scenario drives it. */
export interface Surface {
  name: string;
  db(): Promise<Db>;
  /** The moderator runs a command; the text of every message the bot sent because of it. */
  mod(line: string): Promise<string>;
  /** The moderator runs a command with a file attached to its file option. */
  modWithFile(line: string, option: string, file: { name: string; content: string }): Promise<string>;
  /** A new member, with this handle, who has written in the community once. */
  member(handle: string): Promise<string>;
  /** A member types a command; the private message with buttons it brought, or the text sent. */
  say(handle: string, line: string): Promise<Question>;
  /** A member runs a command with a file; the text sent. */
  sayWithFile(handle: string, line: string, option: string, file: { name: string; content: string }): Promise<string>;
  /** Delivers the juror's last tap again as the platform would after a crash (the same event id), or taps again. */
  redeliverLastTap(handle: string, question: Question, index: number): Promise<void>;
  advanceTo(iso: string): Promise<string>;
  /** The key the bot gives a member in round files. */
  keyOf(handle: string): Promise<string>;
}

const GROUPS = {
  clients: { geth: 8, nethermind: 4, besu: 2, erigon: 2, reth: 1 },
  tooling: { solidity: 6, vyper: 1, foundry: 4, hardhat: 3, ethers: 3 },
} as const;
const TOP = { clients: 3, tooling: 2 } as const;
const TRUTH = new Map<string, number>([...Object.entries(TOP), ...Object.values(GROUPS).flatMap((g) => Object.entries(g))]);
const RATIOS = [1.5, 2, 3, 5, 10, 30, 100];
const PER_JUROR = 9;

const projectsCsv = () =>
  [
    'name,url,parent',
    'clients,,',
    'tooling,,',
    ...Object.entries(GROUPS).flatMap(([parent, children]) => Object.keys(children).map((c) => `${c},https://example.org/${c},${parent}`)),
  ].join('\n');

/** The pair a question shows, by project id (ids are the names here). */
function pairOf(q: Question): { a: string; b: string } {
  const a = /^A: (\S+)/m.exec(q.text)?.[1];
  const b = /^B: (\S+)/m.exec(q.text)?.[1];
  if (!a || !b) throw new Error(`not a question:\n${q.text}`);
  return { a, b };
}
const indexOf = (q: Question, label: string) => {
  const k = q.labels.findIndex((l) => l.replace(/^\d+\. /, '') === label);
  if (k === -1) throw new Error(`no button "${label}" among ${q.labels.join(' | ')} in:\n${q.text}`);
  return k;
};

/** An honest juror's answer: the winner by the true weights, the offered ratio nearest the true one; equal within 25 %. */
function honest(pair: { a: string; b: string }): { pick: 'a' | 'b' | 'equal'; ratio: number } {
  const r = TRUTH.get(pair.a)! / TRUTH.get(pair.b)!;
  if (r > 0.8 && r < 1.25) return { pick: 'equal', ratio: 1 };
  const big = Math.max(r, 1 / r);
  const ratio = RATIOS.reduce((best, x) => (Math.abs(Math.log(x / big)) < Math.abs(Math.log(best / big)) ? x : best));
  return { pick: r > 1 ? 'a' : 'b', ratio };
}

/** Taps the answer through the buttons: the project (or about equal), then the ratio; returns the next question. */
async function answer(q: Question, pick: 'a' | 'b' | 'equal', ratio: number, timed: number[]): Promise<{ next: Question; ratioQuestion?: Question }> {
  const pair = pairOf(q);
  const start = performance.now();
  if (pick === 'equal') {
    const next = await q.tap(indexOf(q, 'About equal'));
    timed.push(performance.now() - start);
    return { next };
  }
  const ratioQuestion = await q.tap(indexOf(q, pick === 'a' ? pair.a : pair.b));
  expect(ratioQuestion.text).toContain('How many times more');
  const again = performance.now();
  const next = await ratioQuestion.tap(indexOf(ratioQuestion, `${ratio}×`));
  timed.push(performance.now() - again);
  return { next, ratioQuestion };
}

const p99 = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.ceil(xs.length * 0.99) - 1)]!;

/**
 * The whole Deep Funding round on one surface: a moderator sets up 12 projects in a two-level tree, six honest jurors
 * and one who answers at random judge through buttons (equal answers, a skip, a changed mind, a repeated tap, a typed
 * reason), two modelers submit, the round closes on schedule; every posted number is the replay of the exported file,
 * and each next pair is the one `govbot pairwise next` gives on the file of that moment.
 */
export async function deepFundingRound(s: Surface): Promise<{ report: PairwiseReport; latencyP99: number }> {
  expect(await s.mod('/pairwise create id:df1 name:"Dependencies of Ethereum" root:Ethereum')).toContain('Pairwise round df1 "Dependencies of Ethereum" is created');
  expect(await s.modWithFile('/pairwise projects', 'file', { name: 'projects.csv', content: projectsCsv() })).toContain('12 projects added to round df1, in 3 sibling groups');
  expect(await s.mod('/pairwise config key:pool value:100000000000000000000')).toContain('pool is now');
  expect(await s.mod('/pairwise config key:weights value:close')).toContain('weights is now "close"');
  expect(await s.mod('/pairwise config key:wanted value:60')).toContain('wanted is now 60');
  expect(await s.mod('/pairwise config key:aggregation value:huber')).toContain('aggregation is now "huber"');
  expect(await s.mod('/pairwise config key:jurorWeighting value:reliability')).toContain('jurorWeighting is now "reliability"');
  if (process.env.SEED) await s.mod(`/pairwise config key:seed value:${process.env.SEED}`);
  expect(await s.mod('/pairwise schedule open:2025-01-01T01:00Z close:2025-01-03T00:00Z')).toContain('Round df1 scheduled: opens');
  const shown = await s.mod('/pairwise show');
  expect(shown).toContain('  geth  geth  https://example.org/geth');
  expect(await s.advanceTo('2025-01-01T01:00:00Z')).toContain('Pairwise round df1 "Dependencies of Ethereum" is open');

  const honestJurors = ['j1', 'j2', 'j3', 'j4', 'j5', 'j6'];
  const random = 'jx';
  for (const j of [...honestJurors, random, 'm1', 'm2']) await s.member(j);
  const db = await s.db();
  const row = (await findPairwiseRound(db, (await db.selectFrom('pairwise_rounds').select('community_id').executeTakeFirstOrThrow()).community_id, 'df1'))!;
  const dir = mkdtempSync(join(tmpdir(), 'govbot-pairwise-'));
  /** What `govbot pairwise next FILE --juror KEY` says on the round file of this moment. */
  const cliNext = async (handle: string) => {
    const path = join(dir, 'now.json');
    writeFileSync(path, (await exportPairwiseRound(db, row)).file);
    return (JSON.parse(await runPairwise(['next', path, '--juror', await s.keyOf(handle), '--json'])) as { pairs: { a: string; b: string }[] }).pairs[0];
  };

  const timed: number[] = [];
  const rng = mulberry32(11);
  let sampled = 0;
  for (const [i, j] of [...honestJurors, random].entries()) {
    let q = await s.say(j, '/judge');
    expect(q.text).toContain('Which mattered more to');
    expect(q.text).not.toMatch(/weight|%/);
    if (i === 0) expect(q.text).toContain('You have made 0 comparisons; the round still wants 60.');
    if (j === 'j2') {
      const skipped = pairOf(q);
      q = await q.tap(indexOf(q, 'Skip'));
      expect(q.text).toContain('Skipped');
      expect(pairOf(q)).not.toEqual(skipped);
    }
    for (let k = 0; k < PER_JUROR; k++) {
      const pair = pairOf(q);
      if (j === random) {
        const pick = (['a', 'b', 'equal'] as const)[Math.floor(rng() * 3)]!;
        q = (await answer(q, pick, RATIOS[Math.floor(rng() * RATIOS.length)]!, timed)).next;
        continue;
      }
      const truth = honest(pair);
      if (j === 'j4' && k === 2) {
        // a typed answer carries a reason
        q = await s.say(j, `/judge round:df1 a:${pair.a} b:${pair.b} pick:${truth.pick}${truth.pick === 'equal' ? '' : ` ratio:${truth.ratio}`} reason:"the client most nodes run"`);
        expect(q.text).toContain('Recorded:');
        continue;
      }
      if (j === 'j3' && k === 0) {
        // a changed mind: 100× first, then the honest ratio on the same question
        const wrong = truth.pick === 'equal' ? { pick: 'a' as const, ratio: 100 } : { pick: truth.pick, ratio: 100 };
        const { ratioQuestion } = await answer(q, wrong.pick, wrong.ratio, timed);
        const back = truth.pick === 'equal' ? undefined : ratioQuestion!;
        q = back ? await back.tap(indexOf(back, `${truth.ratio}×`)) : await q.tap(indexOf(q, 'About equal'));
        expect(q.text).toContain('Changed your answer');
        continue;
      }
      const { next } = await answer(q, truth.pick, truth.ratio, timed);
      if (j === 'j5' && k === 1) {
        const before = await db.selectFrom('pairwise_comparisons').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
        await s.redeliverLastTap(j, next, 0);
        const after = await db.selectFrom('pairwise_comparisons').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
        expect(Number(after.n)).toBe(Number(before.n));
      }
      q = next;
      expect(q.text).toContain('Recorded:');
      // nobody else holds a pair now (each juror stopped before the next began), so the sampler's choice is the file's
      if (j !== 'j2' && (i === 0 || k === PER_JUROR - 1)) {
        expect(await cliNext(j)).toEqual(pairOf(q));
        sampled++;
      }
    }
    const stopped = await q.tap(indexOf(q, 'Stop'));
    expect(stopped.text).toContain('Stopped.');
  }
  expect(sampled).toBeGreaterThanOrEqual(PER_JUROR + 3);

  // Hidden weights stay hidden from members until the round closes.
  expect((await s.say('j1', '/weights')).text).toContain('The weights of round df1 are shown when it closes.');

  // The moderator sees the random juror flagged, and takes their comparisons out (audit log).
  const jurors = await s.mod('/jurors show');
  expect(jurors).toContain('Flagged:');
  if (process.env.SHOW) console.log(jurors);
  const flagged = jurors.slice(jurors.indexOf('Flagged:')).split('\n').slice(1).filter((l) => /^\w+: /.test(l)).map((l) => l.split(':')[0]);
  expect(flagged).toEqual([random]);
  expect(await s.mod(`/jurors exclude member:${random} reason:"random answers"`)).toContain(`${random}'s comparisons no longer count in round df1 (random answers).`);
  const audit = await db.selectFrom('audit_log').select(['action', 'detail']).where('action', '=', 'pairwise.juror.excluded').execute();
  expect(audit).toHaveLength(1);

  // Modelers submit: the true weights (JSON) and a flat guess (CSV).
  const norm = (g: Record<string, number>) => {
    const sum = Object.values(g).reduce((a, b) => a + b, 0);
    return Object.fromEntries(Object.entries(g).map(([k, v]) => [k, v / sum]));
  };
  const truthWeights = { ...norm(TOP), ...norm(GROUPS.clients), ...norm(GROUPS.tooling) };
  expect(await s.sayWithFile('m1', '/submit', 'weights', { name: 'truth.json', content: JSON.stringify(truthWeights) })).toContain('Submission s1 is in round df1; it is scored on the held-out comparisons when the round closes.');
  const flat = ['project,weight', 'clients,0.5', 'tooling,0.5', ...Object.values(GROUPS).flatMap((g) => Object.keys(g).map((p) => `${p},0.2`))].join('\n');
  expect(await s.sayWithFile('m2', '/submit', 'weights', { name: 'flat.csv', content: flat })).toContain('Submission s2 is in round df1');
  expect(await s.sayWithFile('m2', '/submit', 'weights', { name: 'bad.csv', content: 'project,weight\ngeth,1' })).toContain('there is no weight for');

  // The round closes on schedule: final weights, funding, leaderboard, the page.
  const closed = await s.advanceTo('2025-01-03T00:00:00Z');
  expect(closed).toContain('Pairwise round df1 is closed');
  const { file } = await exportPairwiseRound(db, { ...row, phase: 'closed' });
  const report = computePairwiseReport(parsePairwiseRoundBytes(new TextEncoder().encode(file)));
  for (const part of [renderWeights(report), renderFunding(report), renderLeaderboard(report)]) for (const line of part.split('\n')) expect(closed).toContain(line);
  expect(report.projects.filter((p) => p.funding !== null).reduce((t, p) => t + p.funding!, 0n) + report.undistributed).toBe(10n ** 20n);
  expect(report.jurors.map((j) => j.id)).not.toContain(await s.keyOf(random));
  expect(report.submissions.find((x) => x.id === 's1')!.rank).toBe(1);
  expect(flagsOf(report.jurors[0]!, medianResidual(report))).toEqual([]);
  // After close everyone sees the weights, the same numbers.
  const weights = (await s.say('j2', '/weights')).text;
  for (const line of renderWeights(report).split('\n')) expect(weights).toContain(line);

  if (process.env.SHOW) console.log(`${s.name}: next pair after an answer, p99 ${p99(timed).toFixed(0)} ms over ${timed.length} answers`);
  return { report, latencyP99: p99(timed) };
}
