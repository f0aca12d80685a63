import type { Executor } from '../../db/repositories.ts';
import { LinkRefused, openOne, statementFor } from '../siwe.ts';
import { addressBytes, DataSignatureRefused, verifyDataSignature, type DataSignature } from './cip8.ts';
import { parseCardanoAddress } from './address.ts';
import type { CardanoNetwork } from './network.ts';

/** What the bot is, to a Cardano wallet: the site that asks, and the network it reads. */
export interface CardanoSite {
  url: string;
  network: CardanoNetwork;
}

/** A Cardano wallet proven by its key: the stake address when the stake key signed, else the signed address. */
export interface VerifiedCardanoWallet {
  communityId: string;
  memberId: string;
  chain: string;
  address: string;
  verification: 'cip8';
}

const HEADER = ' wants you to link your Cardano wallet:';
const FIELDS = ['URI', 'Network', 'Nonce', 'Issued At', 'Expiration Time'] as const;

/**
 * The payload a Cardano wallet signs: the guarantees of an EIP-4361 message in its shape (our domain, the address, the
 * statement naming the member, our URI, the network as CAIP-2, the single-use nonce, issue and expiry times), so a
 * member reads in their wallet the same text an Ethereum wallet shows.
 */
export function cardanoMessage(m: { domain: string; address: string; statement: string; uri: string; chain: string; nonce: string; issuedAt: string; expiresAt: string }): string {
  return `${m.domain}${HEADER}\n${m.address}\n\n${m.statement}\n\nURI: ${m.uri}\nNetwork: ${m.chain}\nNonce: ${m.nonce}\nIssued At: ${m.issuedAt}\nExpiration Time: ${m.expiresAt}`;
}

/** The fields of a message cardanoMessage wrote, or undefined for any other text (an EIP-4361 one). */
export function parseCardanoMessage(message: string) {
  const lines = message.split('\n');
  if (!lines[0]?.endsWith(HEADER) || lines.length !== 5 + FIELDS.length) return undefined;
  const fields = Object.fromEntries(lines.slice(5).map((line) => [line.slice(0, line.indexOf(': ')), line.slice(line.indexOf(': ') + 2)]));
  if (!FIELDS.every((f) => typeof fields[f] === 'string')) return undefined;
  return { domain: lines[0].slice(0, -HEADER.length), address: lines[1]!, uri: fields.URI!, chain: fields.Network!, nonce: fields.Nonce! };
}

/** Refuses an address not on the bot's network, before anything is written. */
export function cardanoAddressProblem(address: string, site: CardanoSite): string | undefined {
  const parsed = parseCardanoAddress(address);
  if (!parsed) return `${address} is not a Cardano address controlled by a key (addr1…, stake1…).`;
  if (parsed.networkId !== site.network.networkId) return `${address} is on ${parsed.networkId === 1 ? 'mainnet' : 'a test network'}, but this bot reads ${site.network.chain}.`;
  return undefined;
}

/** Writes the Cardano payload for an address into the challenge: the signature must be over exactly these bytes. */
export async function cardanoMessageFor(db: Executor, token: string, address: string, site: CardanoSite, now: Date): Promise<string> {
  const problem = cardanoAddressProblem(address, site);
  if (problem) throw new LinkRefused('wrong_site', problem);
  const challenge = await openOne(db, token, now);
  const [community, member] = await Promise.all([
    db.selectFrom('communities').selectAll().where('id', '=', challenge.community_id).executeTakeFirstOrThrow(),
    db.selectFrom('members').selectAll().where('id', '=', challenge.member_id).executeTakeFirstOrThrow(),
  ]);
  const message = cardanoMessage({
    domain: new URL(site.url).host,
    address,
    statement: statementFor(community, member),
    uri: site.url,
    chain: site.network.chain,
    nonce: challenge.nonce,
    issuedAt: now.toISOString(),
    expiresAt: challenge.expires_at,
  });
  await db.updateTable('wallet_challenges').set({ message }).where('token', '=', token).execute();
  return message;
}

/**
 * Checks a CIP-8 signature over the challenge's Cardano payload: the payload must be ours (domain, URI, network,
 * nonce), unexpired, signed for the address it names by a key whose hash is that address's stake or payment key. Only
 * a stake key links the stake address (and so every address of the wallet): a payment key proves its own address
 * alone, since anyone may build an address pairing their payment key with another's stake key. The challenge is used
 * up in the caller's transaction.
 */
export async function verifyCardanoChallenge(db: Executor, token: string, proof: DataSignature, site: CardanoSite, now: Date): Promise<VerifiedCardanoWallet> {
  const challenge = await openOne(db, token, now);
  const message = challenge.message ? parseCardanoMessage(challenge.message) : undefined;
  if (!message) throw new LinkRefused('no_message', 'There is no Cardano message to sign yet: give your address first (/verify chain:cardano address:addr1…).');
  if (message.domain !== new URL(site.url).host || message.uri !== site.url || message.chain !== site.network.chain)
    throw new LinkRefused('wrong_site', `The message was made for ${message.uri} on ${message.chain}, not for this bot (${site.url}, ${site.network.chain}).`);
  if (message.nonce !== challenge.nonce) throw new LinkRefused('bad_signature', 'The message belongs to another link.');
  let signed;
  try {
    signed = verifyDataSignature(proof);
  } catch (error) {
    if (error instanceof DataSignatureRefused) throw new LinkRefused('bad_signature', error.message);
    throw error;
  }
  if (!Buffer.from(signed.payload).equals(Buffer.from(challenge.message!, 'utf8'))) throw new LinkRefused('bad_signature', 'The signature is over another message: sign the exact message of this link.');
  if (!Buffer.from(signed.address).equals(Buffer.from(addressBytes(message.address)))) throw new LinkRefused('bad_signature', `The signature was made for another address than ${message.address}.`);
  const address = parseCardanoAddress(message.address)!;
  const wallet = signed.keyHash === address.stakeKeyHash ? address.stakeAddress : signed.keyHash === address.paymentKeyHash ? address.bech32 : undefined;
  if (!wallet) throw new LinkRefused('bad_signature', `The key that signed does not control ${message.address}: sign with that wallet.`);
  const used = await db.updateTable('wallet_challenges').set({ used_at: now.toISOString() }).where('token', '=', token).where('used_at', 'is', null).executeTakeFirst();
  if (used.numUpdatedRows === 0n) throw new LinkRefused('used', 'This link was used already: run /verify again to link another wallet.');
  return { communityId: challenge.community_id, memberId: challenge.member_id, chain: site.network.chain, address: wallet, verification: 'cip8' };
}
