import { mkdirSync } from 'node:fs';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { proposalRoutes } from '../../src/web/proposal.ts';
import { pagesUnderTest, TOO_WIDE } from '../helpers/browser.ts';
import { consoleHarness } from '../helpers/console.ts';

const ARTIFACTS = new URL('../../test-artifacts/', import.meta.url);
/** Longer than a chat post shows, with what a page must keep as text: markup, a long unbroken word, a link. */
const TEXT = [
  'Fund a documentation sprint for the SDK: tutorials, examples and a reference that stays in step with each release.',
  '<script>alert(1)</script> and <b>bold</b> stay text.',
  `A long identifier: ${'supercalifragilistic'.repeat(6)}; see https://example.org/${'very-long-path/'.repeat(8)}`,
  ...Array.from({ length: 12 }, (_, k) => `Milestone ${k + 1}: write, review and publish chapter ${k + 1}, with its examples tested in CI.`),
].join('\n\n');

let h: Awaited<ReturnType<typeof consoleHarness>>;
let site: Awaited<ReturnType<typeof pagesUnderTest>>;
let browser: Browser;
let post: string;
let url: string;

beforeAll(async () => {
  site = await pagesUnderTest();
  browser = site.browser;
  h = await consoleHarness('2025-01-01T00:00:00Z', ':memory:', { publicUrl: site.base });
  proposalRoutes(site.web, h.db, { publicUrl: site.base });
  await h.say('/as mod --moderator', '/round create id:r1 name:"Round 1"');
  post = await h.say('/as alice', `/proposal submit title:"Docs sprint for the SDK" text:"${TEXT}"`);
  await h.say('/as bob', '/rate proposal:p1 stars:4', '/comment proposal:p1 text:"Yes please"', '/as carol', '/rate proposal:p1 stars:5', '/comment proposal:p1 text:"And translations"');
  const round = await h.db.selectFrom('rounds').select('id').executeTakeFirstOrThrow();
  url = `${site.base}/proposal/${round.id}/p1`;
}, 60_000);

afterAll(async () => {
  await site?.close();
  await h?.close();
});

describe('the page of a proposal', () => {
  it('GIVEN a proposal longer than a chat post THEN the post is cut and links to its page', () => {
    expect(post).toContain('Docs sprint for the SDK');
    expect(post).not.toContain('Milestone 12');
    expect(post).toContain(`The whole text: /proposal show proposal:p1, or ${url}`);
  });

  it.each([390, 1366])('GIVEN the page at %i px THEN nothing is wider than the screen, and it shows the title, the author by pseudonym, the whole text as text, the ratings and comments, and preview tags', async (width) => {
    const page = await browser.newPage({ viewport: { width, height: 900 }, isMobile: width < 600 });
    const errors: string[] = [];
    page.on('console', (m) => m.type() === 'error' && errors.push(m.text()));
    page.on('dialog', (d) => errors.push(`a dialog opened: ${d.message()}`));
    const response = (await page.goto(url))!;
    expect(response.status()).toBe(200);
    expect(response.headers()['content-security-policy']).toContain("script-src 'self'");
    expect(await page.evaluate(TOO_WIDE)).toEqual([]);
    expect(errors).toEqual([]);
    mkdirSync(ARTIFACTS, { recursive: true });
    await page.screenshot({ path: new URL(`proposal-${width}.png`, ARTIFACTS).pathname, fullPage: true });

    expect(await page.locator('h1').textContent()).toBe('Docs sprint for the SDK');
    const main = (await page.locator('main').textContent())!;
    expect(main).toMatch(/by member-[0-9a-f]{6}/);
    expect(main).not.toContain('alice');
    expect(await page.locator('.text').textContent()).toBe(TEXT);
    expect(await page.locator('.text b').count()).toBe(0);
    expect(await page.locator('dl').textContent()).toBe('ratings2average4.5 / 5comments2');
    expect(await page.locator('meta[property="og:title"]').getAttribute('content')).toBe('Docs sprint for the SDK');
    expect(await page.locator('meta[property="og:url"]').getAttribute('content')).toBe(url);
    expect((await page.locator('meta[property="og:description"]').getAttribute('content'))!.startsWith('Fund a documentation sprint')).toBe(true);
    await page.close();
  });

  it('GIVEN a member who chose to show their handle, a withdrawn comment, and unknown addresses THEN the page names them, counts what counts, and the rest is not found', async () => {
    await h.say('/as alice', '/privacy handle:shown', '/as bob', '/retract comment:c1');
    const page = await (await fetch(url)).text();
    expect(page).toContain('by <strong>alice</strong>');
    expect(page).toContain('<dt>comments</dt><dd>1</dd>');
    for (const wrong of [url.replace('/p1', '/p9'), url.replace(/\/proposal\/[0-9a-f]/, '/proposal/x'), `${url}/more`, url.replace('/p1', '/%E0%A4%A')]) expect((await fetch(wrong)).status).toBe(404);
  });
});
