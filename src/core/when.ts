/** True for an IANA time zone name the runtime knows (`Europe/Berlin`, `UTC`). */
export function isTimeZone(name: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: name });
    return true;
  } catch {
    return false;
  }
}

export type When = { ok: true; at: Date; from: 'offset' | 'local' | 'duration' } | { ok: false; error: string };

interface Fields {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
}

const formatters = new Map<string, Intl.DateTimeFormat>();
/** The wall-clock fields of an instant in a zone. */
export function fieldsIn(at: Date, zone: string): Fields {
  let format = formatters.get(zone);
  if (!format) {
    format = new Intl.DateTimeFormat('en-US', { timeZone: zone, hourCycle: 'h23', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit' });
    formatters.set(zone, format);
  }
  const part = Object.fromEntries(format.formatToParts(at).map((p) => [p.type, p.value]));
  return { year: Number(part['year']), month: Number(part['month']), day: Number(part['day']), hour: Number(part['hour']), minute: Number(part['minute']), second: Number(part['second']) };
}

const wallMs = (f: Fields) => Date.UTC(f.year, f.month - 1, f.day, f.hour, f.minute, f.second);
/** How far the zone's clock is ahead of UTC at an instant, in ms. */
const offsetAt = (ms: number, zone: string) => wallMs(fieldsIn(new Date(ms), zone)) - Math.floor(ms / 1000) * 1000;

/**
 * The instant a wall-clock time has in a zone; null when the clocks skip it (the hour lost to summer time). Of the
 * two instants of an hour repeated in autumn, the earlier.
 */
function instantIn(wall: Fields, zone: string): Date | null {
  const guess = wallMs(wall);
  // Try the offsets around the guess; the first that reads back as the same wall time is the answer.
  const candidates = [...new Set([offsetAt(guess - 864e5, zone), offsetAt(guess, zone), offsetAt(guess + 864e5, zone)])].map((o) => guess - o).sort((a, b) => a - b);
  const at = candidates.find((ms) => wallMs(fieldsIn(new Date(ms), zone)) === guess);
  return at === undefined ? null : new Date(at);
}

const DATE_TIME = /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,3}))?)?(Z|[+-]\d{2}:?\d{2})?$/i;
const DURATION = /^(?:\d+[wdhm])+$/i;
const UNIT_MS: Record<string, number> = { w: 7 * 864e5, d: 864e5, h: 36e5, m: 6e4 };

/** Null when the fields name a real calendar date and clock time, else what is wrong. */
function fieldProblem(f: Fields): string | null {
  if (f.month < 1 || f.month > 12) return `there is no month ${f.month}`;
  const days = new Date(Date.UTC(f.year, f.month, 0)).getUTCDate();
  if (f.day < 1 || f.day > days) return `${f.year}-${String(f.month).padStart(2, '0')} has no day ${f.day}`;
  if (f.hour > 23 || f.minute > 59 || f.second > 59) return 'the time of day is not between 00:00 and 23:59';
  return null;
}

/**
 * What a member means by a time they type (DESIGN.md: dates cannot surprise): an ISO 8601 date-time with an offset
 * (`2025-03-01T18:00Z`, `+02:00`), a local date-time read in the round's zone (`2025-03-01 18:00`), or a duration
 * from now (`30m`, `24h`, `7d`, `1d12h`, `2w`). Anything else is refused, never guessed.
 */
export function parseWhen(input: string, now: Date, zone: string): When {
  const value = input.trim();
  if (DURATION.test(value)) {
    let ms = 0;
    for (const [, amount, unit] of value.matchAll(/(\d+)([wdhm])/gi)) ms += Number(amount) * UNIT_MS[unit!.toLowerCase()]!;
    if (ms === 0) return { ok: false, error: `${value} is no time from now; write a duration such as 24h` };
    if (ms > 10 * 365 * 864e5) return { ok: false, error: `${value} is more than ten years from now` };
    return { ok: true, at: new Date(now.getTime() + ms), from: 'duration' };
  }
  const m = DATE_TIME.exec(value);
  if (!m) return { ok: false, error: `${value} is not a date-time` };
  const fields = { year: Number(m[1]), month: Number(m[2]), day: Number(m[3]), hour: Number(m[4]), minute: Number(m[5]), second: Number(m[6] ?? 0) };
  const problem = fieldProblem(fields);
  if (problem) return { ok: false, error: `${value} is not a date-time: ${problem}` };
  const millis = Number((m[7] ?? '').padEnd(3, '0'));
  const offset = m[8];
  if (offset) {
    const minutes = offset.toUpperCase() === 'Z' ? 0 : (offset[0] === '-' ? -1 : 1) * (Number(offset.slice(1, 3)) * 60 + Number(offset.slice(-2)));
    if (Math.abs(minutes) > 14 * 60) return { ok: false, error: `${value}: the offset ${offset} is beyond ±14:00` };
    return { ok: true, at: new Date(wallMs(fields) + millis - minutes * 6e4), from: 'offset' };
  }
  const at = instantIn(fields, zone);
  if (!at) return { ok: false, error: `${value} does not exist in ${zone} (the clocks skip it when summer time starts)` };
  return { ok: true, at: new Date(at.getTime() + millis), from: 'local' };
}
