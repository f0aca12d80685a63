import { AlgorithmId, CBORSpecial, CBORValue, COSEKey, COSESign1Builder, CurveType, ECKey, HeaderMap, Headers, KeyType, Label, ProtectedHeaderMap } from '@emurgo/cardano-message-signing-nodejs';
import { Address, BaseAddress, Credential, EnterpriseAddress, PublicKey, RewardAddress } from '@emurgo/cardano-serialization-lib-nodejs';
import { ed25519 } from '@noble/curves/ed25519.js';

/** A real Ed25519 key pair, made in the test. */
export interface CardanoKey {
  secret: Uint8Array;
  publicKey: Uint8Array;
  credential: Credential;
}

export function cardanoKey(): CardanoKey {
  const secret = ed25519.utils.randomSecretKey();
  const publicKey = ed25519.getPublicKey(secret);
  return { secret, publicKey, credential: Credential.from_keyhash(PublicKey.from_bytes(publicKey).hash()) };
}

/** A wallet as a CIP-30 wallet holds one: a payment key and a stake key, and the addresses they make on a network. */
export function cardanoWallet(networkId = 1) {
  const payment = cardanoKey();
  const stake = cardanoKey();
  return {
    payment,
    stake,
    networkId,
    base: BaseAddress.new(networkId, payment.credential, stake.credential).to_address().to_bech32(),
    enterprise: EnterpriseAddress.new(networkId, payment.credential).to_address().to_bech32(),
    stakeAddress: RewardAddress.new(networkId, stake.credential).to_address().to_bech32(),
    /** Another address of the same wallet (another payment key, the same stake key). */
    another: () => BaseAddress.new(networkId, cardanoKey().credential, stake.credential).to_address().to_bech32(),
  };
}

/**
 * CIP-30 `signData(address, payload)` as wallets do it (CIP-8): a COSE_Sign1 with EdDSA and the address in the
 * protected header, the payload whole, `hashed: false`; and the signer's COSE_Key. Hex, as wallets return them.
 */
export function signData(key: CardanoKey, address: string, payload: string | Uint8Array): { signature: string; key: string } {
  const protectedHeaders = HeaderMap.new();
  protectedHeaders.set_algorithm_id(Label.from_algorithm_id(AlgorithmId.EdDSA));
  protectedHeaders.set_header(Label.new_text('address'), CBORValue.new_bytes(Address.from_bech32(address).to_bytes()));
  const unprotected = HeaderMap.new();
  unprotected.set_header(Label.new_text('hashed'), CBORValue.new_special(CBORSpecial.new_bool(false)));
  const bytes = typeof payload === 'string' ? new TextEncoder().encode(payload) : payload;
  const builder = COSESign1Builder.new(Headers.new(ProtectedHeaderMap.new(protectedHeaders), unprotected), bytes, false);
  const signature = ed25519.sign(builder.make_data_to_sign().to_bytes(), key.secret);
  return { signature: Buffer.from(builder.build(signature).to_bytes()).toString('hex'), key: coseKey(key.publicKey) };
}

/** The COSE_Key of an Ed25519 public key: kty OKP, alg EdDSA, crv Ed25519, x. */
export function coseKey(publicKey: Uint8Array): string {
  const key = COSEKey.new(Label.from_key_type(KeyType.OKP));
  key.set_algorithm_id(Label.from_algorithm_id(AlgorithmId.EdDSA));
  key.set_header(Label.from_ec_key(ECKey.CRV), CBORValue.from_label(Label.from_curve_type(CurveType.Ed25519)));
  key.set_header(Label.from_ec_key(ECKey.X), CBORValue.new_bytes(publicKey));
  return Buffer.from(key.to_bytes()).toString('hex');
}
