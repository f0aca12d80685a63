import { escapeMarkdown } from 'discord.js';
import type { Choice, Reply } from '../../commands/reply.ts';
import { renderTable } from '../../format/table.ts';
import { clip, cut } from '../../format/cut.ts';

/**
 * Discord's limits, in one place (https://discord.com/developers/docs/resources/message#embed-object-embed-limits,
 * https://discord.com/developers/docs/interactions/message-components): a message's content, embeds (each
 * description and title, and all of a message's embeds together), attached files, components, forms and thread names.
 */
export const DISCORD_LIMITS = {
  content: 2000,
  embedDescription: 4096,
  embedTitle: 256,
  embedsPerMessage: 10,
  embedCharsPerMessage: 6000,
  attachmentsPerMessage: 10,
  buttonsPerRow: 5,
  buttonLabel: 80,
  selectLabel: 100,
  selectOptions: 25,
  textInput: 4000,
  modalTitle: 45,
  modalLabel: 45,
  threadName: 100,
  choiceName: 100,
} as const;

export const CONTENT_LIMIT = DISCORD_LIMITS.content;

export interface Embed {
  title?: string;
  description: string;
  color?: number;
  /** `attachment://NAME` shows a file of the same message inside the embed. */
  image?: { url: string };
}

export interface MessagePayload {
  content?: string;
  embeds?: Embed[];
  components?: unknown[];
  /** The names of the reply's attachments that go with this message. */
  fileNames?: string[];
}

/** An embed's colour says what it is about: a refusal, a poll, a proposal, or the round's figures. */
const COLOURS = { refused: 0xed4245, poll: 0x5865f2, proposal: 0x57f287, comment: 0x57f287, round: 0xfaa61a, leaderboard: 0xfaa61a } as const;

const colourOf = (reply: Reply): number => (reply.refused ? COLOURS.refused : COLOURS[reply.about?.kind ?? 'round']);

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

/** A heading line, as commands write one before what they show ("Tally of round r1:"). */
const HEADING = /^[^\n]{1,200}:$/;

/**
 * A reply as Discord messages. Text only: content, markdown escaped. With a title, a table, a tally or a chart: embeds
 * with the title, a colour and the chart inside (`attachment://`), tables and tallies as code blocks, which keep their
 * width. Split on grapheme boundaries so that no message passes Discord's limits, and every attachment goes with a
 * message, at most ten to one.
 */
export function renderForDiscord(reply: Reply): MessagePayload[] {
  const names = (reply.attachments ?? []).map((a) => a.name);
  const images = (reply.attachments ?? []).filter((a) => a.contentType.startsWith('image/')).map((a) => a.name);
  const card = reply.title !== undefined || images.length > 0 || reply.blocks.some((b) => b.kind !== 'text');
  return withFiles(card ? embedMessages(reply, images) : textMessages(reply), names);
}

/**
 * Gives each attachment not yet placed (a chart goes with the message whose embed shows it) to the first message with
 * room for it, and to messages of files alone once each has ten: Discord refuses an eleventh, so more charts than a
 * message can carry never fail a reply.
 */
function withFiles(messages: MessagePayload[], names: readonly string[]): MessagePayload[] {
  const placed = new Set(messages.flatMap((m) => m.fileNames ?? []));
  for (const name of names.filter((n) => !placed.has(n))) {
    let room = messages.find((m) => (m.fileNames?.length ?? 0) < DISCORD_LIMITS.attachmentsPerMessage);
    if (!room) messages.push((room = {}));
    (room.fileNames ??= []).push(name);
  }
  return messages;
}

function textMessages(reply: Reply): MessagePayload[] {
  const messages: MessagePayload[] = [];
  let content = '';
  for (const block of reply.blocks) {
    for (const part of cut(messageText(block.kind === 'table' ? renderTable(block.table) : block.text), CONTENT_LIMIT)) {
      if (content && content.length + 1 + part.length > CONTENT_LIMIT) {
        messages.push({ content });
        content = '';
      }
      content += (content ? '\n' : '') + part;
    }
  }
  messages.push({ content: content || '…' });
  return messages;
}

function embedMessages(reply: Reply, images: string[]): MessagePayload[] {
  const L = DISCORD_LIMITS;
  const [first, ...rest] = reply.blocks;
  // Without a title of its own, a reply's heading line becomes the title.
  const heading = reply.title ?? (first?.kind === 'text' && HEADING.test(first.text) ? first.text.slice(0, -1) : undefined);
  const blocks = reply.title === undefined && heading !== undefined ? rest : reply.blocks;
  // Titles hold member text too (a proposal's): escaped as the description is.
  const title = heading === undefined ? undefined : clip(plainText(heading), L.embedTitle, { ellipsis: '…' });
  // With a chart per table (a tally of several polls), each table starts an embed of its own, to show its chart in.
  const chartEach = images.length > 1;
  const pieces = blocks.flatMap((block) =>
    block.kind === 'text'
      ? cut(messageText(block.text), L.embedDescription).map((text) => ({ text, fresh: false }))
      : cut(block.kind === 'table' ? renderTable(block.table) : block.text, L.embedDescription - 8).map((part, i) => ({ text: codeBlock(part), fresh: chartEach && i === 0 })),
  );
  const color = colourOf(reply);
  // Pieces joined into descriptions of at most 4096 characters…
  const descriptions: string[] = [];
  for (const { text, fresh } of pieces) {
    const last = descriptions.at(-1);
    if (last !== undefined && !fresh && last.length + 1 + text.length <= L.embedDescription) descriptions[descriptions.length - 1] = `${last}\n${text}`;
    else descriptions.push(text);
  }
  if (descriptions.length === 0) descriptions.push('…');
  // …and embeds into messages of at most 10 embeds and 6000 characters in all, the title included.
  const messages: Embed[][] = [];
  let used = Infinity;
  for (const [i, description] of descriptions.entries()) {
    const embed: Embed = { description, color, ...(i === 0 && title && { title }) };
    const size = description.length + (embed.title?.length ?? 0);
    if (used + size > L.embedCharsPerMessage || messages.at(-1)!.length === L.embedsPerMessage) {
      messages.push([]);
      used = 0;
    }
    messages.at(-1)!.push(embed);
    used += size;
  }
  // The charts go inside the embeds, one each in order, with the message that shows them (an image shows only from a
  // file of its own message); any left over show as attachments.
  let next = 0;
  return messages.map((embeds) => {
    const shown: string[] = [];
    for (const embed of embeds) {
      const image = images[next];
      if (image === undefined) break;
      embed.image = { url: `attachment://${image}` };
      shown.push(image);
      next++;
    }
    return shown.length ? { embeds, fileNames: shown } : { embeds };
  });
}

/**
 * Up to five choices are buttons in a row; more are a select menu (Discord allows 25 options), and those past 25 (a
 * 25-option ballot's Submit) buttons in the rows below it. Labels are cut whole.
 */
export function choiceComponents(choices: readonly Choice[], ids: readonly string[], disabled = false): unknown[] {
  const label = (c: Choice, i: number, limit: number) => clip(`${i + 1}. ${c.label}`, limit, { ellipsis: '…' });
  const buttons = (from: number, to: number) => ({ type: 1, components: choices.slice(from, to).map((c, i) => ({ type: 2, style: 1, label: label(c, from + i, DISCORD_LIMITS.buttonLabel), custom_id: ids[from + i], disabled })) });
  if (choices.length <= DISCORD_LIMITS.buttonsPerRow) return [buttons(0, choices.length)];
  const inMenu = Math.min(choices.length, DISCORD_LIMITS.selectOptions);
  const rest = Array.from({ length: Math.ceil((choices.length - inMenu) / DISCORD_LIMITS.buttonsPerRow) }, (_, r) => buttons(inMenu + r * DISCORD_LIMITS.buttonsPerRow, inMenu + (r + 1) * DISCORD_LIMITS.buttonsPerRow));
  const menu = { type: 3, custom_id: 'choice', placeholder: 'Choose…', disabled, options: choices.slice(0, inMenu).map((c, i) => ({ label: label(c, i, DISCORD_LIMITS.selectLabel), value: ids[i] })) };
  return [{ type: 1, components: [menu] }, ...rest];
}
