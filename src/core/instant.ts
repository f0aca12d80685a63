/** A point in time: milliseconds since the epoch and the nanoseconds past them. */
export interface Instant {
  ms: number;
  nanos: number;
}

/**
 * An ISO 8601 date-time (`2024-01-01T10:00:00.5+02:00`) as an instant, so two votes compare by time to the
 * nanosecond whatever offset or precision each was written in. It accepts exactly what the round-file schema
 * accepts (a property test pins it against zod's pattern); the caller gets false for anything else.
 *
 * It reads bytes, in place, and fills `out` rather than returning an object: a round file's million votes are read
 * straight from the file this way, with no string made for any of them.
 */
export function readInstant(bytes: Uint8Array, start: number, end: number, out: Instant): boolean {
  // The shortest is 2024-01-01T10:00:00Z; the fixed places are all within it.
  if (end - start < 20) return false;
  const year = digitsAt(bytes, start, 4);
  const month = digitsAt(bytes, start + 5, 2);
  const day = digitsAt(bytes, start + 8, 2);
  const hour = digitsAt(bytes, start + 11, 2);
  const minute = digitsAt(bytes, start + 14, 2);
  const second = digitsAt(bytes, start + 17, 2);
  if (bytes[start + 4] !== DASH || bytes[start + 7] !== DASH || bytes[start + 10] !== T || bytes[start + 13] !== COLON || bytes[start + 16] !== COLON)
    return false;
  if (year < 0 || month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) return false;
  if (hour < 0 || hour > 23 || minute < 0 || minute > 59 || second < 0 || second > 59) return false;

  let ms = ((daysFromCivil(year, month, day) * 24 + hour) * 60 + minute) * 60_000 + second * 1000;
  let nanos = 0;
  let i = start + 19;
  if (bytes[i] === DOT) {
    const first = ++i;
    for (; i < end && bytes[i]! >= ZERO && bytes[i]! <= NINE; i++) {
      const place = i - first;
      // digits past the nanosecond are below what any chat or chain records
      if (place < 3) ms += (bytes[i]! - ZERO) * 10 ** (2 - place);
      else if (place < 9) nanos += (bytes[i]! - ZERO) * 10 ** (8 - place);
    }
    if (i === first) return false;
  }
  const sign = bytes[i];
  if (sign === Z) i++;
  else if ((sign === PLUS || sign === DASH) && end - i >= 6) {
    const offsetHours = digitsAt(bytes, i + 1, 2);
    const offsetMinutes = digitsAt(bytes, i + 4, 2);
    if (bytes[i + 3] !== COLON || offsetHours < 0 || offsetHours > 23 || offsetMinutes < 0 || offsetMinutes > 59) return false;
    ms -= (sign === DASH ? -1 : 1) * (offsetHours * 60 + offsetMinutes) * 60_000;
    i += 6;
  } else return false;
  if (i !== end) return false;
  out.ms = ms;
  out.nanos = nanos;
  return true;
}

/** The number written by `count` digits at `from`, or -1 if any is not a digit. */
function digitsAt(bytes: Uint8Array, from: number, count: number): number {
  let n = 0;
  for (let i = from; i < from + count; i++) {
    const d = bytes[i]! - ZERO;
    if (!(d >= 0 && d <= 9)) return -1;
    n = n * 10 + d;
  }
  return n;
}

/** The instant of a date-time already validated as ISO 8601; anything else is a bug. */
export function instantOf(text: string): Instant {
  const out = { ms: 0, nanos: 0 };
  if (!readInstant(Buffer.from(text, 'latin1'), 0, text.length, out)) throw new Error(`${JSON.stringify(text)} is not an ISO 8601 date-time`);
  return out;
}

const [DASH, COLON, DOT, PLUS, T, Z, ZERO, NINE] = [...'-:.+TZ09'].map((c) => c.charCodeAt(0)) as [number, number, number, number, number, number, number, number];

const isLeap = (year: number) => (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
const daysInMonth = (year: number, month: number) => (month === 2 ? (isLeap(year) ? 29 : 28) : month === 4 || month === 6 || month === 9 || month === 11 ? 30 : 31);

// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's days_from_civil), for years 0000–9999.
function daysFromCivil(year: number, month: number, day: number): number {
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yearOfEra = y - era * 400;
  const dayOfYear = Math.floor((153 * (month + (month > 2 ? -3 : 9)) + 2) / 5) + day - 1;
  const dayOfEra = yearOfEra * 365 + Math.floor(yearOfEra / 4) - Math.floor(yearOfEra / 100) + dayOfYear;
  return era * 146_097 + dayOfEra - 719_468;
}
