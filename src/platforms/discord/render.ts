import { escapeMarkdown } from 'discord.js';
import type { Choice, Reply } from '../../commands/reply.ts';
import { renderTable } from '../../format/table.ts';
import { clip, cut } from '../../format/cut.ts';

/** Discord's limits on a message (https://discord.com/developers/docs/resources/message). */
export const CONTENT_LIMIT = 2000;
const EMBED_LIMIT = 4096;
const EMBEDS_PER_MESSAGE = 10;
const EMBED_CHARS_PER_MESSAGE = 6000;
const BUTTONS_PER_ROW = 5;
const BUTTON_LABEL_LIMIT = 80;
const SELECT_LABEL_LIMIT = 100;

export interface MessagePayload {
  content?: string;
  embeds?: { description: string }[];
  components?: unknown[];
}

/** A code block whose content cannot close it early. */
const codeBlock = (text: string) => `\`\`\`\n${text.replace(/```/g, '`\u200b``')}\n\`\`\``;

/**
 * Member text shown as text: markdown escaped, masked links (`[text](url)`, which hide where they lead) included.
 * Mentions in it are left as they are: `allowed_mentions` keeps them from pinging anyone.
 */
export const plainText = (text: string) => escapeMarkdown(text, { maskedLink: true });

/** A time as formatInstant writes it: the round's local time and zone, then the exact UTC instant in parentheses. */
const INSTANT = /\d{4}-\d{2}-\d{2} \d{2}:\d{2}(?::\d{2})? [A-Za-z0-9_+\-/]+ \((\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2})?(?:\.\d+)?Z)\)/g;

/** Text for a message: escaped as plain text, with each time shown by Discord in the reader's own zone (`<t:…:f>`). */
export function messageText(text: string): string {
  let out = '';
  let last = 0;
  for (const m of text.matchAll(INSTANT)) {
    out += plainText(text.slice(last, m.index)) + `<t:${Math.floor(Date.parse(m[1]!) / 1000)}:f>`;
    last = m.index + m[0].length;
  }
  return out + plainText(text.slice(last));
}

/**
 * A reply as Discord messages: text as content (markdown escaped), tables and tallies as code blocks in embeds, which
 * hold twice as much and keep their width. Split on grapheme boundaries so that no message passes Discord's limits.
 */
export function renderForDiscord(reply: Reply): MessagePayload[] {
  const messages: MessagePayload[] = [];
  let content = '';
  let embeds: { description: string }[] = [];
  let embedChars = 0;
  const flush = () => {
    if (content || embeds.length) messages.push({ ...(content && { content }), ...(embeds.length && { embeds }) });
    content = '';
    embeds = [];
    embedChars = 0;
  };
  for (const block of reply.blocks) {
    if (block.kind === 'text') {
      for (const part of cut(messageText(block.text), CONTENT_LIMIT)) {
        // Text after a table starts a new message, so that the reading order stays.
        if (embeds.length || (content && content.length + 1 + part.length > CONTENT_LIMIT)) flush();
        content += (content ? '\n' : '') + part;
      }
      continue;
    }
    const plain = block.kind === 'table' ? renderTable(block.table) : block.text;
    for (const part of cut(plain, EMBED_LIMIT - 8)) {
      const description = codeBlock(part);
      if (embeds.length === EMBEDS_PER_MESSAGE || embedChars + description.length > EMBED_CHARS_PER_MESSAGE) flush();
      embeds.push({ description });
      embedChars += description.length;
    }
  }
  flush();
  if (messages.length === 0) messages.push({ content: '…' });
  return messages;
}

/** Up to five choices are buttons in a row; more are a select menu (Discord allows 25 options). Labels are cut whole. */
export function choiceComponents(choices: readonly Choice[], ids: readonly string[], disabled = false): unknown[] {
  const label = (c: Choice, i: number, limit: number) => clip(`${i + 1}. ${c.label}`, limit, { ellipsis: '…' });
  if (choices.length <= BUTTONS_PER_ROW)
    return [{ type: 1, components: choices.map((c, i) => ({ type: 2, style: 1, label: label(c, i, BUTTON_LABEL_LIMIT), custom_id: ids[i], disabled })) }];
  return [{ type: 1, components: [{ type: 3, custom_id: 'choice', placeholder: 'Choose…', disabled, options: choices.map((c, i) => ({ label: label(c, i, SELECT_LABEL_LIMIT), value: ids[i] })) }] }];
}
