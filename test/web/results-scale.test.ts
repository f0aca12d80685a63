import { createHash } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { chartThread, tallyChart } from '../../src/charts/attachments.ts';
import { computeReport } from '../../src/core/report.ts';
import type { Db } from '../../src/db/database.ts';
import { ensureCommunity, importRound } from '../../src/db/repositories.ts';
import { publicRoundData } from '../../src/results/public.ts';
import { buildFile, pageThread, resultsRoutes } from '../../src/web/results.ts';
import { WebServer } from '../../src/web/server.ts';
import { loadVerifier } from '../../src/web/verifier.ts';
import { freshDb } from '../helpers/db.ts';
import { postgresForTheseTests } from '../helpers/postgres.ts';
import { member, round as roundFile, tokens } from '../helpers/round.ts';

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

/** A round shaped like the bench round (README, Benchmarks), scaled to `members`: texts and events grow with it. */
function largeRound(members: number) {
  const ids = Array.from({ length: members }, (_, i) => `m${i}`);
  const proposals = Array.from({ length: members / 50 }, (_, i) => ({ id: `p${i}`, author: ids[(i * 7) % members]!, title: `Proposal ${i} by @member${i}` }));
  const comments = Array.from({ length: members * 2 }, (_, i) => ({ id: `c${i}`, author: ids[(i * 13) % members]!, proposal: proposals[i % proposals.length]!.id }));
  return roundFile({
    config: { rewards: { pool: tokens(100_000) } },
    members: ids.map((id, i) => member(id, tokens(1 + ((i * 7919) % 1000)))),
    proposals,
    ratings: proposals.flatMap((p, i) => [1, 2, 3].map((k) => ({ proposal: p.id, rater: ids[(i * 31 + k) % members]!, stars: 1 + ((i + k) % 5) }))),
    comments,
    reactions: comments.flatMap((c, i) => (['upvote', 'positive'] as const).map((kind, k) => ({ comment: c.id, reactor: ids[(i * 17 + k + 1) % members]!, kind }))),
    questions: [{ id: 'q1', text: 'Fund the tooling pool?', options: ['Yes', 'No', 'Abstain'] }],
    votes: ids.map((id, i) => ({ question: 'q1', member: id, option: i % 3, castAt: '2025-01-01T10:00:00Z' })),
  });
}

let db: Db | undefined;
let web: WebServer | undefined;
afterEach(async () => {
  await web?.close();
  await db?.destroy();
  db = web = undefined;
});

describe('the results page of a large round', () => {
  it('GIVEN 20,000 members and 400 texts that mention them THEN the public round is made in linear time, not once per text over every member', () => {
    const identities = Array.from({ length: 20_000 }, (_, i) => ({ key: `m${i}`, handle: `member${i}`, shown: i % 2 === 0, platformIds: [String(100_000 + i)] }));
    const data = roundFile({
      members: identities.map((m) => member(m.key)),
      proposals: Array.from({ length: 400 }, (_, i) => ({ id: `p${i}`, author: `m${i}`, title: `Proposal by @member${i + 1} and ${100_000 + i}` })),
    });
    const started = performance.now();
    const shown = publicRoundData(data, identities);
    // built once per text, the look-ups of 20,000 members took 7 s here (session 5's profile of the page)
    expect(performance.now() - started).toBeLessThan(2500);
    expect(shown.proposals[0]!.title).toBe('Proposal by @m1 and member0');
  }, 30_000);

  const server = postgresForTheseTests();
  it.each([
    ['an SQLite file', async () => `file:${join(mkdtempSync(join(tmpdir(), 'govbot-')), 'govbot.sqlite')}`],
    ['PostgreSQL', () => server.freshDatabase()],
  ])('GIVEN a round of 2,000 members in %s WHEN its page is first asked THEN a thread of its own builds it: the bot thread is nearly idle meanwhile, and the page is the one built in place', async (_, database) => {
    db = await freshDb(await database());
    const community = await ensureCommunity(db, { platform: 'console', chatId: 'default', name: 'Console' });
    const round = await importRound(db, community.id, largeRound(2_000));
    expect(2_000).toBeGreaterThanOrEqual(pageThread.minMembers);
    const verifier = loadVerifier();
    web = new WebServer();
    resultsRoutes(web, db, { verifier });
    const { port } = await web.listen(0, '127.0.0.1');
    // fetch loads its HTTP client on first use: not part of the page
    await fetch(`http://127.0.0.1:${port}/rounds/none`);

    const before = performance.eventLoopUtilization();
    const started = performance.now();
    const response = await fetch(`http://127.0.0.1:${port}/rounds/${round.id}`, { headers: { 'accept-encoding': 'identity' } });
    const page = await response.text();
    const wall = performance.now() - started;
    const { active } = performance.eventLoopUtilization(before);
    expect(response.status).toBe(200);
    expect(page).toContain('The first 200 of');
    // built in place, reading the round and laying out its page kept this thread busy 85-95 % of the time
    expect(active / wall).toBeLessThan(0.3);

    const inPlace = await buildFile(db, round, '', { publicUrl: undefined, verifier: verifier && { sha256: verifier.sha256, commit: verifier.commit, modified: verifier.modified } });
    expect(sha256(page)).toBe(sha256(Buffer.from(inPlace!.raw).toString('utf8')));
  }, 60_000);
});

describe('charts after a change', () => {
  it('GIVEN a comment after a poll closed THEN the tally chart of the new report is the picture drawn before, and a vote draws it again', async () => {
    const draw = vi.spyOn(chartThread, 'request').mockImplementation(async () => ({ svg: '', png: new Uint8Array([draw.mock.calls.length]) }));
    try {
      const members = ['m1', 'm2', 'm3'].map((id) => member(id, tokens(4)));
      const proposals = [{ id: 'p1', author: 'm1', title: 'P' }];
      const questions = [{ id: 'q1', text: 'Chart test?', options: ['Yes', 'No'] }];
      const votes = [{ question: 'q1', member: 'm1', option: 0, castAt: '2025-01-01T10:00:00Z' }];
      const before = computeReport(roundFile({ members, proposals, questions, votes }));
      const commented = computeReport(roundFile({ members, proposals, questions, votes, comments: [{ id: 'c1', author: 'm2', proposal: 'p1' }] }));
      const voted = computeReport(roundFile({ members, proposals, questions, votes: [...votes, { question: 'q1', member: 'm3', option: 1, castAt: '2025-01-01T11:00:00Z' }] }));
      const first = await tallyChart(before, before.questions[0]!);
      expect((await tallyChart(commented, commented.questions[0]!)).content).toBe(first.content);
      expect(draw).toHaveBeenCalledTimes(1);
      expect((await tallyChart(voted, voted.questions[0]!)).content).not.toBe(first.content);
      expect(draw).toHaveBeenCalledTimes(2);
    } finally {
      draw.mockRestore();
    }
  });
});
