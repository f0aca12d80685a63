import { fieldsIn } from '../core/when.ts';

const two = (n: number) => String(n).padStart(2, '0');

/**
 * An instant for chat, in the round's zone with the zone named and the exact UTC instant after it:
 * `2025-03-01 18:00 Europe/Berlin (2025-03-01T17:00:00Z)`. Adapters that can show a time in each reader's own zone
 * (Discord's `<t:…>`) find the UTC instant in the parentheses.
 */
export function formatInstant(at: Date, zone: string): string {
  const f = fieldsIn(at, zone);
  const seconds = f.second ? `:${two(f.second)}` : '';
  const utc = at.toISOString().replace(/\.000Z$/, 'Z');
  return `${f.year}-${two(f.month)}-${two(f.day)} ${two(f.hour)}:${two(f.minute)}${seconds} ${zone} (${utc})`;
}
