import { Address } from '@emurgo/cardano-serialization-lib-nodejs';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openChallenge } from '../../src/chain/siwe.ts';
import type { Db } from '../../src/db/database.ts';
import type { Community, MemberRow } from '../../src/db/schema.ts';
import { walletPageUnderTest } from '../helpers/browser.ts';
import { cardanoKey, cardanoWallet, signData } from '../helpers/cardano.ts';

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

const hexOf = (bech32: string) => Address.from_bech32(bech32).to_hex();

/**
 * A phone-sized page with CIP-30 wallets injected as Eternl and Lace inject theirs (window.cardano.<id>): addresses
 * come as hex, and signData goes to Node, where a real Ed25519 key (the wallet's stake key, or `signer`) signs.
 */
async function cardanoPage(wallet: ReturnType<typeof cardanoWallet>, behaviour: { decline?: boolean; signer?: ReturnType<typeof cardanoKey> } = {}): Promise<Page> {
  const page = await browser.newPage({ viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true });
  await page.exposeFunction('__signData', (address: string, payload: string) => {
    if (behaviour.decline) return { error: { code: 3, info: 'user declined' } };
    return { result: signData(behaviour.signer ?? wallet.stake, Address.from_hex(address).to_bech32(), Buffer.from(payload, 'hex')) };
  });
  await page.addInitScript(`(() => {
    const api = {
      getRewardAddresses: async () => [${JSON.stringify(hexOf(wallet.stakeAddress))}],
      getUsedAddresses: async () => [${JSON.stringify(hexOf(wallet.base))}],
      signData: async (address, payload) => {
        const answer = await window.__signData(address, payload);
        if (answer.error) throw answer.error;
        return answer.result;
      },
    };
    window.cardano = {
      eternl: { name: 'Eternl', apiVersion: '0.1.0', icon: '', enable: async () => api, isEnabled: async () => true },
      lace: { name: 'Lace', apiVersion: '0.1.0', icon: '', enable: async () => api, isEnabled: async () => true },
    };
  })();`);
  return page;
}

const stateOf = (page: Page) => page.locator('main').getAttribute('data-current');
const openLink = async () => `${site.base}/verify/${(await openChallenge(db, community, member, now)).token}`;

describe('the wallet page with a Cardano wallet, in chromium at phone size', () => {
  it('GIVEN two CIP-30 wallets THEN the page offers each by name; the chosen one signs the CIP-8 payload with a real key and the stake address is linked', async () => {
    const wallet = cardanoWallet();
    const page = await cardanoPage(wallet);
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(String(e)));
    page.on('console', (m) => m.type() === 'error' && errors.push(m.text()));
    await page.goto(await openLink());
    expect(await stateOf(page)).toBe('ready');
    expect(await page.locator('#cardano-wallets button').allTextContents()).toEqual(['Sign with Eternl (Cardano)', 'Sign with Lace (Cardano)']);
    // No Ethereum wallet here: its button is not offered.
    expect(await page.locator('#connect').isVisible()).toBe(false);
    await page.locator('[data-wallet="lace"]').tap();
    await expect.poll(() => stateOf(page)).toBe('success');
    expect(await page.locator('#message').textContent()).toContain(`wants you to link your Cardano wallet:\n${wallet.stakeAddress}`);
    expect(await db.selectFrom('wallets').select(['member_id', 'chain', 'verification']).where('address', '=', wallet.stakeAddress).executeTakeFirstOrThrow()).toEqual({ member_id: member.id, chain: 'cip34:1-764824073', verification: 'cip8' });
    // Nothing is wider than the phone.
    expect(await page.evaluate('document.documentElement.scrollWidth')).toBeLessThanOrEqual(390);
    expect(errors).toEqual([]);
    await page.close();
  });

  it('GIVEN the member declines, or another key signs THEN the page says so and nothing is linked', async () => {
    const wallet = cardanoWallet();
    const declining = await cardanoPage(wallet, { decline: true });
    await declining.goto(await openLink());
    await declining.locator('[data-wallet="eternl"]').tap();
    await expect.poll(() => stateOf(declining)).toBe('rejected');

    const forged = await cardanoPage(wallet, { signer: cardanoKey() });
    await forged.goto(await openLink());
    await forged.locator('[data-wallet="eternl"]').tap();
    await expect.poll(() => stateOf(forged)).toBe('error');
    expect(await forged.locator('[data-state="error"]').textContent()).toContain('does not control');
    expect(await db.selectFrom('wallets').select('id').where('address', '=', wallet.stakeAddress).executeTakeFirst()).toBeUndefined();
    for (const p of [declining, forged]) await p.close();
  });
});
