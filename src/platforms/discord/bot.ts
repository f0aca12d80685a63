import {
  ApplicationCommandOptionType,
  ChannelType,
  Client,
  Events,
  GatewayIntentBits,
  MessageFlags,
  Partials,
  PermissionFlagsBits,
  type AutocompleteInteraction,
  type CommandInteractionOption,
  type Guild,
  type GuildTextBasedChannel,
  type Interaction,
  type Message,
  type MessageReaction,
  type PartialMessage,
  type PartialMessageReaction,
  type PartialUser,
  type RepliableInteraction,
  type User,
} from 'discord.js';
import { once } from 'node:events';
import type { Actor } from '../../commands/context.ts';
import { actionFor, type Action, type Invocation } from '../../commands/framework.ts';
import { formatCommandLine } from '../../commands/parse.ts';
import type { Reply, Subject } from '../../commands/reply.ts';
import { suggest } from '../../commands/suggest.ts';
import { commentAuthor, isNamedModerator, linkedSubject, linkMessage, messagesOf, toggleChatReaction, unlinkMessage } from '../../db/chat.ts';
import { ensureCommunity } from '../../db/repositories.ts';
import type { Community } from '../../db/schema.ts';
import { reactionChanges, type ReactionEmoji } from '../reactions.ts';
import { ChatRuntime, withSubject, type ChatHooks } from '../runtime.ts';
import { limitProblems, slashCommands } from './commands.ts';
import { choiceComponents, renderForDiscord, type MessagePayload } from './render.ts';

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
  /** Discord wants an answer within 3 s; work still running after this long is deferred first (0: always). */
  deferAfterMs?: number;
}

const FORM_PREFIX = 'form:';
const TEXT_INPUT_LIMIT = 4000;

const messageRef = (channelId: string, messageId: string) => `message:${channelId}:${messageId}`;
const threadRef = (threadId: string) => `thread:${threadId}`;

/** The option values of a slash command, flattened, with its subcommand. */
function invocationOf(name: string, data: readonly CommandInteractionOption[]): Invocation {
  const [first] = data;
  const sub = first?.type === ApplicationCommandOptionType.Subcommand ? first : undefined;
  const options = Object.fromEntries((sub ? (sub.options ?? []) : data).map((o) => [o.name, o.value]));
  return { name, subcommand: sub?.name, options };
}

/**
 * Answers an interaction in time: if the work is not done after `deferAfterMs`, the interaction is deferred (privately),
 * and the answer then replaces the deferral, or is posted publicly in its place.
 */
class Acknowledgement {
  private deferral: Promise<unknown> | undefined;
  private readonly timer: NodeJS.Timeout;

  constructor(
    private readonly interaction: RepliableInteraction,
    deferAfterMs: number,
  ) {
    const defer = () => (this.deferral = interaction.deferReply({ flags: MessageFlags.Ephemeral }));
    // 0 defers every interaction at once, as bots behind slow databases do.
    this.timer = setTimeout(defer, deferAfterMs);
    if (deferAfterMs <= 0) {
      clearTimeout(this.timer);
      defer();
    }
  }

  /** Stops the clock: the first response will be something else (a modal, suggestions). */
  cancel(): boolean {
    clearTimeout(this.timer);
    return this.deferral === undefined;
  }

  async send(payload: MessagePayload & { files?: { attachment: Buffer; name: string }[] }, ephemeral: boolean): Promise<Message | undefined> {
    clearTimeout(this.timer);
    const flags = ephemeral ? MessageFlags.Ephemeral : undefined;
    if (this.deferral) {
      await this.deferral;
      if (ephemeral) return this.interaction.editReply(payload as never);
      await this.interaction.deleteReply();
      return this.interaction.followUp(payload as never);
    }
    const response = await this.interaction.reply({ ...payload, ...(flags && { flags }), withResponse: true } as never);
    return (response as { resource?: { message?: Message | null } }).resource?.message ?? undefined;
  }

  followUp(payload: MessagePayload, ephemeral: boolean): Promise<Message> {
    return this.interaction.followUp({ ...payload, ...(ephemeral && { flags: MessageFlags.Ephemeral }) } as never);
  }
}

/**
 * Discord through discord.js: slash commands, buttons, select menus and modals become command calls; messages in a
 * proposal's thread are comments and reactions on them feedback. Events are handled one at a time, in order.
 */
export class DiscordChat {
  readonly client: Client;
  private queue: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly runtime: ChatRuntime,
    private readonly options: DiscordOptions,
  ) {
    this.client = new Client({
      intents: [GatewayIntentBits.Guilds, GatewayIntentBits.GuildMessages, GatewayIntentBits.GuildMessageReactions, GatewayIntentBits.MessageContent],
      // Reactions and deletions arrive for messages the bot has not cached (older, or from before a restart).
      partials: [Partials.Message, Partials.Reaction, Partials.User, Partials.Channel],
      rest: { api: options.apiUrl },
    });
    this.client.on(Events.InteractionCreate, (interaction) => {
      // The clock starts when the interaction arrives, not when its turn in the queue comes.
      const ack = interaction.isRepliable() && !interaction.isAutocomplete() ? new Acknowledgement(interaction, options.deferAfterMs ?? 1500) : undefined;
      this.serially('interaction', () => this.onInteraction(interaction, ack));
    });
    this.client.on(Events.MessageCreate, (message) => this.serially('message', () => this.onMessage(message)));
    this.client.on(Events.MessageDelete, (message) => this.serially('message delete', () => this.onDelete(message)));
    this.client.on(Events.MessageReactionAdd, (reaction, user) => this.serially('reaction', () => this.onReaction(reaction, user, true)));
    this.client.on(Events.MessageReactionRemove, (reaction, user) => this.serially('reaction', () => this.onReaction(reaction, user, false)));
    // Edits (MESSAGE_UPDATE) are not listened to: an edit changes a comment's words, not the count.
    this.client.on(Events.Error, (error) => runtime.logger.error('discord client error', { error }));
  }

  async start(): Promise<void> {
    const commands = slashCommands(this.runtime.commands);
    const problems = limitProblems(commands);
    if (problems.length) throw new Error(`the slash commands break Discord's limits:\n${problems.join('\n')}`);
    const ready = once(this.client, Events.ClientReady);
    await this.client.login(this.options.token);
    await ready;
    await this.client.application!.commands.set(commands as never, ...((this.options.guildId ? [this.options.guildId] : []) as []));
  }

  async stop(): Promise<void> {
    await this.queue;
    await this.client.destroy();
  }

  /** Posts in the round's channel (where the round was created), else the server's system channel. */
  async announce(community: Community, reply: Reply): Promise<void> {
    const channel = await this.channelFor(community, reply.about?.round);
    if (!channel) return this.runtime.logger.error('no channel to post in', { community: community.id });
    const sent: Message[] = [];
    for (const part of await this.payloads(community, reply)) sent.push(await channel.send(part as never));
    await this.remember(community, reply, sent);
  }

  /** Tells one member something privately (a linked wallet), by direct message. */
  async tell(_community: Community, userId: string, reply: Reply): Promise<void> {
    const user = await this.client.users.fetch(userId);
    for (const part of renderForDiscord(reply)) await user.send(part as never);
  }

  private serially(what: string, handler: () => Promise<void>): void {
    this.queue = this.queue.then(handler).catch((error) => this.runtime.logger.error(`discord ${what} failed`, { error }));
  }

  // ---- interactions

  private async onInteraction(interaction: Interaction, ack: Acknowledgement | undefined): Promise<void> {
    if (!(await this.runtime.firstDelivery('discord', `interaction:${interaction.id}`))) return void ack?.cancel();
    if (!interaction.inCachedGuild() && !interaction.inGuild()) {
      if (ack) await ack.send({ content: 'I run governance rounds in servers: use my commands there.' }, true);
      return;
    }
    const guild = interaction.guild ?? (await this.client.guilds.fetch(interaction.guildId));
    const community = await this.communityOf(guild);
    if (interaction.isAutocomplete()) return this.onAutocomplete(interaction, community);
    if (!ack) return;
    const actor = await this.actorOf(interaction, community);
    let invocation: Invocation | undefined;
    if (interaction.isChatInputCommand()) {
      invocation = invocationOf(interaction.commandName, interaction.options.data);
      const action = actionFor(this.runtime.commands, invocation);
      const missing = action?.form?.filter((name) => invocation!.options[name] === undefined) ?? [];
      if (action && missing.length > 0 && ack.cancel()) return this.showForm(interaction, community, invocation, action);
    } else if (interaction.isButton() || interaction.isStringSelectMenu()) {
      const id = interaction.isButton() ? interaction.customId : interaction.values[0]!;
      invocation = await this.runtime.storedInvocation(community, id);
    } else if (interaction.isModalSubmit() && interaction.customId.startsWith(FORM_PREFIX)) {
      const base = await this.runtime.storedInvocation(community, interaction.customId.slice(FORM_PREFIX.length));
      if (base) invocation = { ...base, options: { ...base.options, ...Object.fromEntries(interaction.fields.fields.map((f) => [f.customId, 'value' in f ? f.value : undefined])) } };
    }
    if (!invocation) {
      await ack.send({ content: 'This button no longer works.' }, true);
      return;
    }
    const subject = interaction.channel?.isThread() ? await linkedSubject(this.runtime.services.db, community.id, threadRef(interaction.channel.id)) : undefined;
    const reply = await this.runtime.run(community, actor, withSubject(this.runtime.commands, invocation, subject), this.hooks(community));
    await this.answer(ack, community, reply);
  }

  private async onAutocomplete(interaction: AutocompleteInteraction, community: Community): Promise<void> {
    const focused = interaction.options.getFocused(true);
    const given = invocationOf(interaction.commandName, interaction.options.data).options;
    const found = await suggest(this.runtime.services.db, community, focused.name, String(focused.value), given);
    await interaction.respond(found.map((s) => ({ name: s.name, value: s.value })));
  }

  /** A modal with the form's long texts; what was given with the command waits in a stored command line. */
  private async showForm(interaction: RepliableInteraction & { showModal: (modal: never) => Promise<unknown> }, community: Community, invocation: Invocation, action: Action): Promise<void> {
    const [id] = await this.runtime.storeChoices(community, [formatCommandLine(invocation)]);
    const fields = action.form!.filter((name) => invocation.options[name] === undefined);
    await interaction.showModal({
      custom_id: `${FORM_PREFIX}${id}`,
      title: action.description.slice(0, 45),
      components: fields.map((name) => {
        const schema = action.options.shape[name] as { description?: string; maxLength?: number | null };
        const long = (schema.maxLength ?? 0) > 300;
        return { type: 1, components: [{ type: 4, custom_id: name, label: (schema.description ?? name).slice(0, 45), style: long ? 2 : 1, required: true, max_length: Math.min(schema.maxLength ?? TEXT_INPUT_LIMIT, TEXT_INPUT_LIMIT) }] };
      }),
    } as never);
  }

  private async answer(ack: Acknowledgement, community: Community, reply: Reply): Promise<void> {
    const ephemeral = reply.private === true;
    const [first, ...rest] = await this.payloads(community, reply);
    const sent: Message[] = [];
    const message = await ack.send(first!, ephemeral);
    if (message) sent.push(message);
    for (const part of rest) sent.push(await ack.followUp(part, ephemeral));
    await this.remember(community, reply, ephemeral ? [] : sent);
  }

  /** The messages of a reply: files go with the first, buttons (each the short id of its stored command) with the last. */
  private async payloads(community: Community, reply: Reply): Promise<(MessagePayload & { files?: { attachment: Buffer; name: string }[] })[]> {
    const files = (reply.attachments ?? []).map((a) => ({ attachment: Buffer.from(a.content), name: a.name }));
    const choices = reply.choices?.length ? reply.choices : undefined;
    const components = choices && choiceComponents(choices, await this.runtime.storeChoices(community, choices.map((c) => c.command)));
    const parts = renderForDiscord(reply);
    return parts.map((p, i) => ({ ...p, ...(i === 0 && files.length && { files }), ...(i === parts.length - 1 && components && { components }) }));
  }

  // ---- messages and reactions

  /** A message in a proposal's thread is a comment on it. */
  private async onMessage(message: Message): Promise<void> {
    if (message.author.bot || message.system || !message.inGuild() || !message.channel.isThread()) return;
    if (!(await this.runtime.firstDelivery('discord', `message:${message.id}`))) return;
    const community = await this.communityOf(message.guild);
    const subject = await linkedSubject(this.runtime.services.db, community.id, threadRef(message.channel.id));
    if (subject?.kind !== 'proposal' || message.content.trim() === '') return;
    const actor: Actor = { platform: 'discord', userId: message.author.id, handle: message.author.username, isModerator: false };
    const reply = await this.runtime.run(community, actor, { name: 'comment', options: { proposal: subject.key, text: message.content, round: subject.round } }, this.hooks(community));
    // The member's own message is the comment: it is linked, not answered; a refusal is said in the thread.
    if (reply.about) await linkMessage(this.runtime.services.db, community.id, messageRef(message.channel.id, message.id), reply.about);
    else await message.reply({ content: renderForDiscord(reply)[0]!.content ?? '', allowedMentions: { repliedUser: true } });
  }

  /** A deleted comment is withdrawn, on behalf of its author. */
  private async onDelete(message: Message | PartialMessage): Promise<void> {
    const linked = await this.linkedComment(message);
    if (!linked) return;
    const { community, ref, subject } = linked;
    const db = this.runtime.services.db;
    await unlinkMessage(db, community.id, ref);
    const author = await commentAuthor(db, community.id, subject.round, subject.key, 'discord');
    if (!author) return;
    const actor: Actor = { platform: 'discord', userId: author.userId, handle: author.handle, isModerator: false };
    await this.runtime.run(community, actor, { name: 'retract', options: { comment: subject.key, round: subject.round } }, this.hooks(community));
  }

  private async onReaction(reaction: MessageReaction | PartialMessageReaction, user: User | PartialUser, present: boolean): Promise<void> {
    if (user.bot || !reaction.emoji.name) return;
    const linked = await this.linkedComment(reaction.message);
    if (!linked) return;
    const { community, ref, subject } = linked;
    // Discord reports one emoji at a time; the member's emoji on the message are kept to compare kinds before and after.
    const { before, after } = await toggleChatReaction(this.runtime.services.db, community.id, ref, user.id, reaction.emoji.name, present);
    const actor: Actor = { platform: 'discord', userId: user.id, handle: user.username ?? user.id, isModerator: false };
    await this.runtime.react(community, actor, subject, reactionChanges(this.options.reactions, before, after), this.hooks(community));
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

  // ---- state

  private hooks(community: Community): ChatHooks {
    return { announce: (reply) => this.announce(community, reply), chatProblems: async () => [] };
  }

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
    return { platform: 'discord', userId: interaction.user.id, handle: interaction.user.username, isModerator };
  }

  /** Links the messages that show a subject; a proposal gets a thread; an ended subject's messages are updated. */
  private async remember(community: Community, reply: Reply, sent: Message[]): Promise<void> {
    const about = reply.about;
    if (!about) return;
    if (about.ended) return this.end(community, about);
    const db = this.runtime.services.db;
    for (const message of sent) await linkMessage(db, community.id, messageRef(message.channelId, message.id), about);
    const first = sent[0];
    if (about.kind === 'proposal' && first) {
      const thread = await first.startThread({ name: `${about.key}: ${about.title ?? ''}`.slice(0, 100) });
      await linkMessage(db, community.id, threadRef(thread.id), about);
    }
  }

  /** A closed poll's message shows it closed, buttons disabled; a withdrawn comment's message is deleted. */
  private async end(community: Community, about: Subject): Promise<void> {
    const db = this.runtime.services.db;
    for (const ref of await messagesOf(db, community.id, about)) {
      const [kind, channelId, messageId] = ref.split(':');
      if (kind !== 'message') continue;
      try {
        const channel = await this.client.channels.fetch(channelId!);
        if (!channel?.isTextBased()) continue;
        if (about.kind === 'poll') {
          const message = await channel.messages.fetch(messageId!);
          const components = message.components.map((row) => {
            const json = row.toJSON() as unknown as { components: object[] };
            return { ...json, components: json.components.map((c) => ({ ...c, disabled: true })) };
          });
          await message.edit({ content: `${message.content}\n**Closed.**`, components: components as never });
        } else {
          await channel.messages.delete(messageId!);
          await unlinkMessage(db, community.id, ref);
        }
      } catch (error) {
        // The message may be gone already; the governance state is what counts.
        this.runtime.logger.error('could not update a chat message', { ref, error: String(error) });
      }
    }
  }

  private async channelFor(community: Community, roundKey: string | undefined): Promise<GuildTextBasedChannel | undefined> {
    const refs = roundKey ? await messagesOf(this.runtime.services.db, community.id, { kind: 'round', round: roundKey, key: roundKey }) : [];
    const channelId = refs.map((r) => r.split(':')).find(([kind]) => kind === 'message')?.[1];
    const guild = await this.client.guilds.fetch(community.platform_chat_id);
    const channel = channelId ? await guild.channels.fetch(channelId) : (guild.systemChannel ?? guild.channels.cache.find((c) => c.type === ChannelType.GuildText));
    return channel?.isTextBased() ? (channel as GuildTextBasedChannel) : undefined;
  }
}
