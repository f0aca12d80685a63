import type { Executor } from '../db/repositories.ts';
import { appendAudit, findRound, newId, roundConfigOf } from '../db/repositories.ts';
import type { RoundRow } from '../db/schema.ts';
import type { Db } from '../db/database.ts';
import type { ChainReader } from './erc20.ts';
import type { Provider } from 'ethers';
import { verifyChallenge, type SiweSite, type VerifiedWallet } from './siwe.ts';
import { verifyCardanoChallenge, type CardanoSite, type VerifiedCardanoWallet } from './cardano/challenge.ts';
import type { DataSignature } from './cardano/cip8.ts';
import { CARDANO_NETWORKS } from './cardano/network.ts';

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

/**
 * Reads every verified wallet's balance of the round's token at the block, then stores them and the block in one
 * transaction. A failed read stores nothing: the round keeps its previous snapshot.
 */
export async function takeSnapshot(db: Db, reader: ChainReader, round: RoundRow, token: { address: string; chainId: number }, block: number, actorId: string | null, now: Date): Promise<{ wallets: number; total: bigint }> {
  const chain = `eip155:${token.chainId}`;
  const wallets = await verifiedWallets(db, round.community_id, chain);
  const balances = await reader.balancesAt(token.address, wallets.map((w) => w.address), block);
  let total = 0n;
  await db.transaction().execute(async (trx) => {
    await trx.deleteFrom('balances').where('round_id', '=', round.id).where('wallet_id', 'in', wallets.length ? wallets.map((w) => w.id) : ['']).execute();
    for (const w of wallets) {
      const balance = balances.get(w.address)!;
      total += balance;
      await trx.insertInto('balances').values({ round_id: round.id, wallet_id: w.id, balance: balance.toString() }).execute();
    }
    await trx.updateTable('rounds').set({ snapshot_block: String(block) }).where('id', '=', round.id).execute();
    await appendAudit(trx, { community_id: round.community_id, round_id: round.id, actor_id: actorId, action: 'snapshot.taken', detail: { block, token: token.address, chain, wallets: wallets.length, total: total.toString() }, at: now.toISOString() });
  });
  return { wallets: wallets.length, total };
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
