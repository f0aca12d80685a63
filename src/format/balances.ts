import { EVM_ADDRESS_PATTERN } from '../core/config.ts';
import { addressProblem } from '../chain/address.ts';
import { clip } from './cut.ts';
import { parseUnits } from './units.ts';

export interface BalanceLine {
  /** 1-based, as an editor shows it. */
  line: number;
  address: string;
  balance: bigint;
}

export interface BalancesCsv {
  rows: BalanceLine[];
  /** Every line that is not an address and a balance, named by its number; any one refuses the whole import. */
  problems: string[];
  /** The line of the header row, if the file has one. */
  header: number | null;
  blank: number;
}

const SEPARATOR = /[,;\t]/;
/** A header row: two words, such as address,balance. */
const HEADER = /^[a-z_ ]+$/i;

/**
 * Reads `/round balances` CSV text: one `address,balance` per line (`,` `;` or a tab between exactly two fields),
 * balances in base units or in tokens with a decimal point. Nothing is dropped silently: a line with more fields
 * (`a,1;b,2`), a bad address or amount, or an address given twice is a problem naming its line.
 */
/** How a CSV line names a wallet: the key it is stored under, or why the text names none. */
export type AddressReader = (address: string) => { key: string } | { problem: string };

/** Ethereum addresses, in any case; a mixed case must be a right EIP-55 checksum. */
const evmAddressOf: AddressReader = (address) => {
  if (!EVM_ADDRESS_PATTERN.test(address)) return { problem: `${JSON.stringify(clip(address, 60, { ellipsis: '…' }))} is not an address (0x and 40 hex digits)` };
  const problem = addressProblem(address);
  return problem ? { problem } : { key: address.toLowerCase() };
};

export function parseBalancesCsv(text: string, decimals: number, addressOf: AddressReader = evmAddressOf): BalancesCsv {
  const rows: BalanceLine[] = [];
  const problems: string[] = [];
  const lineOf = new Map<string, number>();
  let header: number | null = null;
  let blank = 0;
  let seenData = false;
  // A final line break ends the last line; it does not start a blank one.
  for (const [i, raw] of text.replace(/(\r\n|\r|\n)$/, '').split(/\r\n|\r|\n/).entries()) {
    const line = i + 1;
    const content = raw.trim();
    if (content === '') {
      blank++;
      continue;
    }
    const fields = content.split(SEPARATOR).map((f) => f.trim());
    const shown = JSON.stringify(clip(content, 120, { ellipsis: '…' }));
    if (!seenData && header === null && fields.length === 2 && fields.every((f) => HEADER.test(f))) {
      header = line;
      continue;
    }
    seenData = true;
    if (fields.length !== 2) {
      problems.push(`line ${line}: ${shown} has ${fields.length} fields; write one address,balance per line`);
      continue;
    }
    const [address, amount] = fields as [string, string];
    const balance = amount.includes('.') ? parseUnits(amount, decimals) : /^\d+$/.test(amount) ? BigInt(amount) : null;
    const wallet = addressOf(address);
    if ('problem' in wallet) problems.push(`line ${line}: ${wallet.problem}`);
    else if (balance === null)
      problems.push(`line ${line}: ${JSON.stringify(clip(amount, 60, { ellipsis: '…' }))} is not a balance (base units such as 1250000000, or tokens with at most ${decimals} decimals such as 12.5)`);
    else {
      const { key } = wallet;
      const first = lineOf.get(key);
      if (first !== undefined) problems.push(`line ${line}: ${key} is already on line ${first}`);
      else {
        lineOf.set(key, line);
        rows.push({ line, address: key, balance });
      }
    }
  }
  return { rows, problems, header, blank };
}
