import { existsSync } from 'node:fs';
import { WebServer } from '../../src/web/server.ts';
import { ensureCommunity, ensureMember } from '../../src/db/repositories.ts';
import { verifyRoutes } from '../../src/web/verify.ts';
import { freshDb } from './db.ts';
import { chromium, type Browser } from 'playwright-core';

/** Debian's chromium, as `.ci/run` installs it; headless, no network but 127.0.0.1. */
export const CHROMIUM = process.env['CHROMIUM_PATH'] ?? '/usr/bin/chromium';

export async function launchChromium(): Promise<Browser> {
  if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: install Debian's chromium (apt-get install chromium), as .ci/run does`);
  return chromium.launch({
    executablePath: CHROMIUM,
    args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', '--disable-background-networking', '--no-first-run', '--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1'],
  });
}

/** The bot's web server on 127.0.0.1 and a chromium to look at it; the test adds the routes it checks. */
export async function pagesUnderTest() {
  const web = new WebServer();
  const { port } = await web.listen(0, '127.0.0.1');
  const browser = await launchChromium();
  return {
    web,
    browser,
    base: `http://127.0.0.1:${port}`,
    async close() {
      await browser.close();
      await web.close();
    },
  };
}

/** The wallet page of a fresh database with one member, alice of a Telegram group, served to chromium. */
export async function walletPageUnderTest(now: Date) {
  const db = await freshDb();
  const community = await ensureCommunity(db, { platform: 'telegram', chatId: '-100', name: 'Test DAO' });
  const member = await ensureMember(db, community.id, { platform: 'telegram', userId: '101', handle: 'alice' });
  const site = await pagesUnderTest();
  verifyRoutes(site.web, { db, publicUrl: site.base, now: () => now, tell: async () => undefined });
  return {
    db,
    site,
    browser: site.browser,
    community,
    member,
    async close() {
      await site.close();
      await db.destroy();
    },
  };
}

/**
 * Run in a page: every element whose content is wider than its box, or whose box reaches past the screen, named by
 * tag and class; and whether the page itself scrolls sideways. Empty when the page fits its screen.
 */
export const TOO_WIDE = `(() => {
  const wide = [...document.querySelectorAll('body *')].filter((e) => {
    const box = e.getBoundingClientRect();
    if (box.width === 0 && box.height === 0) return false;
    return box.right > window.innerWidth + 0.5 || box.left < -0.5 || (e instanceof HTMLElement && e.clientWidth > 0 && e.scrollWidth > e.clientWidth + 1);
  }).map((e) => e.tagName.toLowerCase() + (e.getAttribute('class') ? '.' + e.getAttribute('class') : '') + ' ' + e.scrollWidth + '/' + e.clientWidth);
  if (document.documentElement.scrollWidth > window.innerWidth) wide.push('the page ' + document.documentElement.scrollWidth);
  return wide;
})()`;
