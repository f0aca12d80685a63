import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { slicesOf } from '../../src/cli/slices.ts';

describe('output slices', () => {
  it('encode to the same UTF-8 as the whole text, each no longer than asked, even where a surrogate pair meets a slice end', () => {
    fc.assert(
      fc.property(fc.string({ unit: fc.oneof(fc.constantFrom('a', 'é', '😀', '\ud800', '\udc00'), fc.string({ unit: 'binary', maxLength: 1 })), maxLength: 40 }), fc.integer({ min: 2, max: 6 }), (text, size) => {
        const slices = [...slicesOf(text, size)];
        expect(Buffer.concat(slices.map((s) => Buffer.from(s))).equals(Buffer.from(text))).toBe(true);
        for (const s of slices) expect(s.length).toBeGreaterThanOrEqual(1);
        for (const s of slices) expect(s.length).toBeLessThanOrEqual(size);
      }),
      { numRuns: 200, seed: 9 },
    );
  });

  it('keeps a surrogate pair whole when the slice would end between its halves', () => {
    expect([...slicesOf('ab😀c', 3)]).toEqual(['ab', '😀c']);
  });
});
