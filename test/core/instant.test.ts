import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { instantOf } from '../../src/core/instant.ts';

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

  it('GIVEN digits past the millisecond THEN they are kept to the nanosecond', () => {
    expect(instantOf('2025-01-01T10:00:00.123456789Z')).toEqual({ ms: Date.parse('2025-01-01T10:00:00.123Z'), nanos: 456_789 });
    expect(instantOf('2025-01-01T10:00:00.1234567891234Z').nanos).toBe(456_789);
    expect(instantOf('2024-02-29T23:59:59.0000001-01:30')).toEqual({ ms: Date.parse('2024-03-01T01:29:59Z'), nanos: 100 });
  });
});
