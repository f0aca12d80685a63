import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { cardanoMessage, cardanoMessageFor, parseCardanoMessage, verifyCardanoChallenge, type CardanoSite } from '../../src/chain/cardano/challenge.ts';
import { parseCardanoAddress } from '../../src/chain/cardano/address.ts';
import { DataSignatureRefused, verifyDataSignature } from '../../src/chain/cardano/cip8.ts';
import { CARDANO_NETWORKS } from '../../src/chain/cardano/network.ts';
import { communityTag, LinkRefused, openChallenge, statementFor } from '../../src/chain/siwe.ts';
import { consoleHarness } from '../helpers/console.ts';
import type { MemberRow } from '../../src/db/schema.ts';
import { aliceMember, bobMember, challenge, community, db, linkingWorldEachTest, messageIn } from '../helpers/linking.ts';
import { cardanoKey, cardanoWallet, coseKey, signData } from '../helpers/cardano.ts';

const site: CardanoSite = { url: 'https://govbot.example.org', network: CARDANO_NETWORKS.mainnet };
const now = new Date('2025-03-01T12:00:00Z');
const alice = cardanoWallet();

linkingWorldEachTest();
const challengeFor = (member: MemberRow, address: string, at = site) => challenge(member, address, at, now, cardanoMessageFor);

describe('Cardano addresses', () => {
  it('GIVEN the addresses of a wallet made from real keys THEN each is read with its network and key hashes, and they share one stake address', () => {
    const base = parseCardanoAddress(alice.base)!;
    expect(alice.base).toMatch(/^addr1q/);
    expect(alice.stakeAddress).toMatch(/^stake1u/);
    expect(base).toMatchObject({ networkId: 1, stakeAddress: alice.stakeAddress });
    expect(parseCardanoAddress(alice.another())!.stakeAddress).toBe(alice.stakeAddress);
    expect(parseCardanoAddress(alice.enterprise)).toEqual({ bech32: alice.enterprise, networkId: 1, paymentKeyHash: base.paymentKeyHash });
    expect(parseCardanoAddress(alice.stakeAddress)).toEqual({ bech32: alice.stakeAddress, networkId: 1, stakeKeyHash: base.stakeKeyHash, stakeAddress: alice.stakeAddress });
    expect(parseCardanoAddress(cardanoWallet(0).base)).toMatchObject({ networkId: 0 });
    // One character changed breaks the bech32 checksum.
    const typo = alice.base.slice(0, -1) + (alice.base.endsWith('q') ? 'p' : 'q');
    expect(parseCardanoAddress(typo)).toBeUndefined();
    expect(parseCardanoAddress('0x' + '1'.repeat(40))).toBeUndefined();
  });
});

describe('Linking a Cardano wallet (CIP-8)', () => {
  it('GIVEN the message signed by the stake key THEN the stake address is verified for that member, and the message says who, where, which network, until when', async () => {
    const { token, message } = await challengeFor(aliceMember, alice.stakeAddress);
    expect(message.split('\n')).toEqual([
      'govbot.example.org wants you to link your Cardano wallet:',
      alice.stakeAddress,
      '',
      `Link this wallet to member ${aliceMember.key} of ${communityTag(community)}. Votes in its rounds will count its tokens.`,
      '',
      'URI: https://govbot.example.org',
      'Network: cip34:1-764824073',
      expect.stringMatching(/^Nonce: [A-Za-z0-9]{8,}$/),
      'Issued At: 2025-03-01T12:00:00.000Z',
      'Expiration Time: 2025-03-01T12:15:00.000Z',
    ]);
    const verified = await verifyCardanoChallenge(db, token, signData(alice.stake, alice.stakeAddress, message), site, now);
    expect(verified).toEqual({ communityId: community.id, memberId: aliceMember.id, chain: 'cip34:1-764824073', address: alice.stakeAddress, verification: 'cip8' });
  });

  it('GIVEN a base address signed by its stake key THEN the wallet is linked by its stake address, so every address of the wallet counts once', async () => {
    const { token, message } = await challengeFor(aliceMember, alice.base);
    await expect(verifyCardanoChallenge(db, token, signData(alice.stake, alice.base, message), site, now)).resolves.toMatchObject({ address: alice.stakeAddress });
  });

  it('GIVEN a base address signed by its payment key THEN only that address is linked, never the stake address it names (anyone can pair their payment key with another\'s stake key)', async () => {
    const { token, message } = await challengeFor(aliceMember, alice.base);
    await expect(verifyCardanoChallenge(db, token, signData(alice.payment, alice.base, message), site, now)).resolves.toMatchObject({ address: alice.base });
    // Mallory builds an address of her payment key and Alice's stake key: she proves that address, not Alice's wallet.
    const mallory = cardanoKey();
    const { BaseAddress } = await import('@emurgo/cardano-serialization-lib-nodejs');
    const forged = BaseAddress.new(1, mallory.credential, alice.stake.credential).to_address().to_bech32();
    const second = await challengeFor(bobMember, forged);
    await expect(verifyCardanoChallenge(db, second.token, signData(mallory, forged, second.message), site, now)).resolves.toMatchObject({ address: forged });
  });

  it('GIVEN the same signed message twice THEN the nonce is spent and the second is refused', async () => {
    const { token, message } = await challengeFor(aliceMember, alice.stakeAddress);
    const proof = signData(alice.stake, alice.stakeAddress, message);
    await verifyCardanoChallenge(db, token, proof, site, now);
    await expect(verifyCardanoChallenge(db, token, proof, site, now)).rejects.toMatchObject({ reason: 'used' });
  });

  it('GIVEN a message made for another domain THEN it is refused', async () => {
    const { token, message } = await challengeFor(aliceMember, alice.stakeAddress);
    const parsed = parseCardanoMessage(message)!;
    const other = cardanoMessage({ ...parsed, domain: 'evil.example', uri: 'https://evil.example', statement: statementFor(community, aliceMember), issuedAt: now.toISOString(), expiresAt: '2025-03-01T12:15:00.000Z' });
    await db.updateTable('wallet_challenges').set({ message: other }).where('token', '=', token).execute();
    await expect(verifyCardanoChallenge(db, token, signData(alice.stake, alice.stakeAddress, other), site, now)).rejects.toMatchObject({ reason: 'wrong_site' });
    // The bot's own message signed, but under another domain's page: the signed bytes are not this link's message.
    const { token: second } = await challengeFor(aliceMember, alice.stakeAddress);
    await expect(verifyCardanoChallenge(db, second, signData(alice.stake, alice.stakeAddress, other), site, now)).rejects.toMatchObject({ reason: 'bad_signature' });
  });

  it('GIVEN a signature after the message expired THEN it is refused', async () => {
    const { token, message } = await challengeFor(aliceMember, alice.stakeAddress);
    const later = new Date(now.getTime() + 16 * 60_000);
    await expect(verifyCardanoChallenge(db, token, signData(alice.stake, alice.stakeAddress, message), site, later)).rejects.toMatchObject({ reason: 'expired' });
  });

  it('GIVEN a signature by another key THEN it is refused, whether the key is sent as its own or as the address\'s', async () => {
    const { token, message } = await challengeFor(aliceMember, alice.stakeAddress);
    const mallory = cardanoKey();
    await expect(verifyCardanoChallenge(db, token, signData(mallory, alice.stakeAddress, message), site, now)).rejects.toMatchObject({ reason: 'bad_signature', message: expect.stringContaining('does not control') });
    const claimed = { ...signData(mallory, alice.stakeAddress, message), key: coseKey(alice.stake.publicKey) };
    await expect(verifyCardanoChallenge(db, token, claimed, site, now)).rejects.toMatchObject({ reason: 'bad_signature', message: 'The signature was not made by this key.' });
  });

  it('GIVEN a message for another network THEN it is refused, and an address of another network gets no message', async () => {
    const preprod: CardanoSite = { ...site, network: CARDANO_NETWORKS.preprod };
    const testWallet = cardanoWallet(0);
    const { token, message } = await challengeFor(aliceMember, testWallet.stakeAddress, preprod);
    await expect(verifyCardanoChallenge(db, token, signData(testWallet.stake, testWallet.stakeAddress, message), site, now)).rejects.toMatchObject({ reason: 'wrong_site', message: expect.stringContaining('cip34:0-1') });
    // preview and preprod share the network id 0: the message's network, not the address, tells them apart.
    const preview: CardanoSite = { ...site, network: CARDANO_NETWORKS.preview };
    await expect(verifyCardanoChallenge(db, token, signData(testWallet.stake, testWallet.stakeAddress, message), preview, now)).rejects.toMatchObject({ reason: 'wrong_site' });
    const { token: mainnet } = await openChallenge(db, community, aliceMember, now);
    await expect(cardanoMessageFor(db, mainnet, testWallet.stakeAddress, site, now)).rejects.toThrow(/is on a test network, but this bot reads cip34:1-764824073/);
  });

  it('GIVEN a signature made for another chat account THEN it cannot link this one', async () => {
    const bobs = await challengeFor(bobMember, alice.stakeAddress);
    const signedForBob = signData(alice.stake, alice.stakeAddress, bobs.message);
    const { token } = await challengeFor(aliceMember, alice.stakeAddress);
    await expect(verifyCardanoChallenge(db, token, signedForBob, site, now)).rejects.toMatchObject({ reason: 'bad_signature', message: expect.stringContaining('over another message') });
  });

  it('GIVEN a signature for another address of the same key THEN it is refused', async () => {
    const { token, message } = await challengeFor(aliceMember, alice.stakeAddress);
    await expect(verifyCardanoChallenge(db, token, signData(alice.stake, alice.base, message), site, now)).rejects.toMatchObject({ reason: 'bad_signature', message: expect.stringContaining('another address') });
  });

  it('GIVEN malformed signatures and keys (not hex, not CBOR, a hashed payload, no address, a key on another curve) THEN each is refused as a bad signature; no byte changed makes it say another thing was signed', async () => {
    const { token, message } = await challengeFor(aliceMember, alice.stakeAddress);
    const good = signData(alice.stake, alice.stakeAddress, message);
    const refuse = (proof: { signature: string; key: string }) => expect(verifyCardanoChallenge(db, token, proof, site, now)).rejects.toMatchObject({ reason: 'bad_signature' });
    await refuse({ ...good, signature: 'zz' });
    await refuse({ ...good, signature: 'a1' });
    await refuse({ ...good, key: '00' });
    await refuse({ ...good, signature: good.signature.slice(0, -10) });
    // A COSE_Key whose curve is X25519 (4), not Ed25519 (6): the key bytes would be misread.
    const { COSEKey, Label, ECKey, CBORValue, CurveType } = await import('@emurgo/cardano-message-signing-nodejs');
    const x25519 = COSEKey.from_bytes(Buffer.from(good.key, 'hex'));
    x25519.set_header(Label.from_ec_key(ECKey.CRV), CBORValue.from_label(Label.from_curve_type(CurveType.X25519)));
    await refuse({ ...good, key: Buffer.from(x25519.to_bytes()).toString('hex') });
    // No byte changed makes the signature say something else was signed: it is refused, or (a byte of the unsigned
    // header) reads as the very same payload, address and key.
    const signed = verifyDataSignature(good);
    fc.assert(
      fc.property(fc.nat({ max: good.signature.length / 2 - 1 }), fc.integer({ min: 1, max: 255 }), (at, xor) => {
        const bytes = Buffer.from(good.signature, 'hex');
        bytes[at] = bytes[at]! ^ xor;
        try {
          expect(verifyDataSignature({ ...good, signature: bytes.toString('hex') })).toEqual(signed);
        } catch (error) {
          if (!(error instanceof DataSignatureRefused)) throw error;
        }
      }),
      { numRuns: 300 },
    );
    // After all of that, the challenge is still open for the real signature.
    await expect(verifyCardanoChallenge(db, token, good, site, now)).resolves.toMatchObject({ address: alice.stakeAddress });
  });

  it('GIVEN a signature over a hash of the message THEN it is refused: the member could not have read what they signed', async () => {
    const { token, message } = await challengeFor(aliceMember, alice.stakeAddress);
    const { HeaderMap, Label, CBORValue, CBORSpecial, COSESign1 } = await import('@emurgo/cardano-message-signing-nodejs');
    const sign1 = COSESign1.from_bytes(Buffer.from(signData(alice.stake, alice.stakeAddress, message).signature, 'hex'));
    const unprotected = HeaderMap.new();
    unprotected.set_header(Label.new_text('hashed'), CBORValue.new_special(CBORSpecial.new_bool(true)));
    const { Headers, COSESign1: Sign1 } = await import('@emurgo/cardano-message-signing-nodejs');
    const hashed = Sign1.new(Headers.new(sign1.headers().protected(), unprotected), sign1.payload(), sign1.signature());
    await expect(verifyCardanoChallenge(db, token, { signature: Buffer.from(hashed.to_bytes()).toString('hex'), key: coseKey(alice.stake.publicKey) }, site, now)).rejects.toMatchObject({ reason: 'bad_signature', message: expect.stringContaining('hash of the message') });
  });

  it('GIVEN an Ethereum message waiting THEN a Cardano signature finds no Cardano message', async () => {
    const { token } = await openChallenge(db, community, aliceMember, now);
    await db.updateTable('wallet_challenges').set({ message: 'govbot.example.org wants you to sign in with your Ethereum account:\n0x…' }).where('token', '=', token).execute();
    await expect(verifyCardanoChallenge(db, token, signData(alice.stake, alice.stakeAddress, 'x'), site, now)).rejects.toBeInstanceOf(LinkRefused);
  });
});

describe('/verify chain:cardano, from chat', () => {

  it('GIVEN a member who signs with a CIP-30 wallet THEN the wallet is linked with its chain; the same signature again, and another member claiming it, are refused', async () => {
    const h = await consoleHarness('2025-01-01T00:00:00Z', ':memory:', { publicUrl: 'https://govbot.example.org' });
    const link = await h.say('/as alice', '/verify chain:cardano');
    expect(link).toMatch(/https:\/\/govbot\.example\.org\/verify\/[A-Za-z0-9_-]{32}\?chain=cardano/);
    expect(link).toContain('/verify address:addr1…');

    const asked = await h.say(`/verify chain:cardano address:${alice.stakeAddress}`);
    expect(asked).toContain('CIP-8');
    const message = messageIn(asked);
    expect(message).toMatch(new RegExp(`${alice.stakeAddress}\n\nLink this wallet to member console:alice of community-[0-9a-f]{12}\\.`));
    const proof = signData(alice.stake, alice.stakeAddress, message);
    expect(await h.say(`/verify signature:${proof.signature} key:${proof.key}`)).toContain(`Cardano wallet ${alice.stakeAddress} is linked to you.`);
    expect(await h.say(`/verify signature:${proof.signature} key:${proof.key}`)).toContain('There is no message waiting for a signature');
    expect(await h.say('/wallets')).toMatch(new RegExp(`${alice.stakeAddress}\\s+cip34:1-764824073\\s+cip8`));

    // Mallory: her key on Alice's address is refused; Alice's signature over Mallory's message hits a held wallet.
    const forMallory = messageIn(await h.say('/as mallory', `/verify address:${alice.base}`));
    const mallorys = signData(cardanoKey(), alice.base, forMallory);
    expect(await h.say(`/verify signature:${mallorys.signature} key:${mallorys.key}`)).toContain('does not control');
    const alices = signData(alice.stake, alice.base, forMallory);
    expect(await h.say(`/verify signature:${alices.signature} key:${alices.key}`)).toContain('is already linked to another member');

    expect(await h.say(`/verify address:${cardanoWallet(0).base}`)).toContain('is on a test network');
    expect(await h.say(`/verify chain:ethereum address:${alice.base}`)).toContain('that is a Cardano address: use chain:cardano');
    expect(await h.say('/verify signature:abcd')).toMatch(/a Cardano one comes with its key/);
    expect(await h.say('/as alice', `/wallets remove:${alice.stakeAddress}`)).toContain(`${alice.stakeAddress} is no longer linked to you`);
    expect(h.errors).toEqual([]);
    await h.close();
  });
});
