import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { instantOf, readInstant } from '../../src/core/instant.ts';
import { ISO_PATTERN } from '../../src/roundfile/schema.ts';

const two = (n: number) => String(n).padStart(2, '0');

describe('instants of ISO 8601 date-times', () => {
  it('PROPERTY milliseconds agree with Date.parse for every year, offset and precision up to the millisecond', () => {
    fc.assert(
      fc.property(
        fc.date({ min: new Date('0000-01-01T00:00:00Z'), max: new Date('9999-12-31T23:59:59.999Z'), noInvalidDate: true }),
        fc.constantFrom('', '.5', '.25', '.125'),
        fc.option(fc.record({ sign: fc.constantFrom('+', '-'), h: fc.integer({ min: 0, max: 23 }), m: fc.integer({ min: 0, max: 59 }) })),
        (date, fraction, offset) => {
          const text = `${date.toISOString().slice(0, 19)}${fraction}${offset ? `${offset.sign}${two(offset.h)}:${two(offset.m)}` : 'Z'}`;
          expect(instantOf(text).ms).toBe(Date.parse(text));
        },
      ),
    );
  });

  it('PROPERTY the bytes are read as a date-time exactly when the schema\'s pattern accepts the text', () => {
    const num = (max: number, width: number) => fc.integer({ min: 0, max }).map((n) => String(n).padStart(width, '0'));
    const nearlyValid = fc
      .tuple(
        num(9999, 4),
        num(13, 2),
        num(32, 2),
        num(25, 2),
        num(61, 2),
        num(61, 2),
        fc.constantFrom('', '.', '.5', '.123', '.123456789', '.1234567890123'),
        fc.oneof(fc.constantFrom('Z', 'z', '', '+01', '+0100', '-24:00', '+23:59'), fc.tuple(fc.constantFrom('+', '-'), num(25, 2), num(61, 2)).map(([s, h, m]) => `${s}${h}:${m}`)),
        fc.constantFrom('T', 't', ' '),
        fc.option(fc.tuple(fc.nat(30), fc.constantFrom('', 'x', '0', ':', '-')), { nil: undefined }),
      )
      .map(([y, mo, d, h, mi, s, fraction, zone, t, edit]) => {
        const text = `${y}-${mo}-${d}${t}${h}:${mi}:${s}${fraction}${zone}`;
        return edit ? text.slice(0, edit[0]) + edit[1] + text.slice(edit[0] + 1) : text;
      });
    fc.assert(
      fc.property(nearlyValid, (text) => {
        const out = { ms: 0, nanos: 0 };
        const read = readInstant(Buffer.from(`"${text}"`, 'latin1'), 1, text.length + 1, out);
        expect(read).toBe(ISO_PATTERN.test(text));
        if (read && !/\.\d{4}/.test(text)) expect(out.ms).toBe(Date.parse(text));
      }),
      { numRuns: 3000 },
    );
  });

  it('GIVEN 29 February THEN only Gregorian leap years have it, as in the pattern', () => {
    const read = (text: string) => readInstant(Buffer.from(text), 0, text.length, { ms: 0, nanos: 0 });
    for (const year of ['2024', '2000', '0000', '1600']) expect(read(`${year}-02-29T00:00:00Z`), year).toBe(true);
    for (const year of ['2023', '1900', '2100', '0100']) expect(read(`${year}-02-29T00:00:00Z`), year).toBe(false);
    for (const year of ['2024', '1900', '2023', '0000', '0100']) expect(read(`${year}-02-29T00:00:00Z`)).toBe(ISO_PATTERN.test(`${year}-02-29T00:00:00Z`));
  });

  it('GIVEN digits past the millisecond THEN they are kept to the nanosecond', () => {
    expect(instantOf('2025-01-01T10:00:00.123456789Z')).toEqual({ ms: Date.parse('2025-01-01T10:00:00.123Z'), nanos: 456_789 });
    expect(instantOf('2025-01-01T10:00:00.1234567891234Z').nanos).toBe(456_789);
    expect(instantOf('2024-02-29T23:59:59.0000001-01:30')).toEqual({ ms: Date.parse('2024-03-01T01:29:59Z'), nanos: 100 });
  });
});
