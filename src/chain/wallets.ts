import type { Executor } from '../db/repositories.ts';
import { appendAudit, findRound, newId, roundConfigOf } from '../db/repositories.ts';
import type { RoundRow } from '../db/schema.ts';
import type { Db } from '../db/database.ts';
import { ChainReadError, type ChainReader, type ReadProgress } from './erc20.ts';
import type { CardanoReader, CardanoTip } from './cardano/koios.ts';
import type { RoundConfig } from '../core/config.ts';
import type { Provider } from 'ethers';
import { verifyChallenge, type SiweSite, type VerifiedWallet } from './siwe.ts';
import { verifyCardanoChallenge, type CardanoSite, type VerifiedCardanoWallet } from './cardano/challenge.ts';
import type { DataSignature } from './cardano/cip8.ts';
import { CARDANO_NETWORKS } from './cardano/network.ts';
import { convertUnits, LossyConversionError } from './units.ts';
import { z } from 'zod';
import { evmAddress } from './address.ts';
import { cardanoAddress, parseCardanoAddress } from './cardano/address.ts';
import type { PayoutChoice } from '../results/payout.ts';

type CardanoToken = NonNullable<RoundConfig['token']['cardano']>;

/** How a wallet proved its key: SIWE, EIP-1271, or a CIP-8 signature. */
const VERIFIED = ['siwe', 'eip1271', 'cip8'];

/** Refused: the wallet belongs to another member; a moderator may reassign it. */
export class WalletHeldError extends Error {}

/** Links a verified wallet to its member: one wallet, one member. */
export async function linkWallet(db: Executor, wallet: Omit<VerifiedWallet, 'verification'> & { verification: VerifiedWallet['verification'] | VerifiedCardanoWallet['verification'] }, chain: string, now: Date): Promise<void> {
  const existing = await db.selectFrom('wallets').select(['id', 'member_id']).where('community_id', '=', wallet.communityId).where('chain', '=', chain).where('address', '=', wallet.address).executeTakeFirst();
  if (existing && existing.member_id !== wallet.memberId)
    throw new WalletHeldError(`${wallet.address} is already linked to another member. If it is yours, ask a moderator to reassign it (/wallet reassign).`);
  if (existing) await db.updateTable('wallets').set({ verification: wallet.verification, verified_at: now.toISOString() }).where('id', '=', existing.id).execute();
  else
    await db
      .insertInto('wallets')
      .values({ id: newId(), community_id: wallet.communityId, member_id: wallet.memberId, chain, address: wallet.address, verification: wallet.verification, verified_at: now.toISOString() })
      .execute();
  await appendAudit(db, { community_id: wallet.communityId, round_id: null, actor_id: wallet.memberId, action: 'wallet.linked', detail: { address: wallet.address, chain, verification: wallet.verification }, at: now.toISOString() });
}

/** The verified wallets of a community on a chain, whose balances a snapshot reads. */
export async function verifiedWallets(db: Executor, communityId: string, chain: string) {
  return db.selectFrom('wallets').select(['id', 'address', 'member_id']).where('community_id', '=', communityId).where('chain', '=', chain).where('verification', 'in', VERIFIED).orderBy('address').execute();
}

/** Replaces the round's balances of one chain's verified wallets, with the audit entry, in one transaction. */
async function storeSnapshot(db: Db, round: RoundRow, chain: string, wallets: { id: string; address: string }[], balances: Map<string, bigint>, detail: Record<string, unknown>, actorId: string | null, now: Date, block?: number) {
  let total = 0n;
  await db.transaction().execute(async (trx) => {
    await trx.deleteFrom('balances').where('round_id', '=', round.id).where('wallet_id', 'in', wallets.length ? wallets.map((w) => w.id) : ['']).execute();
    for (const w of wallets) {
      const balance = balances.get(w.address)!;
      total += balance;
      await trx.insertInto('balances').values({ round_id: round.id, wallet_id: w.id, balance: balance.toString() }).execute();
    }
    if (block !== undefined) await trx.updateTable('rounds').set({ snapshot_block: String(block) }).where('id', '=', round.id).execute();
    await appendAudit(trx, { community_id: round.community_id, round_id: round.id, actor_id: actorId, action: 'snapshot.taken', detail: { ...detail, chain, wallets: wallets.length, total: total.toString() }, at: now.toISOString() });
  });
  return { wallets: wallets.length, total };
}

/**
 * Reads every verified wallet's balance of the round's token at the block, then stores them and the block in one
 * transaction. A failed read stores nothing: the round keeps its previous snapshot.
 */
export async function takeSnapshot(db: Db, reader: ChainReader, round: RoundRow, token: { address: string; chainId: number }, block: number, actorId: string | null, now: Date, onRead?: ReadProgress): Promise<{ wallets: number; total: bigint }> {
  const chain = `eip155:${token.chainId}`;
  const wallets = await verifiedWallets(db, round.community_id, chain);
  const balances = await reader.balancesAt(token.address, wallets.map((w) => w.address), block, onRead);
  return storeSnapshot(db, round, chain, wallets, balances, { block, token: token.address }, actorId, now, block);
}

/** How often a Cardano snapshot reads again when a block landed while it read. */
const TIP_ATTEMPTS = 3;

/**
 * Reads every verified Cardano wallet's balance of the round's asset at the chain's tip (a Koios-compatible API
 * answers for the tip only), converted exactly to the round token's base unit, and stores them with the tip (slot,
 * block) read at. The tip is read before and after; if a block landed in between, it reads again.
 */
export async function takeCardanoSnapshot(db: Db, reader: CardanoReader, round: RoundRow, token: { cardano: CardanoToken; decimals: number }, actorId: string | null, now: Date, onRead?: ReadProgress): Promise<{ wallets: number; total: bigint; tip: CardanoTip }> {
  const { chain } = token.cardano;
  const wallets = await verifiedWallets(db, round.community_id, chain);
  for (let attempt = 1; ; attempt++) {
    const before = await reader.tip();
    const read = await reader.balances(token.cardano, wallets.map((w) => w.address), onRead);
    const after = await reader.tip();
    if (before.hash !== after.hash) {
      if (attempt < TIP_ATTEMPTS) continue;
      throw new ChainReadError(`the Cardano chain moved on while its balances were read (slot ${before.slot} to ${after.slot}), ${TIP_ATTEMPTS} times; nothing was changed, try again`);
    }
    const balances = new Map(wallets.map((w) => [w.address, convertCardano(read.get(w.address)!, token, w.address)]));
    const taken = await storeSnapshot(db, round, chain, wallets, balances, { slot: after.slot, cardanoBlock: after.block, blockHash: after.hash, asset: `${token.cardano.policyId}${token.cardano.assetName}` }, actorId, now);
    return { ...taken, tip: after };
  }
}

function convertCardano(amount: bigint, token: { cardano: CardanoToken; decimals: number }, address: string): bigint {
  try {
    return convertUnits(amount, token.cardano.decimals, token.decimals);
  } catch (error) {
    if (error instanceof LossyConversionError) throw new ChainReadError(`${address}: ${error.message}; nothing was changed (give the round's token at least ${token.cardano.decimals} decimals)`);
    throw error;
  }
}

/**
 * Completes a /verify: checks the signature over the challenge's message and links the wallet, in one transaction,
 * so a refused link leaves the challenge open and a linked one spends it.
 */
export async function completeLink(db: Db, token: string, signature: string, site: SiweSite, now: Date, provider?: Provider): Promise<VerifiedWallet> {
  return db.transaction().execute(async (trx) => {
    const wallet = await verifyChallenge(trx, token, signature, site, now, provider);
    await linkWallet(trx, wallet, `eip155:${site.chainId}`, now);
    return wallet;
  });
}

/** Completes a Cardano /verify as completeLink does an Ethereum one: the CIP-8 signature checked and the wallet linked in one transaction. */
export async function completeCardanoLink(db: Db, token: string, proof: DataSignature, site: CardanoSite, now: Date): Promise<VerifiedCardanoWallet> {
  return db.transaction().execute(async (trx) => {
    const wallet = await verifyCardanoChallenge(trx, token, proof, site, now);
    await linkWallet(trx, wallet, wallet.chain, now);
    return wallet;
  });
}

/** Where a community's Cardano wallets sign in: the bot's URL on Cardano mainnet. */
export const cardanoSiteFor = (publicUrl: string): CardanoSite => ({ url: publicUrl, network: CARDANO_NETWORKS.mainnet });

/** Where a community's wallets sign in: the bot's URL, and the chain of its latest round's token (mainnet by default). */
export async function siteFor(db: Executor, communityId: string, publicUrl: string): Promise<SiweSite> {
  const latest = await findRound(db, communityId);
  const chainId = latest ? roundConfigOf(latest).token.chainId : undefined;
  return { url: publicUrl, chainId: chainId ?? 1 };
}

/**
 * Where each member of a community chose to be paid (/wallets payout:…), by member key. A choice counts only while
 * its wallet is still the member's: a wallet reassigned to someone else pays nobody through its old owner's choice.
 */
export async function payoutChoices(db: Executor, communityId: string): Promise<Map<string, PayoutChoice>> {
  const rows = await db
    .selectFrom('payout_wallets')
    .innerJoin('wallets', (j) => j.onRef('wallets.id', '=', 'payout_wallets.wallet_id').onRef('wallets.member_id', '=', 'payout_wallets.member_id'))
    .innerJoin('members', 'members.id', 'payout_wallets.member_id')
    .select(['members.key', 'wallets.chain', 'payout_wallets.address'])
    .where('wallets.community_id', '=', communityId)
    .execute();
  return new Map(rows.map((r) => [r.key, { chain: r.chain, address: r.address }]));
}

/** Records that a member is paid in one of their wallets, at `address` (the wallet's, or a payment address of its stake key). */
export async function choosePayout(db: Executor, member: { id: string; community_id: string }, wallet: { id: string; chain: string }, address: string, now: Date): Promise<void> {
  await db
    .insertInto('payout_wallets')
    .values({ member_id: member.id, wallet_id: wallet.id, address, chosen_at: now.toISOString() })
    .onConflict((oc) => oc.column('member_id').doUpdateSet({ wallet_id: wallet.id, address, chosen_at: now.toISOString() }))
    .execute();
  await appendAudit(db, { community_id: member.community_id, round_id: null, actor_id: member.id, action: 'wallet.payout', detail: { chain: wallet.chain, address }, at: now.toISOString() });
}

/** A wallet option: an Ethereum address (lower-cased, as wallets are stored) or a Cardano one (stake1…, addr1…). */
export const walletAddress = z.union([evmAddress('an address is 0x followed by 40 hex digits').transform((a) => a.toLowerCase()), cardanoAddress], {
  error: 'give an address: 0x… or a Cardano stake1…/addr1…',
});

/**
 * The wallet of a member's that `address` pays, and the address to send to: one of their wallets itself, or a Cardano
 * payment address whose stake key is that of a wallet they linked by its stake address (what the wallet shows as its
 * receiving address). A stake address cannot receive a payment, so it is refused with what to give instead.
 */
export function payoutWalletFor<W extends { chain: string; address: string }>(wallets: readonly W[], address: string): { wallet: W; address: string } | { problem: string } {
  const own = wallets.find((w) => w.address === address);
  if (address.startsWith('stake')) return { problem: `nobody can send to a stake address: give a receiving address of ${own ? 'that wallet' : 'your wallet'} (addr1…), as the wallet shows it.` };
  if (own) return { wallet: own, address };
  const stake = parseCardanoAddress(address)?.stakeAddress;
  const byStake = stake === undefined ? undefined : wallets.find((w) => w.address === stake);
  if (byStake) return { wallet: byStake, address };
  return { problem: `${address} is not one of your wallets${stake === undefined ? '' : ', nor an address of a stake key you linked'}; /wallets lists them, /verify links one.` };
}
