import { isUtf8 } from 'node:buffer';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { checkDepth, firstInvalidUtf8, MAX_DEPTH, positionIn } from '../../src/roundfile/bytes.ts';
import { parseRoundFileBytes, RoundFileError } from '../../src/roundfile/schema.ts';

const problemsOf = (bytes: Uint8Array): string[] => {
  try {
    parseRoundFileBytes(bytes);
  } catch (e) {
    if (e instanceof RoundFileError) return e.problems;
    throw e;
  }
  throw new Error('the file was accepted');
};

describe('round-file bytes', () => {
  it('GIVEN any bytes THEN the first invalid UTF-8 byte is found exactly where a strict decoder stops', () => {
    // bytes near the edges of the UTF-8 ranges: overlong forms, surrogates, past U+10FFFF, cut sequences
    const byte = fc.oneof(fc.integer({ min: 0, max: 255 }), fc.constantFrom(0x7f, 0x80, 0xbf, 0xc0, 0xc1, 0xc2, 0xdf, 0xe0, 0xed, 0xef, 0xf0, 0xf4, 0xf5, 0x9f, 0xa0, 0x8f, 0x90));
    fc.assert(
      fc.property(fc.array(byte, { maxLength: 12 }), (list) => {
        const bytes = Uint8Array.from(list);
        const at = firstInvalidUtf8(bytes);
        expect(at === -1).toBe(isUtf8(bytes));
        if (at < 0) return;
        // everything before it is good, and no whole character starts there
        expect(isUtf8(bytes.subarray(0, at))).toBe(true);
        for (let length = 1; length <= 4; length++) expect(isUtf8(bytes.subarray(at, at + length))).toBe(false);
      }),
      { numRuns: 5000 },
    );
  });

  it('GIVEN a position THEN it is named by byte, line and column, a character counting once however many bytes it takes', () => {
    const bytes = Buffer.from('{\n  "é": [\n    1,€x');
    expect(positionIn(bytes, bytes.indexOf('x'))).toBe(`byte ${bytes.indexOf('x')} (line 3, column 8)`);
  });

  it('GIVEN a handle with a byte that is not UTF-8 THEN the file is refused at that byte, not read as U+FFFD', () => {
    const head = Buffer.from('{"version":1,"round":{"id":"r1","name":"R"},\n"members":[{"id":"m1","handle":"Jos');
    const bytes = Buffer.concat([head, Buffer.from([0xe9]), Buffer.from('"}]}')]);
    expect(problemsOf(bytes)).toEqual([`(the file): not valid UTF-8 at byte ${head.length} (line 2, column ${head.length - head.indexOf('\n')})`]);
  });

  it('GIVEN nesting 20,000 deep where a date or an amount goes THEN the file is refused where it goes too deep', () => {
    const deep = '['.repeat(20_000) + ']'.repeat(20_000);
    const head = '{"version":1,"round":{"id":"r1","name":"R"},"members":[],"proposals":[{"id":"p","author":"m","title":"t","createdAt":';
    expect(problemsOf(Buffer.from(`${head}${deep}}]}`))).toEqual([`(the file): nested more than ${MAX_DEPTH} deep at byte ${head.length + MAX_DEPTH - 3} (line 1, column ${head.length + MAX_DEPTH - 2})`]);
    // the brackets inside a string are text
    expect(checkDepth(Buffer.from(JSON.stringify({ a: deep })))).toBeUndefined();
  });

  it('GIVEN a file cut short THEN the problem says where it ends', () => {
    const bytes = Buffer.from('{"version":1,\n"round":{"id":"r1","name":"R"},"members":[');
    expect(problemsOf(bytes)).toEqual([`(the file): not valid JSON: the file ends early, at byte ${bytes.length} (line 2, column ${bytes.length - 13})`]);
    expect(problemsOf(Buffer.from('{"version":1,"round":{"id":"r1","name":"R'))).toEqual(['(the file): not valid JSON at byte 41 (line 1, column 42): Unterminated string']);
  });
});
