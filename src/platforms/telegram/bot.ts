import { createHash } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { Input, Telegraf, TelegramError } from 'telegraf';
import type { Chat, InlineKeyboardButton, Message, ReactionType, Update, User } from 'telegraf/types';
import type { Actor } from '../../commands/context.ts';
import type { Invocation } from '../../commands/framework.ts';
import { parseCommandLine } from '../../commands/parse.ts';
import { privateReply, text, type Reply, type Subject } from '../../commands/reply.ts';
import { isNamedModerator, linkedSubject, linkMessage, messagesOf, proposalOfComment, unlinkMessage } from '../../db/chat.ts';
import { ensureCommunity } from '../../db/repositories.ts';
import type { Community } from '../../db/schema.ts';
import type { WebServer } from '../../web/server.ts';
import { reactionChanges, type ReactionEmoji } from '../reactions.ts';
import { ChatRuntime, withSubject, type ChatHooks } from '../runtime.ts';
import { commandMenus } from './menu.ts';
import { renderForTelegram, toast } from './render.ts';

export interface TelegramOptions {
  token: string;
  /** Telegram's Bot API, or a self-hosted Bot API server (TELEGRAM_API_ROOT). */
  apiRoot: string;
  /** Serve a webhook at this public URL on the bot's web server instead of long polling. */
  webhook?: { url: string; server: WebServer };
  reactions: ReactionEmoji;
}

/** The updates the bot asks for; reactions are only sent when asked for by name. */
const ALLOWED_UPDATES = ['message', 'edited_message', 'callback_query', 'message_reaction', 'my_chat_member'] as const;
/** How long a group's admin list is trusted before it is asked again. */
const ADMIN_CACHE_MS = 60_000;
const MAX_ATTEMPTS = 5;
/** Telegraf types its abort signal with an old polyfill's type; Node's own signal is what it passes to fetch. */
type TelegrafSignal = NonNullable<Parameters<Telegraf['telegram']['callApi']>[2]>['signal'];

/** Where a reply goes: the chat and message it answers, and the forum topic it was asked in. */
interface Origin {
  chatId: number;
  messageId?: number;
  threadId?: number | undefined;
  user: User;
}

const messageRef = (chatId: number | string, messageId: number) => `message:${chatId}:${messageId}`;
const topicRef = (chatId: number | string, threadId: number) => `topic:${chatId}:${threadId}`;
const isGroup = (chat: Chat) => chat.type === 'group' || chat.type === 'supergroup';
const handleOf = (user: User) => user.username ?? [user.first_name, user.last_name].filter(Boolean).join(' ');
const emojis = (reactions: ReactionType[]) => reactions.flatMap((r) => (r.type === 'emoji' ? [r.emoji] : []));

/**
 * Telegram through telegraf: updates become command calls, replies become HTML messages. Updates are handled one at
 * a time in the order Telegram numbered them, each once; every call to Telegram waits out a 429 and tries again.
 */
export class TelegramChat {
  readonly bot: Telegraf;
  private username = '';
  private botId = 0;
  private queue: Promise<unknown> = Promise.resolve();
  private polling: Promise<void> | undefined;
  private readonly stopping = new AbortController();
  private readonly admins = new Map<number, { ids: Set<number>; until: number }>();
  private readonly chats = new Map<number, Promise<Chat>>();

  constructor(
    private readonly runtime: ChatRuntime,
    private readonly options: TelegramOptions,
  ) {
    this.bot = new Telegraf(options.token, { telegram: { apiRoot: options.apiRoot, webhookReply: false } });
    this.bot.catch((error, ctx) => runtime.logger.error('telegram update failed', { update: ctx.update.update_id, error }));
    // Telegraf starts a batch of updates at once; governance needs them in order (the last vote counts).
    this.bot.use((_ctx, next) => (this.queue = this.queue.then(next, next)));
    this.bot.use(async (ctx, next) => {
      if (await runtime.firstDelivery('telegram', String(ctx.update.update_id))) await next();
    });
    this.bot.on('callback_query', (ctx) => this.onTap(ctx.update.callback_query));
    this.bot.on('message_reaction', (ctx) => this.onReaction(ctx.update.message_reaction));
    // An edit changes a comment's words, not the count: the comment was counted when it was sent.
    this.bot.on('edited_message', () => undefined);
    this.bot.on('my_chat_member', (ctx) => void this.admins.delete(ctx.update.my_chat_member.chat.id));
    this.bot.on('message', (ctx) => this.onMessage(ctx.update.message));
  }

  async start(): Promise<void> {
    const me = await this.call(() => this.bot.telegram.getMe());
    this.bot.botInfo = me;
    this.username = me.username;
    this.botId = me.id;
    const menus = commandMenus(this.runtime.commands);
    await this.call(() => this.bot.telegram.setMyCommands(menus.members));
    await this.call(() => this.bot.telegram.setMyCommands(menus.members, { scope: { type: 'all_group_chats' } }));
    await this.call(() => this.bot.telegram.setMyCommands(menus.moderators, { scope: { type: 'all_chat_administrators' } }));
    const webhook = this.options.webhook;
    if (webhook) {
      const url = new URL(webhook.url);
      // Telegram sends this header with every update, so that only Telegram can post to the hook.
      const secret = createHash('sha256').update(`govbot webhook ${this.options.token}`).digest('hex');
      const handler = await this.bot.createWebhook({ domain: url.host, path: url.pathname, secret_token: secret, allowed_updates: [...ALLOWED_UPDATES] });
      webhook.server.route(url.pathname, handler);
      return;
    }
    await this.call(() => this.bot.telegram.deleteWebhook());
    this.polling = this.poll();
  }

  async stop(): Promise<void> {
    this.stopping.abort();
    await this.polling;
    await this.queue;
  }

  /**
   * Long polling: asks for the updates after the last one handled. Asking with an offset is what confirms the earlier
   * ones, so after a crash Telegram sends the unconfirmed ones again; the handled-events table drops the repeats.
   */
  private async poll(): Promise<void> {
    let offset = 0;
    let failures = 0;
    const signal = this.stopping.signal;
    while (!signal.aborted) {
      try {
        const updates = await this.call(() => this.bot.telegram.callApi('getUpdates', { offset, timeout: 50, allowed_updates: [...ALLOWED_UPDATES] }, { signal: signal as TelegrafSignal }));
        failures = 0;
        for (const update of updates) {
          await this.bot.handleUpdate(update);
          offset = update.update_id + 1;
        }
      } catch (error) {
        if (signal.aborted) return;
        // Network trouble or Telegram's own: wait, longer each time up to a minute, and ask again.
        this.runtime.logger.error('telegram getUpdates failed', { error: String(error) });
        await sleep(Math.min(60_000, 500 * 2 ** failures++), undefined, { signal }).catch(() => undefined);
      }
    }
  }

  /** Posts into a community's group: scheduled closes, published results. */
  async announce(community: Community, reply: Reply): Promise<void> {
    const chatId = Number(community.platform_chat_id);
    const sent = await this.post(community, chatId, reply, {});
    await this.remember(community, chatId, reply, sent);
  }

  /** Tells one member something privately (a linked wallet); to the group when they never started the bot. */
  async tell(community: Community, userId: string, reply: Reply): Promise<void> {
    if (await this.sendPrivately(community, { id: Number(userId), is_bot: false, first_name: '' }, reply)) return;
    await this.post(community, Number(community.platform_chat_id), reply, {});
  }

  // ---- incoming

  private async onMessage(message: Message): Promise<void> {
    const from = message.from;
    const body = 'text' in message ? message.text : 'caption' in message ? message.caption : undefined;
    if (!from || from.is_bot || body === undefined) return;
    if (body.startsWith('/')) return this.onCommand(message, from, body);
    if (isGroup(message.chat)) await this.onComment(message, from, body);
  }

  private async onCommand(message: Message, from: User, body: string): Promise<void> {
    const head = /^\/([A-Za-z0-9_]+)(?:@([A-Za-z0-9_]+))?/.exec(body);
    if (!head) return;
    if (head[2] && head[2].toLowerCase() !== this.username.toLowerCase()) return; // meant for another bot
    const origin: Origin = { chatId: message.chat.id, messageId: message.message_id, threadId: message.is_topic_message ? message.message_thread_id : undefined, user: from };
    const community = isGroup(message.chat) ? await this.communityOf(message.chat) : await this.homeOf(from);
    if (!community || head[1] === 'start') return void (await this.post(community, message.chat.id, privateReply(text(this.welcome())), origin));
    const parsed = parseCommandLine(`/${head[1]!.toLowerCase()}${body.slice(head[0].length)}`);
    const reply = parsed.ok
      ? await this.run(community, from, withSubject(this.runtime.commands, parsed.invocation, await this.subjectOf(community, message)))
      : { ...privateReply(text(parsed.error)), refused: 'invalid_options' as const };
    await this.deliver(community, reply, origin);
  }

  /** A message in a proposal's topic, or a reply to a proposal or a comment, is a comment on that proposal. */
  private async onComment(message: Message, from: User, body: string): Promise<void> {
    const community = await this.communityOf(message.chat);
    const subject = await this.subjectOf(community, message);
    if (!subject || subject.kind === 'poll') return;
    const proposal = subject.kind === 'proposal' ? subject.key : await proposalOfComment(this.runtime.services.db, community.id, subject.round, subject.key);
    if (!proposal) return;
    const reply = await this.run(community, from, { name: 'comment', options: { proposal, text: body, round: subject.round } });
    // The member's own message is the comment: it is linked, not answered.
    if (reply.about) await linkMessage(this.runtime.services.db, community.id, messageRef(message.chat.id, message.message_id), reply.about);
    else await this.sendPrivately(community, from, reply);
  }

  private async onTap(query: Update.CallbackQueryUpdate['callback_query']): Promise<void> {
    const answer = (message: string, extra: { show_alert?: boolean; url?: string } = {}) => this.call(() => this.bot.telegram.answerCbQuery(query.id, message, extra));
    const chat = query.message?.chat;
    if (!('data' in query) || !chat || !isGroup(chat)) return void (await answer('This button does nothing here.'));
    const community = await this.communityOf(chat);
    const invocation = await this.runtime.storedInvocation(community, query.data);
    if (!invocation) return void (await answer('This button no longer works.', { show_alert: true }));
    const reply = await this.run(community, query.from, invocation);
    if (reply.refused) return void (await answer(toast(reply), { show_alert: true }));
    if (!reply.private) {
      await this.deliver(community, reply, { chatId: chat.id, user: query.from });
      return void (await answer(toast(reply)));
    }
    // Receipts go to a direct message; a member who never started the bot is sent to start it.
    if (await this.sendPrivately(community, query.from, reply)) return void (await answer(toast(reply)));
    await answer(`${toast(reply)} Start a chat with me to get your receipts.`.slice(0, 200), { url: `https://t.me/${this.username}?start=receipts` });
  }

  private async onReaction(update: Update.MessageReactionUpdate['message_reaction']): Promise<void> {
    if (!update.user || update.user.is_bot || !isGroup(update.chat)) return;
    const community = await this.communityOf(update.chat);
    const subject = await linkedSubject(this.runtime.services.db, community.id, messageRef(update.chat.id, update.message_id));
    if (subject?.kind !== 'comment') return;
    const change = reactionChanges(this.options.reactions, emojis(update.old_reaction), emojis(update.new_reaction));
    await this.runtime.react(community, await this.actorOf(community, update.user), subject, change, this.hooks(community));
  }

  // ---- running commands

  private async run(community: Community, user: User, invocation: Invocation): Promise<Reply> {
    return this.runtime.run(community, await this.actorOf(community, user), invocation, this.hooks(community));
  }

  private async actorOf(community: Community, user: User): Promise<Actor> {
    return { platform: 'telegram', userId: String(user.id), handle: handleOf(user), isModerator: await this.isModerator(community, user.id) };
  }

  private hooks(community: Community): ChatHooks {
    return { announce: (reply) => this.announce(community, reply), chatProblems: () => this.problems(community) };
  }

  /** Group admins are moderators; so are members the latest round names. */
  private async isModerator(community: Community, userId: number): Promise<boolean> {
    const chatId = Number(community.platform_chat_id);
    let admins = this.admins.get(chatId);
    if (!admins || admins.until < Date.now()) {
      const list = await this.call(() => this.bot.telegram.getChatAdministrators(chatId));
      admins = { ids: new Set(list.filter((m) => !m.user.is_bot).map((m) => m.user.id)), until: Date.now() + ADMIN_CACHE_MS };
      this.admins.set(chatId, admins);
    }
    return admins.ids.has(userId) || isNamedModerator(this.runtime.services.db, community.id, 'telegram', String(userId));
  }

  private async problems(community: Community): Promise<string[]> {
    const chatId = Number(community.platform_chat_id);
    const [me, chat] = await Promise.all([this.call(() => this.bot.telegram.getChatMember(chatId, this.botId)), this.chatInfo(chatId)]);
    if (me.status !== 'administrator')
      return ['The bot is not an admin of this group, so Telegram does not send it emoji reactions: reactions on comments are not counted, and proposals are not pinned. Make the bot an admin.'];
    if ('is_forum' in chat && chat.is_forum && !me.can_manage_topics) return ['The bot may not manage topics, so proposals get no topic of their own. Give it the right to manage topics.'];
    if (!me.can_pin_messages) return ['The bot may not pin messages, so proposals are not pinned. Give it the right to pin messages.'];
    return [];
  }

  private async communityOf(chat: Chat): Promise<Community> {
    const name = 'title' in chat ? chat.title : `Telegram ${chat.id}`;
    return ensureCommunity(this.runtime.services.db, { platform: 'telegram', chatId: String(chat.id), name });
  }

  /** In a direct message, commands act in the one group the member takes part in. */
  private async homeOf(user: User): Promise<Community | undefined> {
    const rows = await this.runtime.services.db
      .selectFrom('member_accounts')
      .innerJoin('communities', 'communities.id', 'member_accounts.community_id')
      .selectAll('communities')
      .where('member_accounts.platform', '=', 'telegram')
      .where('member_accounts.platform_user_id', '=', String(user.id))
      .execute();
    return rows.length === 1 ? rows[0] : undefined;
  }

  private welcome(): string {
    return 'Hello! I run governance rounds in groups: proposals, ratings, polls weighted by tokens and reputation, and rewards. Use my commands in your group (type / to see them); I send your receipts here.';
  }

  /** The proposal, comment or poll a message answers: its forum topic, or the message it replies to. */
  private async subjectOf(community: Community, message: Message): Promise<Subject | undefined> {
    const db = this.runtime.services.db;
    if (message.is_topic_message && message.message_thread_id !== undefined) {
      const topic = await linkedSubject(db, community.id, topicRef(message.chat.id, message.message_thread_id));
      if (topic) return topic;
    }
    const target = 'reply_to_message' in message ? message.reply_to_message : undefined;
    return target ? linkedSubject(db, community.id, messageRef(message.chat.id, target.message_id)) : undefined;
  }

  // ---- outgoing

  /** Private replies asked for in a group go to a direct message; if the member never started the bot, to the group. */
  private async deliver(community: Community, reply: Reply, origin: Origin): Promise<void> {
    if (reply.private && origin.chatId !== origin.user.id) {
      if (!(await this.sendPrivately(community, origin.user, reply))) {
        const note = text(`(@${this.username} could not write to you privately: open a chat with it and press Start.)`);
        await this.post(community, origin.chatId, { ...reply, blocks: [...reply.blocks, note] }, origin);
      }
      return this.remember(community, origin.chatId, reply, []);
    }
    const topic = reply.about?.kind === 'proposal' && !reply.about.ended ? await this.openTopic(origin.chatId, reply.about) : undefined;
    const sent = await this.post(community, origin.chatId, reply, origin);
    if (topic !== undefined) {
      await linkMessage(this.runtime.services.db, community.id, topicRef(origin.chatId, topic), reply.about!);
      sent.push(...(await this.post(community, origin.chatId, reply, { threadId: topic })));
    }
    await this.remember(community, origin.chatId, reply, sent);
  }

  private async sendPrivately(community: Community, user: User, reply: Reply): Promise<boolean> {
    try {
      await this.post(community, user.id, reply, {});
      return true;
    } catch (error) {
      if (error instanceof TelegramError && error.code === 403) return false;
      throw error;
    }
  }

  /**
   * Sends a reply as one or more messages; buttons go on the last. Returns the ids of the messages sent. The
   * community is the one whose command the buttons run, wherever they are posted (a group or a direct message).
   */
  private async post(community: Community | undefined, chatId: number, reply: Reply, where: { messageId?: number | undefined; threadId?: number | undefined }): Promise<number[]> {
    const parts = renderForTelegram(reply);
    const keyboard = reply.choices?.length ? await this.keyboard(community, reply) : undefined;
    const ids: number[] = [];
    for (const [i, html] of parts.entries()) {
      const last = i === parts.length - 1;
      const sent = await this.call(() =>
        this.bot.telegram.sendMessage(chatId, html, {
          parse_mode: 'HTML',
          link_preview_options: { is_disabled: true },
          ...(where.threadId !== undefined && { message_thread_id: where.threadId }),
          ...(i === 0 && where.messageId !== undefined && { reply_parameters: { message_id: where.messageId, allow_sending_without_reply: true } }),
          ...(last && keyboard && { reply_markup: { inline_keyboard: keyboard } }),
        }),
      );
      ids.push(sent.message_id);
    }
    const thread = where.threadId !== undefined ? { message_thread_id: where.threadId } : {};
    for (const file of reply.attachments ?? []) {
      const upload = Input.fromBuffer(Buffer.from(file.content), file.name);
      // Charts show inline as photos; other files (round files, CSV) as documents.
      if (file.contentType.startsWith('image/')) await this.call(() => this.bot.telegram.sendPhoto(chatId, upload, thread));
      else await this.call(() => this.bot.telegram.sendDocument(chatId, upload, thread));
    }
    return ids;
  }

  /** One button per row: option labels are often long. Each button carries the short id of its stored command. */
  private async keyboard(community: Community | undefined, reply: Reply): Promise<InlineKeyboardButton[][]> {
    if (!community) throw new Error('buttons were asked for outside any community');
    const ids = await this.runtime.storeChoices(community, reply.choices!.map((c) => c.command));
    return reply.choices!.map((choice, i) => [{ text: `${i + 1}. ${choice.label}`.slice(0, 64), callback_data: ids[i]! }]);
  }

  /** Links the messages that show a subject; when the subject ended, updates or removes the messages that showed it. */
  private async remember(community: Community, chatId: number, reply: Reply, sent: number[]): Promise<void> {
    const about = reply.about;
    if (!about) return;
    const db = this.runtime.services.db;
    if (about.ended) return this.end(community, about);
    for (const id of sent) await linkMessage(db, community.id, messageRef(chatId, id), about);
    const first = sent[0];
    if (about.kind === 'proposal' && first !== undefined)
      await this.call(() => this.bot.telegram.pinChatMessage(chatId, first, { disable_notification: true })).catch((error) =>
        this.runtime.logger.error('could not pin a proposal', { chat: chatId, error: String(error) }),
      );
  }

  /** A closed poll loses its buttons; a withdrawn comment's message is deleted. */
  private async end(community: Community, about: Subject): Promise<void> {
    const db = this.runtime.services.db;
    for (const ref of await messagesOf(db, community.id, about)) {
      const [, chat, id] = ref.split(':');
      if (ref.startsWith('topic:')) continue;
      const change =
        about.kind === 'poll'
          ? this.call(() => this.bot.telegram.editMessageReplyMarkup(Number(chat), Number(id), undefined, { inline_keyboard: [] }))
          : this.call(() => this.bot.telegram.deleteMessage(Number(chat), Number(id))).then(() => unlinkMessage(db, community.id, ref));
      // The message may be gone already or too old to change; the governance state is what counts.
      await change.catch((error) => this.runtime.logger.error('could not update a chat message', { ref, error: String(error) }));
    }
  }

  private async openTopic(chatId: number, about: Subject): Promise<number | undefined> {
    const chat = await this.chatInfo(chatId);
    if (!('is_forum' in chat && chat.is_forum)) return undefined;
    const name = `${about.key}: ${about.title ?? ''}`.slice(0, 128);
    const topic = await this.call(() => this.bot.telegram.createForumTopic(chatId, name)).catch((error) => {
      this.runtime.logger.error('could not open a forum topic', { chat: chatId, error: String(error) });
      return undefined;
    });
    return topic?.message_thread_id;
  }

  private chatInfo(chatId: number): Promise<Chat> {
    let info = this.chats.get(chatId);
    if (!info) {
      info = this.call(() => this.bot.telegram.getChat(chatId));
      this.chats.set(chatId, info);
      info.catch(() => this.chats.delete(chatId));
    }
    return info;
  }

  /** Calls Telegram, waiting as long as a 429 asks before trying again. */
  private async call<T>(request: () => Promise<T>): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await request();
      } catch (error) {
        if (!(error instanceof TelegramError && error.code === 429) || attempt >= MAX_ATTEMPTS) throw error;
        await sleep((error.parameters?.retry_after ?? 1) * 1000);
      }
    }
  }
}
