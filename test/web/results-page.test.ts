import { mkdirSync, readFileSync } from 'node:fs';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { formatNumber } from '../../src/format/units.ts';
import { ensureCommunity, importRound } from '../../src/db/repositories.ts';
import type { Db } from '../../src/db/database.ts';
import type { RoundRow } from '../../src/db/schema.ts';
import { parseRoundFileText, parseRoundFile } from '../../src/roundfile/schema.ts';
import { computeReport, reportJson } from '../../src/core/report.ts';
import { resultsRoutes } from '../../src/web/results.ts';
import { WebServer } from '../../src/web/server.ts';
import { pagesUnderTest } from '../helpers/browser.ts';
import { freshDb } from '../helpers/db.ts';
import { consoleHarness } from '../helpers/console.ts';

const sampleText = readFileSync(new URL('../../examples/governance-round-1.json', import.meta.url), 'utf8');
const sample = parseRoundFileText(sampleText);
/** Run in the page: vega has drawn every chart. */
const ALL_DRAWN = `[...document.querySelectorAll('[data-spec]')].every((e) => e.getAttribute('data-drawn') === 'true')`;
const ARTIFACTS = new URL('../../test-artifacts/', import.meta.url);

let db: Db;
let site: Awaited<ReturnType<typeof pagesUnderTest>>;
let base: string;
let round: RoundRow;
let browser: Browser;
const shownMember = sample.members.find((m) => m.handle === 'erin')!;

beforeAll(async () => {
  db = await freshDb();
  const community = await ensureCommunity(db, { platform: 'console', chatId: 'default', name: 'Console' });
  round = await importRound(db, community.id, sample);
  // One member lets the page show her handle; everyone else appears under a pseudonym.
  await db.updateTable('members').set({ public_handle: 1 }).where('key', '=', shownMember.id).execute();
  site = await pagesUnderTest();
  ({ base, browser } = site);
  resultsRoutes(site.web, db);
}, 60_000);

afterAll(async () => {
  await site?.close();
  await db?.destroy();
});

describe('the public results page', () => {
  it('GIVEN the page THEN every number it shows equals the report JSON it links to', async () => {
    const page = await browser.newPage();
    await page.goto(`${base}/rounds/${round.id}`);
    const report = JSON.parse(await (await fetch(`${base}/rounds/${round.id}/report.json`)).text()) as {
      questions: { id: string; options: Record<string, string | number>[] }[];
      rewards: { member: string; amount: string }[];
    };
    for (const q of report.questions) {
      const cells = await page.locator(`[data-question="${q.id}"] table.tally tr.numbers`).evaluateAll((rows) =>
        rows.map((r) => Object.fromEntries([...r.querySelectorAll('[data-field]')].map((c) => [c.getAttribute('data-field'), c.getAttribute('data-value')]))),
      );
      expect(cells).toEqual(q.options.map((o) => ({ voters: String(o['voters']), tokenVotes: String(o['tokenVotes']), quadraticVotes: String(o['quadraticVotes']), qualifiedVotes: String(o['qualifiedVotes']) })));
    }
    const amounts = await page.locator('table.rewards [data-field="amount"]').evaluateAll((cells) => cells.map((c) => c.getAttribute('data-value')));
    expect(amounts).toEqual(report.rewards.map((r) => r.amount));
    await page.close();
  });

  it('GIVEN a voter in the voting event THEN hovering it shows its tokens, tier and weight', async () => {
    const page = await browser.newPage({ viewport: { width: 1200, height: 900 } });
    await page.goto(`${base}/rounds/${round.id}`);
    await page.waitForFunction(ALL_DRAWN);
    // The heaviest voter is drawn first, at the top.
    const voter = page.locator('[data-spec="event-q1"] .mark-symbol path').first();
    await voter.scrollIntoViewIfNeeded();
    await voter.hover();
    const tooltip = page.locator('#tooltip');
    await expect.poll(() => tooltip.isVisible()).toBe(true);
    const text = await tooltip.textContent();
    const report = computeReport(sample);
    const weights = [...report.choicesOf('q1').keys()].map((key) => report.powerOf(key)?.weight ?? 0);
    expect(text).toContain(`weight: ${formatNumber(Math.max(...weights), 4)}`);
    expect(text).toMatch(/AGIX at snapshot: [\d,.]+/);
    expect(text).toMatch(/tier: /);
    await page.close();
  });

  it('GIVEN members who did not allow it THEN the page and its files show pseudonyms, and replay to the same report', async () => {
    const html = await (await fetch(`${base}/rounds/${round.id}`)).text();
    expect(html).toContain('erin');
    for (const m of sample.members.filter((x) => x.id !== shownMember.id && x.handle.length > 3)) expect(html).not.toContain(`>${m.handle}<`);
    expect(html).toMatch(/member-[0-9a-f]{6}/);
    const file = await (await fetch(`${base}/rounds/${round.id}/round.json`)).text();
    const report = await (await fetch(`${base}/rounds/${round.id}/report.json`)).text();
    expect(reportJson(computeReport(parseRoundFile(JSON.parse(file))))).toBe(report);
    expect(file).not.toContain('"handle": "alice"');
    expect((await fetch(`${base}/rounds/00000000-0000-0000-0000-000000000000`)).status).toBe(404);
    expect((await fetch(`${base}/rounds/../../etc/passwd`)).status).toBe(404);
  });
});

describe('a round still voting', () => {
  it('GIVEN an open poll THEN the page and its files leave it out until it closes', async () => {
    const h = await consoleHarness();
    await h.say('/round create id:r1 name:R', '/poll open question:"Fund the docs?" options:"Yes|No"', '/wallet add member:you address:0x00000000000000000000000000000000000000aa tokens:100 unverified:true', '/vote poll:q1 option:1');
    const server = new WebServer();
    resultsRoutes(server, h.db);
    const { port } = await server.listen(0, '127.0.0.1');
    const round = await h.db.selectFrom('rounds').selectAll().executeTakeFirstOrThrow();
    const at = `http://127.0.0.1:${port}/rounds/${round.id}`;
    const open = await (await fetch(at)).text();
    expect(open).toContain('Voting now');
    expect(open).toContain('Results appear here when it closes.');
    expect(open).not.toContain('Fund the docs?');
    expect(JSON.parse(await (await fetch(`${at}/round.json`)).text()).votes).toEqual([]);
    await h.say('/poll close poll:q1');
    expect(await (await fetch(at)).text()).toContain('q1: Fund the docs?');
    await server.close();
    await h.close();
  });
});

describe('names that look like markup', () => {
  it('GIVEN a tier named <plaintext> and a round named </script><script>alert(1)</script> THEN the page shows them as text, runs no script of theirs, and still draws every chart under its Content-Security-Policy', async () => {
    const hostile = '</script><script>alert(1)</script>';
    const levels = [{ name: '<plaintext>', percent: 10, factor: 5 }, { name: '"><img src=x>', percent: 90, factor: 2 }];
    const file = parseRoundFile({ ...JSON.parse(sampleText), round: { ...JSON.parse(sampleText).round, id: 'hostile', name: hostile, config: { ...JSON.parse(sampleText).round.config, tiers: { by: 'percentile', levels } } } });
    file.questions = file.questions.map((q, i) => (i === 0 ? { ...q, text: '<img src=x onerror=alert(3)>?', options: ['<b>Yes</b>', ...q.options.slice(1)] } : q));
    const community = await ensureCommunity(db, { platform: 'console', chatId: 'hostile', name: 'Hostile' });
    const stored = await importRound(db, community.id, file);
    const page = await browser.newPage({ viewport: { width: 390, height: 844 } });
    const trouble: string[] = [];
    page.on('dialog', (d) => {
      trouble.push(`dialog: ${d.message()}`);
      void d.dismiss();
    });
    page.on('console', (m) => m.type() === 'error' && trouble.push(m.text()));
    page.on('pageerror', (e) => trouble.push(String(e)));
    await page.addInitScript(`document.addEventListener('securitypolicyviolation', (e) => console.error('CSP: ' + e.violatedDirective));`);
    const response = await page.goto(`${base}/rounds/${stored.id}`);
    const csp = (await response!.allHeaders())['content-security-policy']!;
    expect(csp).toContain("script-src 'self'");
    expect(csp).not.toContain('unsafe-inline');
    expect(csp).not.toContain('unsafe-eval');
    await page.waitForFunction(ALL_DRAWN);
    expect(await page.locator('h1').textContent()).toBe(hostile);
    expect(await page.locator('table.reputation td', { hasText: '<plaintext>' }).count()).toBeGreaterThan(0);
    expect(await page.locator('[data-question="q1"] h2').textContent()).toBe('q1: <img src=x onerror=alert(3)>?');
    expect(await page.locator('[data-question="q1"] table.tally tr.label th').first().textContent()).toBe('1. <b>Yes</b>');
    // nothing after the tier swallowed the rest of the page
    expect(await page.locator('h2', { hasText: 'Check it yourself' }).isVisible()).toBe(true);
    expect(await page.locator('img').count()).toBe(0);
    expect(trouble).toEqual([]);
    await page.close();
  });
});
