import type { Address, Credential } from '@emurgo/cardano-serialization-lib-nodejs';
import { createRequire } from 'node:module';
import { z } from 'zod';

type Serialization = typeof import('@emurgo/cardano-serialization-lib-nodejs');
let serialization: Serialization | undefined;
/**
 * EMURGO's serialization library, loaded on first use (its WASM takes some 100 ms to load): round files check their
 * Cardano wallets with this module, and a replay of Ethereum wallets alone never pays for it.
 */
const library = (): Serialization => (serialization ??= createRequire(import.meta.url)('@emurgo/cardano-serialization-lib-nodejs') as Serialization);

/** What a Cardano address says: its network and the key hashes (hex) that control its funds and its stake. */
export interface CardanoAddress {
  /** As given, in bech32 (addr1…, addr_test1…, stake1…, stake_test1…). */
  bech32: string;
  networkId: number;
  /** The payment key hash; absent for a stake (reward) address or a script-locked one. */
  paymentKeyHash?: string;
  /** The stake key hash; absent for an enterprise address or a script stake credential. */
  stakeKeyHash?: string;
  /** The wallet's stake address (stake1…), when the address has a stake key: every address of one wallet shares it. */
  stakeAddress?: string;
}

const BECH32_PREFIX = /^(addr|addr_test|stake|stake_test)1[02-9ac-hj-np-z]+$/;

const keyHash = (credential: Credential | undefined) => credential?.to_keyhash()?.to_hex();

/**
 * Reads a bech32 Cardano address with EMURGO's serialization library (the checksum, the header byte, the
 * credentials); undefined when it is none, or a kind (pointer, Byron) that no key signs for in CIP-30.
 */
export function parseCardanoAddress(text: string): CardanoAddress | undefined {
  if (!BECH32_PREFIX.test(text)) return undefined;
  const { Address, BaseAddress, EnterpriseAddress, RewardAddress } = library();
  let address: Address;
  try {
    address = Address.from_bech32(text);
  } catch {
    return undefined;
  }
  const networkId = address.network_id();
  const base = BaseAddress.from_address(address);
  if (base) {
    const stakeKeyHash = keyHash(base.stake_cred());
    const paymentKeyHash = keyHash(base.payment_cred());
    return {
      bech32: text,
      networkId,
      ...(paymentKeyHash && { paymentKeyHash }),
      ...(stakeKeyHash && { stakeKeyHash, stakeAddress: RewardAddress.new(networkId, base.stake_cred()).to_address().to_bech32() }),
    };
  }
  const reward = RewardAddress.from_address(address);
  if (reward) {
    const stakeKeyHash = keyHash(reward.payment_cred());
    return stakeKeyHash ? { bech32: text, networkId, stakeKeyHash, stakeAddress: text } : undefined;
  }
  const enterprise = EnterpriseAddress.from_address(address);
  const paymentKeyHash = keyHash(enterprise?.payment_cred());
  return paymentKeyHash ? { bech32: text, networkId, paymentKeyHash } : undefined;
}

export const CARDANO_ADDRESS_FORMAT = 'a Cardano address is bech32: addr1…, stake1… (addr_test1…, stake_test1… on a test network), controlled by a key';

/** A Cardano address option or field. */
export const cardanoAddress = z.string().max(200).refine((a) => parseCardanoAddress(a) !== undefined, CARDANO_ADDRESS_FORMAT);

/** An address as a CIP-30 wallet hands it over (raw bytes in hex) or as a member types it (bech32), in bech32. */
export function bech32FromWallet(text: string): string | undefined {
  if (!/^([0-9a-fA-F]{2}){29,57}$/.test(text)) return text;
  try {
    return library().Address.from_hex(text).to_bech32();
  } catch {
    return undefined;
  }
}

/**
 * Why `address` is not a wallet on the Cardano chain `chain` (CAIP-2 `cip34:<network id>-<magic>`), or undefined: it
 * must be bech32, controlled by a key, and carry the chain's network id (1 mainnet, 0 a test network).
 */
export function cardanoWalletProblem(chain: string, address: string): string | undefined {
  const networkId = Number(/^cip34:([01])-\d+$/.exec(chain)?.[1] ?? NaN);
  if (Number.isNaN(networkId)) return `${chain} is no Cardano chain: cip34:1-764824073 (mainnet), cip34:0-1 (preprod), cip34:0-2 (preview)`;
  const parsed = parseCardanoAddress(address);
  if (!parsed) return CARDANO_ADDRESS_FORMAT;
  if (parsed.networkId !== networkId) return `${address.slice(0, 24)}… is ${parsed.networkId === 1 ? 'a mainnet' : 'a test network'} address, but ${chain} is ${networkId === 1 ? 'mainnet' : 'a test network'}`;
  return undefined;
}
