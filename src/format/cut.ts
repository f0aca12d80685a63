/**
 * How a platform counts a limit: UTF-16 code units (what Telegram and Discord count as "characters") or UTF-8 bytes
 * (Telegram's callback data).
 */
export type Measure = 'chars' | 'bytes';

/** Made on first use: building it takes 12-22 ms, which every command (a replay among them) paid at load. */
let segmenter: Intl.Segmenter | undefined;
const sizeOf = (text: string, measure: Measure) => (measure === 'bytes' ? Buffer.byteLength(text) : text.length);

/**
 * The longest start of `text` that fits in `limit` and ends on a grapheme boundary, so that an emoji (👍🏽, a flag, a
 * family) is never split in half: platforms refuse half a surrogate pair, and show a broken glyph for half a cluster.
 * `ellipsis` is put at the end when something was cut.
 */
export function clip(text: string, limit: number, options: { measure?: Measure; ellipsis?: string } = {}): string {
  const measure = options.measure ?? 'chars';
  if (sizeOf(text, measure) <= limit) return text;
  const ellipsis = options.ellipsis ?? '';
  const room = limit - sizeOf(ellipsis, measure);
  let out = '';
  let size = 0;
  for (const { segment } of (segmenter ??= new Intl.Segmenter(undefined, { granularity: 'grapheme' })).segment(text)) {
    const next = sizeOf(segment, measure);
    if (size + next > room) break;
    out += segment;
    size += next;
  }
  return out + ellipsis;
}

/** Cuts text into parts of at most `limit` characters, at a line break, else a space, else a grapheme boundary. */
export function cut(text: string, limit: number): string[] {
  const parts: string[] = [];
  let rest = text;
  while (rest.length > limit) {
    const window = clip(rest, limit);
    const at = Math.max(window.lastIndexOf('\n'), window.lastIndexOf(' '));
    // A single grapheme longer than the limit (rare: stacked combining marks) is cut where the limit falls.
    const end = at > limit / 2 ? at : window.length || limit;
    parts.push(rest.slice(0, end));
    rest = rest.slice(end).replace(/^[\n ]/, '');
  }
  parts.push(rest);
  return parts;
}
