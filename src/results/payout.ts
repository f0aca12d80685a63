import { keccak_256 } from '@noble/hashes/sha3.js';
import type { RoundReport } from '../core/report.ts';
import type { RoundData } from '../core/types.ts';
import { formatUnits } from '../format/units.ts';
import { checksumAddress } from '../chain/address.ts';

/** One line of the payout: who, where to, how much, and why (tier, points). */
export interface PayoutRow {
  member: string;
  handle: string;
  /** The member's first EVM wallet by address; empty when the member linked none. */
  address: string;
  tier: string;
  points: number;
  amount: bigint;
}

const keccakHex = (text: string) => Buffer.from(keccak_256(new TextEncoder().encode(text))).toString('hex');

/** Every member who gets an amount, in the order of the report (largest first). */
export function payoutRows(data: RoundData, report: RoundReport): PayoutRow[] {
  const members = new Map(report.members.map((m) => [m.id, m]));
  const wallets = new Map(data.members.map((m) => [m.id, m.wallets.filter((w) => w.chain.startsWith('eip155:')).map((w) => w.address.toLowerCase()).sort()]));
  return report.rewards.amounts.map(({ member, amount }) => {
    const m = members.get(member)!;
    const address = wallets.get(member)?.[0];
    return { member, handle: m.handle, address: address ? checksumAddress(address) : '', tier: m.tier ?? '', points: m.points, amount };
  });
}

/**
 * RFC 4180: a field with a comma, a quote or a line break is quoted, its quotes doubled. A field a spreadsheet would
 * take for a formula (starting with = + - @, a tab or a carriage return: a handle such as `=HYPERLINK(…)`) is
 * neutralised as OWASP advises: prefixed with a single quote, and quoted.
 */
function csvField(value: string): string {
  const formula = /^[=+\-@\t\r]/.test(value);
  return formula || /[",\r\n]/.test(value) ? `"${formula ? "'" : ''}${value.replace(/"/g, '""')}"` : value;
}

/** The payout as CSV: amounts in base units (exact) and in tokens (for reading). */
export function payoutCsv(rows: readonly PayoutRow[], token: RoundReport['token']): string {
  const head = ['member', 'handle', 'address', 'tier', 'points', 'amount_base_units', `amount_${token.symbol}`];
  const lines = rows.map((r) => [r.member, r.handle, r.address, r.tier, String(r.points), r.amount.toString(), formatUnits(r.amount, token.decimals).replace(/,/g, '')]);
  return [head, ...lines].map((cells) => cells.map(csvField).join(',')).join('\r\n') + '\r\n';
}

/** The Safe{Wallet} Transaction Builder batch file (apps/tx-builder typings/models.ts). */
export interface SafeBatch {
  version: '1.0';
  chainId: string;
  createdAt: number;
  meta: { name: string; description: string; txBuilderVersion: string; createdFromSafeAddress: string; createdFromOwnerAddress: string; checksum?: string };
  transactions: {
    to: string;
    value: '0';
    data: null;
    contractMethod: { inputs: { internalType: string; name: string; type: string }[]; name: 'transfer'; payable: false };
    contractInputsValues: { to: string; amount: string };
  }[];
}

/** The tx builder's own serialisation for its checksum: keys sorted, arrays in order, undefined as null. */
function serialize(json: unknown): string {
  if (Array.isArray(json)) return `[${json.map(serialize).join(',')}]`;
  if (typeof json === 'object' && json !== null) {
    const keys = Object.keys(json).sort();
    return `{${JSON.stringify(keys)}${keys.map((k) => `${serialize((json as Record<string, unknown>)[k])},`).join('')}}`;
  }
  return JSON.stringify(json === undefined ? null : json);
}

/** The checksum the tx builder checks on import: keccak256 of the batch serialised with its name left out. */
export function batchChecksum(batch: SafeBatch): string {
  const { checksum: _, ...meta } = batch.meta;
  return `0x${keccakHex(serialize({ ...batch, meta: { ...meta, name: null } }))}`;
}

export class PayoutError extends Error {}

/**
 * One ERC-20 `transfer(to, amount)` per recipient, for a Safe to sign as one batch. Refused, with the reason, when
 * the round names no token contract or chain, or a recipient has no wallet to pay to.
 */
export function safeBatch(rows: readonly PayoutRow[], report: RoundReport, token: { address?: string | undefined; chainId?: number | undefined }, createdAt: Date): SafeBatch {
  if (!token.address || !token.chainId)
    throw new PayoutError(`round ${report.round} names no token contract: set token.address and token.chainId with /round config (e.g. key:token.address value:0x…).`);
  const unpayable = rows.filter((r) => !r.address);
  if (unpayable.length) throw new PayoutError(`no wallet to pay ${unpayable.map((r) => r.handle).join(', ')}: they must link one first.`);
  const batch: SafeBatch = {
    version: '1.0',
    chainId: String(token.chainId),
    createdAt: createdAt.getTime(),
    meta: {
      name: `Rewards of round ${report.round}`,
      description: `${rows.length} transfers of ${report.token.symbol}, ${formatUnits(rows.reduce((s, r) => s + r.amount, 0n), report.token.decimals)} in all (govbot replay of the round file gives the same split).`,
      txBuilderVersion: '1.18.0',
      createdFromSafeAddress: '',
      createdFromOwnerAddress: '',
    },
    transactions: rows.map((r) => ({
      to: checksumAddress(token.address!),
      value: '0',
      data: null,
      contractMethod: {
        inputs: [
          { internalType: 'address', name: 'to', type: 'address' },
          { internalType: 'uint256', name: 'amount', type: 'uint256' },
        ],
        name: 'transfer',
        payable: false,
      },
      contractInputsValues: { to: r.address, amount: r.amount.toString() },
    })),
  };
  return { ...batch, meta: { ...batch.meta, checksum: batchChecksum(batch) } };
}
