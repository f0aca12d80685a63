/**
 * A validated ISO 8601 date-time (`2024-01-01T10:00:00.5+02:00`) as milliseconds since the epoch and the
 * nanoseconds beyond them, so two votes compare by time to the nanosecond whatever offset or precision each was
 * written in. Written out by hand rather than with Date.parse, which a million votes would feel.
 */
export function instantOf(text: string): { ms: number; nanos: number } {
  const digits = (from: number, count: number) => {
    let n = 0;
    for (let i = from; i < from + count; i++) n = n * 10 + text.charCodeAt(i) - 48;
    return n;
  };
  const days = daysFromCivil(digits(0, 4), digits(5, 2), digits(8, 2));
  let ms = ((days * 24 + digits(11, 2)) * 60 + digits(14, 2)) * 60_000 + digits(17, 2) * 1000;
  let nanos = 0;
  let at = 19;
  if (text.charCodeAt(at) === 46 /* . */) {
    let place = 0;
    for (at++; text.charCodeAt(at) >= 48 && text.charCodeAt(at) <= 57; at++, place++) {
      const d = text.charCodeAt(at) - 48;
      // digits past the nanosecond are below what any chat or chain records
      if (place < 3) ms += d * 10 ** (2 - place);
      else if (place < 9) nanos += d * 10 ** (8 - place);
    }
  }
  const sign = text.charCodeAt(at);
  if (sign !== 90 /* Z */) ms -= (sign === 45 /* - */ ? -1 : 1) * (digits(at + 1, 2) * 60 + digits(at + 4, 2)) * 60_000;
  return { ms, nanos };
}

// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's days_from_civil), for years 0000–9999.
function daysFromCivil(year: number, month: number, day: number): number {
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yearOfEra = y - era * 400;
  const dayOfYear = Math.floor((153 * (month + (month > 2 ? -3 : 9)) + 2) / 5) + day - 1;
  const dayOfEra = yearOfEra * 365 + Math.floor(yearOfEra / 4) - Math.floor(yearOfEra / 100) + dayOfYear;
  return era * 146_097 + dayOfEra - 719_468;
}
