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
