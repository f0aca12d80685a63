import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { WebSocketServer, type WebSocket } from 'ws';

/**
 * A fake Discord on 127.0.0.1: the REST API under /api/v10 and a WebSocket gateway, speaking the real protocol
 * (https://discord.com/developers/docs): HELLO, IDENTIFY, READY, GUILD_CREATE, RESUME with the events a session missed,
 * shards (IDENTIFY's `shard: [id, count]`: a server's events go only to shard `(guild_id >> 22) % count`, direct messages
 * to shard 0; an id ≥ count is closed with 4010, more than `maxGuildsPerShard` servers on one shard with 4011),
 * heartbeats and their ACKs, dispatches with sequence numbers; interaction callbacks within the deadline (3 s) and only
 * once; webhooks for follow-ups for 15 minutes; messages, threads, command registration with Discord's own checks.
 * It refuses what Discord refuses: the message, component, modal and autocomplete limits, half a surrogate pair, posts
 * where the bot lacks a permission (50013), direct messages to members who closed them (50007); it fails on request
 * (5xx, 429 with the rate-limit headers discord.js reads), honours `nonce` + `enforce_nonce` within `nonceWindowMs`, and records
 * `allowed_mentions` to say who a message pinged. Members act through the methods below. Its state outlives the bot.
 */

export interface FakeDiscordUser {
  id: string;
  username: string;
  global_name: string;
  discriminator: string;
  bot: boolean;
  /** Permission bits in the guild, as Discord computes them. */
  permissions: string;
  roles: string[];
}

export interface AllowedMentions {
  parse?: ('users' | 'roles' | 'everyone')[];
  users?: string[];
  roles?: string[];
  replied_user?: boolean;
}

export interface FakeMessage {
  id: string;
  channel_id: string;
  author: { id: string; username: string; bot: boolean };
  content: string;
  embeds: { description?: string; title?: string; color?: number; image?: { url: string } }[];
  components: { type: number; components: { type: number; custom_id?: string; label?: string; placeholder?: string; disabled?: boolean; options?: { label: string; value: string }[] }[] }[];
  attachments: { filename: string; content: string }[];
  flags: number;
  deleted?: boolean;
  edited?: boolean;
  /** The interaction this message answers. */
  interaction?: string;
  /** As sent; undefined when the bot sent none (Discord then parses every mention). */
  allowedMentions?: AllowedMentions;
  /** The message this one replies to. */
  replyTo?: string;
  nonce?: string;
  /** When Discord created it (Date.now()): a nonce is enforced against recent messages only. */
  createdAt: number;
}

/** An attached file a member gives a slash command's ATTACHMENT option. */
export interface FakeFile {
  filename: string;
  content: string;
  contentType?: string;
}

interface FakeInteraction {
  id: string;
  token: string;
  channelId: string;
  userId: string;
  createdAt: number;
  /** The callback type given: 4 message, 5 deferred, 8 autocomplete, 9 modal. */
  response?: number;
  responses: { type: number; data?: Record<string, unknown> }[];
  /** Callbacks Discord refused, with their codes (10062 late, 40060 twice). */
  refused: number[];
  original?: string;
  done: () => void;
  finished: Promise<void>;
}

/** Permissions the bot may lack in a channel (https://discord.com/developers/docs/topics/permissions). */
export type Permission = 'SendMessages' | 'EmbedLinks' | 'AttachFiles' | 'CreatePublicThreads' | 'ManageRoles';
const PERMISSION_BITS: Record<Permission, bigint> = { SendMessages: 1n << 11n, EmbedLinks: 1n << 14n, AttachFiles: 1n << 15n, CreatePublicThreads: 1n << 35n, ManageRoles: 1n << 28n };
const ALL_PERMISSIONS = 2251799813685247n;
/** The bot's own role in a server: everything but Administrator, unless a test invites it with less. */
const BOT_PERMISSIONS = ALL_PERMISSIONS & ~(1n << 3n);

/** A failure the fake answers with instead of doing the request: a 5xx, or a 429 to wait out. */
interface Failure {
  match: RegExp;
  status: number;
  times: number;
  retryAfter: number;
}

interface Guild {
  id: string;
  name: string;
  systemChannelId: string;
  /** The permissions of the bot's role, the one role it has, in the whole server. */
  botPermissions: bigint;
}

interface Session {
  id: string;
  /** [shard id, shard count] as IDENTIFY gave it. */
  shard: [number, number];
  sequence: number;
  /** Every event of the session, to replay those after the sequence a RESUME gives. */
  events: { s: number; t: string; d: unknown }[];
  socket?: WebSocket | undefined;
}

const EPHEMERAL = 1 << 6;
const MANAGE_GUILD = 1n << 5n;
const DISCORD_EPOCH = 1420070400000n;
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
/** A masked link as Discord renders it: `[text](url)` not escaped by a backslash. */
const MASKED_LINK = /(?<!\\)\[[^\]\n]+\]\(\s*<?https?:\/\/[^)\s]+>?\s*\)/g;

class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: number,
    message: string,
    readonly errors?: unknown,
  ) {
    super(message);
  }
}

const invalid = (errors: unknown) => new ApiError(400, 50035, 'Invalid Form Body', errors);

/** Discord reads text as UTF-8: half a surrogate pair (half an emoji cut by code units) is refused. */
function refuseBadStrings(value: unknown, path = 'body'): void {
  if (typeof value === 'string') {
    if (LONE_SURROGATE.test(value)) throw invalid({ [path]: 'Invalid string: contains a lone surrogate.' });
  } else if (Array.isArray(value)) value.forEach((v, i) => refuseBadStrings(v, `${path}.${i}`));
  else if (value && typeof value === 'object') for (const [k, v] of Object.entries(value)) refuseBadStrings(v, `${path}.${k}`);
}

function lengthWithin(value: unknown, min: number, max: number, path: string): void {
  const length = String(value ?? '').length;
  if (length < min || length > max) throw invalid({ [path]: `Must be between ${min} and ${max} in length.` });
}

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

/** JSON, or multipart with payload_json and files[n], as Discord takes them. */
async function readPayload(req: IncomingMessage): Promise<{ body: Record<string, unknown>; files: { filename: string; content: string }[] }> {
  const raw = await readBody(req);
  const type = req.headers['content-type'] ?? '';
  if (raw.length === 0) return { body: {}, files: [] };
  if (type.startsWith('multipart/form-data')) {
    const form = await new Request('http://127.0.0.1/', { method: 'POST', headers: { 'content-type': type }, body: raw }).formData();
    const files: { filename: string; content: string }[] = [];
    let body: Record<string, unknown> = {};
    for (const [key, value] of form.entries()) {
      if (key === 'payload_json' && typeof value === 'string') body = JSON.parse(value) as Record<string, unknown>;
      else if (typeof value !== 'string') files.push({ filename: value.name, content: await value.text() });
    }
    return { body, files };
  }
  return { body: JSON.parse(raw.toString('utf8')) as Record<string, unknown>, files: [] };
}

export class FakeDiscord {
  readonly appId = '1100000000000000001';
  readonly guildId = '1200000000000000001';
  readonly channelId = '1300000000000000001';
  readonly bot = { id: this.appId, username: 'govbot', global_name: 'govbot', discriminator: '0', bot: true };
  readonly messages = new Map<string, FakeMessage>();
  readonly channels = new Map<string, { id: string; type: number; guild_id: string; name: string; parent_id?: string; recipient?: string }>();
  readonly guilds = new Map<string, Guild>();
  readonly commands = new Map<string, Record<string, unknown>[]>();
  readonly interactions = new Map<string, FakeInteraction>();
  /** Every edit Discord took, in order: the message and its content after it. */
  readonly edits: { id: string; content: string; at: number }[] = [];
  /** Every REST request, in order, with what Discord answered. */
  readonly requests: { method: string; path: string; at: number; status?: number; code?: number }[] = [];
  heartbeats = 0;
  /** The server's roles besides @everyone and the bot's; `aboveBot` puts one above the bot's role in the list. */
  readonly roles: { id: string; name: string; aboveBot?: boolean }[] = [];
  identified = 0;
  /** The shard ([id, count]) of each IDENTIFY, in order. */
  readonly identifies: [number, number][] = [];
  resumed = 0;
  /** How long after it was created an interaction may still get its first response (Discord: 3 s). */
  interactionDeadlineMs: number;
  /** How long an interaction's token works for follow-ups and edits (Discord: 15 minutes). */
  tokenLifetimeMs = 15 * 60_000;
  /**
   * How long a nonce sent with `enforce_nonce` finds the message created with it: Discord says "the past few minutes"
   * (not more precisely), so the fake takes the short end; a test sets 0 for a redo after the window.
   */
  nonceWindowMs = 2 * 60_000;
  /** Members whose privacy settings refuse direct messages from the server's members. */
  readonly closedDms = new Set<string>();

  private readonly users = new Map<string, FakeDiscordUser>();
  private readonly denied = new Map<string, Set<Permission>>();
  private readonly failures: Failure[] = [];
  private readonly delays: { match: RegExp; ms: number }[] = [];
  private readonly files = new Map<string, FakeFile>();
  private readonly sessions = new Map<string, Session>();
  private counter = 0n;

  private constructor(
    readonly token: string,
    private readonly server: Server,
    private readonly gateway: WebSocketServer,
    readonly url: string,
    private readonly heartbeatInterval: number,
    interactionDeadlineMs: number,
    private readonly gatewayLimits: { recommendedShards: number; maxConcurrency: number; maxGuildsPerShard: number },
  ) {
    this.interactionDeadlineMs = interactionDeadlineMs;
    this.guilds.set(this.guildId, { id: this.guildId, name: 'Test DAO', systemChannelId: this.channelId, botPermissions: BOT_PERMISSIONS });
    this.channels.set(this.channelId, { id: this.channelId, type: 0, guild_id: this.guildId, name: 'governance' });
  }

  /**
   * `recommendedShards` is what GET /gateway/bot says (shards: auto uses it), `maxConcurrency` how many shards may
   * IDENTIFY at once (1 for small bots, 16 and more for large ones: discord.js waits 5 s between buckets).
   */
  static async start(options: { heartbeatInterval?: number; roles?: { id: string; name: string }[]; interactionDeadlineMs?: number; recommendedShards?: number; maxConcurrency?: number; maxGuildsPerShard?: number } = {}): Promise<FakeDiscord> {
    let fake: FakeDiscord | undefined;
    const server = createServer((req, res) => void fake!.handle(req, res));
    const gateway = new WebSocketServer({ server, path: '/gateway' });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    fake = new FakeDiscord('MTEwMDAwMDAwMDAwMDAwMDAwMQ.fake.token-for-tests-only', server, gateway, `http://127.0.0.1:${port}`, options.heartbeatInterval ?? 41_250, options.interactionDeadlineMs ?? 3000, {
      recommendedShards: options.recommendedShards ?? 1,
      maxConcurrency: options.maxConcurrency ?? 1,
      maxGuildsPerShard: options.maxGuildsPerShard ?? 2500,
    });
    fake.roles.push(...(options.roles ?? []));
    gateway.on('connection', (socket) => fake!.connect(socket));
    return fake;
  }

  async close(): Promise<void> {
    for (const session of this.sessions.values()) session.socket?.terminate();
    this.gateway.close();
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  member(id: string, username: string, options: { moderator?: boolean; roles?: string[] } = {}): FakeDiscordUser {
    const user = { id, username, global_name: username, discriminator: '0', bot: false, permissions: String(options.moderator ? MANAGE_GUILD | 3072n : 3072n), roles: options.roles ?? [] };
    this.users.set(id, user);
    return user;
  }

  /** Another server the bot is in, with one text channel; its GUILD_CREATE is sent at once. */
  addGuild(name: string, options: { lacks?: Permission[] } = {}): { guildId: string; channelId: string } {
    const guildId = this.snowflake();
    const channelId = this.snowflake();
    const botPermissions = (options.lacks ?? []).reduce((bits, p) => bits & ~PERMISSION_BITS[p], BOT_PERMISSIONS);
    this.guilds.set(guildId, { id: guildId, name, systemChannelId: channelId, botPermissions });
    this.channels.set(channelId, { id: channelId, type: 0, guild_id: guildId, name: 'governance' });
    this.dispatch('GUILD_CREATE', this.guildJson(this.guilds.get(guildId)!));
    return { guildId, channelId };
  }

  snowflake(): string {
    return String(((BigInt(Date.now()) - DISCORD_EPOCH) << 22n) + this.counter++);
  }

  // ---- what the test makes Discord do

  /** The bot loses a permission in a channel (a channel override); Discord then refuses with 50013. */
  deny(channelId: string, permission: Permission): void {
    this.denied.set(channelId, new Set([...(this.denied.get(channelId) ?? []), permission]));
  }

  /**
   * The next `times` requests whose `METHOD /path` matches fail with `status`: a 5xx, or a 429 whose Retry-After and
   * X-RateLimit-* headers say to wait `retryAfter` seconds (discord.js waits and retries; it retries a 5xx 3 times).
   */
  fail(match: RegExp, status: number, options: { times?: number; retryAfter?: number } = {}): void {
    this.failures.push({ match, status, times: options.times ?? 1, retryAfter: options.retryAfter ?? 1 });
  }

  /** Requests whose `METHOD /path` matches are answered `ms` late (a slow CDN or API), until `undo` is called. */
  slow(match: RegExp, ms: number): { undo: () => void } {
    const delay = { match, ms };
    this.delays.push(delay);
    return { undo: () => void this.delays.splice(this.delays.indexOf(delay), 1) };
  }

  /** A server on each of `count` shards, by shard id (the first server, then new ones: snowflakes fall on shards by time). */
  guildOnEachShard(count: number): { guildId: string; channelId: string }[] {
    const byShard = new Map([[FakeDiscord.shardOf(this.guildId, count), { guildId: this.guildId, channelId: this.channelId }]]);
    while (byShard.size < count) {
      const guild = this.addGuild(`DAO ${byShard.size + 1}`);
      const shard = FakeDiscord.shardOf(guild.guildId, count);
      if (!byShard.has(shard)) byShard.set(shard, guild);
    }
    return Array.from({ length: count }, (_, shard) => byShard.get(shard)!);
  }

  /** The shard a server's events go to, by Discord's rule. */
  static shardOf(guildId: string, count: number): number {
    return Number((BigInt(guildId) >> 22n) % BigInt(count));
  }

  /** Drops the gateway connections, as Discord does now and then; the bot resumes and gets what it missed. */
  dropConnections(): void {
    for (const session of this.sessions.values()) {
      session.socket?.terminate();
      session.socket = undefined;
    }
  }

  // ---- what members do (each waits until the bot has handled everything sent so far)

  /** A slash command; resolves with the interaction once the bot has answered it. */
  async command(user: FakeDiscordUser, name: string, options: Record<string, string> = {}, subcommand?: string, channelId = this.channelId, files: Record<string, FakeFile> = {}): Promise<FakeInteraction> {
    const { list, resolved } = this.typedOptions(name, subcommand, options, files);
    const data = { id: this.snowflake(), name, type: 1, guild_id: this.guildOf(channelId), options: subcommand ? [{ name: subcommand, type: 1, options: list }] : list, ...(resolved && { resolved }) };
    return this.interact(user, 2, data, channelId);
  }

  /**
   * Option values as Discord's client sends them: typed by the registered command (a string option stays a string), a
   * USER option as the picked member's id (given here by id or username), a ROLE option as the picked role's id (given
   * here by id, name or `<@&id>`; the picker offers only the server's roles), an ATTACHMENT option as the uploaded file's
   * id, with the users, roles and attachments in `resolved`.
   */
  private typedOptions(name: string, subcommand: string | undefined, options: Record<string, string>, files: Record<string, FakeFile> = {}) {
    type Def = { name: string; type: number; options?: Def[] };
    const command = [...this.commands.values()].flat().find((c) => c['name'] === name) as Def | undefined;
    if (!command) throw new Error(`/${name} is not registered`);
    const defs = subcommand ? command.options?.find((o) => o.name === subcommand)?.options : command.options;
    const def = (n: string, type?: number) => {
      const found = defs?.find((d) => d.name === n);
      if (!found || (type !== undefined && found.type !== type)) throw new Error(`/${name} ${subcommand ?? ''} has no ${type === 11 ? 'attachment ' : ''}option ${n}: Discord's client would not send it`);
      return found;
    };
    const users: Record<string, unknown> = {};
    const members: Record<string, unknown> = {};
    const attachments: Record<string, unknown> = {};
    const roles: Record<string, unknown> = {};
    const list: { name: string; type: number; value: string | number | boolean }[] = Object.entries(options).map(([n, raw]) => {
      const { type } = def(n);
      if (type === 6) {
        const user = this.users.get(raw) ?? [...this.users.values()].find((u) => u.username === raw.replace(/^@/, ''));
        if (!user) throw new Error(`the user picker has no member "${raw}"`);
        users[user.id] = this.memberJson(user).user;
        members[user.id] = { ...this.memberJson(user), user: undefined };
        return { name: n, type, value: user.id };
      }
      if (type === 8) {
        const wanted = raw.replace(/^<@&(\d+)>$/, '$1');
        const role = [{ id: this.guildId, name: '@everyone' }, ...this.roles].find((r) => r.id === wanted || r.name === wanted || `@${r.name}` === wanted);
        if (!role) throw new Error(`the role picker has no role "${raw}"`);
        roles[role.id] = { id: role.id, name: role.name, color: 0, hoist: false, position: this.positionOf(role.id), permissions: '3072', managed: false, mentionable: false, flags: 0 };
        return { name: n, type, value: role.id };
      }
      return { name: n, type, value: type === 4 || type === 10 ? Number(raw) : type === 5 ? raw === 'true' : raw };
    });
    for (const [n, file] of Object.entries(files)) {
      def(n, 11);
      const id = this.snowflake();
      this.files.set(id, file);
      const size = Buffer.byteLength(file.content);
      attachments[id] = { id, filename: file.filename, size, url: `${this.url}/attachments/${id}/${encodeURIComponent(file.filename)}`, proxy_url: `${this.url}/attachments/${id}/${encodeURIComponent(file.filename)}`, ...(file.contentType && { content_type: file.contentType }) };
      list.push({ name: n, type: 11, value: id });
    }
    const any = (o: object) => Object.keys(o).length > 0;
    const resolved = any(users) || any(attachments) || any(roles) ? { ...(any(users) && { users, members }), ...(any(roles) && { roles }), ...(any(attachments) && { attachments }) } : undefined;
    return { list, resolved };
  }

  /** Clicks a button, or picks an option of a select menu, of a message. */
  async click(user: FakeDiscordUser, message: FakeMessage, index: number): Promise<FakeInteraction> {
    const component = message.components.flatMap((r) => r.components)[0]!;
    if (component.type === 3) {
      const option = component.options![index]!;
      return this.interact(user, 3, { custom_id: component.custom_id, component_type: 3, values: [option.value] }, message.channel_id, message);
    }
    const button = message.components.flatMap((r) => r.components)[index]!;
    return this.interact(user, 3, { custom_id: button.custom_id, component_type: 2 }, message.channel_id, message);
  }

  /**
   * A slash command Discord delivered to another process of the bot (the one running the server's shard), not to the
   * one this fake's gateway serves: it exists, with its token, but no bot here receives it.
   */
  commandElsewhere(user: FakeDiscordUser, name: string, channelId = this.channelId): FakeInteraction {
    return this.sendInteraction(user, 2, { id: this.snowflake(), name, type: 1, guild_id: this.guildOf(channelId), options: [] }, channelId, undefined, false);
  }

  /** Clicks without waiting for the bot's answer: the interaction, and a promise that resolves once it is answered. */
  clickNow(user: FakeDiscordUser, message: FakeMessage, index: number): FakeInteraction {
    const button = message.components.flatMap((r) => r.components)[index]!;
    return this.sendInteraction(user, 3, { custom_id: button.custom_id, component_type: 2 }, message.channel_id, message);
  }

  async submitModal(user: FakeDiscordUser, customId: string, fields: Record<string, string>, channelId = this.channelId): Promise<FakeInteraction> {
    const components = Object.entries(fields).map(([id, value]) => ({ type: 1, components: [{ type: 4, custom_id: id, value }] }));
    return this.interact(user, 5, { custom_id: customId, components }, channelId);
  }

  async autocomplete(user: FakeDiscordUser, name: string, options: Record<string, string>, focused: string, subcommand?: string): Promise<FakeInteraction> {
    // While typing, Discord sends the focused value as the raw text typed so far.
    const list = this.typedOptions(name, subcommand, options).list.map((o) => (o.name === focused ? { ...o, value: options[focused]!, focused: true } : o));
    const data = { id: this.snowflake(), name, type: 1, guild_id: this.guildId, options: subcommand ? [{ name: subcommand, type: 1, options: list }] : list };
    return this.interact(user, 4, data, this.channelId);
  }

  /** A member (or a bot) writes in a channel or thread. */
  async post(user: Omit<FakeDiscordUser, 'permissions' | 'roles'> & Partial<FakeDiscordUser>, channelId: string, content: string, options: { duplicate?: boolean } = {}): Promise<string> {
    const message = this.store({ channel_id: channelId, author: { id: user.id, username: user.username, bot: user.bot }, content, embeds: [], components: [], attachments: [], flags: 0 });
    const event = { ...this.messageJson(message), member: { roles: [], joined_at: new Date(0).toISOString(), deaf: false, mute: false, flags: 0 } };
    this.dispatch('MESSAGE_CREATE', event);
    if (options.duplicate) this.dispatch('MESSAGE_CREATE', event);
    await this.sync(user as FakeDiscordUser, channelId);
    return message.id;
  }

  async edit(user: FakeDiscordUser, messageId: string, content: string): Promise<void> {
    const message = this.messages.get(messageId)!;
    message.content = content;
    this.dispatch('MESSAGE_UPDATE', { ...this.messageJson(message), edited_timestamp: new Date().toISOString() });
    await this.sync(user, message.channel_id);
  }

  async remove(user: FakeDiscordUser, messageId: string): Promise<void> {
    const message = this.messages.get(messageId)!;
    message.deleted = true;
    this.dispatch('MESSAGE_DELETE', { id: message.id, channel_id: message.channel_id, guild_id: this.guildOf(message.channel_id) });
    await this.sync(user, message.channel_id);
  }

  async react(user: FakeDiscordUser, messageId: string, emoji: string, present = true): Promise<void> {
    const message = this.messages.get(messageId)!;
    const base = { user_id: user.id, channel_id: message.channel_id, message_id: messageId, guild_id: this.guildOf(message.channel_id), emoji: { id: null, name: emoji }, burst: false, type: 0 };
    if (present) this.dispatch('MESSAGE_REACTION_ADD', { ...base, message_author_id: message.author.id, member: this.memberJson(user) });
    else this.dispatch('MESSAGE_REACTION_REMOVE', base);
    await this.sync(user, message.channel_id);
  }

  /** Sends an event again, as a gateway may after a resume. */
  async redispatch(event: string, data: Record<string, unknown>, user: FakeDiscordUser): Promise<void> {
    this.dispatch(event, data);
    await this.sync(user);
  }

  /**
   * The bot handles each server's events one at a time, in order: once it has answered an autocomplete request sent
   * after them in the same server, everything before in that server is handled too.
   */
  async sync(user: FakeDiscordUser, channelId = this.channelId): Promise<void> {
    const guildId = this.guildOf(channelId);
    // In the server's own channel: the channel given may be a direct message or a thread.
    const channel = this.guilds.get(guildId)!.systemChannelId;
    const interaction = this.sendInteraction(user, 4, { id: this.snowflake(), name: 'help', type: 1, guild_id: guildId, options: [{ name: 'round', type: 3, value: '', focused: true }] }, channel);
    await interaction.finished;
  }

  /** Everything the bot showed in answer to an interaction: its messages, as text. */
  answerOf(interaction: FakeInteraction): FakeMessage[] {
    return [...this.messages.values()].filter((m) => m.interaction === interaction.id);
  }

  textOf(message: FakeMessage): string {
    // An embed reads as its title, then its description with the code fences taken away.
    return [message.content, ...message.embeds.flatMap((e) => [e.title ?? '', (e.description ?? '').replace(/(^|\n)```(\n|$)/g, '$1').replace(/\n$/, '')])].filter(Boolean).join('\n');
  }

  inChannel(channelId: string): FakeMessage[] {
    return [...this.messages.values()].filter((m) => m.channel_id === channelId && !m.deleted && !(m.flags & EPHEMERAL));
  }

  /** What the bot wrote to a member in direct messages. */
  directMessagesTo(userId: string): FakeMessage[] {
    return this.inChannel(this.dmChannelOf(userId));
  }

  threadOf(messageId: string): string | undefined {
    return [...this.channels.values()].find((c) => c.type === 11 && (c as { message_id?: string }).message_id === messageId)?.id;
  }

  /**
   * Whom a message notified, by Discord's rules: mentions in its content are parsed as its `allowed_mentions` allows
   * (all of them when it has none), and a reply pings the replied-to author when `replied_user` says so (or by default).
   */
  pingsOf(message: FakeMessage): { everyone: boolean; users: string[]; roles: string[] } {
    const allowed = message.allowedMentions ?? { parse: ['users', 'roles', 'everyone'], replied_user: true };
    const parse = allowed.parse ?? [];
    const content = message.content;
    const everyone = parse.includes('everyone') && /@(everyone|here)\b/.test(content);
    const mentioned = [...content.matchAll(/<@!?(\d+)>/g)].map((m) => m[1]!);
    const users = mentioned.filter((id) => parse.includes('users') || (allowed.users ?? []).includes(id));
    const replied = message.replyTo ? this.messages.get(message.replyTo)?.author.id : undefined;
    if (replied && allowed.replied_user && !users.includes(replied)) users.push(replied);
    const roles = [...content.matchAll(/<@&(\d+)>/g)].map((m) => m[1]!).filter((id) => parse.includes('roles') || (allowed.roles ?? []).includes(id));
    return { everyone, users: [...new Set(users)], roles: [...new Set(roles)] };
  }

  /** The masked links (`[text](url)`) Discord would render as links in a message's content. */
  maskedLinksOf(message: FakeMessage): string[] {
    // Embed descriptions render masked links as content does.
    return [message.content, ...message.embeds.flatMap((e) => [e.title ?? '', e.description ?? ''])].flatMap((text) => [...text.matchAll(MASKED_LINK)].map((m) => m[0]));
  }

  // ---- the gateway

  private connect(socket: WebSocket): void {
    socket.send(JSON.stringify({ op: 10, d: { heartbeat_interval: this.heartbeatInterval }, s: null, t: null }));
    socket.on('close', () => {
      for (const session of this.sessions.values()) if (session.socket === socket) session.socket = undefined;
    });
    socket.on('message', (raw) => {
      const packet = JSON.parse(String(raw)) as { op: number; d: Record<string, unknown> };
      if (packet.op === 1) {
        this.heartbeats++;
        socket.send(JSON.stringify({ op: 11, d: null, s: null, t: null }));
      } else if (packet.op === 2) {
        if (packet.d['token'] !== this.token) return socket.close(4004, 'Authentication failed.');
        const shard = (packet.d['shard'] ?? [0, 1]) as unknown;
        const valid = Array.isArray(shard) && shard.length === 2 && shard.every((n) => Number.isInteger(n)) && shard[1] >= 1 && shard[0] >= 0 && shard[0] < shard[1];
        if (!valid) return socket.close(4010, 'Invalid shard.');
        const [id, count] = shard as [number, number];
        const guilds = [...this.guilds.values()].filter((g) => FakeDiscord.shardOf(g.id, count) === id);
        if (guilds.length > this.gatewayLimits.maxGuildsPerShard) return socket.close(4011, 'Sharding required.');
        this.identified++;
        this.identifies.push([id, count]);
        const session: Session = { id: `session-${this.identified}`, shard: [id, count], sequence: 0, events: [], socket };
        this.sessions.set(session.id, session);
        this.send(session, 'READY', {
          v: 10,
          user: { ...this.bot, avatar: null, flags: 0, verified: true },
          guilds: guilds.map((g) => ({ id: g.id, unavailable: true })),
          session_id: session.id,
          resume_gateway_url: this.url.replace('http', 'ws') + '/gateway',
          shard: [id, count],
          application: { id: this.appId, flags: 0 },
        });
        for (const guild of guilds) this.send(session, 'GUILD_CREATE', this.guildJson(guild));
      } else if (packet.op === 6) {
        // RESUME: the events after the last sequence the client saw are sent again, then RESUMED.
        const session = this.sessions.get(String(packet.d['session_id']));
        if (packet.d['token'] !== this.token || !session) return void socket.send(JSON.stringify({ op: 9, d: false, s: null, t: null }));
        this.resumed++;
        session.socket = socket;
        const seq = Number(packet.d['seq'] ?? 0);
        for (const event of session.events.filter((e) => e.s > seq)) socket.send(JSON.stringify({ op: 0, ...event }));
        this.send(session, 'RESUMED', {});
      }
    });
  }

  private send(session: Session, t: string, d: unknown): void {
    const event = { s: ++session.sequence, t, d };
    session.events.push(event);
    if (session.socket?.readyState === 1) session.socket.send(JSON.stringify({ op: 0, ...event }));
  }

  /** An event to the sessions of the shard it belongs to: its server's, or shard 0 for one outside any server. */
  private dispatch(t: string, d: unknown): void {
    const data = d as { guild_id?: string; id?: string };
    const guildId = t === 'GUILD_CREATE' ? data.id : data.guild_id;
    for (const session of this.sessions.values()) {
      const [id, count] = session.shard;
      if ((guildId === undefined ? 0 : FakeDiscord.shardOf(guildId, count)) === id) this.send(session, t, d);
    }
  }

  private guildOf(channelId: string): string {
    return this.channels.get(channelId)?.guild_id ?? this.guildId;
  }

  private dmChannelOf(userId: string): string {
    return `9${userId.padStart(18, '0')}`;
  }

  private guildJson(guild: Guild) {
    return {
      id: guild.id,
      name: guild.name,
      icon: null,
      owner_id: '1',
      afk_timeout: 300,
      verification_level: 0,
      default_message_notifications: 0,
      explicit_content_filter: 0,
      roles: [
        ...[{ id: guild.id, name: '@everyone' }, ...this.roles].map((r) => ({ id: r.id, name: r.name, color: 0, hoist: false, position: this.positionOf(r.id), permissions: '3072', managed: false, mentionable: false, flags: 0 })),
        { id: this.botRoleOf(guild), name: 'govbot', color: 0, hoist: false, position: this.roles.length + 1, permissions: String(guild.botPermissions), managed: true, mentionable: false, flags: 0, tags: { bot_id: this.bot.id } },
      ],
      emojis: [],
      features: [],
      mfa_level: 0,
      system_channel_id: guild.systemChannelId,
      system_channel_flags: 0,
      rules_channel_id: null,
      joined_at: new Date(0).toISOString(),
      large: false,
      unavailable: false,
      member_count: 21,
      voice_states: [],
      members: [{ user: this.bot, roles: [this.botRoleOf(guild)], joined_at: new Date(0).toISOString(), deaf: false, mute: false, flags: 0 }],
      channels: [...this.channels.values()]
        .filter((c) => c.type === 0 && c.guild_id === guild.id)
        .map((c, position) => ({ ...c, position, permission_overwrites: [], topic: null, nsfw: false, last_message_id: null, rate_limit_per_user: 0, parent_id: null })),
      threads: [],
      presences: [],
      stage_instances: [],
      guild_scheduled_events: [],
      stickers: [],
      premium_tier: 0,
      preferred_locale: 'en-US',
      nsfw_level: 0,
      premium_progress_bar_enabled: false,
    };
  }

  private memberJson(user: FakeDiscordUser) {
    return { user: { id: user.id, username: user.username, global_name: user.global_name, discriminator: '0', bot: user.bot, avatar: null }, roles: user.roles, joined_at: new Date(0).toISOString(), deaf: false, mute: false, flags: 0, permissions: user.permissions, nick: null };
  }

  private async interact(user: FakeDiscordUser, type: number, data: Record<string, unknown>, channelId: string, message?: FakeMessage): Promise<FakeInteraction> {
    const interaction = this.sendInteraction(user, type, data, channelId, message);
    await this.sync(user, channelId);
    return interaction;
  }

  private sendInteraction(user: FakeDiscordUser, type: number, data: Record<string, unknown>, channelId: string, message?: FakeMessage, dispatched = true): FakeInteraction {
    const id = this.snowflake();
    const token = `interaction-token-${id}`;
    let done = () => {};
    const finished = new Promise<void>((resolve) => (done = resolve));
    const interaction: FakeInteraction = { id, token, channelId, userId: user.id, createdAt: Date.now(), responses: [], refused: [], done, finished };
    this.interactions.set(id, interaction);
    if (!dispatched) return interaction;
    const channel = this.channels.get(channelId)!;
    const guildId = this.guildOf(channelId);
    const appPermissions = [...(this.denied.get(channelId) ?? [])].reduce((bits, p) => bits & ~PERMISSION_BITS[p], ALL_PERMISSIONS);
    this.dispatch('INTERACTION_CREATE', {
      id,
      application_id: this.appId,
      type,
      data,
      guild_id: guildId,
      channel_id: channelId,
      channel: { id: channelId, type: channel.type, guild_id: guildId, name: channel.name, ...(channel.parent_id && { parent_id: channel.parent_id }) },
      member: this.memberJson(user),
      token,
      version: 1,
      app_permissions: String(appPermissions),
      locale: 'en-US',
      guild_locale: 'en-US',
      entitlements: [],
      authorizing_integration_owners: { '0': guildId },
      context: 0,
      ...(message && { message: this.messageJson(message) }),
    });
    return interaction;
  }

  // ---- REST

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', this.url);
    const path = decodeURIComponent(url.pathname).replace(/^\/api\/v10/, '');
    const method = req.method ?? 'GET';
    const request: (typeof this.requests)[number] = { method, path, at: Date.now() };
    this.requests.push(request);
    const send = (status: number, body?: unknown, headers: Record<string, string> = {}) => {
      request.status = status;
      request.code = (body as { code?: number } | undefined)?.code;
      res.writeHead(status, { ...(body !== undefined && { 'content-type': 'application/json' }), ...headers });
      res.end(body === undefined ? undefined : JSON.stringify(body));
    };
    try {
      const delay = this.delays.find((d) => d.match.test(`${method} ${path}`));
      if (delay) await new Promise((resolve) => setTimeout(resolve, delay.ms));
      const failure = this.failures.find((f) => f.times > 0 && f.match.test(`${method} ${path}`));
      if (failure) {
        failure.times--;
        await readBody(req);
        if (failure.status !== 429) return send(failure.status, { message: `${failure.status}: Server Error`, code: 0 });
        const after = String(failure.retryAfter);
        return send(
          429,
          { message: 'You are being rate limited.', retry_after: failure.retryAfter, global: false, code: 0 },
          { 'retry-after': after, 'x-ratelimit-limit': '5', 'x-ratelimit-remaining': '0', 'x-ratelimit-reset-after': after, 'x-ratelimit-bucket': 'fake-bucket', 'x-ratelimit-scope': 'user' },
        );
      }
      const attachment = /^\/attachments\/(\d+)\/(.+)$/.exec(path);
      if (method === 'GET' && attachment) return this.download(res, attachment[1]!, attachment[2]!);
      const interactionCallback = /^\/interactions\/(\d+)\/([^/]+)\/callback$/.exec(path);
      const isWebhook = path.startsWith('/webhooks/') || interactionCallback;
      if (!isWebhook && req.headers.authorization !== `Bot ${this.token}`) throw new ApiError(401, 0, '401: Unauthorized');
      const { body, files } = method === 'GET' || method === 'DELETE' ? { body: {}, files: [] } : await readPayload(req);
      refuseBadStrings(body);
      const result = await this.route(method, path, url, body, files, interactionCallback);
      if (result === undefined) send(204);
      else send(200, result);
    } catch (error) {
      if (!(error instanceof ApiError)) {
        send(500, { message: String(error), code: 0 });
        return;
      }
      send(error.status, { message: error.message, code: error.code, ...(error.errors !== undefined && { errors: error.errors }) });
    }
  }

  /** The CDN: a file members attached, or one the bot posted. */
  private download(res: ServerResponse, id: string, filename: string): void {
    const file = this.files.get(id) ?? this.messages.get(id)?.attachments.find((a) => a.filename === filename);
    if (!file) {
      res.writeHead(404).end('Not Found');
      return;
    }
    const type = ('contentType' in file && typeof file.contentType === 'string' && file.contentType) || 'application/octet-stream';
    res.writeHead(200, { 'content-type': type });
    res.end(file.content);
  }

  private async route(method: string, path: string, url: URL, body: Record<string, unknown>, files: { filename: string; content: string }[], callback: RegExpExecArray | null): Promise<unknown> {
    let m: RegExpExecArray | null;
    if (method === 'GET' && path === '/gateway/bot')
      return { url: this.url.replace('http', 'ws') + '/gateway', shards: this.gatewayLimits.recommendedShards, session_start_limit: { total: 1000, remaining: 999, reset_after: 0, max_concurrency: this.gatewayLimits.maxConcurrency } };
    if (method === 'PUT' && (m = /^\/applications\/(\d+)(?:\/guilds\/(\d+))?\/commands$/.exec(path))) return this.putCommands(m[2] ?? 'global', body as unknown as Record<string, unknown>[]);
    if (method === 'POST' && callback) return this.callback(callback[1]!, callback[2]!, body, files, url.searchParams.get('with_response') === 'true');
    if ((m = /^\/webhooks\/(\d+)\/([^/]+)(?:\/messages\/(@original|\d+))?$/.exec(path))) return this.webhook(method, m[2]!, m[3], body, files);
    if ((m = /^\/channels\/(\d+)\/messages\/(\d+)\/threads$/.exec(path)) && method === 'POST') return this.startThread(m[1]!, m[2]!, body['name']);
    if ((m = /^\/channels\/(\d+)\/messages\/(\d+)$/.exec(path))) return this.channelMessage(method, m[1]!, m[2]!, body);
    if ((m = /^\/channels\/(\d+)\/messages$/.exec(path)) && method === 'POST') return this.messageJson(this.postMessage(m[1]!, body, files));
    if ((m = /^\/users\/(\d+)$/.exec(path)) && method === 'GET') {
      const user = this.users.get(m[1]!);
      return { id: m[1], username: user?.username ?? `user${m[1]}`, global_name: null, discriminator: '0', avatar: null, bot: false };
    }
    if (path === '/users/@me/channels' && method === 'POST') {
      // A direct-message channel with the member: opening it always works; posting in it may not (50007).
      const recipient = String(body['recipient_id']);
      const id = this.dmChannelOf(recipient);
      this.channels.set(id, { id, type: 1, guild_id: '', name: `dm-${recipient}`, recipient });
      return { id, type: 1, last_message_id: null, recipients: [{ id: recipient, username: `user${recipient}`, discriminator: '0', avatar: null }] };
    }
    const role = this.roleRoute(method, path, body);
    if (role) return role.result;
    if ((m = /^\/guilds\/(\d+)$/.exec(path)) && method === 'GET') {
      // REST gives a server without what only the gateway sends (channels, members, voice states).
      const guild = this.guilds.get(m[1]!);
      if (!guild) throw new ApiError(404, 10004, 'Unknown Guild');
      const { channels: _channels, members: _members, voice_states: _voice, joined_at: _joined, large: _large, member_count: _count, unavailable: _unavailable, ...json } = this.guildJson(guild);
      return json;
    }
    if ((m = /^\/channels\/(\d+)$/.exec(path)) && method === 'GET') {
      const channel = this.channels.get(m[1]!);
      if (!channel) throw new ApiError(404, 10003, 'Unknown Channel');
      return { ...channel, position: 0, permission_overwrites: [] };
    }
    throw new ApiError(404, 0, `404: Not Found (${method} ${path})`);
  }

  private putCommands(scope: string, commands: Record<string, unknown>[]): unknown {
    const errors: string[] = [];
    if (!Array.isArray(commands) || commands.length > 100) errors.push('at most 100 commands');
    const checkOption = (o: Record<string, unknown>, where: string) => {
      if (!/^[-_\p{Ll}\p{N}]{1,32}$/u.test(String(o['name']))) errors.push(`${where}: invalid name`);
      const d = String(o['description'] ?? '');
      if (d.length < 1 || d.length > 100) errors.push(`${where}: description must be 1-100 characters`);
      const options = (o['options'] as Record<string, unknown>[] | undefined) ?? [];
      if (options.length > 25) errors.push(`${where}: at most 25 options`);
      if (new Set(options.map((x) => x['name'])).size !== options.length) errors.push(`${where}: option names must be unique`);
      let optionalSeen = false;
      for (const x of options) {
        if (x['type'] !== 1 && x['type'] !== 2) {
          if (!x['required']) optionalSeen = true;
          else if (optionalSeen) errors.push(`${where}.${String(x['name'])}: required options must be placed before non-required options`);
        }
        if (((x['choices'] as unknown[]) ?? []).length > 25) errors.push(`${where}.${String(x['name'])}: at most 25 choices`);
        if (x['autocomplete'] && ![3, 4, 10].includes(Number(x['type']))) errors.push(`${where}.${String(x['name'])}: only string, integer and number options may autocomplete`);
        if ((x['min_length'] !== undefined || x['max_length'] !== undefined) && x['type'] !== 3) errors.push(`${where}.${String(x['name'])}: min_length and max_length are for string options`);
        checkOption(x, `${where}.${String(x['name'])}`);
      }
    };
    for (const c of commands) checkOption(c, String(c['name']));
    if (errors.length) throw invalid(errors);
    const stored = commands.map((c) => ({ ...c, id: this.snowflake(), application_id: this.appId, version: this.snowflake(), ...(scope !== 'global' && { guild_id: scope }) }));
    this.commands.set(scope, stored);
    return stored;
  }

  private callback(id: string, token: string, body: Record<string, unknown>, files: { filename: string; content: string }[], withResponse: boolean): unknown {
    const interaction = this.interactions.get(id);
    const refuse = (error: ApiError) => {
      interaction?.refused.push(error.code);
      interaction?.done();
      return error;
    };
    if (!interaction || interaction.token !== token || Date.now() - interaction.createdAt > this.interactionDeadlineMs) throw refuse(new ApiError(404, 10062, 'Unknown interaction'));
    if (interaction.response !== undefined) throw refuse(new ApiError(400, 40060, 'Interaction has already been acknowledged.'));
    const type = Number(body['type']);
    const data = (body['data'] as Record<string, unknown> | undefined) ?? {};
    if (type === 9) this.checkModal(data);
    if (type === 8) this.checkChoices(data);
    interaction.response = type;
    interaction.responses.push({ type, data });
    let message: FakeMessage | undefined;
    if (type === 4 || type === 5) {
      message = this.create(interaction.channelId, { ...data, content: type === 5 ? '' : data['content'] }, files, interaction.id, type === 5);
      interaction.original = message.id;
    }
    if (type === 4 || type === 8 || type === 9) interaction.done();
    if (!withResponse) return undefined;
    return { interaction: { id, type: 2, response_message_id: message?.id, response_message_loading: type === 5, response_message_ephemeral: Boolean(Number(data['flags'] ?? 0) & EPHEMERAL) }, resource: { type, ...(message && { message: this.messageJson(message) }) } };
  }

  private webhook(method: string, token: string, target: string | undefined, body: Record<string, unknown>, files: { filename: string; content: string }[]): unknown {
    const interaction = [...this.interactions.values()].find((i) => i.token === token);
    if (!interaction || interaction.response === undefined) throw new ApiError(404, 10015, 'Unknown Webhook');
    if (Date.now() - interaction.createdAt > this.tokenLifetimeMs) throw new ApiError(401, 50027, 'Invalid Webhook Token');
    if (target === undefined && method === 'POST') {
      const message = this.create(interaction.channelId, body, files, interaction.id);
      interaction.done();
      return this.messageJson(message);
    }
    const id = target === '@original' ? interaction.original : target;
    const message = id ? this.messages.get(id) : undefined;
    if (!message || message.deleted) throw new ApiError(404, 10008, 'Unknown Message');
    if (method === 'GET') return this.messageJson(message);
    if (method === 'DELETE') {
      message.deleted = true;
      return undefined;
    }
    if (method === 'PATCH') {
      this.update(message, body, files);
      interaction.done();
      return this.messageJson(message);
    }
    throw new ApiError(405, 0, '405: Method Not Allowed');
  }

  private channelMessage(method: string, channelId: string, id: string, body: Record<string, unknown>): unknown {
    const message = this.messages.get(id);
    if (!message || message.channel_id !== channelId || message.deleted) throw new ApiError(404, 10008, 'Unknown Message');
    if (method === 'GET') return this.messageJson(message);
    if (method === 'DELETE') {
      message.deleted = true;
      this.dispatch('MESSAGE_DELETE', { id, channel_id: channelId, guild_id: this.guildOf(channelId) });
      return undefined;
    }
    if (method === 'PATCH') {
      if (message.author.id !== this.bot.id) throw new ApiError(403, 50005, 'Cannot edit a message authored by another user');
      this.update(message, body, []);
      this.dispatch('MESSAGE_UPDATE', { ...this.messageJson(message), guild_id: this.guildOf(channelId) });
      return this.messageJson(message);
    }
    throw new ApiError(405, 0, '405: Method Not Allowed');
  }

  /** A role's place in the server's list: @everyone 0, then the roles in order, the bot's above them but `aboveBot` ones. */
  positionOf(roleId: string): number {
    const at = this.roles.findIndex((r) => r.id === roleId);
    if (at < 0) return 0;
    return this.roles[at]!.aboveBot ? this.roles.length + 2 : at + 1;
  }

  /**
   * The role endpoints (https://discord.com/developers/docs/resources/guild#create-guild-role): creating a role and
   * giving or taking one need Manage Roles, and a bot may only give roles below its own highest role (50013 otherwise).
   */
  private roleRoute(method: string, path: string, body: Record<string, unknown>): { result: unknown } | undefined {
    let m: RegExpExecArray | null;
    if ((m = /^\/guilds\/(\d+)\/roles$/.exec(path)) && method === 'POST') {
      this.requireGuildPermission(m[1]!, 'ManageRoles');
      const role = { id: this.snowflake(), name: String(body['name'] ?? 'new role') };
      if (role.name.length > 100) throw new ApiError(400, 50035, 'Invalid Form Body');
      this.roles.push(role);
      return { result: { ...role, color: 0, hoist: false, position: this.positionOf(role.id), permissions: '0', managed: false, mentionable: false, flags: 0 } };
    }
    if ((m = /^\/guilds\/(\d+)\/members\/(\d+)$/.exec(path)) && method === 'GET') {
      const user = this.users.get(m[2]!);
      if (!user) throw new ApiError(404, 10007, 'Unknown Member');
      return { result: this.memberJson(user) };
    }
    if ((m = /^\/guilds\/(\d+)\/members\/(\d+)\/roles\/(\d+)$/.exec(path)) && (method === 'PUT' || method === 'DELETE')) {
      const [, guildId, userId, roleId] = m as unknown as [string, string, string, string];
      this.requireGuildPermission(guildId, 'ManageRoles');
      if (!this.roles.some((r) => r.id === roleId)) throw new ApiError(404, 10011, 'Unknown Role');
      if (this.positionOf(roleId) >= this.roles.length + 1) throw new ApiError(403, 50013, 'Missing Permissions');
      const user = this.users.get(userId);
      if (!user) throw new ApiError(404, 10007, 'Unknown Member');
      user.roles = method === 'PUT' ? [...new Set([...user.roles, roleId])] : user.roles.filter((r) => r !== roleId);
      this.roleChanges.push({ method, userId, roleId });
      return { result: undefined };
    }
    return undefined;
  }

  /** Every role given or taken, in order (tests of pacing and of what changed). */
  readonly roleChanges: { method: string; userId: string; roleId: string }[] = [];

  private requireGuildPermission(guildId: string, permission: Permission): void {
    const guild = this.guilds.get(guildId);
    if (!guild) throw new ApiError(404, 10004, 'Unknown Guild');
    if ((guild.botPermissions & PERMISSION_BITS[permission]) === 0n) throw new ApiError(403, 50013, 'Missing Permissions');
  }

  /** Narrows the bot's role in a server (a moderator took a permission away). */
  revoke(permission: Permission, guildId = this.guildId): void {
    const guild = this.guilds.get(guildId)!;
    guild.botPermissions &= ~PERMISSION_BITS[permission];
  }

  /** The id of the bot's managed role in a server (Discord creates one when a bot is invited with permissions). */
  botRoleOf(guild: Guild): string {
    return String(BigInt(guild.id) + 1n);
  }

  private requirePermission(channelId: string, permission: Permission): void {
    // Threads take the permissions of their channel; the channel, those of the bot's role in the server.
    const channel = this.channels.get(channelId);
    const guild = this.guilds.get(this.guildOf(channelId));
    const denied = (guild !== undefined && (guild.botPermissions & PERMISSION_BITS[permission]) === 0n) || [channelId, channel?.parent_id].some((id) => id !== undefined && this.denied.get(id)?.has(permission));
    if (denied) throw new ApiError(403, 50013, 'Missing Permissions');
  }

  private startThread(channelId: string, messageId: string, name: unknown): unknown {
    if (!this.messages.has(messageId)) throw new ApiError(404, 10008, 'Unknown Message');
    this.requirePermission(channelId, 'CreatePublicThreads');
    lengthWithin(name, 1, 100, 'name');
    if (this.threadOf(messageId)) throw new ApiError(400, 160004, 'A thread has already been created for this message');
    const thread = { id: messageId, type: 11, guild_id: this.guildOf(channelId), parent_id: channelId, name: String(name), message_id: messageId };
    this.channels.set(thread.id, thread);
    const json = { ...thread, owner_id: this.bot.id, message_count: 0, member_count: 1, rate_limit_per_user: 0, flags: 0, thread_metadata: { archived: false, auto_archive_duration: 1440, archive_timestamp: new Date().toISOString(), locked: false } };
    this.dispatch('THREAD_CREATE', { ...json, newly_created: true });
    return json;
  }

  private checkAllowedMentions(body: Record<string, unknown>): void {
    const allowed = body['allowed_mentions'] as AllowedMentions | undefined;
    if (!allowed) return;
    if (allowed.parse?.includes('users') && allowed.users?.length) throw invalid({ allowed_mentions: 'parse:["users"] and users are mutually exclusive.' });
    if (allowed.parse?.includes('roles') && allowed.roles?.length) throw invalid({ allowed_mentions: 'parse:["roles"] and roles are mutually exclusive.' });
  }

  /** What Discord refuses of a message (400, 50035): too long, too many embeds or files (10 each), bad components. */
  private check(body: Record<string, unknown>, files: readonly unknown[]): void {
    lengthWithin(body['content'], 0, 2000, 'content');
    if (files.length > 10) throw invalid({ attachments: 'Must be 10 or fewer in length.' });
    this.checkAllowedMentions(body);
    const embeds = (body['embeds'] as { description?: string; title?: string }[] | undefined) ?? [];
    if (embeds.length > 10) throw invalid({ embeds: 'Must be 10 or fewer in length.' });
    embeds.forEach((e, i) => {
      lengthWithin(e.description, 0, 4096, `embeds.${i}.description`);
      lengthWithin(e.title, 0, 256, `embeds.${i}.title`);
    });
    if (embeds.reduce((n, e) => n + (e.description ?? '').length + (e.title ?? '').length, 0) > 6000) throw invalid({ embeds: 'Embed size exceeds maximum size of 6000' });
    const rows = (body['components'] as FakeMessage['components'] | undefined) ?? [];
    if (rows.length > 5) throw invalid({ components: 'Must be 5 or fewer in length.' });
    rows.forEach((row, r) => {
      if (row.type !== 1 || row.components.length < 1 || row.components.length > 5) throw invalid({ [`components.${r}`]: 'An action row holds 1 to 5 components.' });
      if (row.components.some((c) => c.type !== 2) && row.components.length > 1) throw invalid({ [`components.${r}`]: 'A select menu must be alone in its row.' });
      row.components.forEach((c, i) => {
        const at = `components.${r}.components.${i}`;
        if (c.custom_id !== undefined) lengthWithin(c.custom_id, 1, 100, `${at}.custom_id`);
        if (c.type === 2) lengthWithin(c.label, 0, 80, `${at}.label`);
        if (c.placeholder !== undefined) lengthWithin(c.placeholder, 0, 150, `${at}.placeholder`);
        if (c.type === 3) {
          if (!c.options || c.options.length < 1 || c.options.length > 25) throw invalid({ [`${at}.options`]: 'Must be between 1 and 25 in length.' });
          c.options.forEach((o, j) => {
            lengthWithin(o.label, 1, 100, `${at}.options.${j}.label`);
            lengthWithin(o.value, 1, 100, `${at}.options.${j}.value`);
          });
        }
      });
    });
    if (body['nonce'] !== undefined) lengthWithin(body['nonce'], 1, 25, 'nonce');
  }

  private checkModal(data: Record<string, unknown>): void {
    lengthWithin(data['title'], 1, 45, 'data.title');
    lengthWithin(data['custom_id'], 1, 100, 'data.custom_id');
    const rows = (data['components'] as { components: { custom_id?: string; label?: string }[] }[] | undefined) ?? [];
    if (rows.length < 1 || rows.length > 5) throw invalid({ 'data.components': 'Must be between 1 and 5 in length.' });
    rows.forEach((row, r) =>
      row.components.forEach((c, i) => {
        lengthWithin(c.label, 1, 45, `data.components.${r}.components.${i}.label`);
        lengthWithin(c.custom_id, 1, 100, `data.components.${r}.components.${i}.custom_id`);
      }),
    );
  }

  private checkChoices(data: Record<string, unknown>): void {
    const choices = (data['choices'] as { name: string; value: unknown }[] | undefined) ?? [];
    if (choices.length > 25) throw invalid({ 'data.choices': 'Must be 25 or fewer in length.' });
    choices.forEach((c, i) => {
      lengthWithin(c.name, 1, 100, `data.choices.${i}.name`);
      if (typeof c.value === 'string') lengthWithin(c.value, 0, 100, `data.choices.${i}.value`);
    });
  }

  /** A message the bot posts in a channel: the bot needs the channel's permissions, and a member's DMs open. */
  private postMessage(channelId: string, body: Record<string, unknown>, files: { filename: string; content: string }[]): FakeMessage {
    const channel = this.channels.get(channelId);
    if (!channel) throw new ApiError(404, 10003, 'Unknown Channel');
    if (channel.recipient !== undefined && this.closedDms.has(channel.recipient)) throw new ApiError(403, 50007, 'Cannot send messages to this user');
    if (channel.type !== 1) {
      this.requirePermission(channelId, 'SendMessages');
      if (files.length) this.requirePermission(channelId, 'AttachFiles');
      if (((body['embeds'] as unknown[]) ?? []).length) this.requirePermission(channelId, 'EmbedLinks');
    }
    // With enforce_nonce, the same nonce from the same author in the same channel gives back the first message.
    const nonce = body['nonce'] === undefined ? undefined : String(body['nonce']);
    if (nonce !== undefined && body['enforce_nonce'] === true) {
      const earlier = [...this.messages.values()].find((m) => m.channel_id === channelId && m.author.id === this.bot.id && m.nonce === nonce && Date.now() - m.createdAt < this.nonceWindowMs);
      if (earlier) return earlier;
    }
    const reference = body['message_reference'] as { message_id?: string } | undefined;
    if (reference?.message_id !== undefined && !this.messages.has(reference.message_id)) throw invalid({ message_reference: 'Unknown message' });
    return this.create(channelId, body, files, undefined, false, { ...(nonce !== undefined && { nonce }), ...(reference?.message_id !== undefined && { replyTo: reference.message_id }) });
  }

  /** A message by the bot; a deferred answer starts empty, to be edited. */
  private create(channelId: string, body: Record<string, unknown>, files: { filename: string; content: string }[], interaction?: string, pending = false, extra: Pick<FakeMessage, 'nonce' | 'replyTo'> = {}): FakeMessage {
    if (!this.channels.has(channelId)) throw new ApiError(404, 10003, 'Unknown Channel');
    if (!pending) this.check(body, files);
    if (!pending && !body['content'] && !((body['embeds'] as unknown[]) ?? []).length && files.length === 0) throw new ApiError(400, 50006, 'Cannot send an empty message');
    const message = this.store({
      channel_id: channelId,
      author: { id: this.bot.id, username: this.bot.username, bot: true },
      content: String(body['content'] ?? ''),
      embeds: (body['embeds'] as FakeMessage['embeds']) ?? [],
      components: (body['components'] as FakeMessage['components']) ?? [],
      attachments: files,
      flags: Number(body['flags'] ?? 0),
      ...(interaction && { interaction }),
      ...(body['allowed_mentions'] !== undefined && { allowedMentions: body['allowed_mentions'] as AllowedMentions }),
      ...extra,
    });
    if (!(message.flags & EPHEMERAL)) this.dispatch('MESSAGE_CREATE', { ...this.messageJson(message), guild_id: this.guildOf(channelId) });
    return message;
  }

  private update(message: FakeMessage, body: Record<string, unknown>, files: { filename: string; content: string }[]): void {
    this.check(body, files);
    if ('content' in body) message.content = String(body['content'] ?? '');
    if ('embeds' in body) message.embeds = (body['embeds'] as FakeMessage['embeds']) ?? [];
    if ('components' in body) message.components = (body['components'] as FakeMessage['components']) ?? [];
    if ('allowed_mentions' in body) message.allowedMentions = body['allowed_mentions'] as AllowedMentions;
    if (files.length) message.attachments = files;
    message.edited = true;
    this.edits.push({ id: message.id, content: message.content, at: Date.now() });
  }

  private store(message: Omit<FakeMessage, 'id' | 'createdAt'>): FakeMessage {
    const stored = { ...message, id: this.snowflake(), createdAt: Date.now() };
    this.messages.set(stored.id, stored);
    return stored;
  }

  private messageJson(m: FakeMessage) {
    return {
      id: m.id,
      channel_id: m.channel_id,
      guild_id: this.guildOf(m.channel_id),
      author: { ...m.author, discriminator: '0', global_name: m.author.username, avatar: null },
      content: m.content,
      timestamp: new Date().toISOString(),
      edited_timestamp: m.edited ? new Date().toISOString() : null,
      tts: false,
      mention_everyone: false,
      mentions: [],
      mention_roles: [],
      attachments: m.attachments.map((a, i) => ({ id: String(i + 1), filename: a.filename, size: a.content.length, url: `${this.url}/attachments/${m.id}/${a.filename}`, proxy_url: '' })),
      embeds: m.embeds,
      components: m.components,
      pinned: false,
      type: m.interaction ? 20 : m.replyTo ? 19 : 0,
      flags: m.flags,
      ...(m.nonce !== undefined && { nonce: m.nonce }),
      ...(m.replyTo && { message_reference: { message_id: m.replyTo, channel_id: m.channel_id } }),
    };
  }
}

export type { FakeInteraction };
