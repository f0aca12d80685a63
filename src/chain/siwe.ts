import { getAddress, verifyMessage, type Provider } from 'ethers';
import { createHash, randomBytes } from 'node:crypto';
import { generateNonce, SiweMessage } from 'siwe';
import type { Executor } from '../db/repositories.ts';
import type { Community, MemberRow } from '../db/schema.ts';
import { pseudonym } from '../results/public.ts';

/** How long a /verify link and its message stay good. */
export const CHALLENGE_MINUTES = 15;

/** What the bot is, to a wallet: the site that asks for the signature, and the chain it means. */
export interface SiweSite {
  /** The bot's public URL (PUBLIC_URL); its host is the EIP-4361 domain. */
  url: string;
  chainId: number;
}

/** Why a signature is refused, in words for the member. */
export class LinkRefused extends Error {
  constructor(
    readonly reason: 'expired' | 'used' | 'no_message' | 'bad_signature' | 'wrong_site',
    message: string,
  ) {
    super(message);
  }
}

/** EIP-4361's statement is RFC 3986 reserved and unreserved characters and spaces: printable ASCII, no line break. */
const STATEMENT_SAFE = /^[A-Za-z0-9\-._~:/?#[\]@!$&'()*+,;= ]*$/;

/**
 * A community as a statement names it: a stable id derived from its private id, which keys its members' hashes and
 * so never leaves the bot. Names ("🚀 DAO") are shown on the wallet page instead.
 */
export const communityTag = (community: Pick<Community, 'id'>) => `community-${createHash('sha256').update(`govbot community ${community.id}`).digest('hex').slice(0, 12)}`;

/** A member as a statement names it: its key in round files, or, for a console name that is no plain ASCII, its pseudonym. */
const memberTag = (member: MemberRow) => (STATEMENT_SAFE.test(member.key) ? member.key : pseudonym(member.key));

/**
 * The statement binds the chat account: a signature for one account cannot link another. It holds no free text, so
 * no name a member or a group chose can make the message invalid.
 */
export const statementFor = (community: Community, member: MemberRow) =>
  `Link this wallet to member ${memberTag(member)} of ${communityTag(community)}. Votes in its rounds will count its tokens.`;

/** Opens a challenge: a one-time link token and a nonce, for one member, for a few minutes. */
export async function openChallenge(db: Executor, community: Community, member: MemberRow, now: Date): Promise<{ token: string; nonce: string; expiresAt: Date }> {
  const token = randomBytes(24).toString('base64url');
  const nonce = generateNonce();
  const expiresAt = new Date(now.getTime() + CHALLENGE_MINUTES * 60_000);
  await db
    .insertInto('wallet_challenges')
    .values({ token, community_id: community.id, member_id: member.id, nonce, message: null, created_at: now.toISOString(), expires_at: expiresAt.toISOString(), used_at: null })
    .execute();
  return { token, nonce, expiresAt };
}

/** The EIP-4361 message for an address, written into the challenge: the signature must be over exactly this text. */
export async function messageFor(db: Executor, token: string, address: string, site: SiweSite, now: Date): Promise<string> {
  const challenge = await openOne(db, token, now);
  const [community, member] = await Promise.all([
    db.selectFrom('communities').selectAll().where('id', '=', challenge.community_id).executeTakeFirstOrThrow(),
    db.selectFrom('members').selectAll().where('id', '=', challenge.member_id).executeTakeFirstOrThrow(),
  ]);
  const message = new SiweMessage({
    domain: new URL(site.url).host,
    address: getAddress(address),
    statement: statementFor(community, member),
    uri: site.url,
    version: '1',
    chainId: site.chainId,
    nonce: challenge.nonce,
    issuedAt: now.toISOString(),
    expirationTime: challenge.expires_at,
  }).prepareMessage();
  await db.updateTable('wallet_challenges').set({ message }).where('token', '=', token).execute();
  return message;
}

/** The challenge of a link token, refused when it expired or was used. */
export async function openOne(db: Executor, token: string, now: Date) {
  const challenge = await db.selectFrom('wallet_challenges').selectAll().where('token', '=', token).executeTakeFirst();
  if (!challenge || challenge.expires_at <= now.toISOString()) throw new LinkRefused('expired', 'This link has expired: run /verify again for a new one.');
  if (challenge.used_at) throw new LinkRefused('used', 'This link was used already: run /verify again to link another wallet.');
  return challenge;
}

export interface VerifiedWallet {
  communityId: string;
  memberId: string;
  address: string;
  /** 'siwe' for a key's own signature, 'eip1271' for a contract wallet that vouched for it. */
  verification: 'siwe' | 'eip1271';
}

/**
 * Checks a signature over the challenge's message: the message must be ours (domain, URI, chain id, nonce), not
 * expired, and signed by its address, or accepted by the contract at that address (EIP-1271) through `provider`.
 * The challenge is then used up, in the caller's transaction, so a replayed signature finds nothing to link.
 */
export async function verifyChallenge(db: Executor, token: string, signature: string, site: SiweSite, now: Date, provider?: Provider): Promise<VerifiedWallet> {
  const challenge = await openOne(db, token, now);
  if (!challenge.message) throw new LinkRefused('no_message', 'There is no message to sign yet: give your address first.');
  const message = new SiweMessage(challenge.message);
  if (message.uri !== site.url || message.chainId !== site.chainId)
    throw new LinkRefused('wrong_site', `The message was made for ${message.uri} on chain ${message.chainId}, not for this bot (${site.url}, chain ${site.chainId}).`);
  const result = await message.verify({ signature, domain: new URL(site.url).host, nonce: challenge.nonce, time: now.toISOString() }, { suppressExceptions: true, ...(provider && { provider }) });
  if (!result.success) throw new LinkRefused(result.error?.type === 'Expired message.' ? 'expired' : 'bad_signature', refusal(result.error?.type));
  const used = await db.updateTable('wallet_challenges').set({ used_at: now.toISOString() }).where('token', '=', token).where('used_at', 'is', null).executeTakeFirst();
  if (used.numUpdatedRows === 0n) throw new LinkRefused('used', 'This link was used already: run /verify again to link another wallet.');
  const signer = (() => {
    try {
      return verifyMessage(challenge.message!, signature);
    } catch {
      return undefined;
    }
  })();
  return { communityId: challenge.community_id, memberId: challenge.member_id, address: message.address.toLowerCase(), verification: signer === message.address ? 'siwe' : 'eip1271' };
}

function refusal(type: string | undefined): string {
  switch (type) {
    case 'Expired message.':
      return 'The message has expired: run /verify again.';
    case 'Domain does not match provided domain for verification.':
      return 'The message was made for another site.';
    case 'Nonce does not match provided nonce for verification.':
      return 'The message belongs to another link.';
    default:
      return 'The signature does not match the message and the address: sign the exact message with the wallet of that address.';
  }
}

/** The member's latest open challenge with a message, for `/verify signature:…` typed in chat. */
export async function pendingChallenge(db: Executor, member: MemberRow, now: Date): Promise<string | undefined> {
  const row = await db
    .selectFrom('wallet_challenges')
    .select('token')
    .where('member_id', '=', member.id)
    .where('used_at', 'is', null)
    .where('message', 'is not', null)
    .where('expires_at', '>', now.toISOString())
    .orderBy('created_at', 'desc')
    .executeTakeFirst();
  return row?.token;
}
