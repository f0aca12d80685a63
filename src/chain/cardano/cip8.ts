import { AlgorithmId, COSEKey, COSESign1, CurveType, ECKey, KeyType, Label } from '@emurgo/cardano-message-signing-nodejs';
import { Address, Ed25519Signature, PublicKey } from '@emurgo/cardano-serialization-lib-nodejs';

/**
 * A CIP-8 signature as CIP-30's `signData` returns it (and `cardano-cli`-style signers print it): a COSE_Sign1 over
 * the payload, with the signed address in its protected header, and the COSE_Key of the signing key.
 */
export interface DataSignature {
  /** COSE_Sign1, CBOR in hex. */
  signature: string;
  /** COSE_Key, CBOR in hex. */
  key: string;
}

/** What a valid COSE_Sign1 proves: this key signed this payload for this address. */
export interface SignedData {
  payload: Uint8Array;
  /** The raw address from the protected header. */
  address: Uint8Array;
  /** blake2b-224 of the public key, in hex: the credential it controls. */
  keyHash: string;
}

export class DataSignatureRefused extends Error {}

const HEX = /^(?:[0-9a-fA-F]{2})+$/;
const sameLabel = (a: Label | undefined, b: Label) => a !== undefined && Buffer.from(a.to_bytes()).equals(Buffer.from(b.to_bytes()));

function decode<T>(hex: string, what: string, from: (bytes: Uint8Array) => T): T {
  if (!HEX.test(hex)) throw new DataSignatureRefused(`The ${what} is not hex: paste the CBOR hex your wallet gave.`);
  try {
    return from(Buffer.from(hex, 'hex'));
  } catch {
    throw new DataSignatureRefused(`The ${what} is not a CIP-8 ${what === 'key' ? 'COSE_Key' : 'COSE_Sign1'}: paste the CBOR hex your wallet gave.`);
  }
}

/**
 * Checks a CIP-8 signature, with EMURGO's message-signing library for the COSE structures (RFC 8152) and its
 * serialization library for the Ed25519 check: pure EdDSA, an unhashed payload carried inside, the address in the
 * protected header (so it is signed), and a COSE_Key of type OKP on Ed25519 whose key verifies the Sig_structure.
 */
export function verifyDataSignature({ signature, key }: DataSignature): SignedData {
  const sign1 = decode(signature, 'signature', (b) => COSESign1.from_bytes(b));
  const coseKey = decode(key, 'key', (b) => COSEKey.from_bytes(b));
  const headers = sign1.headers();
  const signed = (() => {
    try {
      return headers.protected().deserialized_headers();
    } catch {
      throw new DataSignatureRefused('The signature\'s protected header is not CBOR.');
    }
  })();
  if (!sameLabel(signed.algorithm_id(), Label.from_algorithm_id(AlgorithmId.EdDSA))) throw new DataSignatureRefused('The signature is not EdDSA (COSE algorithm -8), as CIP-8 needs.');
  // A hashed payload would sign only a digest of the message, which nobody could read back: CIP-30 wallets sign it whole.
  const hashed = headers.unprotected().header(Label.new_text('hashed'))?.as_special()?.as_bool();
  if (hashed) throw new DataSignatureRefused('The signature covers a hash of the message: sign the message itself.');
  const address = signed.header(Label.new_text('address'))?.as_bytes();
  if (!address) throw new DataSignatureRefused('The signature names no address in its protected header, as CIP-30 signData does.');
  const payload = sign1.payload();
  if (!payload) throw new DataSignatureRefused('The signature does not carry the message it signs.');
  const curve = coseKey.header(Label.from_ec_key(ECKey.CRV))?.as_int()?.as_i32();
  if (!sameLabel(coseKey.key_type(), Label.from_key_type(KeyType.OKP)) || curve === undefined || curve !== Label.from_curve_type(CurveType.Ed25519).as_int()?.as_i32())
    throw new DataSignatureRefused('The key is not an Ed25519 COSE_Key.');
  const algorithm = coseKey.algorithm_id();
  if (algorithm && !sameLabel(algorithm, Label.from_algorithm_id(AlgorithmId.EdDSA))) throw new DataSignatureRefused('The key is not for EdDSA.');
  const x = coseKey.header(Label.from_ec_key(ECKey.X))?.as_bytes();
  if (!x || x.length !== 32) throw new DataSignatureRefused('The key has no 32-byte Ed25519 public key.');
  const publicKey = PublicKey.from_bytes(x);
  const raw = sign1.signature();
  if (raw.length !== 64) throw new DataSignatureRefused('The signature is not a 64-byte Ed25519 signature.');
  if (!publicKey.verify(sign1.signed_data().to_bytes(), Ed25519Signature.from_bytes(raw))) throw new DataSignatureRefused('The signature was not made by this key.');
  return { payload, address, keyHash: publicKey.hash().to_hex() };
}

/** The raw bytes of a bech32 address, as the protected header carries them. */
export const addressBytes = (bech32: string) => Address.from_bech32(bech32).to_bytes();
