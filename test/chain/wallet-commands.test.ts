import { Wallet, type Contract } from 'ethers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ChainReader } from '../../src/chain/erc20.ts';
import { consoleHarness } from '../helpers/console.ts';
import { messageIn } from '../helpers/linking.ts';
import { localChain } from '../helpers/evm.ts';

let chain: Awaited<ReturnType<typeof localChain>>;
let token: Contract;
const alice = Wallet.createRandom();
const bob = Wallet.createRandom();

beforeAll(async () => {
  chain = await localChain(1);
  token = await chain.deploy('TestToken', ['Test AGIX', 'AGIX', 8]);
  await (await token.getFunction('mint')(alice.address, 400n * 10n ** 8n)).wait();
  await (await token.getFunction('mint')(bob.address, 900n * 10n ** 8n)).wait();
}, 60_000);
afterAll(() => chain?.close());

describe('linking wallets and taking the snapshot, from chat', () => {
  it('GIVEN members who sign, a token and a snapshot THEN votes weigh the tokens held at that block', async () => {
    const reader = new ChainReader(chain.url);
    const h = await consoleHarness('2025-01-01T00:00:00Z', ':memory:', { publicUrl: 'https://govbot.example.org', chain: reader });
    await h.say('/round create id:r1 name:R');

    const link = await h.say('/as alice', '/verify');
    expect(link).toMatch(/Open this link to link your wallet \(it works once, for 15 minutes\): https:\/\/govbot\.example\.org\/verify\/[A-Za-z0-9_-]{32}/);

    const asked = await h.say(`/verify address:${alice.address}`);
    const message = messageIn(asked);
    expect(message).toMatch(new RegExp(`${alice.address}\n\nLink this wallet to member console:alice of community-[0-9a-f]{12}\\.`));
    expect(await h.say(`/verify signature:${await alice.signMessage(message)}`)).toContain(`Wallet ${alice.address.toLowerCase()} is linked to you.`);
    // The same signature again finds no message waiting.
    expect(await h.say(`/verify signature:${await alice.signMessage(message)}`)).toContain('There is no message waiting for a signature');

    // Mallory signs for Alice's address with her own key: refused; then claims Alice's wallet with it: refused too.
    const mallory = Wallet.createRandom();
    const forMallory = messageIn(await h.say('/as mallory', `/verify address:${alice.address}`));
    expect(await h.say(`/verify signature:${await mallory.signMessage(forMallory)}`)).toContain('The signature does not match the message and the address');
    expect(await h.say(`/verify signature:${await alice.signMessage(forMallory)}`)).toContain('is already linked to another member');

    const bobMessage = messageIn(await h.say('/as bob', `/verify address:${bob.address}`));
    await h.say(`/verify signature:${await bob.signMessage(bobMessage)}`);

    // The moderator points the round at the token and takes the snapshot; later transfers do not count.
    await h.say('/as mod --moderator');
    expect(await h.say(`/round token address:${await token.getAddress()} chain:1`)).toContain('counts AGIX (8 decimals)');
    expect(await h.say('/round token address:0x0000000000000000000000000000000000000001 chain:5')).toContain('is on chain 1, not 5');
    expect(await h.say('/round snapshot block:latest')).toMatch(/Snapshot of round r1 at block \d+: 2 verified wallets hold 1,300 AGIX/);
    await (await (token.connect(chain.accounts[0]!) as Contract).getFunction('mint')(alice.address, 10_000n * 10n ** 8n)).wait();

    expect(await h.say('/as alice', '/wallets')).toMatch(new RegExp(`${alice.address.toLowerCase()}\\s+eip155:1\\s+siwe\\s+400`));
    await h.say('/as mod --moderator', '/poll open question:"Q?" options:"A|B"');
    expect(await h.say('/as alice', '/vote poll:q1 option:1')).toContain('tokens at snapshot  400 AGIX');
    expect(await h.say('/as bob', '/vote poll:q1 option:2')).toContain('tokens at snapshot  900 AGIX');

    // A moderator can move a wallet, and it is logged.
    expect(await h.say('/as mod --moderator', `/wallet reassign address:${bob.address} member:mallory`)).toContain('now belongs to mallory');
    const audit = (await h.db.selectFrom('audit_log').select('action').execute()).map((a) => a.action);
    expect(audit).toEqual(expect.arrayContaining(['wallet.linked', 'round.token', 'snapshot.taken', 'wallet.reassigned']));
    expect(await h.say('/as bob', `/wallets remove:${alice.address}`)).toContain('is not one of your wallets');
    expect(h.errors).toEqual([]);
    await h.close();
    reader.destroy();
  });

  it('GIVEN a chain the bot cannot read THEN balances come from an imported CSV, and bad lines are named', async () => {
    const h = await consoleHarness('2025-01-01T00:00:00Z', ':memory:', { publicUrl: 'https://govbot.example.org' });
    await h.say('/round create id:r1 name:R');
    const message = messageIn(await h.say('/as alice', `/verify address:${alice.address}`));
    await h.say(`/verify signature:${await alice.signMessage(message)}`);
    await h.say('/as mod --moderator');
    expect(await h.say('/round snapshot block:latest')).toContain('The bot has no EVM node (ETH_RPC_URL)');
    expect(await h.say(`/round balances csv:"address,balance\n${alice.address},12.5\n0x${'9'.repeat(40)},3"`)).toContain(`Imported 1 balances into round r1 (skipped the header on line 1).\nNot linked by any member, so skipped: 0x${'9'.repeat(40)}`);
    expect(await h.say('/round balances csv:"0x12,lots"')).toContain('line 1: "0x12" is not an address (0x and 40 hex digits)');
    expect(await h.say('/as alice', '/wallets')).toContain('12.5');
    await h.close();
  });
});
