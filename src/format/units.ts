const group = (digits: string) => digits.replace(/\B(?=(\d{3})+(?!\d))/g, ',');

/** 1234500000000000000000n with 18 decimals → "1,234.5"; exact, no float on the way. */
export function formatUnits(amount: bigint, decimals: number, maxFraction = decimals): string {
  const negative = amount < 0n;
  const abs = negative ? -amount : amount;
  const scale = 10n ** BigInt(decimals);
  const whole = group((abs / scale).toString());
  const fraction = decimals > 0 ? (abs % scale).toString().padStart(decimals, '0').slice(0, maxFraction).replace(/0+$/, '') : '';
  return `${negative ? '-' : ''}${whole}${fraction ? `.${fraction}` : ''}`;
}

/** A number for people: thousands grouped, at most `digits` decimals, trailing zeros dropped. */
export function formatNumber(x: number, digits = 2): string {
  const [whole, fraction = ''] = x.toFixed(digits).split('.');
  const trimmed = fraction.replace(/0+$/, '');
  return `${group(whole!)}${trimmed ? `.${trimmed}` : ''}`;
}

/** "1,250.5" whole tokens → base units, exactly; null when it is not such a number or has too many decimals. */
export function parseUnits(value: string, decimals: number): bigint | null {
  const m = /^(\d+)(?:\.(\d+))?$/.exec(value.replace(/[,_]/g, ''));
  if (!m || (m[2]?.length ?? 0) > decimals) return null;
  return BigInt(m[1]!) * 10n ** BigInt(decimals) + BigInt((m[2] ?? '').padEnd(decimals, '0') || '0');
}

/** Significant decimals chat shows of an amount of tokens; the exact base units stay in exports and receipts. */
export const SHOWN_DECIMALS = 4;

/**
 * An amount for chat, in whole tokens: at most 4 decimals (rounded half up), and for an amount below one token its
 * first 4 significant digits, so a non-zero amount never reads as 0. 3049999831111121119341n with 18 decimals →
 * "3,049.9998"; 12345678901234n → "0.00001235".
 */
export function formatTokens(amount: bigint, decimals: number): string {
  const abs = amount < 0n ? -amount : amount;
  const scale = 10n ** BigInt(decimals);
  const leadingZeros = abs > 0n && abs < scale ? decimals - abs.toString().length : 0;
  const kept = Math.min(decimals, leadingZeros + SHOWN_DECIMALS);
  const step = 10n ** BigInt(decimals - kept);
  const rounded = ((abs + step / 2n) / step) * step;
  return formatUnits(amount < 0n ? -rounded : rounded, decimals);
}

/** Whether formatTokens shows the amount exactly. */
export function shownExactly(amount: bigint, decimals: number): boolean {
  const abs = amount < 0n ? -amount : amount;
  return parseUnits(formatTokens(abs, decimals), decimals) === abs;
}

/**
 * An amount a moderator typed: whole tokens by default (`100000`, `1,000.5`, `100000 AGIX`, the round's symbol in any
 * case), or base units with `unit: 'base'` (an integer). A problem says what was read and what to write instead.
 */
export function parseTokenAmount(value: string, token: { symbol: string; decimals: number }, unit: 'token' | 'base' = 'token'): { amount: bigint } | { problem: string } {
  const m = /^\s*([\d,_.]+)\s*([A-Za-z][A-Za-z0-9$]*)?\s*$/.exec(value);
  const symbol = m?.[2];
  if (!m || (symbol !== undefined && symbol.toLowerCase() !== token.symbol.toLowerCase()))
    return { problem: `${JSON.stringify(value)} is not an amount of ${token.symbol}; write tokens such as 100000 or "100000 ${token.symbol}"` };
  if (unit === 'base') {
    const digits = m[1]!.replace(/[,_]/g, '');
    return /^\d+$/.test(digits) ? { amount: BigInt(digits) } : { problem: `${JSON.stringify(value)} is not a whole number of base units (unit:base takes an integer such as 10000000000000)` };
  }
  const amount = parseUnits(m[1]!, token.decimals);
  return amount === null ? { problem: `${JSON.stringify(value)} is not an amount of ${token.symbol} with at most ${token.decimals} decimals` } : { amount };
}
