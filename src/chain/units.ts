/** Refused: an amount with more decimals than the target unit would lose its last digits. */
export class LossyConversionError extends Error {}

/**
 * An amount in base units of a token with `from` decimals, in base units of the same token with `to` decimals:
 * `amount × 10^(to − from)`, exact; refused when `to < from` and the digits dropped are not all zero.
 */
export function convertUnits(amount: bigint, from: number, to: number): bigint {
  if (to >= from) return amount * 10n ** BigInt(to - from);
  const scale = 10n ** BigInt(from - to);
  if (amount % scale !== 0n) throw new LossyConversionError(`${amount} base units with ${from} decimals cannot be written with ${to} decimals without losing its last ${from - to} digits`);
  return amount / scale;
}
