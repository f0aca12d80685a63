import type { Block, Reply } from '../../commands/reply.ts';
import { cut } from '../../format/cut.ts';
import { renderTable } from '../../format/table.ts';

/** Telegram's limit on a message's text, counted after HTML entities are parsed. */
export const MESSAGE_LIMIT = 4096;
/** Telegram's limit on a callback query answer. */
export const TOAST_LIMIT = 200;

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
  for (const piece of reply.blocks.flatMap((b) => pieces(b, limit))) {
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

/** The first line of a reply, short enough for a callback toast. */
export function toast(reply: Reply): string {
  const first = reply.blocks.find((b) => b.kind === 'text')?.text ?? '';
  const line = first.split('\n')[0] ?? '';
  return line.length > TOAST_LIMIT ? `${line.slice(0, TOAST_LIMIT - 1)}…` : line;
}
