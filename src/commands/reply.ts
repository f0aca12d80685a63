import type { Table } from '../format/table.ts';
import type { UserErrorCode } from './errors.ts';

/** What a command answers, platform-neutral; each adapter renders it its own way. */
export type Block =
  | { kind: 'text'; text: string }
  /** A monospace block: tables, tallies. */
  | { kind: 'pre'; text: string }
  | { kind: 'table'; table: Table };

export interface Choice {
  label: string;
  /** The command line a tap runs, e.g. `/vote poll:q1 option:2`. */
  command: string;
}

export interface Attachment {
  name: string;
  contentType: string;
  /** Text files as text; images as bytes. */
  content: string | Uint8Array;
}

/** The thing a reply stands for; a chat links the message that shows it, so replies and reactions find their way back. */
export interface Subject {
  kind: 'round' | 'proposal' | 'comment' | 'poll' | 'leaderboard';
  round: string;
  key: string;
  /** A short name, for places that need one (a forum topic). */
  title?: string;
  /** The thing is gone (a withdrawn comment) or finished (a closed poll): its messages are deleted or updated. */
  ended?: boolean;
}

export interface Reply {
  /** A heading for the whole reply (a Discord embed's title, a bold first line elsewhere). */
  title?: string;
  blocks: Block[];
  about?: Subject;
  /** Set when the request was refused; adapters may show it as an alert, or drop it for silent gestures. */
  refused?: UserErrorCode;
  /** Only the asker sees it (receipts, own reputation, errors). */
  private?: boolean;
  /**
   * Never shown to anyone but the asker, not even when they cannot be reached privately (a one-time wallet link):
   * the adapter then tells them, publicly and without the content, how to open a private chat and ask again.
   */
  secret?: boolean;
  choices?: Choice[];
  attachments?: Attachment[];
}

export const text = (t: string): Block => ({ kind: 'text', text: t });
export const pre = (t: string): Block => ({ kind: 'pre', text: t });
export const reply = (...blocks: Block[]): Reply => ({ blocks });
export const privateReply = (...blocks: Block[]): Reply => ({ blocks, private: true });
export const secretReply = (...blocks: Block[]): Reply => ({ blocks, private: true, secret: true });

/** A reply as JSON text, to be kept in the outbox until posted; attachments' bytes travel as base64. */
export function encodeReply(reply: Reply): string {
  return JSON.stringify(reply, (key, value: unknown) => (key === 'content' && value instanceof Uint8Array ? { base64: Buffer.from(value).toString('base64') } : value));
}

export function decodeReply(json: string): Reply {
  return JSON.parse(json, (key, value: unknown) =>
    key === 'content' && value !== null && typeof value === 'object' && 'base64' in value ? new Uint8Array(Buffer.from(String((value as { base64: unknown }).base64), 'base64')) : value,
  ) as Reply;
}
