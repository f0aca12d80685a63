/**
 * `text` in pieces of at most `size` UTF-16 units, none ending between the two halves of a surrogate pair, so that the
 * pieces' UTF-8 put together is the whole text's UTF-8. `size` is at least 2, which holds a pair.
 */
export function* slicesOf(text: string, size: number): Generator<string> {
  if (size < 2) throw new RangeError(`a slice of ${size} UTF-16 units cannot hold a surrogate pair`);
  for (let start = 0; start < text.length; ) {
    let end = Math.min(start + size, text.length);
    if (end < text.length && isHighSurrogate(text.charCodeAt(end - 1))) end--;
    yield text.slice(start, end);
    start = end;
  }
}

const isHighSurrogate = (unit: number): boolean => (unit & 0xfc00) === 0xd800;
