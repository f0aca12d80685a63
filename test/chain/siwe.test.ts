import { getAddress, Wallet } from 'ethers';
import fc from 'fast-check';
import { SiweMessage } from 'siwe';
import { describe, expect, it } from 'vitest';
import { communityTag, LinkRefused, messageFor, openChallenge, verifyChallenge, type SiweSite } from '../../src/chain/siwe.ts';
import { addressProblem, checksumAddress } from '../../src/chain/address.ts';
import { verifyRoutes } from '../../src/web/verify.ts';
import { WebServer } from '../../src/web/server.ts';
import { consoleHarness } from '../helpers/console.ts';
import { ensureCommunity, ensureMember } from '../../src/db/repositories.ts';
import type { MemberRow } from '../../src/db/schema.ts';
import { aliceMember, bobMember, challenge, community, db, linkingWorldEachTest, messageIn } from '../helpers/linking.ts';
import verify from '../../commands/verify.ts';

const site: SiweSite = { url: 'https://govbot.example.org', chainId: 1 };
const now = new Date('2025-03-01T12:00:00Z');
const alice = Wallet.createRandom();
const mallory = Wallet.createRandom();

linkingWorldEachTest();
const challengeFor = (member: MemberRow, address: string) => challenge(member, address, site, now, messageFor);

describe('Sign-In with Ethereum', () => {
  it('GIVEN the message signed by the key of its address THEN the wallet is verified for that member, and the message says who and where', async () => {
    const { token, message } = await challengeFor(aliceMember, alice.address);
    const parsed = new SiweMessage(message);
    expect(parsed).toMatchObject({ domain: 'govbot.example.org', address: alice.address, uri: site.url, chainId: 1, version: '1' });
    expect(parsed.statement).toBe(`Link this wallet to member ${aliceMember.key} of ${communityTag(community)}. Votes in its rounds will count its tokens.`);
    expect(parsed.expirationTime).toBe('2025-03-01T12:15:00.000Z');
    const verified = await verifyChallenge(db, token, await alice.signMessage(message), site, now);
    expect(verified).toEqual({ communityId: community.id, memberId: aliceMember.id, address: alice.address.toLowerCase(), verification: 'siwe' });
  });

  it('GIVEN names that are no plain ASCII (José in 🚀 DAO, a console member typed as Zoë "Z" <z>) THEN the message is valid EIP-4361, names neither, and verifies', async () => {
    const rocket = await ensureCommunity(db, { platform: 'telegram', chatId: '-200', name: '🚀 DAO\nline two' });
    const console_ = await ensureCommunity(db, { platform: 'console', chatId: 'default', name: 'Zoë\'s "room"' });
    const members = [
      [rocket, await ensureMember(db, rocket.id, { platform: 'telegram', userId: '7', handle: 'José 🚀' })],
      [console_, await ensureMember(db, console_.id, { platform: 'console', userId: 'Zoë "Z" <z>', handle: 'Zoë "Z" <z>' })],
    ] as const;
    for (const [where, who] of members) {
      const key = Wallet.createRandom();
      const { token } = await openChallenge(db, where, who, now);
      const message = await messageFor(db, token, key.address, site, now);
      expect(message).toMatch(/^[\x20-\x7e\n]+$/);
      const parsed = new SiweMessage(message);
      expect(parsed.statement).toContain(communityTag(where));
      expect(parsed.statement).not.toContain(where.id);
      await expect(verifyChallenge(db, token, await key.signMessage(message), site, now)).resolves.toMatchObject({ memberId: who.id });
    }
  });

  it('GIVEN /verify THEN the one-time link is a secret reply, for the member only even when they cannot be reached privately; the message to sign for an address is private', async () => {
    const ctx = {
      db, votes: undefined as never, now: () => now, exportDir: '', publicUrl: site.url, community,
      actor: { platform: 'telegram', userId: '101', handle: 'alice', isModerator: false },
      member: async () => aliceMember, announce: async () => undefined, chatProblems: async () => [],
    };
    const link = await verify.action!.run(ctx, {});
    expect(link).toMatchObject({ private: true, secret: true });
    expect(JSON.stringify(link.blocks)).toMatch(/\/verify\/[A-Za-z0-9_-]{32}/);
    const message = await verify.action!.run(ctx, { address: alice.address });
    expect(message).toMatchObject({ private: true });
    expect(JSON.stringify(message.blocks)).not.toMatch(/\/verify\/[A-Za-z0-9_-]{32}/);
  });

  it('GIVEN a message made for another domain THEN it is refused', async () => {
    const { token } = await challengeFor(aliceMember, alice.address);
    const other = new SiweMessage({ domain: 'evil.example', address: alice.address, uri: 'https://evil.example', version: '1', chainId: 1, nonce: (await db.selectFrom('wallet_challenges').select('nonce').where('token', '=', token).executeTakeFirstOrThrow()).nonce, issuedAt: now.toISOString() }).prepareMessage();
    await db.updateTable('wallet_challenges').set({ message: other }).where('token', '=', token).execute();
    await expect(verifyChallenge(db, token, await alice.signMessage(other), site, now)).rejects.toThrow(LinkRefused);
  });

  it('GIVEN a signature after the message expired THEN it is refused', async () => {
    const { token, message } = await challengeFor(aliceMember, alice.address);
    const later = new Date(now.getTime() + 16 * 60_000);
    await expect(verifyChallenge(db, token, await alice.signMessage(message), site, later)).rejects.toMatchObject({ reason: 'expired' });
  });

  it('GIVEN the same signed message twice THEN the nonce is spent and the second is refused', async () => {
    const { token, message } = await challengeFor(aliceMember, alice.address);
    const signature = await alice.signMessage(message);
    await verifyChallenge(db, token, signature, site, now);
    await expect(verifyChallenge(db, token, signature, site, now)).rejects.toMatchObject({ reason: 'used' });
  });

  it('GIVEN a signature by another key THEN it is refused', async () => {
    const { token, message } = await challengeFor(aliceMember, alice.address);
    await expect(verifyChallenge(db, token, await mallory.signMessage(message), site, now)).rejects.toMatchObject({ reason: 'bad_signature' });
  });

  it('GIVEN a signature made for another chat account THEN it cannot link this one', async () => {
    // Alice signs the message that names Bob's account; Mallory tries it on a challenge of her own for Alice's address.
    const bobs = await challengeFor(bobMember, alice.address);
    const signedForBob = await alice.signMessage(bobs.message);
    const { token } = await challengeFor(aliceMember, alice.address);
    await expect(verifyChallenge(db, token, signedForBob, site, now)).rejects.toMatchObject({ reason: 'bad_signature' });
    expect(bobs.message).toContain(`member ${bobMember.key} of`);
  });
});

describe('Ethereum addresses', () => {
  const flipCase = (address: string, flips: boolean[]) => `0x${[...address.slice(2)].map((c, i) => (flips[i] ? (c === c.toLowerCase() ? c.toUpperCase() : c.toLowerCase()) : c)).join('')}`;

  it('GIVEN any address in any case THEN the checksum and the refusal agree with ethers.getAddress', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 20, maxLength: 20 }), fc.array(fc.boolean(), { minLength: 40, maxLength: 40 }), (bytes, flips) => {
        const lower = `0x${Buffer.from(bytes).toString('hex')}`;
        expect(checksumAddress(lower)).toBe(getAddress(lower));
        const typed = flipCase(checksumAddress(lower), flips);
        const ethersAccepts = (() => {
          try {
            return getAddress(typed) !== undefined;
          } catch {
            return false;
          }
        })();
        expect(addressProblem(typed) === undefined).toBe(ethersAccepts);
      }),
      { numRuns: 500 },
    );
  });

  it('GIVEN an address whose mixed case is a wrong checksum THEN /verify and the wallet page refuse it by name; all lower or upper case is fine', async () => {
    const good = alice.address;
    const wrong = flipCase(good, [...good.slice(2)].map((c) => /[a-f]/i.test(c)).map((isLetter, i, all) => isLetter && all.indexOf(true) === i));
    expect(addressProblem(wrong)).toMatch(/wrong EIP-55 checksum/);
    expect(addressProblem(good.toLowerCase())).toBeUndefined();
    expect(addressProblem(`0x${good.slice(2).toUpperCase()}`)).toBeUndefined();

    const h = await consoleHarness('2025-01-01T00:00:00Z', ':memory:', { publicUrl: 'http://127.0.0.1:1' });
    expect(await h.say(`/verify address:${wrong}`)).toContain(`${wrong} has a wrong EIP-55 checksum`);
    expect(await h.say(`/verify address:${good.toLowerCase()}`)).toContain('Sign exactly this message');
    await h.close();

    const web = new WebServer();
    verifyRoutes(web, { db, publicUrl: site.url, now: () => now, tell: async () => undefined });
    const { port } = await web.listen(0, '127.0.0.1');
    const { token } = await openChallenge(db, community, aliceMember, now);
    const answer = await fetch(`http://127.0.0.1:${port}/verify/${token}/message`, { method: 'POST', body: JSON.stringify({ address: wrong }) });
    expect(answer.status).toBe(400);
    expect(((await answer.json()) as { error: string }).error).toContain('wrong EIP-55 checksum');
    await web.close();
  });
});
