import { Wallet, type Contract } from 'ethers';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ChainReader } from '../../src/chain/erc20.ts';
import { messageFor, openChallenge, verifyChallenge } from '../../src/chain/siwe.ts';
import { takeSnapshot } from '../../src/chain/wallets.ts';
import type { Db } from '../../src/db/database.ts';
import { ensureCommunity, ensureMember, newId } from '../../src/db/repositories.ts';
import { freshDb } from '../helpers/db.ts';
import { localChain } from '../helpers/evm.ts';

let chain: Awaited<ReturnType<typeof localChain>>;
let token: Contract;
let holders: string[];
const blocks: number[] = [];

beforeAll(async () => {
  chain = await localChain();
  token = await chain.deploy('TestToken', ['Test AGIX', 'TAGIX', 8]);
  holders = await Promise.all(chain.accounts.slice(1, 4).map((a) => a.getAddress()));
  // Block by block: mint 100, 200, 300; then the first sends 60 to the third.
  for (const [i, h] of holders.entries()) await (await token.getFunction('mint')(h, BigInt(i + 1) * 100n * 10n ** 8n)).wait();
  blocks.push(await chain.block());
  await (await (token.connect(chain.accounts[1]!) as Contract).getFunction('transfer')(holders[2], 60n * 10n ** 8n)).wait();
  blocks.push(await chain.block());
}, 60_000);
afterAll(() => chain?.close());

describe('ERC-20 balances from a local EVM', () => {
  it('GIVEN transfers across blocks THEN a snapshot at a past block gives that block\'s balances', async () => {
    const reader = new ChainReader(chain.url);
    expect(await reader.chain()).toBe(1337);
    expect(await reader.token(await token.getAddress())).toEqual({ decimals: 8, symbol: 'TAGIX' });
    const before = await reader.balancesAt(await token.getAddress(), holders, blocks[0]!);
    const after = await reader.balancesAt(await token.getAddress(), holders, blocks[1]!);
    expect([...before.values()]).toEqual([100n, 200n, 300n].map((t) => t * 10n ** 8n));
    expect([...after.values()]).toEqual([40n, 200n, 360n].map((t) => t * 10n ** 8n));
    reader.destroy();
  });

  it('GIVEN an address that is no token THEN reading it as one is refused with the reason', async () => {
    const reader = new ChainReader(chain.url, { attempts: 1, firstDelayMs: 1 });
    await expect(reader.token(holders[0]!)).rejects.toThrow(`${holders[0]} does not answer as an ERC-20 token on chain 1337`);
    reader.destroy();
  });

  it('GIVEN a node that keeps failing one read THEN the snapshot names the wallet and block and keeps the previous one', async () => {
    // A proxy in front of the node answers every balanceOf of one holder with an error, as a flaky node would.
    const victim = holders[1]!.toLowerCase().slice(2);
    let failures = 0;
    const proxy = createServer(async (req, res) => {
      const chunks: Buffer[] = [];
      for await (const c of req) chunks.push(c as Buffer);
      const body = JSON.parse(Buffer.concat(chunks).toString()) as { id: number; params?: { data?: string }[] }[] | { id: number; params?: { data?: string }[] };
      const upstream = (await (await fetch(chain.url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) })).json()) as { id: number }[] | { id: number };
      const poison = (call: { id: number; params?: { data?: string }[] }, answer: { id: number }) =>
        JSON.stringify(call.params?.[0]?.data ?? '').includes(victim) ? (failures++, { jsonrpc: '2.0', id: answer.id, error: { code: -32000, message: 'header not found' } }) : answer;
      const answer = Array.isArray(body) ? (upstream as { id: number }[]).map((a) => poison(body.find((c) => c.id === a.id)!, a)) : poison(body, upstream as { id: number });
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(answer));
    });
    await new Promise<void>((r) => proxy.listen(0, '127.0.0.1', r));
    const reader = new ChainReader(`http://127.0.0.1:${(proxy.address() as AddressInfo).port}`, { attempts: 3, firstDelayMs: 5 });

    const db: Db = await freshDb();
    const community = await ensureCommunity(db, { platform: 'console', chatId: 'c', name: 'C' });
    const round = { id: newId(), community_id: community.id, key: 'r1', name: 'R', config: '{}', phase: 'voting', snapshot_block: String(blocks[0]), created_at: now() };
    await db.insertInto('rounds').values(round).execute();
    for (const [i, h] of holders.entries()) {
      const member = await ensureMember(db, community.id, { platform: 'console', userId: `h${i}`, handle: `h${i}` });
      const id = newId();
      await db.insertInto('wallets').values({ id, community_id: community.id, member_id: member.id, chain: 'eip155:1337', address: h.toLowerCase(), verification: 'siwe', verified_at: now() }).execute();
      await db.insertInto('balances').values({ round_id: round.id, wallet_id: id, balance: '7' }).execute();
    }
    await expect(takeSnapshot(db, reader, round, { address: await token.getAddress(), chainId: 1337 }, blocks[1]!, null, new Date())).rejects.toThrow(
      `could not read the balance of ${holders[1]!.toLowerCase()} at block ${blocks[1]}`,
    );
    expect(failures).toBe(3);
    const kept = await db.selectFrom('balances').select('balance').execute();
    expect(kept.map((b) => b.balance)).toEqual(['7', '7', '7']);
    expect((await db.selectFrom('rounds').select('snapshot_block').executeTakeFirstOrThrow()).snapshot_block).toBe(String(blocks[0]));

    // Through the healthy node, the same snapshot goes through.
    const healthy = new ChainReader(chain.url);
    expect(await takeSnapshot(db, healthy, round, { address: await token.getAddress(), chainId: 1337 }, blocks[1]!, null, new Date())).toEqual({ wallets: 3, total: 600n * 10n ** 8n });
    reader.destroy();
    healthy.destroy();
    proxy.close();
    await db.destroy();
  });

  it('GIVEN a contract wallet (EIP-1271) THEN a signature its owner key made verifies through the node', async () => {
    const owner = Wallet.createRandom();
    const wallet = await chain.deploy('TestContractWallet', [owner.address]);
    const address = await wallet.getAddress();
    const db = await freshDb();
    const community = await ensureCommunity(db, { platform: 'console', chatId: 'c', name: 'C' });
    const member = await ensureMember(db, community.id, { platform: 'console', userId: 'safe', handle: 'safe' });
    const site = { url: 'https://govbot.example.org', chainId: 1337 };
    const at = new Date();
    const { token: link } = await openChallenge(db, community, member, at);
    const message = await messageFor(db, link, address, site, at);
    const reader = new ChainReader(chain.url);
    // Without the node it cannot be told from a wrong signature.
    await expect(verifyChallenge(db, link, await owner.signMessage(message), site, at)).rejects.toMatchObject({ reason: 'bad_signature' });
    const verified = await verifyChallenge(db, link, await owner.signMessage(message), site, at, reader.provider);
    expect(verified).toMatchObject({ address: address.toLowerCase(), verification: 'eip1271' });
    reader.destroy();
    await db.destroy();
  });
});

const now = () => new Date().toISOString();
