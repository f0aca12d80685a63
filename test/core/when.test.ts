import { describe, expect, it } from 'vitest';
import { isTimeZone, parseWhen } from '../../src/core/when.ts';
import { formatInstant } from '../../src/format/time.ts';

const now = new Date('2025-03-01T10:00:00Z');

describe('what a typed time means', () => {
  it.each([
    // ISO 8601 with an offset: the zone does not matter
    ['2025-03-01T18:00:00Z', 'Europe/Berlin', '2025-03-01T18:00:00.000Z'],
    ['2025-03-01T18:00Z', 'UTC', '2025-03-01T18:00:00.000Z'],
    ['2025-03-01T18:00+02:00', 'America/New_York', '2025-03-01T16:00:00.000Z'],
    ['2025-03-01 18:00:30-0130', 'UTC', '2025-03-01T19:30:30.000Z'],
    ['2025-03-01T18:00:00.250Z', 'UTC', '2025-03-01T18:00:00.250Z'],
    // local times in the round's zone, winter and summer
    ['2025-03-01 18:00', 'Europe/Berlin', '2025-03-01T17:00:00.000Z'],
    ['2025-03-01T18:00', 'Europe/Berlin', '2025-03-01T17:00:00.000Z'],
    ['2025-07-01 18:00', 'Europe/Berlin', '2025-07-01T16:00:00.000Z'],
    ['2025-03-01 18:00', 'UTC', '2025-03-01T18:00:00.000Z'],
    ['2025-03-01 18:00', 'Asia/Kolkata', '2025-03-01T12:30:00.000Z'],
    // the hour repeated in autumn: the first of the two
    ['2025-10-26 02:30', 'Europe/Berlin', '2025-10-26T00:30:00.000Z'],
    ['2025-11-02 01:30', 'America/New_York', '2025-11-02T05:30:00.000Z'],
    // durations from now
    ['30m', 'UTC', '2025-03-01T10:30:00.000Z'],
    ['24h', 'Europe/Berlin', '2025-03-02T10:00:00.000Z'],
    ['7d', 'UTC', '2025-03-08T10:00:00.000Z'],
    ['1d12h', 'UTC', '2025-03-02T22:00:00.000Z'],
    ['2w', 'UTC', '2025-03-15T10:00:00.000Z'],
  ])('GIVEN %s in %s THEN it is %s', (typed, zone, instant) => {
    const when = parseWhen(typed, now, zone);
    expect(when.ok && when.at.toISOString()).toBe(instant);
  });

  it.each([
    ['12', '12 is not a date-time'],
    ['tomorrow', 'tomorrow is not a date-time'],
    ['2025-03-01', '2025-03-01 is not a date-time'],
    ['03/01/2025 18:00', '03/01/2025 18:00 is not a date-time'],
    ['2025-02-30 10:00', '2025-02 has no day 30'],
    ['2025-13-01 10:00', 'there is no month 13'],
    ['2025-03-01 24:00', 'not between 00:00 and 23:59'],
    ['2025-03-01T18:00+15:00', 'beyond ±14:00'],
    ['0m', 'no time from now'],
    ['2025-03-30 02:30', 'does not exist in Europe/Berlin'],
  ])('GIVEN %s THEN it is refused: %s', (typed, error) => {
    const when = parseWhen(typed, now, 'Europe/Berlin');
    expect(when.ok ? when.at.toISOString() : when.error).toContain(error);
  });

  it('GIVEN zone names THEN IANA names are zones and anything else is not', () => {
    expect(['UTC', 'Europe/Berlin', 'America/New_York', 'Asia/Kolkata'].every(isTimeZone)).toBe(true);
    expect(['Mars/Olympus', 'CEST+1', '', 'Europe/Berlin\n'].some(isTimeZone)).toBe(false);
  });

  it('GIVEN an instant THEN it is shown in the zone, the zone named, with the UTC instant', () => {
    expect(formatInstant(new Date('2025-03-01T17:00:00Z'), 'Europe/Berlin')).toBe('2025-03-01 18:00 Europe/Berlin (2025-03-01T17:00:00Z)');
    expect(formatInstant(new Date('2025-07-01T16:00:30Z'), 'Europe/Berlin')).toBe('2025-07-01 18:00:30 Europe/Berlin (2025-07-01T16:00:30Z)');
  });
});
