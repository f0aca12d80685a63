import {
  ApplicationCommandOptionType,
  ChannelType,
  Client,
  DiscordAPIError,
  Events,
  GatewayIntentBits,
  HTTPError,
  InteractionResponseType,
  InteractionWebhook,
  MessageFlags,
  Partials,
  PermissionFlagsBits,
  RateLimitError,
  Routes,
  Status,
  type APIMessage,
  type Attachment as DiscordAttachment,
  type AutocompleteInteraction,
  type CommandInteractionOption,
  type Guild,
  type Interaction,
  type Message,
  type MessageCreateOptions,
  type MessageReaction,
  type PartialMessage,
  type PartialMessageReaction,
  type PartialUser,
  type RepliableInteraction,
  type SendableChannels,
  type User,
} from 'discord.js';
import { once } from 'node:events';
import type { z } from 'zod';
import type { Actor } from '../../commands/context.ts';
import { actionFor, innermost, optionKind, type Action, type Invocation } from '../../commands/framework.ts';
import { formatCommandLine } from '../../commands/parse.ts';
import type { Reply, Subject } from '../../commands/reply.ts';
import { suggest } from '../../commands/suggest.ts';
import { commentAuthor, isNamedModerator, linkedSubject, linkMessage, messagesOf, toggleChatReaction, unlinkMessage } from '../../db/chat.ts';
import { ensureCommunity } from '../../db/repositories.ts';
import type { Community } from '../../db/schema.ts';
import { clip } from '../../format/cut.ts';
import { setupChecklist } from '../../format/setup.ts';
import { TierRoles, type TierRoleOptions } from './roles.ts';
import type { Logger } from '../../log.ts';
import { reactionChanges, type ReactionEmoji } from '../reactions.ts';
import { ChatRuntime, RefusedForGood, withSubject, type OwedMessage } from '../runtime.ts';
import { StatusMessage } from '../status.ts';
import { FILE_SUFFIX, limitProblems, slashCommands } from './commands.ts';
import { choiceComponents, DISCORD_LIMITS, renderForDiscord, type MessagePayload } from './render.ts';

export interface DiscordOptions {
  token: string;
  appId: string;
  /** Register the commands in this server only: they update at once, handy while setting up. */
  guildId?: string | undefined;
  /** Discord's API root (DISCORD_API_URL), for REST and for finding the gateway. */
  apiUrl: string;
  /** Members with this role are moderators, besides those who may Manage Server. */
  moderatorRole?: string | undefined;
  reactions: ReactionEmoji;
  /** Pacing of the tier-role sync (tests shorten it). */
  tierRoles?: TierRoleOptions;
  /** Discord wants an answer within 3 s; work still running after this long is deferred first (0: always). */
  deferAfterMs?: number;
  /** How long stop() waits for the event being handled before it disconnects anyway. */
  stopWaitMs?: number;
  /**
   * Discord's sharding: `auto` (Discord's recommended count, every shard here), or the total count of all processes'
   * shards and the ones this process runs (all of them when not given). Unset: one shard.
   */
  shards?: 'auto' | { count: number; ids?: readonly number[] | undefined };
}

/** How one gateway connection of this process is doing, for /healthz. */
export interface ShardHealth {
  id: number;
  ready: boolean;
  /** The last heartbeat's round trip, in ms (-1 before the first). */
  pingMs: number;
}

/** discord.js's client options for the shards this process runs. */
function shardOptions(shards: DiscordOptions['shards']): { shards?: 'auto' | number[]; shardCount?: number } {
  if (shards === undefined) return {};
  if (shards === 'auto') return { shards: 'auto' };
  return { shards: [...(shards.ids ?? Array.from({ length: shards.count }, (_, i) => i))], shardCount: shards.count };
}

type Payload = Omit<MessagePayload, 'fileNames'> & { files?: { attachment: Buffer; name: string }[] };

const FORM_PREFIX = 'form:';
/** A rate limit longer than this is handed back (to the outbox's backoff) instead of holding the event queue. */
const LONGEST_RATE_LIMIT_WAIT_MS = 5000;
/** Discord's JSON error codes this adapter acts on (https://discord.com/developers/docs/topics/opcodes-and-status-codes). */
const DMS_CLOSED = 50007;
const UNKNOWN_MESSAGE = 10008;
const UNKNOWN_WEBHOOK = 10015;
const UNKNOWN_INTERACTION = 10062;
const ALREADY_ACKNOWLEDGED = 40060;
/** How long an interaction's token answers follow-ups and edits. */
const INTERACTION_TOKEN_MS = 15 * 60_000;
/** Member text in Discord messages pings nobody; a reply to a member's message pings that member, as a reply should. */
const NO_PINGS = { parse: [], repliedUser: false } as const;
const PING_REPLIED = { parse: [], repliedUser: true } as const;
const DMS_CLOSED_HELP = 'I could not answer you privately: allow direct messages from this server (User Settings → Privacy Settings → Direct Messages, or the server\'s Privacy Settings), then try again.';

/** The permissions the bot uses in a server, each with what it is for: the setup checklist names those it lacks. */
const SERVER_RIGHTS = [
  { name: 'Send Messages', bit: PermissionFlagsBits.SendMessages, why: 'polls, tallies and announcements are posted' },
  { name: 'Embed Links', bit: PermissionFlagsBits.EmbedLinks, why: 'tallies, tables and charts are shown as embeds' },
  { name: 'Attach Files', bit: PermissionFlagsBits.AttachFiles, why: 'charts and CSV files are attached' },
  { name: 'Create Public Threads', bit: PermissionFlagsBits.CreatePublicThreads, why: 'each proposal gets a thread for its comments' },
  { name: 'Send Messages in Threads', bit: PermissionFlagsBits.SendMessagesInThreads, why: 'answers in a proposal\'s thread' },
  { name: 'Read Message History', bit: PermissionFlagsBits.ReadMessageHistory, why: 'reactions on older comments count' },
  { name: 'Add Reactions', bit: PermissionFlagsBits.AddReactions, why: 'reactions are read on comments' },
  { name: 'Manage Roles', bit: PermissionFlagsBits.ManageRoles, why: 'members get a role per reputation tier (its role must sit above the tier roles)' },
] as const;

const messageRef = (channelId: string, messageId: string) => `message:${channelId}:${messageId}`;
const threadRef = (threadId: string) => `thread:${threadId}`;

/** Discord's own words for a failed call ("403 Missing Permissions"), for log lines and the outbox. */
function failureOf(error: unknown): string {
  if (error instanceof DiscordAPIError) return `${error.status} ${error.message} (code ${error.code}, ${error.method.toUpperCase()} ${new URL(error.url).pathname})`;
  if (error instanceof HTTPError) return `${error.status} ${error.message} (${error.method.toUpperCase()} ${new URL(error.url).pathname})`;
  if (error instanceof RateLimitError) return `429 rate limited for ${error.retryAfter} ms (${error.method.toUpperCase()} ${error.route})`;
  return error instanceof Error ? error.message : String(error);
}

/** A refusal a retry will not change: a 4xx other than 429 (a bad body, a missing permission, closed DMs). */
const refusedForGood = (error: unknown) => error instanceof DiscordAPIError && error.status >= 400 && error.status < 500 && error.status !== 429;

const isDiscordCode = (error: unknown, ...codes: number[]) => error instanceof DiscordAPIError && codes.includes(Number(error.code));

/** Discord's nonce for the n-th message of an owed message (at most 25 characters): posted again, it is not doubled. */
const nonceOf = (owedId: string, part: number) => `${Buffer.from(owedId.replace(/-/g, ''), 'hex').toString('base64url')}${part}`;

/** Where an interaction's answer is owed: the interaction, and the member and channel to fall back on. */
interface AnswerTarget {
  kind: 'answer';
  interaction: string;
  /** The interaction's token (valid 15 minutes): after a restart, it tells whether the answer was given before. */
  token: string;
  user: string;
  channel: string;
  [key: string]: string;
}

/** A member's mistake about a file given to a command, said to them before anything runs. */
class FileRefused extends Error {}

/** The option values of a slash command, flattened, with its subcommand; a picked member reads `<@id>`, a picked role `<@&id>`. */
function invocationOf(name: string, data: readonly CommandInteractionOption[]): { invocation: Invocation; files: Map<string, DiscordAttachment> } {
  const [first] = data;
  const sub = first?.type === ApplicationCommandOptionType.Subcommand ? first : undefined;
  const given = sub ? (sub.options ?? []) : data;
  const files = new Map(given.filter((o) => o.attachment).map((o) => [o.name, o.attachment!]));
  const options = Object.fromEntries(given.filter((o) => !o.attachment).map((o) => [o.name, o.type === ApplicationCommandOptionType.User ? `<@${String(o.value)}>` : o.type === ApplicationCommandOptionType.Role ? `<@&${String(o.value)}>` : o.value]));
  return { invocation: { name, subcommand: sub?.name, options }, files };
}

/**
 * The text of the files given to a command's file options (`csv_file` for `csv`), as those options' values: text only,
 * within the option's own length, and not both the file and the text.
 */
async function withFiles(invocation: Invocation, files: Map<string, DiscordAttachment>, action: Action | undefined): Promise<Invocation> {
  if (files.size === 0) return invocation;
  const options = { ...invocation.options };
  for (const [name, file] of files) {
    const option = name.slice(0, -FILE_SUFFIX.length);
    const schema = action?.options.shape[option] as z.ZodType | undefined;
    if (!name.endsWith(FILE_SUFFIX) || !schema || optionKind(schema) !== 'file') throw new FileRefused(`/${invocation.name} takes no file as ${name}.`);
    if (options[option] !== undefined) throw new FileRefused(`Give ${option} or attach ${name}, not both.`);
    const limit = (innermost(schema).schema as { maxLength?: number | null }).maxLength ?? 1_000_000;
    if (file.size > limit) throw new FileRefused(`${file.name} is ${file.size} bytes; ${name} takes at most ${limit}.`);
    const type = file.contentType ?? '';
    if (type && !/^text\/|^application\/(csv|json)/.test(type)) throw new FileRefused(`${file.name} is not a text file (${type}); attach the lines as a .csv or .txt file.`);
    const response = await fetch(file.url);
    if (!response.ok) throw new Error(`downloading ${file.name} failed: ${response.status}`);
    const bytes = new Uint8Array(await response.arrayBuffer());
    if (bytes.length > limit) throw new FileRefused(`${file.name} is ${bytes.length} bytes; ${name} takes at most ${limit}.`);
    try {
      options[option] = new TextDecoder('utf-8', { fatal: true }).decode(bytes).replace(/^\uFEFF/, '');
    } catch {
      throw new FileRefused(`${file.name} is not UTF-8 text; save it as UTF-8 (CSV UTF-8) and attach it again.`);
    }
  }
  return { ...invocation, options };
}

/**
 * Answers an interaction in time: if the work is not done after `deferAfterMs`, the interaction is deferred (privately),
 * and the answer then replaces the deferral, or is posted publicly in its place. `outcome` says whether the member saw
 * the answer this way; when not (late, refused), the owed answer is delivered as a message instead.
 */
class Acknowledgement {
  private deferral: Promise<unknown> | undefined;
  private readonly timer: NodeJS.Timeout;
  private settle!: (outcome: 'answered' | 'missed') => void;
  /** No answer was tried yet. */
  pending = true;
  readonly outcome = new Promise<'answered' | 'missed'>((resolve) => (this.settle = resolve));

  constructor(
    private readonly interaction: RepliableInteraction,
    deferAfterMs: number,
  ) {
    this.timer = setTimeout(() => this.defer(), Math.max(0, deferAfterMs));
    // 0 defers every interaction at once, as bots behind slow databases do.
    if (deferAfterMs <= 0) {
      clearTimeout(this.timer);
      this.defer();
    }
  }

  private defer(): void {
    this.deferral = this.interaction.deferReply({ flags: MessageFlags.Ephemeral });
    // A refused deferral (too late) is reported by the answer that follows; it must not go unhandled meanwhile.
    this.deferral.catch(() => undefined);
  }

  /** Stops the clock: the first response will be something else (a modal, suggestions). */
  cancel(): boolean {
    clearTimeout(this.timer);
    return this.deferral === undefined;
  }

  /**
   * Shows how far long work has come in the response, deferred first if it was not yet; the answer replaces it (an
   * ephemeral one by editing, a public one by deleting it). The token, and with it these edits, lasts 15 minutes.
   */
  async status(content: string): Promise<void> {
    clearTimeout(this.timer);
    if (!this.deferral) this.defer();
    await this.deferral;
    await this.interaction.editReply({ content: clip(content, DISCORD_LIMITS.content, { ellipsis: '…' }) });
  }

  async send(payload: Payload, ephemeral: boolean): Promise<Message | undefined> {
    clearTimeout(this.timer);
    if (this.deferral) {
      await this.deferral;
      // An edit keeps what it does not name: a status line shown meanwhile must not stay above an answer of embeds.
      if (ephemeral) return this.interaction.editReply({ content: '', ...payload } as never);
      await this.interaction.deleteReply();
      return this.interaction.followUp(payload as never);
    }
    const response = await this.interaction.reply({ ...payload, ...(ephemeral && { flags: MessageFlags.Ephemeral }), withResponse: true } as never);
    return (response as { resource?: { message?: Message | null } }).resource?.message ?? undefined;
  }

  followUp(payload: Payload, ephemeral: boolean): Promise<Message> {
    return this.interaction.followUp({ ...payload, ...(ephemeral && { flags: MessageFlags.Ephemeral }) } as never);
  }

  /** Says something privately through the interaction if it still can (it was answered or deferred in time). */
  async whisper(words: string): Promise<boolean> {
    if (!this.interaction.deferred && !this.interaction.replied) return false;
    return this.followUp({ content: words }, true).then(
      () => true,
      () => false,
    );
  }

  done(outcome: 'answered' | 'missed'): void {
    clearTimeout(this.timer);
    this.pending = false;
    this.settle(outcome);
  }
}

/**
 * Discord through discord.js: slash commands, buttons, select menus and modals become command calls; messages in a
 * proposal's thread are comments and reactions on them feedback. Each server's events are handled one at a time, in
 * order, each exactly once (runtime.handle); servers do not wait for each other. What an event owes (posts, announcements, direct messages, the answer when the
 * interaction could not carry it) is posted by the outbox after the commit, through `deliver`.
 */
export class DiscordChat {
  readonly client: Client;
  /** Members' roles per reputation tier, synced a moment after the events of their server. */
  readonly tierRoles: TierRoles;
  private readonly log: Logger;
  /** Each server's events in their order, by guild id ('' for direct messages): a slow one holds up its server only. */
  private readonly queues = new Map<string, Promise<void>>();
  private stopping = false;
  /** Interactions of this process whose answer is owed, by id: the owed answer waits for the direct one. */
  private readonly live = new Map<string, Acknowledgement>();
  /** Gateway ids of reaction events not yet handled, by what they are about (Discord gives reactions no id of their own). */
  private readonly reactionEvents = new Map<string, string[]>();
  /** The gateway session of each shard (each has its own, with its own sequence numbers). */
  private readonly sessions = new Map<number, string>();

  constructor(
    private readonly runtime: ChatRuntime,
    private readonly options: DiscordOptions,
  ) {
    this.log = runtime.logger.child({ platform: 'discord' });
    this.client = new Client({
      intents: [GatewayIntentBits.Guilds, GatewayIntentBits.GuildMessages, GatewayIntentBits.GuildMessageReactions, GatewayIntentBits.MessageContent],
      // Reactions and deletions arrive for messages the bot has not cached (older, or from before a restart).
      partials: [Partials.Message, Partials.Reaction, Partials.User, Partials.Channel],
      allowedMentions: NO_PINGS,
      // A 5xx is retried once here and then by the outbox with backoff; a long rate limit goes back to the outbox too.
      rest: { api: options.apiUrl, retries: 1, rejectOnRateLimit: (limit) => limit.retryAfter > LONGEST_RATE_LIMIT_WAIT_MS },
      ...shardOptions(options.shards),
    });
    runtime.outbox.register('discord', (message) => this.deliver(message));
    this.tierRoles = new TierRoles(this.client, runtime.services.db, this.log.child({ component: 'tier roles' }), options.tierRoles);
    this.client.on(Events.Raw, (packet: { t?: string; s?: number; d?: Record<string, unknown> }, shard: number) => this.noteGatewayEvent(packet, shard));
    this.client.on(Events.InteractionCreate, (interaction) => {
      // The clock starts when the interaction arrives, not when its turn in the queue comes.
      const ack = interaction.isRepliable() && !interaction.isAutocomplete() ? new Acknowledgement(interaction, options.deferAfterMs ?? 1500) : undefined;
      const log = this.log.child({ guild: interaction.guildId, interaction: interaction.id, ...(interaction.isCommand() && { command: interaction.commandName }) });
      this.serially(interaction.guildId, log, 'interaction', () => this.onInteraction(interaction, ack, log), async () => {
        if (!ack?.pending) return;
        await ack.send({ content: 'Something went wrong on our side; it has been logged for the moderators.' }, true).catch(() => undefined);
        ack.done('missed');
      });
    });
    const messageLog = (message: Message | PartialMessage) => this.log.child({ guild: message.guildId, message: message.id });
    this.client.on(Events.MessageCreate, (message) => this.serially(message.guildId, messageLog(message), 'message', () => this.onMessage(message)));
    this.client.on(Events.MessageDelete, (message) => this.serially(message.guildId, messageLog(message), 'message delete', () => this.onDelete(message)));
    this.client.on(Events.MessageReactionAdd, (reaction, user) => this.serially(reaction.message.guildId, messageLog(reaction.message), 'reaction', () => this.onReaction(reaction, user, true)));
    this.client.on(Events.MessageReactionRemove, (reaction, user) => this.serially(reaction.message.guildId, messageLog(reaction.message), 'reaction', () => this.onReaction(reaction, user, false)));
    // A server the bot joins while running (servers it is in already come as GuildAvailable, not GuildCreate).
    this.client.on(Events.GuildCreate, (guild) => this.serially(guild.id, this.log.child({ guild: guild.id }), 'server join', () => this.onJoin(guild)));
    // Edits (MESSAGE_UPDATE) are not listened to: an edit changes a comment's words, not the count.
    this.client.on(Events.Error, (error) => this.log.error('discord client error', { error }));
  }

  async start(): Promise<void> {
    const commands = slashCommands(this.runtime.commands);
    const problems = limitProblems(commands);
    if (problems.length) throw new Error(`the slash commands break Discord's limits:\n${problems.join('\n')}`);
    const ready = once(this.client, Events.ClientReady);
    await this.client.login(this.options.token);
    await ready;
    await this.client.application!.commands.set(commands as never, ...((this.options.guildId ? [this.options.guildId] : []) as []));
    // Tiers may have moved while the bot was down, and roles been changed by hand.
    await this.tierRoles.recheckAll();
  }

  /** Waits for the events being handled (a while at most: a hung call must not hold a shutdown), then disconnects. */
  async stop(): Promise<void> {
    this.stopping = true;
    let timer: NodeJS.Timeout | undefined;
    const waited = new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), this.options.stopWaitMs ?? 5000)));
    const drained = await Promise.race([this.handled().then(() => true), waited]);
    clearTimeout(timer);
    if (!drained) this.log.warn('stopping while an event is still being handled; what it committed is kept, its answer may be lost');
    this.tierRoles.stop();
    await this.client.destroy();
  }

  /** Resolves once every event received so far is handled and nothing owed is left to post (tests). */
  async idle(): Promise<void> {
    await this.handled();
    await this.runtime.outbox.idle();
  }

  /** The gateway connections of this process: connected when every one of its shards is ready. */
  health(): { connected: boolean; shards: ShardHealth[] } {
    const shards = [...this.client.ws.shards.values()].map((shard) => ({ id: shard.id, ready: shard.status === Status.Ready, pingMs: shard.ping }));
    return { connected: shards.length > 0 && shards.every((s) => s.ready), shards };
  }

  /** Every event received so far, in every server, is handled. */
  private async handled(): Promise<void> {
    while (this.queues.size > 0) await Promise.all(this.queues.values());
  }

  private serially(guildId: string | null, log: Logger, what: string, handler: () => Promise<void>, apologise?: () => Promise<void>): void {
    if (this.stopping) return;
    const key = guildId ?? '';
    const turn = (this.queues.get(key) ?? Promise.resolve())
      .then(handler)
      // Any event of a server may move reputation there: its tier roles are synced once it is quiet.
      .then(() => {
        if (guildId !== null) this.tierRoles.touch(guildId);
      })
      .catch(async (error: unknown) => {
        log.error(`discord ${what} failed`, { error: failureOf(error) });
        await apologise?.();
      })
      .catch(() => undefined)
      // A server with nothing waiting is forgotten, so the map holds only servers with events in hand.
      .finally(() => {
        if (this.queues.get(key) === turn) this.queues.delete(key);
      });
    this.queues.set(key, turn);
  }

  // ---- what events owe, posted by the outbox after their commit

  /** The outbox's sender for Discord: posts one owed message, or says why it never will (RefusedForGood). */
  private async deliver(message: OwedMessage): Promise<void> {
    const { community, target, reply } = message;
    try {
      switch (target.kind) {
        case 'announce':
          return await this.post(community, await this.channelFor(community, reply.about?.round), reply, message.id);
        case 'tell':
          return await this.tellPrivately(community, String(target['userId']), reply, message.id);
        case 'reply':
          return await this.post(community, await this.channel(community, String(target['channel'])), reply, message.id, String(target['message']));
        case 'answer':
          return await this.answerMissed(message);
        default:
          throw new RefusedForGood(`unknown target ${target.kind}`);
      }
    } catch (error) {
      if (error instanceof RefusedForGood || !refusedForGood(error)) throw error;
      throw new RefusedForGood(failureOf(error));
    }
  }

  /**
   * An interaction's answer, owed in its transaction: usually the interaction carried it already. When it could not
   * (too late, refused), a private answer goes by direct message and a public one is posted in the channel. An
   * interaction this process does not hold (another process received it and may be answering it right now, or this
   * one did before a restart) is answered through Discord's own arbitration: see answerHeldElsewhere.
   */
  private async answerMissed(message: OwedMessage): Promise<void> {
    const { community, reply } = message;
    const target = message.target as AnswerTarget;
    const id = target.interaction;
    const ack = this.live.get(id);
    if (ack && (await ack.outcome) === 'answered') return void this.live.delete(id);
    if (!ack && (await this.answerHeldElsewhere(message)) === 'given') return;
    const channelId = target.channel;
    if (!reply.private) return this.post(community, await this.channel(community, channelId), reply, message.id);
    const userId = target.user;
    try {
      await this.tellPrivately(community, userId, reply, message.id);
    } catch (error) {
      if (!(error instanceof DiscordAPIError && error.code === DMS_CLOSED)) throw error;
      // Said without the content, which may be a secret (a wallet link): ephemerally if the interaction still can.
      this.log.warn('a private answer could not be delivered: the member does not take direct messages', { guild: community.platform_chat_id, interaction: id, user: userId });
      if (!(await ack?.whisper(DMS_CLOSED_HELP))) {
        const channel = await this.channel(community, channelId);
        await channel.send({ content: `<@${userId}> ${DMS_CLOSED_HELP}`, allowedMentions: { parse: [], users: [userId] }, nonce: nonceOf(message.id, 0), enforceNonce: true });
      }
    }
    this.live.delete(id);
  }

  /**
   * The answer to an interaction this process does not hold. Discord takes one first response per interaction, so this
   * process claims it with a deferral: accepted, this process answers in it; refused as acknowledged (40060, the
   * holder answered or deferred first) or as too late (10062), what the interaction shows says whether the answer is
   * there. 'missed': the interaction was never answered in its 3 s, so no one can answer through it any more.
   */
  private async answerHeldElsewhere(message: OwedMessage): Promise<'given' | 'missed'> {
    const target = message.target as AnswerTarget;
    const webhook = new InteractionWebhook(this.client as Client<true>, this.options.appId, target.token);
    const claim = { type: InteractionResponseType.DeferredChannelMessageWithSource, data: { flags: MessageFlags.Ephemeral } };
    const claimed = await this.client.rest.post(Routes.interactionCallback(target.interaction, target.token), { body: claim, auth: false }).then(
      () => true,
      (error: unknown) => {
        if (isDiscordCode(error, ALREADY_ACKNOWLEDGED, UNKNOWN_INTERACTION)) return false;
        throw error;
      },
    );
    if (claimed) {
      await this.replaceDeferral(webhook, message);
      return 'given';
    }
    let original: APIMessage;
    try {
      original = (await this.client.rest.get(Routes.webhookMessage(this.options.appId, target.token, '@original'), { auth: false })) as APIMessage;
    } catch (error) {
      // Never responded to (and now too late); a deleted response is a deferral whose public answer followed it.
      if (isDiscordCode(error, UNKNOWN_WEBHOOK)) return 'missed';
      if (isDiscordCode(error, UNKNOWN_MESSAGE)) return 'given';
      throw error;
    }
    const shown = original.content !== '' || original.embeds.length > 0 || (original.components?.length ?? 0) > 0 || original.attachments.length > 0;
    if (shown) return 'given';
    // A deferral alone: its holder answers it a moment after the commit, unless it died; the next try takes it over.
    if (message.attempt === 1) throw new Error(`interaction ${target.interaction} is deferred by another process, which may be answering it`);
    await this.replaceDeferral(webhook, message);
    return 'given';
  }

  /**
   * An interaction's deferral (ephemeral, "thinking…") replaced by the owed answer: edited into it when the answer is
   * private (a second edit by the holder changes nothing), else posted in the channel — with its nonce, so a redo is
   * not doubled — and the deferral deleted.
   */
  private async replaceDeferral(webhook: InteractionWebhook, message: OwedMessage): Promise<void> {
    const { community, reply } = message;
    if (reply.private || reply.secret) {
      const [first, ...rest] = await this.payloads(community, reply);
      await webhook.editMessage('@original', { content: '', ...first } as never);
      for (const part of rest) await webhook.send({ ...part, flags: MessageFlags.Ephemeral } as never);
      await this.remember(community, reply, []);
      return;
    }
    await this.post(community, await this.channel(community, (message.target as AnswerTarget).channel), reply, message.id);
    await webhook.deleteMessage('@original').catch((error: unknown) => {
      if (!isDiscordCode(error, UNKNOWN_MESSAGE)) throw error;
    });
  }

  private async tellPrivately(community: Community, userId: string, reply: Reply, owedId?: string): Promise<void> {
    const user = await this.client.users.fetch(userId);
    await this.post(community, await user.createDM(), { ...reply, about: undefined } as Reply, owedId);
  }

  /**
   * Posts a reply's messages in a channel, then links them to what they show. With the owed message's id as each
   * message's nonce, a post retried after a crash or a lost answer is not doubled.
   */
  private async post(community: Community, channel: SendableChannels, reply: Reply, owedId?: string, replyTo?: string): Promise<void> {
    const sent: Message[] = [];
    for (const [i, part] of (await this.payloads(community, reply)).entries()) {
      const options: MessageCreateOptions = {
        ...(part as MessageCreateOptions),
        ...(owedId && { nonce: nonceOf(owedId, i), enforceNonce: true }),
        ...(replyTo && i === 0 && { reply: { messageReference: replyTo, failIfNotExists: false }, allowedMentions: PING_REPLIED }),
      };
      sent.push(await channel.send(options));
    }
    await this.remember(community, reply, sent);
  }

  // ---- interactions

  private async onInteraction(interaction: Interaction, ack: Acknowledgement | undefined, log: Logger): Promise<void> {
    if (!interaction.inCachedGuild() && !interaction.inGuild()) {
      if (ack) await this.acknowledge(ack, { content: 'I run governance rounds in servers: use my commands there.' }, log);
      return;
    }
    const guild = interaction.guild ?? (await this.client.guilds.fetch(interaction.guildId));
    const community = await this.communityOf(guild);
    if (interaction.isAutocomplete()) return this.onAutocomplete(interaction, community, log);
    if (!ack) return;
    const actor = await this.actorOf(interaction, community);
    let invocation: Invocation | undefined;
    if (interaction.isChatInputCommand()) {
      const given = invocationOf(interaction.commandName, interaction.options.data);
      const action = actionFor(this.runtime.commands, given.invocation);
      try {
        // Downloads happen before the event's transaction, which holds the database while it runs.
        invocation = await withFiles(given.invocation, given.files, action);
      } catch (error) {
        if (!(error instanceof FileRefused)) throw error;
        return this.acknowledge(ack, { content: error.message }, log);
      }
      const missing = action?.form?.filter((name) => invocation!.options[name] === undefined) ?? [];
      if (action && missing.length > 0 && ack.cancel()) return this.showForm(interaction, community, invocation, action);
    } else if (interaction.isButton() || interaction.isStringSelectMenu()) {
      const id = interaction.isButton() ? interaction.customId : interaction.values[0]!;
      invocation = await this.runtime.storedInvocation(community, id);
    } else if (interaction.isModalSubmit() && interaction.customId.startsWith(FORM_PREFIX)) {
      const base = await this.runtime.storedInvocation(community, interaction.customId.slice(FORM_PREFIX.length));
      if (base) invocation = { ...base, options: { ...base.options, ...Object.fromEntries(interaction.fields.fields.map((f) => [f.customId, 'value' in f ? f.value : undefined])) } };
    }
    if (!invocation) return this.acknowledge(ack, { content: 'This button no longer works.' }, log);
    const subject = interaction.channel?.isThread() ? await linkedSubject(this.runtime.services.db, community.id, threadRef(interaction.channel.id)) : undefined;
    const full = withSubject(this.runtime.commands, invocation, subject);
    // The answer is owed with the vote (or whatever the command did): if the interaction cannot carry it, a message will.
    this.live.set(interaction.id, ack);
    // Another process may drain the answer (it holds the server's outbox lease): forgotten once its token is dead.
    setTimeout(() => this.live.delete(interaction.id), INTERACTION_TOKEN_MS).unref();
    // Sent straight through the interaction, not owed: the command's transaction is open, and a status is not kept.
    const status = new StatusMessage({ post: (line) => ack.status(line), edit: (line) => ack.status(line) }, log, { describe: failureOf });
    try {
      const result = await this.runtime.handle('discord', `interaction:${interaction.id}`, async (scope) => {
        const reply = await scope.run(community, actor, full, { status: (line) => status.show(line) });
        const target: AnswerTarget = { kind: 'answer', interaction: interaction.id, token: interaction.token, user: interaction.user.id, channel: interaction.channelId ?? '' };
        scope.owe(community, target, reply);
        return reply;
      }, community.platform_chat_id);
      // The answer takes the status's place: no edit may land after it.
      await status.cancel();
      if (!result.handled) {
        ack.cancel();
        return void this.live.delete(interaction.id);
      }
      await this.answer(ack, community, result.value, log);
    } catch (error) {
      await status.cancel();
      // Nothing was kept, so nothing is owed: the member is told by the error boundary (serially).
      this.live.delete(interaction.id);
      throw error;
    }
  }

  /** An answer that is no command's (nothing was done): given directly; if Discord refuses it, it is only logged. */
  private async acknowledge(ack: Acknowledgement, payload: Payload, log: Logger): Promise<void> {
    try {
      await ack.send(payload, true);
    } catch (error) {
      log.warn('interaction answer refused', { error: failureOf(error) });
    }
    ack.done('answered');
  }

  /** Suggestions while a member types; too late ones are dropped (the member has typed on), with a log line. */
  private async onAutocomplete(interaction: AutocompleteInteraction, community: Community, log: Logger): Promise<void> {
    const focused = interaction.options.getFocused(true);
    const given = invocationOf(interaction.commandName, interaction.options.data).invocation.options;
    const found = await suggest(this.runtime.services.db, community, focused.name, String(focused.value), given);
    await interaction.respond(found.slice(0, 25).map((s) => ({ name: clip(s.name, DISCORD_LIMITS.choiceName, { ellipsis: '…' }), value: s.value }))).catch((error: unknown) => log.warn('suggestions refused', { error: failureOf(error) }));
  }

  /** A modal with the form's long texts; what was given with the command waits in a stored command line. */
  private async showForm(interaction: RepliableInteraction & { showModal: (modal: never) => Promise<unknown> }, community: Community, invocation: Invocation, action: Action): Promise<void> {
    const [id] = await this.runtime.storeChoices(community, [formatCommandLine(invocation)]);
    const fields = action.form!.filter((name) => invocation.options[name] === undefined);
    await interaction.showModal({
      custom_id: `${FORM_PREFIX}${id}`,
      title: clip(action.description, DISCORD_LIMITS.modalTitle, { ellipsis: '…' }),
      components: fields.map((name) => {
        const schema = action.options.shape[name] as { description?: string; maxLength?: number | null };
        const long = (schema.maxLength ?? 0) > 300;
        return { type: 1, components: [{ type: 4, custom_id: name, label: clip(schema.description ?? name, DISCORD_LIMITS.modalLabel, { ellipsis: '…' }), style: long ? 2 : 1, required: true, max_length: Math.min(schema.maxLength ?? DISCORD_LIMITS.textInput, DISCORD_LIMITS.textInput) }] };
      }),
    } as never);
  }

  /**
   * The answer, through the interaction, after the commit. A refusal (too late: 10062; a 5xx) is logged once and left
   * to the owed answer, which then goes as a message; a secret or private answer is only ever ephemeral here.
   */
  private async answer(ack: Acknowledgement, community: Community, reply: Reply, log: Logger): Promise<void> {
    const ephemeral = reply.private === true || reply.secret === true;
    const sent: Message[] = [];
    let answered = false;
    try {
      const [first, ...rest] = await this.payloads(community, reply);
      const message = await ack.send(first!, ephemeral);
      if (message) sent.push(message);
      answered = true;
      ack.done('answered');
      for (const part of rest) sent.push(await ack.followUp(part, ephemeral));
    } catch (error) {
      if (answered) log.error('interaction answer cut short after its first message', { error: failureOf(error) });
      else if (isDiscordCode(error, ALREADY_ACKNOWLEDGED)) {
        // Another process draining this server's outbox claimed the interaction first (answerHeldElsewhere): it answers.
        ack.done('answered');
        log.info('interaction answered by the process that drains its outbox', { error: failureOf(error) });
        return;
      } else {
        ack.done('missed');
        log.warn(`interaction answer refused; the answer goes ${ephemeral ? 'by direct message' : 'to the channel'} instead`, { error: failureOf(error) });
        return;
      }
    }
    const problems = await this.remember(community, reply, ephemeral ? [] : sent, log);
    for (const problem of problems) await ack.followUp({ content: problem }, true).catch((error: unknown) => log.warn('could not tell the member', { error: failureOf(error) }));
  }

  /** The messages of a reply: files go with the message render gave them to, buttons (each the short id of its stored command) with the last. */
  private async payloads(community: Community, reply: Reply): Promise<Payload[]> {
    const files = new Map((reply.attachments ?? []).map((a) => [a.name, { attachment: Buffer.from(a.content), name: a.name }]));
    const choices = reply.choices?.length ? reply.choices : undefined;
    const components = choices && choiceComponents(choices, await this.runtime.storeChoices(community, choices.map((c) => c.command)));
    const parts = renderForDiscord(reply);
    return parts.map(({ fileNames, ...p }, i) => ({ ...p, ...(fileNames && { files: fileNames.map((name) => files.get(name)!) }), ...(i === parts.length - 1 && components && { components }) }));
  }

  // ---- messages and reactions

  /** A message in a proposal's thread is a comment on it. */
  private async onMessage(message: Message): Promise<void> {
    if (message.author.bot || message.system || !message.inGuild() || !message.channel.isThread()) return;
    const community = await this.communityOf(message.guild);
    const subject = await linkedSubject(this.runtime.services.db, community.id, threadRef(message.channel.id));
    if (subject?.kind !== 'proposal' || message.content.trim() === '') return;
    const actor: Actor = { platform: 'discord', userId: message.author.id, handle: message.author.username, isModerator: false };
    await this.runtime.handle('discord', `message:${message.id}`, async (scope) => {
      const reply = await scope.run(community, actor, { name: 'comment', options: { proposal: subject.key, text: message.content, round: subject.round } });
      // The member's own message is the comment: it is linked, not answered; a refusal is said in the thread.
      if (reply.about) await linkMessage(scope.db, community.id, messageRef(message.channel.id, message.id), reply.about);
      else scope.owe(community, { kind: 'reply', channel: message.channel.id, message: message.id }, { ...reply, private: false });
    }, community.platform_chat_id);
  }

  /** A deleted comment is withdrawn, on behalf of its author. */
  private async onDelete(message: Message | PartialMessage): Promise<void> {
    const linked = await this.linkedComment(message);
    if (!linked) return;
    const { community, ref, subject } = linked;
    await this.runtime.handle('discord', `delete:${message.id}`, async (scope) => {
      await unlinkMessage(scope.db, community.id, ref);
      const author = await commentAuthor(scope.db, community.id, subject.round, subject.key, 'discord');
      if (!author) return;
      const actor: Actor = { platform: 'discord', userId: author.userId, handle: author.handle, isModerator: false };
      await scope.run(community, actor, { name: 'retract', options: { comment: subject.key, round: subject.round } });
    }, community.platform_chat_id);
  }

  /** Discord gives a reaction no id: its shard's gateway session and sequence number stand for one (a RESUME sends the same). */
  private noteGatewayEvent(packet: { t?: string; s?: number; d?: Record<string, unknown> }, shard: number): void {
    if (packet.t === 'READY') this.sessions.set(shard, String(packet.d?.['session_id'] ?? ''));
    if (packet.t !== 'MESSAGE_REACTION_ADD' && packet.t !== 'MESSAGE_REACTION_REMOVE') return;
    const d = packet.d ?? {};
    const key = `${packet.t === 'MESSAGE_REACTION_ADD'}:${String(d['message_id'])}:${String(d['user_id'])}:${String((d['emoji'] as { name?: string } | undefined)?.name)}`;
    this.reactionEvents.set(key, [...(this.reactionEvents.get(key) ?? []), `reaction:${this.sessions.get(shard) ?? ''}:${packet.s}`]);
  }

  private reactionEventId(present: boolean, messageId: string, userId: string, emoji: string): string | undefined {
    const key = `${present}:${messageId}:${userId}:${emoji}`;
    const [id, ...rest] = this.reactionEvents.get(key) ?? [];
    if (rest.length) this.reactionEvents.set(key, rest);
    else this.reactionEvents.delete(key);
    return id;
  }

  private async onReaction(reaction: MessageReaction | PartialMessageReaction, user: User | PartialUser, present: boolean): Promise<void> {
    const eventId = reaction.emoji.name ? this.reactionEventId(present, reaction.message.id, user.id, reaction.emoji.name) : undefined;
    if (user.bot || !reaction.emoji.name || !eventId) return;
    const emoji = reaction.emoji.name;
    const linked = await this.linkedComment(reaction.message);
    if (!linked) return;
    const { community, ref, subject } = linked;
    const actor: Actor = { platform: 'discord', userId: user.id, handle: user.username ?? user.id, isModerator: false };
    await this.runtime.handle('discord', eventId, async (scope) => {
      // Discord reports one emoji at a time; the member's emoji on the message are kept to compare kinds before and after.
      const { before, after } = await toggleChatReaction(scope.db, community.id, ref, user.id, emoji, present);
      await scope.react(community, actor, subject, reactionChanges(this.options.reactions, before, after));
    }, community.platform_chat_id);
  }

  /** The comment a message of a known server stands for. */
  private async linkedComment(message: Message | PartialMessage): Promise<{ community: Community; ref: string; subject: Subject } | undefined> {
    if (!message.guildId) return undefined;
    const db = this.runtime.services.db;
    const community = await db.selectFrom('communities').selectAll().where('platform', '=', 'discord').where('platform_chat_id', '=', message.guildId).executeTakeFirst();
    if (!community) return undefined;
    const ref = messageRef(message.channelId, message.id);
    const subject = await linkedSubject(db, community.id, ref);
    return subject?.kind === 'comment' ? { community, ref, subject } : undefined;
  }

  /** Joining a server, the bot owes its admins the setup checklist: the permissions it has and lacks where it posts. */
  private async onJoin(guild: Guild): Promise<void> {
    const me = guild.members.me ?? (await guild.members.fetchMe());
    const channel = guild.systemChannel ?? guild.channels.cache.find((c) => c.type === ChannelType.GuildText);
    const permissions = channel ? me.permissionsIn(channel) : me.permissions;
    const rights = SERVER_RIGHTS.map(({ name, bit, why }) => ({ name, has: permissions.has(bit), why }));
    const community = await this.communityOf(guild);
    await this.runtime.handle('discord', `joined:${guild.id}:${me.joinedTimestamp ?? 0}`, async (scope) => scope.owe(community, { kind: 'announce' }, setupChecklist(rights)), guild.id);
  }

  // ---- state

  private communityOf(guild: Guild): Promise<Community> {
    return ensureCommunity(this.runtime.services.db, { platform: 'discord', chatId: guild.id, name: guild.name });
  }

  /** Moderators: who may Manage Server, who has the moderator role, whom the latest round names. */
  private async actorOf(interaction: Interaction, community: Community): Promise<Actor> {
    const role = this.options.moderatorRole;
    const roles = interaction.member?.roles;
    const hasRole = role !== undefined && roles !== undefined && (Array.isArray(roles) ? roles.includes(role) : roles.cache.has(role));
    const isModerator =
      interaction.memberPermissions?.has(PermissionFlagsBits.ManageGuild) === true ||
      hasRole ||
      (await isNamedModerator(this.runtime.services.db, community.id, 'discord', interaction.user.id));
    // The member's role ids as the interaction carries them (an array of snowflakes in the raw payload).
    const held = roles === undefined ? [] : Array.isArray(roles) ? roles : [...roles.cache.keys()];
    return { platform: 'discord', userId: interaction.user.id, handle: interaction.user.username, isModerator, roles: held };
  }

  /**
   * Links the messages that show a subject; a proposal gets a thread; an ended subject's messages are updated. The post
   * itself is done: what fails here (no permission to open threads) is logged, not retried, and returned to be said.
   */
  private async remember(community: Community, reply: Reply, sent: Message[], log: Logger = this.log.child({ guild: community.platform_chat_id })): Promise<string[]> {
    const about = reply.about;
    if (!about) return [];
    if (about.ended) {
      await this.end(community, about);
      return [];
    }
    const db = this.runtime.services.db;
    for (const message of sent) await linkMessage(db, community.id, messageRef(message.channelId, message.id), about);
    const first = sent[0];
    if (about.kind !== 'proposal' || !first) return [];
    try {
      const thread = await first.startThread({ name: clip(`${about.key}: ${about.title ?? ''}`, DISCORD_LIMITS.threadName, { ellipsis: '…' }) });
      await linkMessage(db, community.id, threadRef(thread.id), about);
      return [];
    } catch (error) {
      log.error('could not open the proposal\'s thread', { proposal: about.key, error: failureOf(error) });
      return [`${about.key} is posted, but I could not open its thread (${failureOf(error)}), so comments on it cannot be collected. Moderators: let me Create Public Threads in this channel.`];
    }
  }

  /** A closed poll's message shows it closed, buttons disabled; a withdrawn comment's message is deleted. */
  private async end(community: Community, about: Subject): Promise<void> {
    const db = this.runtime.services.db;
    for (const ref of await messagesOf(db, community.id, about)) {
      const [kind, channelId, messageId] = ref.split(':');
      if (kind !== 'message') continue;
      try {
        const channel = await this.fetchChannel(community, channelId!);
        if (!channel?.isTextBased()) continue;
        if (about.kind === 'poll') {
          const message = await channel.messages.fetch(messageId!);
          const components = message.components.map((row) => {
            const json = row.toJSON() as unknown as { components: object[] };
            return { ...json, components: json.components.map((c) => ({ ...c, disabled: true })) };
          });
          const closed = '\n**Closed.**';
          await message.edit({ content: `${clip(message.content, DISCORD_LIMITS.content - closed.length)}${closed}`, components: components as never });
        } else {
          await channel.messages.delete(messageId!);
          await unlinkMessage(db, community.id, ref);
        }
      } catch (error) {
        // The message may be gone already; the governance state is what counts.
        this.log.error('could not update a chat message', { guild: community.platform_chat_id, ref, error: failureOf(error) });
      }
    }
  }

  /**
   * A channel of the community's server. A server on another process's shard is not in this process's cache, and
   * discord.js makes no channel of a server it does not know: the server is fetched first (REST), so the outbox of
   * any process can post there.
   */
  private async fetchChannel(community: Community, channelId: string) {
    if (!this.client.guilds.cache.has(community.platform_chat_id)) await this.client.guilds.fetch(community.platform_chat_id);
    return this.client.channels.fetch(channelId);
  }

  private async channel(community: Community, channelId: string): Promise<SendableChannels> {
    const channel = await this.fetchChannel(community, channelId);
    if (!channel?.isSendable()) throw new RefusedForGood(`channel ${channelId} is gone or not one to post in`);
    return channel;
  }

  private async channelFor(community: Community, roundKey: string | undefined): Promise<SendableChannels> {
    const refs = roundKey ? await messagesOf(this.runtime.services.db, community.id, { kind: 'round', round: roundKey, key: roundKey }) : [];
    const channelId = refs.map((r) => r.split(':')).find(([kind]) => kind === 'message')?.[1];
    if (channelId) return this.channel(community, channelId);
    const guild = await this.client.guilds.fetch(community.platform_chat_id);
    const channel = guild.systemChannel ?? guild.channels.cache.find((c) => c.type === ChannelType.GuildText);
    if (!channel?.isSendable()) throw new RefusedForGood(`server ${guild.name} has no channel to post in`);
    return channel;
  }
}
