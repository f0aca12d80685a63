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
