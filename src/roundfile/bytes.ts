import { isUtf8 } from 'node:buffer';

/*
 * What a round file must be before it is parsed: UTF-8 (a decoder would quietly turn a bad byte into U+FFFD, and a
 * handle or a title would then be accepted as something nobody wrote), and nested no deeper than a round file ever is
 * (a file nested 20,000 deep overflows the stack of whatever walks it). Each refusal names where in the file it is.
 */

/** A round file is at most 6 deep (round.config.tiers.levels[i]); far more than that is not a round file. */
export const MAX_DEPTH = 64;

/** `byte 5000 (line 120, column 7)`: a line counts line feeds, a column the characters since the last one. */
export function positionIn(bytes: Uint8Array, offset: number): string {
  let line = 1;
  let column = 1;
  for (let i = 0; i < offset && i < bytes.length; i++) {
    const b = bytes[i]!;
    if (b === 0x0a) {
      line++;
      column = 1;
    } else if ((b & 0xc0) !== 0x80) column++; // a continuation byte is part of the character before it
  }
  return `byte ${offset} (line ${line}, column ${column})`;
}

/** The offset of the first byte that breaks UTF-8 (RFC 3629: no overlong forms, no surrogates, nothing past U+10FFFF). */
export function firstInvalidUtf8(bytes: Uint8Array): number {
  for (let i = 0; i < bytes.length; ) {
    const b = bytes[i]!;
    if (b < 0x80) {
      i++;
      continue;
    }
    // the length of the sequence, and the range its second byte must fall in
    const [length, low, high] =
      b >= 0xc2 && b <= 0xdf ? [2, 0x80, 0xbf]
      : b === 0xe0 ? [3, 0xa0, 0xbf]
      : b === 0xed ? [3, 0x80, 0x9f]
      : b >= 0xe1 && b <= 0xef ? [3, 0x80, 0xbf]
      : b === 0xf0 ? [4, 0x90, 0xbf]
      : b === 0xf4 ? [4, 0x80, 0x8f]
      : b >= 0xf1 && b <= 0xf3 ? [4, 0x80, 0xbf]
      : [0, 0, 0];
    if (length === 0) return i;
    for (let k = 1; k < length; k++) {
      const c = bytes[i + k];
      if (c === undefined || c < (k === 1 ? low : 0x80) || c > (k === 1 ? high : 0xbf)) return i;
    }
    i += length;
  }
  return -1;
}

/** Refuses bytes that are not UTF-8, naming the first bad one; `isUtf8` vouches for 110 MiB in a few milliseconds. */
export function checkUtf8(bytes: Uint8Array): string | undefined {
  if (isUtf8(bytes)) return undefined;
  return `not valid UTF-8 at ${positionIn(bytes, firstInvalidUtf8(bytes))}`;
}

/** Refuses JSON nested deeper than MAX_DEPTH, naming where it goes too deep; strings are stepped over. */
export function checkDepth(bytes: Uint8Array): string | undefined {
  let depth = 0;
  for (let i = 0; i < bytes.length; i++) {
    const b = bytes[i]!;
    if (b === 0x22) {
      for (i++; i < bytes.length && bytes[i] !== 0x22; i++) if (bytes[i] === 0x5c) i++;
    } else if (b === 0x5b || b === 0x7b) {
      if (++depth > MAX_DEPTH) return `nested more than ${MAX_DEPTH} deep at ${positionIn(bytes, i)}`;
    } else if (b === 0x5d || b === 0x7d) depth--;
  }
  return undefined;
}

/**
 * A JSON.parse error, said with where it happened: V8's "… in JSON at position N" counts UTF-16 code units of the
 * text, "Unexpected end of JSON input" is the end of the file.
 */
export function syntaxError(bytes: Uint8Array, text: string, error: SyntaxError): string {
  const at = /^(.*?)(?: in JSON)? at position (\d+)/.exec(error.message);
  if (at) return `not valid JSON at ${positionIn(bytes, Buffer.byteLength(text.slice(0, Number(at[2]))))}: ${at[1]}`;
  if (/end of JSON input/.test(error.message)) return `not valid JSON: the file ends early, at ${positionIn(bytes, bytes.length)}`;
  return `not valid JSON: ${error.message}`;
}
