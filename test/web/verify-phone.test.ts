import { Wallet } from 'ethers';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openChallenge } from '../../src/chain/siwe.ts';
import type { Db } from '../../src/db/database.ts';
import type { Community, MemberRow } from '../../src/db/schema.ts';
import { walletPageUnderTest } from '../helpers/browser.ts';

let served: Awaited<ReturnType<typeof walletPageUnderTest>>;
let db: Db;
let site: Awaited<ReturnType<typeof walletPageUnderTest>>['site'];
let browser: Browser;
let community: Community;
let member: MemberRow;
const now = new Date();

beforeAll(async () => {
  served = await walletPageUnderTest(now);
  ({ db, site, browser, community, member } = served);
}, 60_000);

afterAll(() => served?.close());

/**
 * A phone-sized page where wallets announce themselves by EIP-6963 only (no window.ethereum), each an EIP-1193
 * provider whose requests go to Node, where its real key signs; a wallet may start on another chain and switch.
 */
async function page6963(wallets: { rdns: string; name: string; key: Pick<Wallet, 'address' | 'signMessage'>; chainId?: string }[]): Promise<Page> {
  const page = await browser.newPage({ viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true });
  const chains = new Map(wallets.map((w) => [w.rdns, w.chainId ?? '0x1']));
  await page.exposeFunction('__wallet', async (rdns: string, method: string, params: unknown[]) => {
    const wallet = wallets.find((w) => w.rdns === rdns)!;
    if (method === 'eth_requestAccounts') return { result: [wallet.key.address] };
    if (method === 'eth_chainId') return { result: chains.get(rdns) };
    if (method === 'wallet_switchEthereumChain') {
      chains.set(rdns, (params[0] as { chainId: string }).chainId);
      return { result: null };
    }
    if (method === 'personal_sign') return { result: await wallet.key.signMessage(Buffer.from(String(params[0]).slice(2), 'hex')) };
    return { error: { code: 4200, message: `unsupported ${method}` } };
  });
  await page.addInitScript(`(() => {
    const wallets = ${JSON.stringify(wallets.map((w, i) => ({ uuid: `uuid-${i}`, name: w.name, rdns: w.rdns, icon: 'data:image/svg+xml,<svg/>' })))};
    const providers = wallets.map((info) => ({ request: async ({ method, params }) => {
      const answer = await window.__wallet(info.rdns, method, params || []);
      if (answer.error) { const e = new Error(answer.error.message); e.code = answer.error.code; throw e; }
      return answer.result;
    } }));
    window.addEventListener('eip6963:requestProvider', () => wallets.forEach((info, i) =>
      window.dispatchEvent(new CustomEvent('eip6963:announceProvider', { detail: Object.freeze({ info, provider: providers[i] }) }))));
  })();`);
  return page;
}

const stateOf = (page: Page) => page.locator('main').getAttribute('data-current');
const openLink = async () => `${site.base}/verify/${(await openChallenge(db, community, member, now)).token}`;

describe('the wallet page on a phone', () => {
  it('GIVEN two wallets announced by EIP-6963 and none at window.ethereum THEN both are offered by name and the one chosen signs', async () => {
    const metamask = Wallet.createRandom();
    const rabby = Wallet.createRandom();
    const page = await page6963([
      { rdns: 'io.metamask', name: 'MetaMask', key: metamask },
      { rdns: 'io.rabby', name: 'Rabby Wallet', key: rabby },
    ]);
    await page.goto(await openLink());
    expect(await stateOf(page)).toBe('ready');
    expect(await page.locator('#evm-wallets button').allTextContents()).toEqual(['Sign with MetaMask', 'Sign with Rabby Wallet']);
    await page.locator('[data-wallet="io.rabby"]').tap();
    await expect.poll(() => stateOf(page)).toBe('success');
    expect(await db.selectFrom('wallets').select('member_id').where('address', '=', rabby.address.toLowerCase()).executeTakeFirst()).toEqual({ member_id: member.id });
    expect(await db.selectFrom('wallets').select('id').where('address', '=', metamask.address.toLowerCase()).executeTakeFirst()).toBeUndefined();
    await page.close();
  });

  it('GIVEN a wallet on another network THEN the page names the chain and offers wallet_switchEthereumChain; after the switch the wallet links', async () => {
    const key = Wallet.createRandom();
    const page = await page6963([{ rdns: 'io.metamask', name: 'MetaMask', key, chainId: '0x5' }]);
    await page.goto(await openLink());
    await page.locator('#connect').tap();
    await expect.poll(() => stateOf(page)).toBe('wrong-network');
    expect(await page.locator('#switch').textContent()).toBe('Switch the wallet to chain 1');
    await page.locator('#switch').tap();
    await expect.poll(() => stateOf(page)).toBe('success');
    expect(await db.selectFrom('wallets').select('chain').where('address', '=', key.address.toLowerCase()).executeTakeFirst()).toEqual({ chain: 'eip155:1' });
    await page.close();
  });

  it('GIVEN a phone browser with no wallet (Telegram\'s in-app browser) THEN the page offers to open itself in MetaMask, Trust and Coinbase Wallet, and the chat path', async () => {
    const page = await browser.newPage({ viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true });
    const link = await openLink();
    await page.goto(link);
    expect(await stateOf(page)).toBe('no-wallet');
    expect(await page.locator('#open-in').isVisible()).toBe(true);
    const href = (id: string) => page.locator(`[data-deep-link="${id}"]`).getAttribute('href');
    expect(await href('metamask')).toBe(`https://metamask.app.link/dapp/${link.replace(/^http:\/\//, '')}`);
    expect(await href('trust')).toBe(`https://link.trustwallet.com/open_url?coin_id=60&url=${encodeURIComponent(link)}`);
    expect(await href('coinbase')).toBe(`https://go.cb-w.com/dapp?cb_url=${encodeURIComponent(link)}`);
    expect(await page.locator('[data-state="no-wallet"]').textContent()).toContain('/verify address:0x…');
    expect(await page.evaluate('document.documentElement.scrollWidth')).toBeLessThanOrEqual(390);
    await page.close();
  });
});
