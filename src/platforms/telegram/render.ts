import type { Block, Reply } from '../../commands/reply.ts';
import { clip, cut } from '../../format/cut.ts';
import { renderTable } from '../../format/table.ts';

/** Telegram's limit on a message's text, counted after HTML entities are parsed. */
export const MESSAGE_LIMIT = 4096;
/** Telegram's limit on a callback query answer (0–200 characters). */
export const TOAST_LIMIT = 200;
/** Telegram's limit on a forum topic's name (1–128 characters). */
export const TOPIC_NAME_LIMIT = 128;
/**
 * Telegram documents no limit on a button's label, but its apps cut long ones in the middle; ours are cut at the end,
 * where a reader expects it.
 */
export const BUTTON_LABEL_LIMIT = 64;

/** Every cut of text for Telegram ends on a grapheme boundary: half an emoji is refused ("strings must be encoded in UTF-8"). */
const shorten = (text: string, limit: number) => clip(text, limit, { ellipsis: '…' });

export const escapeHtml = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/** A piece of a message: its HTML and how many characters Telegram counts for it. */
interface Piece {
  html: string;
  length: number;
}

function pieces(block: Block, limit: number): Piece[] {
  const plain = block.kind === 'table' ? renderTable(block.table) : block.text;
  const monospace = block.kind !== 'text';
  return cut(plain, limit).map((part) => ({ html: monospace ? `<pre>${escapeHtml(part)}</pre>` : escapeHtml(part), length: part.length }));
}

/**
 * A reply as Telegram HTML messages: text escaped, tables and tallies as monospace blocks, split so that no message
 * passes Telegram's limit and no block is cut inside its tags.
 */
export function renderForTelegram(reply: Reply, limit = MESSAGE_LIMIT): string[] {
  const messages: string[] = [];
  let html = '';
  let length = 0;
  // Blocks are joined by a blank line, which Telegram counts too.
  // The title leads in bold; Telegram counts only its text.
  const heading = reply.title === undefined ? undefined : shorten(reply.title, limit);
  const title = heading === undefined ? [] : [{ html: `<b>${escapeHtml(heading)}</b>`, length: heading.length }];
  for (const piece of [...title, ...reply.blocks.flatMap((b) => pieces(b, limit))]) {
    if (length > 0 && length + 2 + piece.length > limit) {
      messages.push(html);
      html = '';
      length = 0;
    }
    html += (length > 0 ? '\n\n' : '') + piece.html;
    length += (length > 0 ? 2 : 0) + piece.length;
  }
  if (html !== '' || messages.length === 0) messages.push(html || '…');
  return messages;
}

/** The first line of a reply, short enough for a callback toast; `more` is added when it fits beside it. */
export function toast(reply: Reply, more?: string): string {
  const first = reply.title ?? reply.blocks.find((b) => b.kind === 'text')?.text ?? '';
  const line = first.split('\n')[0] ?? '';
  if (more === undefined) return shorten(line, TOAST_LIMIT);
  return `${shorten(line, TOAST_LIMIT - more.length - 1)} ${more}`;
}

/** A poll option's button: its number and as much of its label as fits. */
export const buttonLabel = (index: number, label: string): string => shorten(`${index + 1}. ${label}`, BUTTON_LABEL_LIMIT);

/** A proposal's forum topic: its key and as much of its title as fits. */
export const topicName = (key: string, title: string | undefined): string => shorten(title ? `${key}: ${title}` : key, TOPIC_NAME_LIMIT);
