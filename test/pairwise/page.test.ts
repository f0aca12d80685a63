import { mkdirSync } from 'node:fs';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { computePairwiseReport } from '../../src/core/pairwise/report.ts';
import { exportPairwiseRound } from '../../src/db/pairwise.ts';
import type { PairwiseRoundRow } from '../../src/db/schema.ts';
import { parsePairwiseRoundBytes } from '../../src/roundfile/pairwise.ts';
import { pairwiseRoutes } from '../../src/web/pairwise.ts';
import { pagesUnderTest, TOO_WIDE } from '../helpers/browser.ts';
import { consoleHarness } from '../helpers/console.ts';
import { consoleSurface } from './console-surface.ts';
import { deepFundingRound } from './scenario.ts';

const ARTIFACTS = new URL('../../test-artifacts/', import.meta.url);

let h: Awaited<ReturnType<typeof consoleHarness>>;
let site: Awaited<ReturnType<typeof pagesUnderTest>>;
let browser: Browser;
let row: PairwiseRoundRow;

beforeAll(async () => {
  h = await consoleHarness('2025-01-01T00:00:00Z', ':memory:', { publicUrl: 'https://govbot.example' });
  await deepFundingRound(consoleSurface(h));
  row = await h.db.selectFrom('pairwise_rounds').selectAll().executeTakeFirstOrThrow();
  site = await pagesUnderTest();
  browser = site.browser;
  pairwiseRoutes(site.web, h.db);
}, 60_000);

afterAll(async () => {
  await site?.close();
  await h?.close();
});

describe('the results page of a pairwise round', () => {
  it.each([390, 1366])('GIVEN a closed round at %i px THEN nothing is wider than the screen, and the page shows the weights, the graph, the jurors by pseudonym and the file replay recomputes', async (width) => {
    const page = await browser.newPage({ viewport: { width, height: 900 }, isMobile: width < 600 });
    const errors: string[] = [];
    page.on('console', (m) => m.type() === 'error' && errors.push(m.text()));
    expect((await page.goto(`${site.base}/pairwise/${row.id}`))!.status()).toBe(200);
    expect(await page.evaluate(TOO_WIDE)).toEqual([]);
    expect(errors).toEqual([]);
    mkdirSync(ARTIFACTS, { recursive: true });
    await page.screenshot({ path: new URL(`pairwise-closed-${width}.png`, ARTIFACTS).pathname, fullPage: true });

    const file = await (await fetch(`${site.base}/pairwise/${row.id}/df1.json`)).text();
    expect(file).toBe((await exportPairwiseRound(h.db, row)).file);
    const report = computePairwiseReport(parsePairwiseRoundBytes(new TextEncoder().encode(file)));
    const weights = (await page.locator('table.weights').textContent())!;
    for (const p of report.projects) expect(weights).toContain(`${(p.weight * 100).toFixed(2)}%`);
    expect(await page.locator('svg.graph').count()).toBe(3);
    const jurors = (await page.locator('table.jurors').textContent())!;
    expect(jurors).toMatch(/member-[0-9a-f]{6}/);
    expect(jurors).not.toContain('console:');
    expect(await page.locator('main').textContent()).toContain('npx govbot replay df1.json');
    await page.close();
  });
});
