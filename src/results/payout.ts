import { keccak_256 } from '@noble/hashes/sha3.js';
import type { RoundReport } from '../core/report.ts';
import type { RoundData } from '../core/types.ts';
import { formatUnits } from '../format/units.ts';
import { checksumAddress } from '../chain/address.ts';
import { convertUnits, LossyConversionError } from '../chain/units.ts';

const keccakHex = (text: string) => Buffer.from(keccak_256(new TextEncoder().encode(text))).toString('hex');

type Token = RoundData['round']['config']['token'];

/** Where a member chose to be paid (/wallets payout:…): a CAIP-2 chain and the address the transfer goes to. */
export interface PayoutChoice {
  chain: string;
  address: string;
}

/** One line of the payout: who, where to (chain and address), how much, and why (tier, points). */
export interface PayoutRow {
  member: string;
  handle: string;
  /** The CAIP-2 chain the member is paid on; empty, like the address, when they have no wallet the round can pay. */
  chain: string;
  address: string;
  tier: string;
  points: number;
  amount: bigint;
  /** Why the member cannot be paid, when chain is empty. */
  unpaid?: string;
}

/** Where a chain comes among those the round's token is paid on (-1: not one): its ERC-20's chain first (any EVM chain while it names none), then its Cardano asset's. */
function chainRank(token: Token): (chain: string) => number {
  return (chain) => {
    if (chain.startsWith('eip155:') && (token.chainId === undefined || chain === `eip155:${token.chainId}`)) return 0;
    if (chain === token.cardano?.chain) return 1;
    return -1;
  };
}

/** Nobody can send to a Cardano stake address (stake1…): a wallet linked by it is paid at an address the member names. */
const canReceive = (address: string) => !address.startsWith('stake');
const cmp = (a: bigint, b: bigint) => (a < b ? -1 : a > b ? 1 : 0);
/** Ethereum addresses with their EIP-55 checksum, which wallets check before sending. */
const shownAddress = (w: { chain: string; address: string }) => (w.chain.startsWith('eip155:') ? checksumAddress(w.address) : w.address);

/**
 * Where a member is paid: the wallet they chose when its chain is one the token is paid on; else where most of their
 * tokens are (the chain holding most of them, then its largest wallet, ties by home chain and address), among the
 * wallets that can receive; or why there is none.
 */
export function payoutTarget(member: Pick<RoundData['members'][number], 'wallets'>, token: Token, choice: PayoutChoice | undefined): PayoutChoice | { unpaid: string } {
  const rank = chainRank(token);
  if (choice && rank(choice.chain) >= 0) return { chain: choice.chain, address: shownAddress(choice) };
  const payable = member.wallets.filter((w) => rank(w.chain) >= 0);
  const onChain = new Map<string, bigint>();
  for (const w of payable) onChain.set(w.chain, (onChain.get(w.chain) ?? 0n) + w.balance);
  const [best] = payable
    .filter((w) => canReceive(w.address))
    .sort((a, b) => cmp(onChain.get(b.chain)!, onChain.get(a.chain)!) || rank(a.chain) - rank(b.chain) || cmp(b.balance, a.balance) || (a.address < b.address ? -1 : 1));
  if (best) return { chain: best.chain, address: shownAddress(best) };
  if (payable.length) return { unpaid: `linked only by stake address (${payable[0]!.address}): choose an address to receive at with /wallets payout:addr1…` };
  if (member.wallets.length) return { unpaid: `no wallet on a chain the round pays (${[...new Set(member.wallets.map((w) => w.chain))].join(', ')})` };
  return { unpaid: 'no wallet linked (/verify links one)' };
}

/** Every member who gets an amount, in the order of the report (largest first), with where they are paid. */
export function payoutRows(data: RoundData, report: RoundReport, choices: ReadonlyMap<string, PayoutChoice> = new Map()): PayoutRow[] {
  const members = new Map(report.members.map((m) => [m.id, m]));
  const byId = new Map(data.members.map((m) => [m.id, m]));
  return report.rewards.amounts.map(({ member, amount }) => {
    const m = members.get(member)!;
    const target = payoutTarget(byId.get(member)!, data.round.config.token, choices.get(member));
    const where = 'unpaid' in target ? { chain: '', address: '', unpaid: target.unpaid } : target;
    return { member, handle: m.handle, ...where, tier: m.tier ?? '', points: m.points, amount };
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

/**
 * The payout as CSV: amounts in the round token's base units (exact) and in tokens (for reading), the chain paid on,
 * and for a member who cannot be paid, why.
 */
export function payoutCsv(rows: readonly PayoutRow[], token: RoundReport['token']): string {
  const head = ['member', 'handle', 'address', 'tier', 'points', 'amount_base_units', `amount_${token.symbol}`, 'chain', 'unpaid'];
  const lines = rows.map((r) => [r.member, r.handle, r.address, r.tier, String(r.points), r.amount.toString(), formatUnits(r.amount, token.decimals).replace(/,/g, ''), r.chain, r.unpaid ?? '']);
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
 * One ERC-20 `transfer(to, amount)` per recipient paid on the token's chain, for a Safe to sign as one batch; the
 * others are in the Cardano file or listed as unpaid. Refused, with the reason, when the round names no token
 * contract or chain, or nobody is paid there.
 */
export function safeBatch(rows: readonly PayoutRow[], report: Pick<RoundReport, 'round' | 'token'>, token: { address?: string | undefined; chainId?: number | undefined }, createdAt: Date): SafeBatch {
  if (!token.address || !token.chainId)
    throw new PayoutError(`round ${report.round} names no token contract: set token.address and token.chainId with /round config (e.g. key:token.address value:0x…).`);
  const paid = rows.filter((r) => r.chain === `eip155:${token.chainId}`);
  if (paid.length === 0) throw new PayoutError(`nobody is paid on chain ${token.chainId}.`);
  const batch: SafeBatch = {
    version: '1.0',
    chainId: String(token.chainId),
    createdAt: createdAt.getTime(),
    meta: {
      name: `Rewards of round ${report.round}`,
      description: `${paid.length} transfers of ${report.token.symbol}, ${formatUnits(paid.reduce((s, r) => s + r.amount, 0n), report.token.decimals)} in all (govbot replay of the round file gives the same split).`,
      txBuilderVersion: '1.18.0',
      createdFromSafeAddress: '',
      createdFromOwnerAddress: '',
    },
    transactions: paid.map((r) => ({
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

/** ADA each Cardano output carries beside the asset, which the recipient keeps: the ledger's minimum for an output holding one asset is about 1.2–1.3 ADA. */
export const LOVELACE_PER_OUTPUT = 1_500_000n;

/**
 * The Cardano payout: one `--tx-out` argument per recipient paid on the Cardano chain, as `cardano-cli conway
 * transaction build` takes them (`xargs -a FILE cardano-cli conway transaction build --tx-in … --change-address …`):
 * the address, LOVELACE_PER_OUTPUT lovelace and the amount in the asset's own base units, converted exactly from the
 * round token's. Refused when the round has no Cardano asset, nobody is paid on Cardano, or an amount would lose digits.
 */
export function cardanoTxOuts(rows: readonly PayoutRow[], token: Token): string {
  const asset = token.cardano;
  if (!asset) throw new PayoutError('the round has no Cardano asset (/round token chain:cardano policy:… asset:… decimals:…).');
  const paid = rows.filter((r) => r.chain === asset.chain);
  if (paid.length === 0) throw new PayoutError(`nobody is paid on ${asset.chain}.`);
  const lossy: string[] = [];
  const lines = paid.map((r) => {
    try {
      return `--tx-out "${r.address} + ${LOVELACE_PER_OUTPUT} lovelace + ${convertUnits(r.amount, token.decimals, asset.decimals)} ${asset.policyId}.${asset.assetName}"`;
    } catch (error) {
      if (!(error instanceof LossyConversionError)) throw error;
      lossy.push(`${r.handle} (${r.amount})`);
      return '';
    }
  });
  if (lossy.length)
    throw new PayoutError(`the Cardano asset has ${asset.decimals} decimals and the round's token ${token.decimals}: ${lossy.join(', ')} cannot be paid on Cardano without losing digits: pay them on Ethereum (/wallets payout:0x…).`);
  return `${lines.join('\n')}\n`;
}
