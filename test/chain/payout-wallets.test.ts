import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { linkWallet } from '../../src/chain/wallets.ts';
import { findRound } from '../../src/db/repositories.ts';
import { cardanoWallet } from '../helpers/cardano.ts';
import { consoleHarness } from '../helpers/console.ts';

const POLICY = 'f43a62fdc3965df486de8a0d32fe800963589c41b38946602a0dc535';
const ASSET = Buffer.from('AGIX').toString('hex');
const CARDANO = 'cip34:1-764824073';
const TOKEN = '0xa1b2c3d4e5f60718293a4b5c6d7e8f9012345678';

/** The files the console wrote for an answer, by the end of their name. */
function attachments(said: string): Record<string, string> {
  return Object.fromEntries([...said.matchAll(/attachment written to ([^\s)]+)/g)].map(([, path]) => [path!.replace(/^.*-(rewards\.csv|safe-batch\.json|cardano-tx-outs\.txt)$/, '$1'), readFileSync(path!, 'utf8')]));
}

describe('/wallets payout and /export rewards on two chains', () => {
  it('GIVEN members with Ethereum and Cardano wallets THEN each is paid on the chain they chose or where most of their tokens are, in the Safe batch or the cardano-cli outputs, and whoever cannot be paid is named', async () => {
    const h = await consoleHarness('2025-03-01T10:00:00Z', ':memory:', { publicUrl: 'https://govbot.example.org' });
    await h.say('/demo', `/round token chain:cardano policy:${POLICY} asset:${ASSET} decimals:8`, `/round config key:token.address value:${TOKEN}`, '/round config key:token.chainId value:1');
    const csv = attachments(await h.say('/export rewards'))['rewards.csv']!;
    const [alice, bob, carol] = csv.split('\r\n').slice(1, 4).map((line) => line.split(',')[1]!) as [string, string, string];
    const round = (await findRound(h.db, h.chat.community.id))!;
    const memberOf = (handle: string) => h.db.selectFrom('members').select(['id', 'community_id']).where('handle', '=', handle).executeTakeFirstOrThrow();
    /** Links a Cardano wallet to a member with most of their tokens on it. */
    const cardanoHolding = async (handle: string, address: string) => {
      const m = await memberOf(handle);
      await linkWallet(h.db, { communityId: m.community_id, memberId: m.id, address, verification: 'cip8' }, CARDANO, new Date());
      const wallet = await h.db.selectFrom('wallets').select('id').where('address', '=', address).executeTakeFirstOrThrow();
      await h.db.insertInto('balances').values({ round_id: round.id, wallet_id: wallet.id, balance: (10n ** 20n).toString() }).execute();
    };
    const aliceWallet = cardanoWallet();
    const bobWallet = cardanoWallet();
    await cardanoHolding(alice, aliceWallet.stakeAddress);
    await cardanoHolding(bob, bobWallet.base);

    // Alice's tokens are mostly on a wallet linked by its stake address, which cannot receive: she names its address.
    expect(await h.say(`/as ${alice}`, '/wallets')).toMatch(/Rewards are paid to 0x[0-9a-fA-F]{40} on eip155:1/);
    expect(await h.say(`/wallets payout:${aliceWallet.stakeAddress}`)).toContain('nobody can send to a stake address');
    expect(await h.say(`/wallets payout:${cardanoWallet().base}`)).toContain('is not one of your wallets, nor an address of a stake key you linked');
    const aliceReceives = aliceWallet.another();
    expect(await h.say(`/wallets payout:${aliceReceives}`)).toContain(`Your rewards will be paid to ${aliceReceives} on ${CARDANO}.`);
    expect(await h.say('/wallets')).toContain(`Rewards are paid to ${aliceReceives} on ${CARDANO}`);
    // Bob is paid on Cardano by default; Carol unlinks her only wallet.
    expect(await h.say(`/as ${bob}`, '/wallets')).toContain(`Rewards are paid to ${bobWallet.base} on ${CARDANO} (`);
    const carolWallet = /^(0x[0-9a-f]{40})/m.exec(await h.say(`/as ${carol}`, '/wallets'))![1]!;
    await h.say(`/wallets remove:${carolWallet}`);

    const exported = await h.say('/as mod --moderator', '/export rewards');
    const files = attachments(exported);
    const outs = files['cardano-tx-outs.txt']!.trimEnd().split('\n');
    const rows = files['rewards.csv']!.split('\r\n').slice(1, -1).map((l) => l.split(','));
    const amountOf = (handle: string) => rows.find((r) => r[1] === handle)![5]!;
    expect(outs).toHaveLength(2);
    expect(outs).toEqual(expect.arrayContaining([`--tx-out "${aliceReceives} + 1500000 lovelace + ${amountOf(alice)} ${POLICY}.${ASSET}"`, `--tx-out "${bobWallet.base} + 1500000 lovelace + ${amountOf(bob)} ${POLICY}.${ASSET}"`]));
    const batch = JSON.parse(files['safe-batch.json']!) as { transactions: unknown[] };
    // Every recipient is in exactly one file, or named as not paid.
    expect(batch.transactions).toHaveLength(rows.filter((r) => r[7] === 'eip155:1').length);
    expect(batch.transactions.length + outs.length + rows.filter((r) => r[8]).length).toBe(rows.length);
    expect(rows.find((r) => r[1] === carol)!.slice(7)).toEqual(['', 'no wallet linked (/verify links one)']);
    expect(exported).toContain(`${carol}: no wallet linked (/verify links one)`);

    // Reassigned, the wallet no longer pays its old owner's rewards.
    expect(await h.say(`/wallet reassign address:${aliceWallet.stakeAddress} member:${bob}`)).toContain(`${aliceWallet.stakeAddress} (${CARDANO}) now belongs to ${bob}.`);
    expect(await h.say(`/as ${alice}`, '/wallets')).toMatch(/Rewards are paid to 0x[0-9a-fA-F]{40} on eip155:1/);
    expect(h.errors).toEqual([]);
    await h.close();
  });
});
