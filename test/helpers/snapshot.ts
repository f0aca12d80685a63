import { Credential, Ed25519KeyHash, RewardAddress } from '@emurgo/cardano-serialization-lib-nodejs';
import { randomBytes, randomUUID } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { openDatabase } from '../../src/db/database.ts';
import { fakeKoios } from '../fakes/koios.ts';
import { cardanoWallet } from './cardano.ts';

export const CARDANO_MAINNET = 'cip34:1-764824073';
const POLICY = 'f43a62fdc3965df486de8a0d32fe800963589c41b38946602a0dc535';
const AGIX_NAME = Buffer.from('AGIX').toString('hex');
/** How the moderator sets the round's token to AGIX on Cardano (8 decimals, as on chain). */
export const CARDANO_TOKEN_COMMAND = `/round token chain:cardano policy:${POLICY} asset:${AGIX_NAME} decimals:8`;

/**
 * The fake Koios behind a proxy that holds each balance request `delayMs` before passing it on, as a real API over a
 * real network takes its time: a snapshot of thousands of wallets then lasts seconds, long enough for a status to be
 * edited several times. Three of the wallets `linkWallets` links hold 100, 200 and 300 AGIX.
 */
export async function slowCardano(delayMs: number) {
  const koios = await fakeKoios();
  const upstream = new URL(koios.url);
  const proxy = createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    if (req.url?.includes('_assets')) await sleep(delayMs);
    const answer = await fetch(`${upstream.origin}${req.url ?? '/'}`, { method: req.method ?? 'GET', headers: { 'content-type': 'application/json' }, ...(chunks.length && { body: Buffer.concat(chunks) }) });
    res.writeHead(answer.status, { 'content-type': 'application/json' });
    res.end(Buffer.from(await answer.arrayBuffer()));
  });
  await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
  const holders = [100n, 200n, 300n].map((tokens) => {
    const wallet = cardanoWallet();
    koios.hold(wallet.base, `${POLICY}${AGIX_NAME}`, tokens * 10n ** 8n);
    return wallet.stakeAddress;
  });
  return {
    url: `http://127.0.0.1:${(proxy.address() as AddressInfo).port}${upstream.pathname}`,
    /**
     * Links `count` verified Cardano wallets (the three holders and empty ones) to the member `handle`, straight in the
     * bot's database, as if each had signed with its stake key.
     */
    async linkWallets(databaseUrl: string, handle: string, count: number) {
      const db = await openDatabase(databaseUrl);
      const member = await db.selectFrom('members').select(['id', 'community_id']).where('handle', '=', handle).executeTakeFirstOrThrow();
      const empty = Array.from({ length: count - holders.length }, () => RewardAddress.new(1, Credential.from_keyhash(Ed25519KeyHash.from_bytes(randomBytes(28)))).to_address().to_bech32());
      const rows = [...holders, ...empty].map((address) => ({ id: randomUUID(), community_id: member.community_id, member_id: member.id, chain: CARDANO_MAINNET, address, verification: 'cip8', verified_at: new Date().toISOString() }));
      for (let i = 0; i < rows.length; i += 500) await db.insertInto('wallets').values(rows.slice(i, i + 500)).execute();
      await db.destroy();
    },
    /**
     * What CARDANO_TOKEN_COMMAND sets, written straight into round `key`'s configuration: for Discord, whose slash
     * command gives `chain:` (a choice of names or a number) as a yes/no option and so cannot say `cardano`.
     */
    async setToken(databaseUrl: string, key: string) {
      const db = await openDatabase(databaseUrl);
      const round = await db.selectFrom('rounds').select(['id', 'config']).where('key', '=', key).executeTakeFirstOrThrow();
      const config = JSON.parse(round.config) as { token?: Record<string, unknown> };
      config.token = { ...config.token, cardano: { chain: CARDANO_MAINNET, policyId: POLICY, assetName: AGIX_NAME, decimals: 8 } };
      await db.updateTable('rounds').set({ config: JSON.stringify(config) }).where('id', '=', round.id).execute();
      await db.destroy();
    },
    async close() {
      await new Promise<void>((resolve) => proxy.close(() => resolve()));
      await koios.close();
    },
  };
}

/** The counts a run of status lines shows ("… 1,200 / 2,000" → 1200). */
export const countsOf = (lines: readonly string[]) => lines.map((line) => Number(/… ([\d,]+) \/ [\d,]+$/.exec(line)?.[1]?.replace(/,/g, '') ?? NaN));
