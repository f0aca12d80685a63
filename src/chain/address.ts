import { keccak_256 } from '@noble/hashes/sha3.js';
import { z } from 'zod';

/** 0x and 40 hex digits, in any case. */
const EVM_ADDRESS = /^0x[0-9a-fA-F]{40}$/;

/**
 * EIP-55 mixed-case checksum address (`0xabc…` → `0xAbC…`), which wallets check before sending: a letter is upper case
 * when its nibble of keccak256(lower-case hex) is 8 or more. The same as ethers.getAddress (a test pins it), without
 * loading ethers, which a replay would feel.
 */
export function checksumAddress(address: string): string {
  const lower = address.toLowerCase().replace(/^0x/, '');
  const hash = Buffer.from(keccak_256(new TextEncoder().encode(lower))).toString('hex');
  return `0x${[...lower].map((c, i) => (parseInt(hash[i]!, 16) >= 8 ? c.toUpperCase() : c)).join('')}`;
}

/**
 * Why an Ethereum address is refused, or undefined. All lower or all upper case carries no checksum; mixed case is a
 * checksum, and one that does not match means a mistyped address, which is refused rather than quietly fixed.
 */
export function addressProblem(address: string): string | undefined {
  if (!EVM_ADDRESS.test(address)) return 'an address is 0x followed by 40 hex digits';
  const digits = address.slice(2);
  if (digits === digits.toLowerCase() || digits === digits.toUpperCase() || checksumAddress(address) === address) return undefined;
  return `${address} has a wrong EIP-55 checksum (its mixed case does not match): copy it again from the wallet`;
}

/** An Ethereum address option or field: `format` says what one looks like; a wrong checksum is named as such. */
export const evmAddress = (format: string) =>
  z
    .string()
    .regex(EVM_ADDRESS, format)
    .refine((address) => addressProblem(address) === undefined, { error: (issue) => addressProblem(String(issue.input)) });
