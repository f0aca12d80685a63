import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { WebSocketServer, type WebSocket } from 'ws';

/**
 * A fake Discord on 127.0.0.1: the REST API under /api/v10 and a WebSocket gateway, speaking the real protocol
 * (https://discord.com/developers/docs): HELLO, IDENTIFY, READY, GUILD_CREATE, heartbeats and their ACKs, dispatches
 * with sequence numbers; interaction callbacks within 3 seconds and only once; webhooks for follow-ups; messages,
 * threads, command registration with Discord's own checks. Members act through the methods below.
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

export interface FakeMessage {
  id: string;
  channel_id: string;
  author: { id: string; username: string; bot: boolean };
  content: string;
  embeds: { description?: string; title?: string }[];
  components: { type: number; components: { type: number; custom_id?: string; label?: string; disabled?: boolean; options?: { label: string; value: string }[] }[] }[];
  attachments: { filename: string; content: string }[];
  flags: number;
  deleted?: boolean;
  edited?: boolean;
  /** The interaction this message answers. */
  interaction?: string;
}

interface FakeInteraction {
  id: string;
  token: string;
  channelId: string;
  createdAt: number;
  /** The callback type given: 4 message, 5 deferred, 8 autocomplete, 9 modal. */
  response?: number;
  responses: { type: number; data?: Record<string, unknown> }[];
  original?: string;
  done: () => void;
  finished: Promise<void>;
}

const EPHEMERAL = 1 << 6;
const MANAGE_GUILD = 1n << 5n;
const DISCORD_EPOCH = 1420070400000n;

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
  readonly channels = new Map<string, { id: string; type: number; guild_id: string; name: string; parent_id?: string }>();
  readonly commands = new Map<string, Record<string, unknown>[]>();
  readonly interactions = new Map<string, FakeInteraction>();
  /** Every REST request, in order. */
  readonly requests: { method: string; path: string; at: number }[] = [];
  heartbeats = 0;
  readonly roles: { id: string; name: string }[] = [];
  identified = 0;

  private readonly sockets = new Set<WebSocket>();
  private sequence = 0;
  private counter = 0n;

  private constructor(
    readonly token: string,
    private readonly server: Server,
    private readonly gateway: WebSocketServer,
    readonly url: string,
    private readonly heartbeatInterval: number,
  ) {
    this.channels.set(this.channelId, { id: this.channelId, type: 0, guild_id: this.guildId, name: 'governance' });
  }

  static async start(options: { heartbeatInterval?: number; roles?: { id: string; name: string }[] } = {}): Promise<FakeDiscord> {
    let fake: FakeDiscord | undefined;
    const server = createServer((req, res) => void fake!.handle(req, res));
    const gateway = new WebSocketServer({ server, path: '/gateway' });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    fake = new FakeDiscord('MTEwMDAwMDAwMDAwMDAwMDAwMQ.fake.token-for-tests-only', server, gateway, `http://127.0.0.1:${port}`, options.heartbeatInterval ?? 41_250);
    fake.roles.push(...(options.roles ?? []));
    gateway.on('connection', (socket) => fake!.connect(socket));
    return fake;
  }

  async close(): Promise<void> {
    for (const socket of this.sockets) socket.terminate();
    this.gateway.close();
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  member(id: string, username: string, options: { moderator?: boolean; roles?: string[] } = {}): FakeDiscordUser {
    return { id, username, global_name: username, discriminator: '0', bot: false, permissions: String(options.moderator ? MANAGE_GUILD | 3072n : 3072n), roles: options.roles ?? [] };
  }

  snowflake(): string {
    return String(((BigInt(Date.now()) - DISCORD_EPOCH) << 22n) + this.counter++);
  }

  // ---- what members do (each waits until the bot has handled everything sent so far)

  /** A slash command; resolves with the interaction once the bot has answered it. */
  async command(user: FakeDiscordUser, name: string, options: Record<string, string> = {}, subcommand?: string, channelId = this.channelId): Promise<FakeInteraction> {
    const list = this.typedOptions(name, subcommand, options);
    const data = { id: this.snowflake(), name, type: 1, guild_id: this.guildId, options: subcommand ? [{ name: subcommand, type: 1, options: list }] : list };
    return this.interact(user, 2, data, channelId);
  }

  /** Option values as Discord's client sends them: typed by the registered command (a string option stays a string). */
  private typedOptions(name: string, subcommand: string | undefined, options: Record<string, string>): { name: string; type: number; value: string | number | boolean }[] {
    type Def = { name: string; type: number; options?: Def[] };
    const command = [...this.commands.values()].flat().find((c) => c['name'] === name) as Def | undefined;
    if (!command) throw new Error(`/${name} is not registered`);
    const defs = subcommand ? command.options?.find((o) => o.name === subcommand)?.options : command.options;
    return Object.entries(options).map(([n, raw]) => {
      const def = defs?.find((d) => d.name === n);
      if (!def) throw new Error(`/${name} ${subcommand ?? ''} has no option ${n}: Discord's client would not send it`);
      const value = def.type === 4 || def.type === 10 ? Number(raw) : def.type === 5 ? raw === 'true' : raw;
      return { name: n, type: def.type, value };
    });
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

  async submitModal(user: FakeDiscordUser, customId: string, fields: Record<string, string>, channelId = this.channelId): Promise<FakeInteraction> {
    const components = Object.entries(fields).map(([id, value]) => ({ type: 1, components: [{ type: 4, custom_id: id, value }] }));
    return this.interact(user, 5, { custom_id: customId, components }, channelId);
  }

  async autocomplete(user: FakeDiscordUser, name: string, options: Record<string, string>, focused: string, subcommand?: string): Promise<FakeInteraction> {
    // While typing, Discord sends the focused value as the raw text typed so far.
    const list = this.typedOptions(name, subcommand, options).map((o) => (o.name === focused ? { ...o, value: options[focused]!, focused: true } : o));
    const data = { id: this.snowflake(), name, type: 1, guild_id: this.guildId, options: subcommand ? [{ name: subcommand, type: 1, options: list }] : list };
    return this.interact(user, 4, data, this.channelId);
  }

  /** A member (or a bot) writes in a channel or thread. */
  async post(user: Omit<FakeDiscordUser, 'permissions' | 'roles'> & Partial<FakeDiscordUser>, channelId: string, content: string, options: { duplicate?: boolean } = {}): Promise<string> {
    const message = this.store({ channel_id: channelId, author: { id: user.id, username: user.username, bot: user.bot }, content, embeds: [], components: [], attachments: [], flags: 0 });
    const event = { ...this.messageJson(message), member: { roles: [], joined_at: new Date(0).toISOString(), deaf: false, mute: false, flags: 0 } };
    this.dispatch('MESSAGE_CREATE', event);
    if (options.duplicate) this.dispatch('MESSAGE_CREATE', event);
    await this.sync(user as FakeDiscordUser);
    return message.id;
  }

  async edit(user: FakeDiscordUser, messageId: string, content: string): Promise<void> {
    const message = this.messages.get(messageId)!;
    message.content = content;
    this.dispatch('MESSAGE_UPDATE', { ...this.messageJson(message), edited_timestamp: new Date().toISOString() });
    await this.sync(user);
  }

  async remove(user: FakeDiscordUser, messageId: string): Promise<void> {
    const message = this.messages.get(messageId)!;
    message.deleted = true;
    this.dispatch('MESSAGE_DELETE', { id: message.id, channel_id: message.channel_id, guild_id: this.guildId });
    await this.sync(user);
  }

  async react(user: FakeDiscordUser, messageId: string, emoji: string, present = true): Promise<void> {
    const message = this.messages.get(messageId)!;
    const base = { user_id: user.id, channel_id: message.channel_id, message_id: messageId, guild_id: this.guildId, emoji: { id: null, name: emoji }, burst: false, type: 0 };
    if (present) this.dispatch('MESSAGE_REACTION_ADD', { ...base, message_author_id: message.author.id, member: this.memberJson(user) });
    else this.dispatch('MESSAGE_REACTION_REMOVE', base);
    await this.sync(user);
  }

  /** Sends an event again, as a gateway may after a resume. */
  async redispatch(event: string, data: Record<string, unknown>, user: FakeDiscordUser): Promise<void> {
    this.dispatch(event, data);
    await this.sync(user);
  }

  /**
   * The bot handles events one at a time, in order: once it has answered an autocomplete request sent after them,
   * everything before is handled too.
   */
  async sync(user: FakeDiscordUser): Promise<void> {
    const interaction = this.sendInteraction(user, 4, { id: this.snowflake(), name: 'help', type: 1, guild_id: this.guildId, options: [{ name: 'round', type: 3, value: '', focused: true }] }, this.channelId);
    await interaction.finished;
  }

  /** Everything the bot showed in answer to an interaction: its messages, as text. */
  answerOf(interaction: FakeInteraction): FakeMessage[] {
    return [...this.messages.values()].filter((m) => m.interaction === interaction.id);
  }

  textOf(message: FakeMessage): string {
    return [message.content, ...message.embeds.map((e) => (e.description ?? '').replace(/^```\n|\n```$/g, ''))].filter(Boolean).join('\n');
  }

  inChannel(channelId: string): FakeMessage[] {
    return [...this.messages.values()].filter((m) => m.channel_id === channelId && !m.deleted && !(m.flags & EPHEMERAL));
  }

  /** What the bot wrote to a member in direct messages. */
  directMessagesTo(userId: string): FakeMessage[] {
    return this.inChannel(`9${userId.padStart(18, '0')}`);
  }

  threadOf(messageId: string): string | undefined {
    return [...this.channels.values()].find((c) => c.type === 11 && (c as { message_id?: string }).message_id === messageId)?.id;
  }

  // ---- the gateway

  private connect(socket: WebSocket): void {
    this.sockets.add(socket);
    socket.on('close', () => this.sockets.delete(socket));
    socket.send(JSON.stringify({ op: 10, d: { heartbeat_interval: this.heartbeatInterval }, s: null, t: null }));
    socket.on('message', (raw) => {
      const packet = JSON.parse(String(raw)) as { op: number; d: Record<string, unknown> };
      if (packet.op === 1) {
        this.heartbeats++;
        socket.send(JSON.stringify({ op: 11, d: null, s: null, t: null }));
      } else if (packet.op === 2) {
        if (packet.d['token'] !== this.token) return socket.close(4004, 'Authentication failed.');
        this.identified++;
        (socket as WebSocket & { identified?: boolean }).identified = true;
        this.send(socket, 'READY', {
          v: 10,
          user: { ...this.bot, avatar: null, flags: 0, verified: true },
          guilds: [{ id: this.guildId, unavailable: true }],
          session_id: `session-${this.identified}`,
          resume_gateway_url: this.url.replace('http', 'ws') + '/gateway',
          shard: [0, 1],
          application: { id: this.appId, flags: 0 },
        });
        this.send(socket, 'GUILD_CREATE', this.guildJson());
      }
    });
  }

  private send(socket: WebSocket, t: string, d: unknown): void {
    socket.send(JSON.stringify({ op: 0, t, s: ++this.sequence, d }));
  }

  private dispatch(t: string, d: unknown): void {
    for (const socket of this.sockets) if ((socket as WebSocket & { identified?: boolean }).identified) this.send(socket, t, d);
  }

  private guildJson() {
    return {
      id: this.guildId,
      name: 'Test DAO',
      icon: null,
      owner_id: '1',
      afk_timeout: 300,
      verification_level: 0,
      default_message_notifications: 0,
      explicit_content_filter: 0,
      roles: [{ id: this.guildId, name: '@everyone' }, ...this.roles].map((r, position) => ({ ...r, color: 0, hoist: false, position, permissions: '3072', managed: false, mentionable: false, flags: 0 })),
      emojis: [],
      features: [],
      mfa_level: 0,
      system_channel_id: this.channelId,
      system_channel_flags: 0,
      rules_channel_id: null,
      joined_at: new Date(0).toISOString(),
      large: false,
      unavailable: false,
      member_count: 21,
      voice_states: [],
      members: [{ user: this.bot, roles: [], joined_at: new Date(0).toISOString(), deaf: false, mute: false, flags: 0 }],
      channels: [...this.channels.values()].filter((c) => c.type === 0).map((c, position) => ({ ...c, position, permission_overwrites: [], topic: null, nsfw: false, last_message_id: null, rate_limit_per_user: 0, parent_id: null })),
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
    await this.sync(user);
    return interaction;
  }

  private sendInteraction(user: FakeDiscordUser, type: number, data: Record<string, unknown>, channelId: string, message?: FakeMessage): FakeInteraction {
    const id = this.snowflake();
    const token = `interaction-token-${id}`;
    let done = () => {};
    const finished = new Promise<void>((resolve) => (done = resolve));
    const interaction: FakeInteraction = { id, token, channelId, createdAt: Date.now(), responses: [], done, finished };
    this.interactions.set(id, interaction);
    const channel = this.channels.get(channelId)!;
    this.dispatch('INTERACTION_CREATE', {
      id,
      application_id: this.appId,
      type,
      data,
      guild_id: this.guildId,
      channel_id: channelId,
      channel: { id: channelId, type: channel.type, guild_id: this.guildId, name: channel.name, ...(channel.parent_id && { parent_id: channel.parent_id }) },
      member: this.memberJson(user),
      token,
      version: 1,
      app_permissions: '2251799813685247',
      locale: 'en-US',
      guild_locale: 'en-US',
      entitlements: [],
      authorizing_integration_owners: { '0': this.guildId },
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
    this.requests.push({ method, path, at: Date.now() });
    const send = (status: number, body?: unknown) => {
      res.writeHead(status, body === undefined ? {} : { 'content-type': 'application/json' });
      res.end(body === undefined ? undefined : JSON.stringify(body));
    };
    try {
      const interactionCallback = /^\/interactions\/(\d+)\/([^/]+)\/callback$/.exec(path);
      const isWebhook = path.startsWith('/webhooks/') || interactionCallback;
      if (!isWebhook && req.headers.authorization !== `Bot ${this.token}`) throw new ApiError(401, 0, '401: Unauthorized');
      const { body, files } = method === 'GET' || method === 'DELETE' ? { body: {}, files: [] } : await readPayload(req);
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

  private async route(method: string, path: string, url: URL, body: Record<string, unknown>, files: { filename: string; content: string }[], callback: RegExpExecArray | null): Promise<unknown> {
    let m: RegExpExecArray | null;
    if (method === 'GET' && path === '/gateway/bot')
      return { url: this.url.replace('http', 'ws') + '/gateway', shards: 1, session_start_limit: { total: 1000, remaining: 999, reset_after: 0, max_concurrency: 1 } };
    if (method === 'PUT' && (m = /^\/applications\/(\d+)(?:\/guilds\/(\d+))?\/commands$/.exec(path))) return this.putCommands(m[2] ?? 'global', body as unknown as Record<string, unknown>[]);
    if (method === 'POST' && callback) return this.callback(callback[1]!, callback[2]!, body, files, url.searchParams.get('with_response') === 'true');
    if ((m = /^\/webhooks\/(\d+)\/([^/]+)(?:\/messages\/(@original|\d+))?$/.exec(path))) return this.webhook(method, m[2]!, m[3], body, files);
    if ((m = /^\/channels\/(\d+)\/messages\/(\d+)\/threads$/.exec(path)) && method === 'POST') return this.startThread(m[1]!, m[2]!, String(body['name'] ?? ''));
    if ((m = /^\/channels\/(\d+)\/messages\/(\d+)$/.exec(path))) return this.channelMessage(method, m[1]!, m[2]!, body);
    if ((m = /^\/channels\/(\d+)\/messages$/.exec(path)) && method === 'POST') return this.messageJson(this.create(m[1]!, body, files));
    if ((m = /^\/users\/(\d+)$/.exec(path)) && method === 'GET') return { id: m[1], username: `user${m[1]}`, global_name: null, discriminator: '0', avatar: null, bot: false };
    if (path === '/users/@me/channels' && method === 'POST') {
      // A direct-message channel with the member; messages the bot sends there are kept like any other.
      const recipient = String(body['recipient_id']);
      const id = `9${recipient.padStart(18, '0')}`;
      this.channels.set(id, { id, type: 1, guild_id: '', name: `dm-${recipient}` });
      return { id, type: 1, last_message_id: null, recipients: [{ id: recipient, username: `user${recipient}`, discriminator: '0', avatar: null }] };
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
      let optionalSeen = false;
      for (const x of options) {
        if (x['type'] !== 1 && x['type'] !== 2) {
          if (!x['required']) optionalSeen = true;
          else if (optionalSeen) errors.push(`${where}.${String(x['name'])}: required options must be placed before non-required options`);
        }
        if (((x['choices'] as unknown[]) ?? []).length > 25) errors.push(`${where}.${String(x['name'])}: at most 25 choices`);
        checkOption(x, `${where}.${String(x['name'])}`);
      }
    };
    for (const c of commands) checkOption(c, String(c['name']));
    if (errors.length) throw new ApiError(400, 50035, 'Invalid Form Body', errors);
    const stored = commands.map((c) => ({ ...c, id: this.snowflake(), application_id: this.appId, version: this.snowflake(), ...(scope !== 'global' && { guild_id: scope }) }));
    this.commands.set(scope, stored);
    return stored;
  }

  private callback(id: string, token: string, body: Record<string, unknown>, files: { filename: string; content: string }[], withResponse: boolean): unknown {
    const interaction = this.interactions.get(id);
    if (!interaction || interaction.token !== token || Date.now() - interaction.createdAt > 3000) throw new ApiError(404, 10062, 'Unknown interaction');
    if (interaction.response !== undefined) throw new ApiError(400, 40060, 'Interaction has already been acknowledged.');
    const type = Number(body['type']);
    const data = (body['data'] as Record<string, unknown> | undefined) ?? {};
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
      this.dispatch('MESSAGE_DELETE', { id, channel_id: channelId, guild_id: this.guildId });
      return undefined;
    }
    if (method === 'PATCH') {
      if (message.author.id !== this.bot.id) throw new ApiError(403, 50005, 'Cannot edit a message authored by another user');
      this.update(message, body, []);
      this.dispatch('MESSAGE_UPDATE', { ...this.messageJson(message), guild_id: this.guildId });
      return this.messageJson(message);
    }
    throw new ApiError(405, 0, '405: Method Not Allowed');
  }

  private startThread(channelId: string, messageId: string, name: string): unknown {
    if (!this.messages.has(messageId)) throw new ApiError(404, 10008, 'Unknown Message');
    if (name.length < 1 || name.length > 100) throw new ApiError(400, 50035, 'Invalid Form Body', { name: 'Must be between 1 and 100 in length.' });
    if (this.threadOf(messageId)) throw new ApiError(400, 160004, 'A thread has already been created for this message');
    const thread = { id: messageId, type: 11, guild_id: this.guildId, parent_id: channelId, name, message_id: messageId };
    this.channels.set(thread.id, thread);
    const json = { ...thread, owner_id: this.bot.id, message_count: 0, member_count: 1, rate_limit_per_user: 0, flags: 0, thread_metadata: { archived: false, auto_archive_duration: 1440, archive_timestamp: new Date().toISOString(), locked: false } };
    this.dispatch('THREAD_CREATE', { ...json, newly_created: true });
    return json;
  }

  private check(body: Record<string, unknown>): void {
    const content = String(body['content'] ?? '');
    if (content.length > 2000) throw new ApiError(400, 50035, 'Invalid Form Body', { content: 'Must be 2000 or fewer in length.' });
    const embeds = (body['embeds'] as { description?: string }[] | undefined) ?? [];
    if (embeds.length > 10) throw new ApiError(400, 50035, 'Invalid Form Body', { embeds: 'Must be 10 or fewer in length.' });
    if (embeds.some((e) => (e.description ?? '').length > 4096)) throw new ApiError(400, 50035, 'Invalid Form Body', { embeds: 'description must be 4096 or fewer in length.' });
    if (embeds.reduce((n, e) => n + (e.description ?? '').length, 0) > 6000) throw new ApiError(400, 50035, 'Invalid Form Body', { embeds: 'Embed size exceeds maximum size of 6000' });
    const rows = (body['components'] as FakeMessage['components'] | undefined) ?? [];
    for (const row of rows) {
      if (row.components.length > 5) throw new ApiError(400, 50035, 'Invalid Form Body', { components: 'at most 5 components per row' });
      for (const c of row.components) {
        if (c.custom_id !== undefined && (c.custom_id.length < 1 || c.custom_id.length > 100)) throw new ApiError(400, 50035, 'Invalid Form Body', { custom_id: 'Must be between 1 and 100 in length.' });
        if (c.label !== undefined && c.label.length > 80) throw new ApiError(400, 50035, 'Invalid Form Body', { label: 'Must be 80 or fewer in length.' });
        if ((c.options?.length ?? 0) > 25) throw new ApiError(400, 50035, 'Invalid Form Body', { options: 'Must be 25 or fewer in length.' });
      }
    }
  }

  /** A message by the bot; a deferred answer starts empty, to be edited. */
  private create(channelId: string, body: Record<string, unknown>, files: { filename: string; content: string }[], interaction?: string, pending = false): FakeMessage {
    if (!this.channels.has(channelId)) throw new ApiError(404, 10003, 'Unknown Channel');
    if (!pending) this.check(body);
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
    });
    if (!(message.flags & EPHEMERAL)) this.dispatch('MESSAGE_CREATE', { ...this.messageJson(message), guild_id: this.guildId });
    return message;
  }

  private update(message: FakeMessage, body: Record<string, unknown>, files: { filename: string; content: string }[]): void {
    this.check(body);
    if ('content' in body) message.content = String(body['content'] ?? '');
    if ('embeds' in body) message.embeds = (body['embeds'] as FakeMessage['embeds']) ?? [];
    if ('components' in body) message.components = (body['components'] as FakeMessage['components']) ?? [];
    if (files.length) message.attachments = files;
    message.edited = true;
  }

  private store(message: Omit<FakeMessage, 'id'>): FakeMessage {
    const stored = { ...message, id: this.snowflake() };
    this.messages.set(stored.id, stored);
    return stored;
  }

  private messageJson(m: FakeMessage) {
    return {
      id: m.id,
      channel_id: m.channel_id,
      guild_id: this.guildId,
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
      type: m.interaction ? 20 : 0,
      flags: m.flags,
    };
  }
}

export type { FakeInteraction };
