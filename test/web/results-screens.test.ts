import { mkdirSync, readFileSync } from 'node:fs';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openChallenge } from '../../src/chain/siwe.ts';
import type { Db } from '../../src/db/database.ts';
import { ensureCommunity, importRound } from '../../src/db/repositories.ts';
import type { RoundRow } from '../../src/db/schema.ts';
import { parseRoundFile } from '../../src/roundfile/schema.ts';
import { resultsRoutes } from '../../src/web/results.ts';
import { ensureMember } from '../../src/db/repositories.ts';
import { verifyRoutes } from '../../src/web/verify.ts';
import { WebServer } from '../../src/web/server.ts';
import { pagesUnderTest, TOO_WIDE } from '../helpers/browser.ts';
import { consoleHarness } from '../helpers/console.ts';
import { freshDb } from '../helpers/db.ts';

const ARTIFACTS = new URL('../../test-artifacts/', import.meta.url);
const WIDTHS = [390, 1366] as const;
const ALL_DRAWN = `[...document.querySelectorAll('[data-spec]')].every((e) => e.getAttribute('data-drawn') === 'true')`;

const sample = JSON.parse(readFileSync(new URL('../../examples/governance-round-1.json', import.meta.url), 'utf8'));
const TOKEN = '0x5b7533812759b45c2b44c19e320ba2cd2681b542';
const withToken = { ...sample, round: { ...sample.round, config: { ...sample.round.config, token: { ...sample.round.config.token, address: TOKEN, chainId: 1 } } } };

/** The sample grown to a large round: 600 more holders voting, and a third poll of 12 long options. */
function largeRound() {
  const holders = Array.from({ length: 600 }, (_, i) => ({ id: `x${i}`, handle: `extra${i}`, excluded: false, wallets: [{ chain: 'eip155:1', address: `0x${(0xa000000 + i).toString(16).padStart(40, '0')}`, balance: String(BigInt(1 + ((i * 7919) % 5000)) * 10n ** 8n) }] }));
  const q3 = { id: 'q3', text: 'Which working group should the next round fund first, given the treasury and the roadmap agreed in the last town hall?', options: Array.from({ length: 12 }, (_, n) => `Working group ${n + 1}: documentation, tutorials and examples for the SDK and the marketplace`) };
  const votes = holders.flatMap((m, i) => [
    { question: 'q1', member: m.id, option: i % 3, castAt: '2022-10-20T10:00:00Z' },
    { question: 'q3', member: m.id, option: (i * 5) % 12, castAt: '2022-10-20T10:00:00Z' },
  ]);
  return parseRoundFile({ ...withToken, round: { ...withToken.round, id: 'big', name: 'A large round' }, members: [...sample.members, ...holders], questions: [...sample.questions, q3], votes: [...sample.votes, ...votes] });
}

let db: Db;
let site: Awaited<ReturnType<typeof pagesUnderTest>>;
let browser: Browser;
const rounds: Record<string, RoundRow> = {};

beforeAll(async () => {
  db = await freshDb();
  const community = await ensureCommunity(db, { platform: 'console', chatId: 'default', name: 'Console' });
  rounds['closed'] = await importRound(db, community.id, parseRoundFile(withToken));
  await db.updateTable('rounds').set({ snapshot_block: '15800000', phase: 'closed' }).where('id', '=', rounds['closed'].id).execute();
  const big = await ensureCommunity(db, { platform: 'console', chatId: 'big', name: 'Big' });
  rounds['large'] = await importRound(db, big.id, largeRound());
  site = await pagesUnderTest();
  browser = site.browser;
  resultsRoutes(site.web, db, { publicUrl: 'https://govbot.example.org' });
  verifyRoutes(site.web, { db, publicUrl: site.base, now: () => new Date(), tell: async () => undefined });
}, 60_000);

afterAll(async () => {
  await site?.close();
  await db?.destroy();
});

/** Opens a page at a width, draws its charts, checks that nothing is wider than the screen, and keeps a screenshot. */
async function look(url: string, width: number, name: string, drawn = ALL_DRAWN): Promise<Page> {
  const page = await browser.newPage({ viewport: { width, height: 900 }, isMobile: width < 600 });
  const errors: string[] = [];
  page.on('console', (m) => m.type() === 'error' && errors.push(m.text()));
  page.on('pageerror', (e) => errors.push(String(e)));
  expect((await page.goto(url))!.status()).toBe(200);
  await page.waitForFunction(drawn);
  expect(await page.evaluate(TOO_WIDE)).toEqual([]);
  expect(errors).toEqual([]);
  mkdirSync(ARTIFACTS, { recursive: true });
  await page.screenshot({ path: new URL(`${name}-${width}.png`, ARTIFACTS).pathname, fullPage: true });
  return page;
}

describe('the results page at phone and desktop widths', () => {
  it.each(WIDTHS)('GIVEN a closed round at %i px THEN nothing is wider than the screen, each question shows once, with the three views, dates, token, snapshots and the preview tags', async (width) => {
    const page = await look(`${site.base}/rounds/${rounds['closed']!.id}`, width, 'results-closed');
    for (const q of sample.questions as { text: string }[]) expect(await page.evaluate(`document.querySelector('main').textContent.split(${JSON.stringify(q.text)}).length - 1`)).toBe(1);
    const header = await page.locator('table.tally').first().locator('thead').textContent();
    for (const view of ['voters', '1 token 1 vote', 'quadratic', 'quadratic + reputation']) expect(header).toContain(view);
    // the deciding column is on screen, not cut off
    const deciding = await page.locator('table.tally thead th.deciding').first().boundingBox();
    expect(deciding!.x + deciding!.width).toBeLessThanOrEqual(width);
    const about = (await page.locator('section.about').textContent())!;
    expect(about).toMatch(/created \d{4}-\d\d-\d\d \d\d:\d\d(:\d\d)? UTC/);
    expect(about).toContain(TOKEN);
    expect(about).toContain('eip155:1');
    expect(about).toContain('balances at block 15800000');
    expect(about).toContain('Reputation snapshot');
    const meta = Object.fromEntries(await page.locator('meta[property], meta[name]').evaluateAll((tags) => tags.map((t) => [t.getAttribute('property') ?? t.getAttribute('name'), t.getAttribute('content')])));
    expect(meta['og:title']).toBe('Deep Funding Governance Round 1: results');
    expect(meta['og:url']).toBe(`https://govbot.example.org/rounds/${rounds['closed']!.id}`);
    expect(meta['og:image']).toBe(`https://govbot.example.org/rounds/${rounds['closed']!.id}/tally-q1.png`);
    expect(meta['twitter:card']).toBe('summary_large_image');
    expect(meta['twitter:image']).toBe(meta['og:image']);
    await page.close();
  });

  it('GIVEN the preview image a link preview asks for THEN it is the tally PNG of the first poll; an unknown poll is a 404', async () => {
    const image = await fetch(`${site.base}/rounds/${rounds['closed']!.id}/tally-q1.png`);
    expect(image.status).toBe(200);
    expect(image.headers.get('content-type')).toBe('image/png');
    expect(Buffer.from(await image.arrayBuffer()).subarray(1, 4).toString()).toBe('PNG');
    expect((await fetch(`${site.base}/rounds/${rounds['closed']!.id}/tally-q9.png`)).status).toBe(404);
  });

  it.each(WIDTHS)('GIVEN a large round at %i px THEN its tables and charts still fit the screen', async (width) => {
    const page = await look(`${site.base}/rounds/${rounds['large']!.id}`, width, 'results-large');
    expect(await page.locator('[data-question="q3"] table.tally tr.numbers').count()).toBe(12);
    expect(await page.locator('table.reputation tbody tr').count()).toBeLessThanOrEqual(200);
    await page.close();
  });
});

describe('a round still voting, at phone and desktop widths', () => {
  it('GIVEN an open poll and no points or rewards yet THEN the page shows the turnout and the closing time, and no empty table or chart, at 390 and 1366 px', async () => {
    const h = await consoleHarness('2025-03-01T10:00:00Z');
    await h.say('/round create id:r1 name:"Docs round"', '/poll open question:"Fund the docs?" options:"Yes|No" closes:2025-03-08T18:00Z', '/wallet add member:you address:0x00000000000000000000000000000000000000aa tokens:100 unverified:true', '/vote poll:q1 option:1');
    const web = new WebServer();
    resultsRoutes(web, h.db);
    const { port } = await web.listen(0, '127.0.0.1');
    const round = await h.db.selectFrom('rounds').selectAll().executeTakeFirstOrThrow();
    try {
      for (const width of WIDTHS) {
        const page = await look(`http://127.0.0.1:${port}/rounds/${round.id}`, width, 'results-open');
        const open = (await page.locator('section.open').textContent())!;
        expect(open).toContain('q1: 1 of 1 members with AGIX have voted (100%)');
        expect(open).toContain('closes 2025-03-08 18:00 UTC');
        expect(await page.evaluate(`[...document.querySelectorAll('table')].filter((t) => !t.querySelector('tbody tr')).length`)).toBe(0);
        expect(await page.locator('[data-spec]').count()).toBe(0);
        const text = (await page.locator('main').textContent())!;
        expect(text).not.toContain('0.000000');
        expect(text).toContain('No reputation points yet');
        expect(text).toContain('No reward pool is set for this round.');
        await page.close();
      }
    } finally {
      await web.close();
      await h.close();
    }
  });
});

describe('the wallet page at phone and desktop widths', () => {
  it('GIVEN an open /verify link THEN nothing is wider than the screen at 390 and 1366 px', async () => {
    const community = await ensureCommunity(db, { platform: 'telegram', chatId: '-100', name: 'Test DAO' });
    const member = await ensureMember(db, community.id, { platform: 'telegram', userId: '101', handle: 'alice' });
    for (const width of WIDTHS) {
      const { token } = await openChallenge(db, community, member, new Date());
      const page = await look(`${site.base}/verify/${token}`, width, 'wallet-page', 'true');
      expect(await page.locator('h1').textContent()).toBe('Link your wallet');
      await page.close();
    }
  });
});
