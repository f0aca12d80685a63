import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A fake Telegram Bot API on 127.0.0.1, speaking the real HTTP protocol (https://core.telegram.org/bots/api):
 * `POST /bot<token>/<method>` with JSON or multipart/form-data, answers `{ ok, result }` or
 * `{ ok: false, error_code, description, parameters }`. It keeps the chats, the members' messages and the bot's, checks
 * what real Telegram checks (HTML entities, the 4096-character limit, button data, strings that are not UTF-8, who the bot
 * may write to, groups where it may not post, callback answers that come late or twice), long-polls getUpdates with
 * offsets, or posts to a webhook with its secret token. Members' documents are served by getFile and `/file/bot…/path`.
 * Its state outlives the bot, so a restarted bot gets the updates it never confirmed again, as from real Telegram.
 */

export interface FakeUser {
  id: number;
  is_bot: boolean;
  first_name: string;
  username?: string;
}

export interface FakeChat {
  id: number;
  type: 'group' | 'supergroup' | 'private';
  title?: string;
  is_forum?: boolean;
}

/** A message as the bot sent it, with its text as Telegram shows it (entities parsed). */
export interface SentMessage {
  chat_id: number;
  message_id: number;
  text: string;
  html: string;
  /** The targets of the clickable text links its markup made (`<a href>`). */
  links: string[];
  /** Telegram shows a preview of the first link unless this is set. */
  previewDisabled: boolean;
  thread_id?: number;
  reply_to?: number;
  buttons: { text: string; callback_data: string }[];
  document?: { file_name: string; content: string };
  photo?: { file_name: string; bytes: Uint8Array };
  deleted?: boolean;
}

/**
 * Whether the bot may post in a group: it was removed from it (Telegram answers 403), or it is a member that may not
 * send messages there (400).
 */
export type BotAccess = 'posts' | 'removed' | 'muted';

/** A file a member sends, as Telegram keeps it for getFile. */
export interface FakeFile {
  file_name: string;
  mime_type: string;
  bytes: Uint8Array;
}

/** The user Telegram puts in `from` of messages an anonymous admin sends on behalf of the group. */
export const GROUP_ANONYMOUS_BOT: FakeUser = { id: 1087968824, is_bot: true, first_name: 'Group', username: 'GroupAnonymousBot' };

/** Bots may download files of up to 20 MB (https://core.telegram.org/bots/api#getfile). */
const DOWNLOAD_LIMIT = 20 * 1024 * 1024;

interface Group {
  chat: FakeChat;
  admins: Set<number>;
  access: BotAccess;
  botRights: { status: 'administrator' | 'member'; can_pin_messages: boolean; can_manage_topics: boolean };
  topics: Map<number, string>;
  pinned: number[];
  /** Each user's current reactions per message, to fill old_reaction. */
  reactions: Map<string, string[]>;
}

type Update = Record<string, unknown> & { update_id: number };
/** An error answer, or `'network'`: the connection is dropped without an answer. */
type Failure = { error_code: number; description: string; parameters?: Record<string, unknown> } | 'network';

class ApiError extends Error {
  constructor(
    readonly code: number,
    readonly description: string,
    readonly parameters?: Record<string, unknown>,
  ) {
    super(description);
  }
}

const ALLOWED_TAGS = new Set(['b', 'strong', 'i', 'em', 'u', 'ins', 's', 'strike', 'del', 'tg-spoiler', 'a', 'code', 'pre', 'blockquote', 'span', 'tg-emoji']);
const ENTITIES: Record<string, string> = { lt: '<', gt: '>', amp: '&', quot: '"' };

/** Telegram's HTML parse mode: only its tags, balanced; only four named entities. Returns the plain text. */
export function parseTelegramHtml(html: string): string {
  return parseHtml(html).text;
}

/** The plain text of Telegram HTML and the targets of its text links. */
function parseHtml(html: string): { text: string; links: string[] } {
  const stack: string[] = [];
  const links: string[] = [];
  let out = '';
  const re = /<(\/?)([a-zA-Z-]+)([^>]*)>|&(#x[0-9a-fA-F]+|#\d+|[a-zA-Z]+);|([<>&])/g;
  let last = 0;
  for (let m = re.exec(html); m; m = re.exec(html)) {
    out += html.slice(last, m.index);
    last = re.lastIndex;
    if (m[5]) throw new ApiError(400, `Bad Request: can't parse entities: unexpected "${m[5]}" at byte offset ${m.index}`);
    if (m[4]) {
      const name = m[4];
      if (name.startsWith('#x')) out += String.fromCodePoint(parseInt(name.slice(2), 16));
      else if (name.startsWith('#')) out += String.fromCodePoint(Number(name.slice(1)));
      else if (ENTITIES[name]) out += ENTITIES[name];
      else throw new ApiError(400, `Bad Request: can't parse entities: unsupported HTML entity "&${name};" at byte offset ${m.index}`);
      continue;
    }
    const tag = m[2]!.toLowerCase();
    if (!ALLOWED_TAGS.has(tag)) throw new ApiError(400, `Bad Request: can't parse entities: unsupported start tag "${tag}" at byte offset ${m.index}`);
    if (m[1]) {
      if (stack.pop() !== tag) throw new ApiError(400, `Bad Request: can't parse entities: unmatched end tag at byte offset ${m.index}, expected "</${stack.at(-1) ?? ''}>", found "</${tag}>"`);
    } else {
      stack.push(tag);
      const href = tag === 'a' ? /href\s*=\s*["']([^"']*)["']/.exec(m[3] ?? '')?.[1] : undefined;
      if (href !== undefined) links.push(href);
    }
  }
  out += html.slice(last);
  if (stack.length) throw new ApiError(400, `Bad Request: can't parse entities: can't find end tag corresponding to start tag "${stack.at(-1)}"`);
  return { text: out, links };
}

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/**
 * Telegram reads every string as UTF-8; half a surrogate pair (half an emoji cut by code units) has no UTF-8 form, and
 * the whole call is refused.
 */
function refuseBadStrings(value: unknown): void {
  if (typeof value === 'string') {
    if (LONE_SURROGATE.test(value)) throw new ApiError(400, 'Bad Request: strings must be encoded in UTF-8');
  } else if (Array.isArray(value)) value.forEach(refuseBadStrings);
  else if (value && typeof value === 'object' && !(value instanceof Uint8Array)) Object.values(value).forEach(refuseBadStrings);
}

const isPng = (bytes: Uint8Array | undefined) => bytes !== undefined && Buffer.from(bytes.subarray(0, 8)).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]));

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

/** JSON, form-urlencoded or multipart, as the Bot API accepts; files come back with their names and contents. */
async function readParams(req: IncomingMessage): Promise<Record<string, unknown>> {
  const body = await readBody(req);
  const type = req.headers['content-type'] ?? '';
  if (body.length === 0) return {};
  if (type.startsWith('application/json')) return JSON.parse(body.toString('utf8')) as Record<string, unknown>;
  if (type.startsWith('multipart/form-data')) {
    const form = await new Request('http://127.0.0.1/', { method: 'POST', headers: { 'content-type': type }, body }).formData();
    const params: Record<string, unknown> = {};
    for (const [key, value] of form.entries()) {
      if (typeof value === 'string') params[key] = /^[[{]/.test(value) ? JSON.parse(value) : value;
      else {
        const bytes = new Uint8Array(await value.arrayBuffer());
        params[key] = { file_name: value.name, content: new TextDecoder().decode(bytes), bytes };
      }
    }
    return params;
  }
  return Object.fromEntries(new URLSearchParams(body.toString('utf8')));
}

export class FakeTelegram {
  readonly bot: FakeUser = { id: 7_000_000_001, is_bot: true, first_name: 'govbot', username: 'govbot_test_bot' };
  /** Every Bot API call, in order. */
  readonly calls: { method: string; params: Record<string, unknown>; at: number }[] = [];
  readonly sent: SentMessage[] = [];
  /** Every text edit Telegram took, in order: the message and its new text. */
  readonly edits: { chat_id: number; message_id: number; text: string; at: number }[] = [];
  readonly answers = new Map<string, { text?: string; show_alert?: boolean; url?: string }>();
  readonly commands = new Map<string, { command: string; description: string }[]>();
  /** Users who pressed Start in a direct chat with the bot; only they can be written to privately. */
  readonly startedBot = new Set<number>();
  webhook: { url: string; secret?: string } | undefined;
  /**
   * How long after a tap Telegram takes its answer (about 15 s on real Telegram); later answers are refused, which is
   * also what a bot that restarts after a tap meets.
   */
  answerWindowMs = 15_000;

  private readonly groups = new Map<number, Group>();
  private readonly memberMessages = new Map<string, Record<string, unknown>>();
  private readonly users = new Map<number, FakeUser>();
  private readonly failures = new Map<string, Failure[]>();
  /** Calls held unanswered until released (a Telegram that hangs on one method, or on one chat). */
  private holds: { method: string; when: (params: Record<string, unknown>) => boolean; released: Promise<void> }[] = [];
  /** When each callback query was made, until it is answered. */
  private readonly openQueries = new Map<string, number>();
  private readonly files = new Map<string, FakeFile>();
  private queue: Update[] = [];
  private redelivered: Update[] = [];
  private nextUpdateId = 100_000;
  private nextMessageId = 1;
  private nextQueryId = 1;
  /** A batch was handed out and the bot has not asked again yet: it is still handling it. */
  private batchOut = false;
  private waiting: (() => void)[] = [];
  private polls: (() => void)[] = [];
  private webhookDeliveries: Promise<unknown> = Promise.resolve();

  private constructor(
    readonly token: string,
    private readonly server: Server,
    readonly url: string,
  ) {}

  static async start(token = '7000000001:AAHfakeTokenForTestsOnly_abcdefghij'): Promise<FakeTelegram> {
    let fake: FakeTelegram | undefined;
    const server = createServer((req, res) => void fake!.handle(req, res));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    fake = new FakeTelegram(token, server, `http://127.0.0.1:${port}`);
    return fake;
  }

  async close(): Promise<void> {
    for (const wake of this.polls.splice(0)) wake();
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  // ---- the world

  addGroup(chat: Omit<FakeChat, 'type'> & { admins?: number[]; botIsAdmin?: boolean }): FakeChat {
    const group: FakeChat = { id: chat.id, type: 'supergroup', title: chat.title ?? `Group ${chat.id}`, ...(chat.is_forum && { is_forum: true }) };
    this.groups.set(chat.id, {
      chat: group,
      admins: new Set(chat.admins ?? []),
      access: 'posts',
      botRights: chat.botIsAdmin === false ? { status: 'member', can_pin_messages: false, can_manage_topics: false } : { status: 'administrator', can_pin_messages: true, can_manage_topics: true },
      topics: new Map(),
      pinned: [],
      reactions: new Map(),
    });
    return group;
  }

  /**
   * A member adds the bot to a new group (as an admin or not): Telegram then sends the bot a my_chat_member update,
   * its status going from left to member or administrator, with the rights it was given.
   */
  addBotTo(chat: Omit<FakeChat, 'type'> & { botIsAdmin?: boolean }, by: FakeUser): FakeChat {
    const group = this.addGroup({ ...chat, admins: [by.id] });
    const rights = this.group(chat.id).botRights;
    const admin = rights.status === 'administrator';
    const newMember = admin ? { ...rights, can_delete_messages: false, can_be_edited: false, is_anonymous: false, can_manage_chat: true, can_change_info: false, can_invite_users: true, can_restrict_members: false, can_promote_members: false, can_manage_video_chats: false } : { status: 'member' };
    this.push({ my_chat_member: { chat: group, from: by, date: this.now(), old_chat_member: { user: this.bot, status: 'left' }, new_chat_member: { user: this.bot, ...newMember } } });
    return group;
  }

  user(id: number, username: string, startedBot = true): FakeUser {
    const user: FakeUser = { id, is_bot: false, first_name: username.replace(/^\w/, (c) => c.toUpperCase()), username };
    this.users.set(id, user);
    if (startedBot) this.startedBot.add(id);
    return user;
  }

  /** Removes the bot from a group, mutes it there, or lets it post again. */
  setBotAccess(chatId: number, access: BotAccess): void {
    this.group(chatId).access = access;
  }

  /** The next call of `method` fails this way (e.g. 429 with retry_after, 502, or a dropped connection). */
  failNext(method: string, failure: Failure): void {
    this.failures.set(method, [...(this.failures.get(method) ?? []), failure]);
  }

  /**
   * Calls of `method` (those `when` picks) get no answer until the returned function is called; those made before it
   * are answered then. A call of a bot that is killed meanwhile is answered to nobody.
   */
  hold(method: string, when: (params: Record<string, unknown>) => boolean = () => true): () => void {
    let release = (): void => undefined;
    const hold = { method, when, released: new Promise<void>((resolve) => (release = resolve)) };
    this.holds.push(hold);
    return () => {
      this.holds = this.holds.filter((h) => h !== hold);
      release();
    };
  }

  /** How many updates Telegram still keeps for the bot: not yet confirmed by a later offset. */
  get unconfirmed(): number {
    return this.queue.length + this.redelivered.length;
  }

  pinned(chatId: number): number[] {
    return this.group(chatId).pinned;
  }

  topics(chatId: number): Map<number, string> {
    return this.group(chatId).topics;
  }

  // ---- what members do

  say(chatId: number, from: FakeUser, text: string, options: { replyTo?: number; thread?: number } = {}): number {
    const message = this.message(chatId, from, text, options);
    this.push({ message });
    return message['message_id'] as number;
  }

  /** An anonymous admin writes on behalf of the group: `from` is GroupAnonymousBot, `sender_chat` the group itself. */
  sayAsGroup(chatId: number, text: string, options: { replyTo?: number; thread?: number } = {}): number {
    const message: Record<string, unknown> = { ...this.message(chatId, GROUP_ANONYMOUS_BOT, text, options), sender_chat: this.group(chatId).chat };
    this.memberMessages.set(`${chatId}:${message['message_id'] as number}`, message);
    this.push({ message });
    return message['message_id'] as number;
  }

  /** A member sends a file, with a caption (a command, say); the bot fetches it with getFile. */
  sendFile(chatId: number, from: FakeUser, file: { file_name: string; mime_type: string; content: string | Uint8Array }, caption?: string): number {
    const bytes = typeof file.content === 'string' ? new TextEncoder().encode(file.content) : file.content;
    const id = `doc${this.files.size + 1}`;
    this.files.set(id, { file_name: file.file_name, mime_type: file.mime_type, bytes });
    const { text: _text, entities, ...message } = this.message(chatId, from, caption ?? '', {});
    const document = { file_id: id, file_unique_id: `u${id}`, file_name: file.file_name, mime_type: file.mime_type, file_size: bytes.length };
    this.push({ message: { ...message, document, ...(caption !== undefined && { caption }), ...(entities !== undefined && { caption_entities: entities }) } });
    return message['message_id'] as number;
  }

  /** Edits a member's message: Telegram sends the whole message again, new text, same id and reply. */
  edit(chatId: number, messageId: number, text: string): void {
    const original = this.memberMessages.get(`${chatId}:${messageId}`);
    if (!original) throw new Error(`no member message ${messageId} in ${chatId}`);
    this.push({ edited_message: { ...original, text, edit_date: this.now() } });
  }

  /** Sets a member's reactions on a message to exactly these emoji; Telegram sends the old and the new list. */
  react(chatId: number, from: FakeUser, messageId: number, emoji: string[]): void {
    const group = this.group(chatId);
    const key = `${messageId}:${from.id}`;
    const old = group.reactions.get(key) ?? [];
    group.reactions.set(key, emoji);
    const list = (es: string[]) => es.map((e) => ({ type: 'emoji', emoji: e }));
    this.push({ message_reaction: { chat: group.chat, message_id: messageId, user: from, date: this.now(), old_reaction: list(old), new_reaction: list(emoji) } });
  }

  /** Taps an inline button of a bot message; returns the callback query id, whose answer lands in `answers`. */
  tap(from: FakeUser, message: SentMessage, button: number): string {
    const id = String(this.nextQueryId++);
    this.openQueries.set(id, Date.now());
    const data = message.buttons[button]?.callback_data;
    if (data === undefined) throw new Error(`message ${message.message_id} has no button ${button}`);
    const chat = this.groups.get(message.chat_id)?.chat ?? { id: message.chat_id, type: 'private' };
    this.push({ callback_query: { id, from, chat_instance: String(message.chat_id), data, message: { message_id: message.message_id, date: this.now(), chat, text: message.text } } });
    return id;
  }

  /** Delivers an update already delivered once again, with the same update_id (as after a crash mid-batch). */
  redeliver(updateId: number, update: Update): void {
    this.redelivered.push({ ...update, update_id: updateId });
    this.wake();
  }

  /** The update last pushed, to redeliver it. */
  lastUpdate(): Update {
    return this.lastPushed!;
  }

  /** Resolves once the bot has handled every update so far: it asked for the ones after them (or the hook answered). */
  async settled(): Promise<void> {
    if (this.webhook) {
      await this.webhookDeliveries;
      return;
    }
    while (this.queue.length > 0 || this.redelivered.length > 0 || this.batchOut) await new Promise<void>((resolve) => this.waiting.push(resolve));
  }

  messagesIn(chatId: number, thread?: number): SentMessage[] {
    return this.sent.filter((m) => m.chat_id === chatId && !m.deleted && (thread === undefined || m.thread_id === thread));
  }

  // ---- the protocol

  private lastPushed: Update | undefined;

  private push(body: Record<string, unknown>): void {
    const update = { update_id: this.nextUpdateId++, ...body };
    this.lastPushed = update;
    if (this.webhook) {
      const { url, secret } = this.webhook;
      const target = url.replace(/^https:/, 'http:');
      const delivery = fetch(target, { method: 'POST', headers: { 'content-type': 'application/json', ...(secret && { 'x-telegram-bot-api-secret-token': secret }) }, body: JSON.stringify(update) }).then((r) => r.arrayBuffer());
      this.webhookDeliveries = this.webhookDeliveries.then(() => delivery);
      return;
    }
    this.queue.push(update);
    this.wake();
  }

  private wake(): void {
    for (const wake of this.polls.splice(0)) wake();
  }

  private message(chatId: number, from: FakeUser, text: string, options: { replyTo?: number; thread?: number }): Record<string, unknown> {
    const group = this.groups.get(chatId);
    const chat = group?.chat ?? { id: chatId, type: 'private', first_name: from.first_name, username: from.username };
    if (!group && text.startsWith('/start')) this.startedBot.add(from.id);
    const message_id = this.nextMessageId++;
    const entities = text.startsWith('/') ? [{ type: 'bot_command', offset: 0, length: text.split(/\s/)[0]!.length }] : undefined;
    const replied = options.replyTo ?? options.thread;
    const message = {
      message_id,
      from,
      chat,
      date: this.now(),
      text,
      ...(entities && { entities }),
      ...(options.thread !== undefined && { message_thread_id: options.thread, is_topic_message: true }),
      ...(replied !== undefined && { reply_to_message: { message_id: replied, chat, date: this.now() } }),
    };
    this.memberMessages.set(`${chatId}:${message_id}`, message);
    return message;
  }

  private now(): number {
    return Math.floor(Date.now() / 1000);
  }

  private group(chatId: number): Group {
    const group = this.groups.get(chatId);
    if (!group) throw new ApiError(400, 'Bad Request: chat not found');
    return group;
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const reply = (status: number, body: unknown) => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(body));
    };
    const download = /^\/file\/bot([^/]+)\/(.+)$/.exec(req.url ?? '');
    if (download) return this.download(download[1]!, download[2]!, res);
    const match = /^\/bot([^/]+)\/([A-Za-z]+)$/.exec(req.url ?? '');
    if (!match) return reply(404, { ok: false, error_code: 404, description: 'Not Found' });
    if (match[1] !== this.token) return reply(401, { ok: false, error_code: 401, description: 'Unauthorized' });
    const method = match[2]!;
    try {
      const params = await readParams(req);
      this.calls.push({ method, params, at: Date.now() });
      for (const hold of this.holds) if (hold.method === method && hold.when(params)) await hold.released;
      const failure = this.failures.get(method)?.shift();
      if (failure === 'network') return void req.socket.destroy();
      if (failure) return reply(failure.error_code, { ok: false, ...failure });
      refuseBadStrings(params);
      const result = await this.call(method, params);
      reply(200, { ok: true, result });
    } catch (error) {
      if (!(error instanceof ApiError)) throw error;
      reply(error.code, { ok: false, error_code: error.code, description: error.description, ...(error.parameters && { parameters: error.parameters }) });
    }
  }

  /** `GET /file/bot<token>/<file_path>`: the bytes of a file getFile named. */
  private download(token: string, path: string, res: ServerResponse): void {
    const file = token === this.token ? this.files.get(/^documents\/(.+)$/.exec(path)?.[1] ?? '') : undefined;
    if (!file) {
      res.writeHead(404, { 'content-type': 'application/json' });
      return void res.end(JSON.stringify({ ok: false, error_code: 404, description: 'Not Found' }));
    }
    res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': file.bytes.length });
    res.end(file.bytes);
  }

  private async call(method: string, p: Record<string, unknown>): Promise<unknown> {
    switch (method) {
      case 'getMe':
        return { ...this.bot, can_join_groups: true, can_read_all_group_messages: false, supports_inline_queries: false };
      case 'deleteWebhook':
        this.webhook = undefined;
        return true;
      case 'setWebhook':
        this.webhook = { url: String(p['url']), ...(p['secret_token'] !== undefined && { secret: String(p['secret_token']) }) };
        return true;
      case 'getUpdates':
        return this.getUpdates(p);
      case 'setMyCommands':
        return this.setMyCommands(p);
      case 'sendMessage':
        return this.sendMessage(p);
      case 'sendDocument':
        return this.sendDocument(p);
      case 'sendPhoto':
        return this.sendPhoto(p);
      case 'answerCallbackQuery':
        return this.answerCallbackQuery(p);
      case 'getChat':
        return this.present(p).chat;
      case 'getFile': {
        const id = String(p['file_id'] ?? '');
        const file = this.files.get(id);
        if (!file) throw new ApiError(400, 'Bad Request: invalid file_id');
        if (file.bytes.length > DOWNLOAD_LIMIT) throw new ApiError(400, 'Bad Request: file is too big');
        return { file_id: id, file_unique_id: `u${id}`, file_size: file.bytes.length, file_path: `documents/${id}` };
      }
      case 'getChatAdministrators': {
        const group = this.present(p);
        const admins = [...group.admins].map((id) => ({ status: 'administrator', user: this.users.get(id) ?? { id, is_bot: false, first_name: `User ${id}` } }));
        return group.botRights.status === 'administrator' ? [...admins, { user: this.bot, ...group.botRights }] : admins;
      }
      case 'getChatMember': {
        const group = this.present(p);
        const id = Number(p['user_id']);
        if (id === this.bot.id) return group.access === 'muted' ? { status: 'restricted', user: this.bot, can_send_messages: false } : { user: this.bot, ...group.botRights };
        return { status: group.admins.has(id) ? 'administrator' : 'member', user: this.users.get(id) ?? { id, is_bot: false, first_name: `User ${id}` } };
      }
      case 'createForumTopic': {
        const group = this.present(p);
        if (!group.chat.is_forum) throw new ApiError(400, 'Bad Request: the chat is not a forum');
        if (!group.botRights.can_manage_topics) throw new ApiError(400, 'Bad Request: not enough rights to create a topic');
        const name = String(p['name'] ?? '');
        if (name.length < 1 || name.length > 128) throw new ApiError(400, 'Bad Request: TOPIC_NAME_INVALID');
        const id = this.nextMessageId++;
        group.topics.set(id, name);
        return { message_thread_id: id, name, icon_color: 7322096 };
      }
      case 'pinChatMessage': {
        const group = this.present(p);
        if (!group.botRights.can_pin_messages) throw new ApiError(400, 'Bad Request: not enough rights to manage pinned messages in the chat');
        group.pinned.push(Number(p['message_id']));
        return true;
      }
      case 'editMessageText':
        return this.editMessageText(p);
      case 'editMessageReplyMarkup': {
        const message = this.sentMessage(p);
        message.buttons = this.buttons(p['reply_markup']);
        return { message_id: message.message_id, chat: { id: message.chat_id }, date: this.now(), text: message.text };
      }
      case 'deleteMessage': {
        const chatId = Number(p['chat_id']);
        const group = this.present(p);
        if (group.botRights.status !== 'administrator') throw new ApiError(400, "Bad Request: message can't be deleted");
        const own = this.sent.find((m) => m.chat_id === chatId && m.message_id === Number(p['message_id']));
        if (own) own.deleted = true;
        return true;
      }
      default:
        throw new ApiError(404, 'Not Found: method not found');
    }
  }

  private async getUpdates(p: Record<string, unknown>): Promise<Update[]> {
    const offset = Number(p['offset'] ?? 0);
    const timeout = Math.min(Number(p['timeout'] ?? 0), 50);
    const allowed = Array.isArray(p['allowed_updates']) && p['allowed_updates'].length ? new Set(p['allowed_updates'] as string[]) : undefined;
    // Asking from an offset confirms everything below it; asking at all means the last batch was handled.
    if (offset > 0) this.queue = this.queue.filter((u) => u.update_id >= offset);
    // Kinds of update the bot did not ask for are dropped, not sent.
    const wanted = (u: Update) => !allowed || Object.keys(u).some((k) => allowed.has(k));
    this.queue = this.queue.filter(wanted);
    this.batchOut = false;
    const ready = () => {
      this.queue = this.queue.filter(wanted);
      return [...this.redelivered.splice(0), ...this.queue.slice(0, 100)];
    };
    for (const wake of this.waiting.splice(0)) wake();
    let batch = ready();
    if (batch.length === 0 && timeout > 0) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, timeout * 1000);
        this.polls.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
      batch = ready();
    }
    this.batchOut = batch.length > 0;
    return batch;
  }

  private setMyCommands(p: Record<string, unknown>): true {
    const commands = p['commands'] as { command: string; description: string }[];
    if (!Array.isArray(commands) || commands.length > 100) throw new ApiError(400, 'Bad Request: too many commands');
    for (const c of commands) {
      if (!/^[a-z0-9_]{1,32}$/.test(c.command)) throw new ApiError(400, 'Bad Request: BOT_COMMAND_INVALID');
      if (typeof c.description !== 'string' || c.description.length < 1 || c.description.length > 256) throw new ApiError(400, 'Bad Request: BOT_COMMAND_DESCRIPTION_INVALID');
    }
    const scope = (p['scope'] as { type?: string } | undefined)?.type ?? 'default';
    this.commands.set(scope, commands);
    return true;
  }

  /** A group the bot is still in; Telegram answers 403 for a group it was removed from. */
  private present(p: Record<string, unknown>): Group {
    const group = this.group(Number(p['chat_id']));
    if (group.access === 'removed') throw new ApiError(403, 'Forbidden: bot is not a member of the supergroup chat');
    return group;
  }

  /** Where a message goes: a group the bot may post in (a topic of it), or a user who started the bot. */
  private target(p: Record<string, unknown>, what = 'text messages'): { chatId: number; thread?: number } {
    const chatId = Number(p['chat_id']);
    if (this.groups.has(chatId)) {
      const group = this.present(p);
      if (group.access === 'muted') throw new ApiError(400, `Bad Request: not enough rights to send ${what} to the chat`);
      const thread = p['message_thread_id'] === undefined ? undefined : Number(p['message_thread_id']);
      if (thread !== undefined && !group.topics.has(thread)) throw new ApiError(400, 'Bad Request: message thread not found');
      return { chatId, ...(thread !== undefined && { thread }) };
    }
    if (!this.users.has(chatId)) throw new ApiError(400, 'Bad Request: chat not found');
    if (!this.startedBot.has(chatId)) throw new ApiError(403, "Forbidden: bot can't initiate conversation with a user");
    return { chatId };
  }

  private buttons(markup: unknown): SentMessage['buttons'] {
    const rows = (markup as { inline_keyboard?: { text: string; callback_data?: string }[][] } | undefined)?.inline_keyboard ?? [];
    return rows.flat().map((b) => {
      const data = b.callback_data ?? '';
      if (Buffer.byteLength(data) < 1 || Buffer.byteLength(data) > 64) throw new ApiError(400, 'Bad Request: BUTTON_DATA_INVALID');
      if (!b.text) throw new ApiError(400, 'Bad Request: text buttons are unallowed in the inline keyboard');
      return { text: b.text, callback_data: data };
    });
  }

  private sendMessage(p: Record<string, unknown>): unknown {
    const { chatId, thread } = this.target(p);
    const html = String(p['text'] ?? '');
    const { text, links } = p['parse_mode'] === 'HTML' ? parseHtml(html) : { text: html, links: [] };
    if (text.trim() === '') throw new ApiError(400, 'Bad Request: message text is empty');
    if (text.length > 4096) throw new ApiError(400, 'Bad Request: message is too long');
    const replyTo = (p['reply_parameters'] as { message_id?: number } | undefined)?.message_id;
    const previewDisabled = (p['link_preview_options'] as { is_disabled?: boolean } | undefined)?.is_disabled === true;
    return this.store({ chat_id: chatId, text, html, links, previewDisabled, buttons: this.buttons(p['reply_markup']), ...(thread !== undefined && { thread_id: thread }), ...(replyTo !== undefined && { reply_to: replyTo }) });
  }

  private sendDocument(p: Record<string, unknown>): unknown {
    const { chatId, thread } = this.target(p, 'documents');
    const document = p['document'] as { file_name: string; content: string } | undefined;
    if (!document || typeof document !== 'object') throw new ApiError(400, 'Bad Request: there is no document in the request');
    return this.store({ chat_id: chatId, text: '', html: '', links: [], previewDisabled: true, buttons: [], document, ...(thread !== undefined && { thread_id: thread }) });
  }

  private sendPhoto(p: Record<string, unknown>): unknown {
    const { chatId, thread } = this.target(p, 'photos');
    const photo = p['photo'] as { file_name: string; content: string; bytes: Uint8Array } | undefined;
    if (!photo || typeof photo !== 'object') throw new ApiError(400, 'Bad Request: there is no photo in the request');
    if (!isPng(photo.bytes)) throw new ApiError(400, 'Bad Request: IMAGE_PROCESS_FAILED');
    return this.store({ chat_id: chatId, text: '', html: '', links: [], previewDisabled: true, buttons: [], photo, ...(thread !== undefined && { thread_id: thread }) });
  }

  private store(message: Omit<SentMessage, 'message_id'>): unknown {
    const stored = { ...message, message_id: this.nextMessageId++ };
    this.sent.push(stored);
    const chat = this.groups.get(stored.chat_id)?.chat ?? { id: stored.chat_id, type: 'private' };
    return {
      message_id: stored.message_id,
      from: this.bot,
      chat,
      date: this.now(),
      ...(stored.text && { text: stored.text }),
      ...(stored.document && { document: { file_name: stored.document.file_name, file_id: `f${stored.message_id}`, file_unique_id: `u${stored.message_id}` } }),
      ...(stored.thread_id !== undefined && { message_thread_id: stored.thread_id, is_topic_message: true }),
    };
  }

  /**
   * Only the bot's own text messages can be edited: a member's message "can't be edited", one that is gone (or never
   * was) is "not found", and an edit that leaves text and buttons as they are is refused as "not modified".
   */
  private editMessageText(p: Record<string, unknown>): unknown {
    const chatId = Number(p['chat_id']);
    const messageId = Number(p['message_id']);
    if (this.memberMessages.has(`${chatId}:${messageId}`)) throw new ApiError(400, "Bad Request: message can't be edited");
    const message = this.sentMessage(p);
    if (message.document || message.photo) throw new ApiError(400, 'Bad Request: there is no text in the message to edit');
    const html = String(p['text'] ?? '');
    const { text, links } = p['parse_mode'] === 'HTML' ? parseHtml(html) : { text: html, links: [] };
    if (text.trim() === '') throw new ApiError(400, 'Bad Request: message text is empty');
    if (text.length > 4096) throw new ApiError(400, 'Bad Request: MESSAGE_TOO_LONG');
    const buttons = this.buttons(p['reply_markup']);
    if (text === message.text && JSON.stringify(buttons) === JSON.stringify(message.buttons))
      throw new ApiError(400, 'Bad Request: message is not modified: specified new message content and reply markup are exactly the same as a current content and reply markup of the message');
    Object.assign(message, { text, html, links, buttons });
    this.edits.push({ chat_id: chatId, message_id: messageId, text, at: Date.now() });
    return { message_id: messageId, from: this.bot, chat: this.groups.get(chatId)?.chat ?? { id: chatId, type: 'private' }, date: this.now(), edit_date: this.now(), text };
  }

  private sentMessage(p: Record<string, unknown>): SentMessage {
    const message = this.sent.find((m) => m.chat_id === Number(p['chat_id']) && m.message_id === Number(p['message_id']) && !m.deleted);
    if (!message) throw new ApiError(400, 'Bad Request: message to edit not found');
    return message;
  }

  private answerCallbackQuery(p: Record<string, unknown>): true {
    const id = String(p['callback_query_id']);
    const tappedAt = this.openQueries.get(id);
    // A query is answered once, within the window; after that (or for an id never given) Telegram refuses.
    if (tappedAt === undefined || Date.now() - tappedAt >= this.answerWindowMs) throw new ApiError(400, 'Bad Request: query is too old and response timeout expired or query ID is invalid');
    const text = p['text'] === undefined ? undefined : String(p['text']);
    if (text !== undefined && text.length > 200) throw new ApiError(400, 'Bad Request: MESSAGE_TOO_LONG');
    const url = p['url'] === undefined ? undefined : String(p['url']);
    if (url !== undefined && !url.startsWith(`https://t.me/${this.bot.username}?start=`)) throw new ApiError(400, 'Bad Request: URL_INVALID');
    this.openQueries.delete(id);
    this.answers.set(id, { ...(text !== undefined && { text }), ...(p['show_alert'] !== undefined && { show_alert: Boolean(p['show_alert']) }), ...(url && { url }) });
    return true;
  }
}
