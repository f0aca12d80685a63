import { Wallet } from 'ethers';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { communityTag, openChallenge } from '../../src/chain/siwe.ts';
import type { Reply } from '../../src/commands/reply.ts';
import type { Db } from '../../src/db/database.ts';
import { ensureCommunity, ensureMember } from '../../src/db/repositories.ts';
import type { Community, MemberRow } from '../../src/db/schema.ts';
import { verifyRoutes } from '../../src/web/verify.ts';
import { pagesUnderTest } from '../helpers/browser.ts';
import { freshDb } from '../helpers/db.ts';

let db: Db;
let site: Awaited<ReturnType<typeof pagesUnderTest>>;
let base: string;
let browser: Browser;
let community: Community;
let member: MemberRow;
let now = new Date();
const told: { memberId: string; reply: Reply }[] = [];

beforeAll(async () => {
  db = await freshDb();
  community = await ensureCommunity(db, { platform: 'telegram', chatId: '-100', name: 'Test DAO' });
  member = await ensureMember(db, community.id, { platform: 'telegram', userId: '101', handle: 'alice' });
  site = await pagesUnderTest();
  ({ base, browser } = site);
  verifyRoutes(site.web, { db, publicUrl: base, now: () => now, tell: async (_c, memberId, reply) => void told.push({ memberId, reply }) });
}, 60_000);

afterAll(async () => {
  await site?.close();
  await db?.destroy();
});

/**
 * A page with an injected EIP-1193 provider, as MetaMask or Rabby inject one: requests go to Node, where a real key
 * signs; `behaviour` makes it decline or sit on another network.
 */
async function walletPage(key: Pick<Wallet, 'address' | 'signMessage'> | undefined, behaviour: { chainId?: string; decline?: boolean } = {}): Promise<Page> {
  const page = await browser.newPage({ viewport: { width: 390, height: 844 } });
  if (key) {
    await page.exposeFunction('__wallet', async (method: string, params: unknown[]) => {
      if (method === 'eth_requestAccounts') return { result: [key.address] };
      if (method === 'eth_chainId') return { result: behaviour.chainId ?? '0x1' };
      if (method === 'personal_sign') {
        if (behaviour.decline) return { error: { code: 4001, message: 'User rejected the request.' } };
        const bytes = Buffer.from(String(params[0]).slice(2), 'hex');
        return { result: await key.signMessage(bytes) };
      }
      return { error: { code: 4200, message: `unsupported ${method}` } };
    });
    await page.addInitScript(`window.ethereum = { isFake: true, request: async ({ method, params }) => {
      const answer = await window.__wallet(method, params || []);
      if (answer.error) { const e = new Error(answer.error.message); e.code = answer.error.code; throw e; }
      return answer.result;
    } };`);
  }
  return page;
}

async function openLink(where = community, who = member): Promise<string> {
  return `${base}/verify/${(await openChallenge(db, where, who, now)).token}`;
}

const stateOf = (page: Page) => page.locator('main').getAttribute('data-current');

describe('the wallet page in chromium', () => {
  it('GIVEN a browser wallet THEN the member connects, signs, and ends up verified in the database', async () => {
    const key = Wallet.createRandom();
    const page = await walletPage(key);
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(String(e)));
    page.on('console', (m) => m.type() === 'error' && errors.push(m.text()));
    await page.goto(await openLink());
    expect(await stateOf(page)).toBe('ready');
    await page.click('#connect');
    await expect.poll(() => stateOf(page)).toBe('success');
    expect(await page.locator('#message').textContent()).toContain(`Link this wallet to member ${member.key} of ${communityTag(community)}`);
    const wallet = await db.selectFrom('wallets').selectAll().where('address', '=', key.address.toLowerCase()).executeTakeFirstOrThrow();
    expect(wallet).toMatchObject({ member_id: member.id, verification: 'siwe', chain: 'eip155:1' });
    expect(told.at(-1)).toMatchObject({ memberId: member.id });
    expect(errors).toEqual([]);
    // The link is spent: opening it again says so.
    await page.reload();
    expect(await stateOf(page)).toBe('expired');
    await page.close();
  });

  it('GIVEN no wallet, another network, a refusal or an expired link THEN the page says which, and nothing is linked', async () => {
    const noWallet = await walletPage(undefined);
    await noWallet.goto(await openLink());
    expect(await stateOf(noWallet)).toBe('no-wallet');

    const key = Wallet.createRandom();
    const goerli = await walletPage(key, { chainId: '0x5' });
    await goerli.goto(await openLink());
    await goerli.click('#connect');
    await expect.poll(() => stateOf(goerli)).toBe('wrong-network');

    const declining = await walletPage(key, { decline: true });
    await declining.goto(await openLink());
    await declining.click('#connect');
    await expect.poll(() => stateOf(declining)).toBe('rejected');

    const link = await openLink();
    now = new Date(now.getTime() + 16 * 60_000);
    const late = await walletPage(key);
    await late.goto(link);
    expect(await stateOf(late)).toBe('expired');
    expect(await late.locator('[data-state="expired"]').isVisible()).toBe(true);

    expect(await db.selectFrom('wallets').select('id').where('address', '=', key.address.toLowerCase()).executeTakeFirst()).toBeUndefined();
    for (const p of [noWallet, goerli, declining, late]) await p.close();
  });

  it('GIVEN a member named José in a group titled 🚀 DAO THEN the page shows both names, the message stays ASCII, and the wallet links', async () => {
    const rocket = await ensureCommunity(db, { platform: 'telegram', chatId: '-200', name: '🚀 DAO <b>' });
    const jose = await ensureMember(db, rocket.id, { platform: 'telegram', userId: '202', handle: 'José' });
    const key = Wallet.createRandom();
    const page = await walletPage(key);
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(String(e)));
    page.on('console', (m) => m.type() === 'error' && errors.push(m.text()));
    await page.goto(await openLink(rocket, jose));
    expect(await page.locator('[data-field="member"]').textContent()).toBe('José');
    expect(await page.locator('[data-field="community"]').textContent()).toBe('🚀 DAO <b>');
    await page.click('#connect');
    await expect.poll(() => stateOf(page)).toBe('success');
    const message = (await page.locator('#message').textContent())!;
    expect(message).toMatch(/^[\x20-\x7e\n]+$/);
    expect(message).toContain(communityTag(rocket));
    expect(await db.selectFrom('wallets').select('member_id').where('address', '=', key.address.toLowerCase()).executeTakeFirstOrThrow()).toEqual({ member_id: jose.id });
    expect(errors).toEqual([]);
    await page.close();
  });
});
