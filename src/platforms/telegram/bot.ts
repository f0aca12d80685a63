import { AsyncLocalStorage } from 'node:async_hooks';
import { createHash } from 'node:crypto';
import { setImmediate as pause, setTimeout as sleep } from 'node:timers/promises';
import { Input, Telegraf, TelegramError } from 'telegraf';
import type { Chat, Document, InlineKeyboardButton, Message, ReactionType, Update, User } from 'telegraf/types';
import type { Actor } from '../../commands/context.ts';
import { actionFor, optionKind, type Invocation } from '../../commands/framework.ts';
import { parseCommandLine } from '../../commands/parse.ts';
import { privateReply, text, type Reply, type Subject } from '../../commands/reply.ts';
import { isNamedModerator, linkedSubject, linkMessage, messagesOf, proposalOfComment, unlinkMessage } from '../../db/chat.ts';
import { markUpdateFailed, removeUpdate, storeUpdates, waitingUpdates } from '../../db/inbox.ts';
import { ensureCommunity, type Executor } from '../../db/repositories.ts';
import type { Community } from '../../db/schema.ts';
import type { Logger } from '../../log.ts';
import type { WebServer } from '../../web/server.ts';
import { reactionChanges, type ReactionEmoji } from '../reactions.ts';
import { RefusedForGood, withSubject, type ChatRuntime, type EventScope, type OwedMessage } from '../runtime.ts';
import { setupChecklist, type Right } from '../../format/setup.ts';
import { clip } from '../../format/cut.ts';
import { StatusMessage } from '../status.ts';
import { BotApiClient, ConnectionFailed } from './api.ts';
import { PinnedLeaderboards } from './leaderboard.ts';
import { commandMenus } from './menu.ts';
import { buttonLabel, MESSAGE_LIMIT, renderForTelegram, toast, topicName } from './render.ts';

export interface TelegramOptions {
  token: string;
  /** Telegram's Bot API, or a self-hosted Bot API server (TELEGRAM_API_ROOT). */
  apiRoot: string;
  /** Serve a webhook at this public URL on the bot's web server instead of long polling. */
  webhook?: { url: string; server: WebServer };
  reactions: ReactionEmoji;
  /** How long after a tap arrives its answer may wait for the tap's commit (TELEGRAM_ANSWER_DEADLINE_MS). */
  answerDeadlineMs?: number;
}

/** The updates the bot asks for; reactions are only sent when asked for by name. */
const ALLOWED_UPDATES = ['message', 'edited_message', 'callback_query', 'message_reaction', 'my_chat_member'] as const;
/** The most updates one getUpdates hands out (Telegram's limit): a batch this full says more are waiting. */
const BATCH = 100;
/** How long a burst's events wait at most to be read and its taps answered, so that handling never starves. */
const BURST_MS = 2_000;
/** How long updates are prepared one after another at most before the rest of the bot gets a turn (issue 13: under 50 ms). */
const YIELD_EVERY_MS = 10;
/**
 * How long after a tap Telegram takes its answer, as the bot counts it: Telegram refuses an answer after some seconds
 * (about 15); a tap read longer ago than this (before a restart) is not answered, and all it owes goes by message.
 */
const ANSWER_WINDOW_MS = 10_000;
/** How long a group's admin list is trusted before it is asked again. */
const ADMIN_CACHE_MS = 60_000;
/** Tries of one Bot API call: a 429 is waited out as Telegram asks, a 5xx or a dropped connection after a short pause. */
const MAX_ATTEMPTS = 4;
const RETRY_MS = 250;
/**
 * While an owed message is posted, a 429 asking for a longer wait than this goes back to the outbox, which tries again
 * later: the outbox is stopped before the adapter, and a stop must not wait for Telegram's flood control.
 */
const LONGEST_DELIVERY_WAIT_MS = 5_000;
/** Set while the outbox's sender runs, for `call` to know how long it may wait. */
const delivering = new AsyncLocalStorage<true>();
/**
 * Bot API calls in flight at most (besides the long poll), on as many connections: a burst's answers and receipts would
 * otherwise open a connection each at the same moment. The taps' answers, which Telegram takes only for some seconds,
 * go first, and up to PIPELINING of them share a connection (BotApiClient), so that a getUpdates batch is answered in one
 * turn of the event loop.
 */
const CALLS_IN_FLIGHT = 32;
const PIPELINING = 4;
/** The user Telegram names as the sender of what an anonymous group admin writes on behalf of the group. */
const GROUP_ANONYMOUS_BOT_ID = 1087968824;
/** The largest document read into a command's file option; more than any such option takes. */
const FILE_LIMIT = 1024 * 1024;
const SORRY = 'Something went wrong on our side while handling this; it has been logged for the moderators. Please try again in a moment.';
/** Telegraf types its abort signal with an old polyfill's type; Node's own signal is what it passes to fetch. */
type TelegrafSignal = NonNullable<Parameters<Telegraf['telegram']['callApi']>[2]>['signal'];
type CallbackQuery = Update.CallbackQueryUpdate['callback_query'];

/** Who wrote: a member, or the group itself when an anonymous admin writes on its behalf (a moderator, as admins are). */
type Speaker = { kind: 'member'; user: User } | { kind: 'group'; chat: Chat.GroupChat | Chat.SupergroupChat };

/** The chat and message a reply answers, and the forum topic it was asked in. */
type Origin = {
  chatId: number;
  messageId?: number | undefined;
  threadId?: number | undefined;
};

/**
 * Where an owed message goes, as the outbox keeps it (JSON). `announce` and `tell` are every adapter's; `reply` answers
 * in the chat asked in; `private` goes to a member's direct chat, and `otherwise` says what the chat asked in sees
 * when Telegram will not let the bot write to them: the answer with a note, only a note with a start link, or nothing.
 */
type Target =
  | { kind: 'announce' }
  | { kind: 'tell'; userId: string; privateOnly?: boolean }
  | ({ kind: 'reply' } & Origin)
  | ({ kind: 'private'; userId: number; name: string; otherwise: 'answer' | 'note' | 'nothing' } & Origin);

/** What a tap is answered with, right after its event is committed. */
interface Answer {
  text: string;
  show_alert?: boolean;
  /** The start link, for a member the bot cannot write to. */
  url?: string;
}

/** The default of TELEGRAM_ANSWER_DEADLINE_MS: the spinner on a tapped button for at most about half a second. */
const ANSWER_DEADLINE_MS = 600;
/** Stored buttons' commands kept in memory (they never change): a burst of taps on one poll reads its buttons once. */
const BUTTONS_KEPT = 10_000;

/**
 * The one answer a tap gets (Telegram takes one, within some seconds). It waits for the tap's commit and carries the
 * first line of its receipt, unless the commit comes later than the deadline: then the tap is answered at once with
 * a text that promises only what follows, and what the answer would have carried is owed by message instead. Which
 * of the two it is, is settled just before the commit (`waitsForCommit`), so that exactly one of them happens.
 */
class TapAnswer {
  #state: 'waiting' | 'early' | 'awaitsCommit' | 'answered' = 'waiting';
  #timer: NodeJS.Timeout | undefined;
  /** The early answer's call, for the update to be done with only once it is answered. */
  sending: Promise<void> = Promise.resolve();

  /** `answerable` false: Telegram takes no answer any more (the tap is too old); it counts as answered early, with nothing sent. */
  constructor(
    private readonly send: (answer: Answer) => Promise<void>,
    private readonly deadlineAt: number,
    private readonly early: () => Answer,
    answerable: boolean,
  ) {
    if (!answerable) {
      this.#state = 'early';
      return;
    }
    // Due already (a tap in a burst): answered now, so that `sending` is the answer's call from the start.
    if (deadlineAt <= performance.now()) this.#answerEarly();
    else {
      this.#timer = setTimeout(() => this.#answerEarly(), deadlineAt - performance.now());
      this.#timer.unref();
    }
  }

  /**
   * Called just before the commit. True: the answer waits for it (the deadline has not passed; a commit retried after
   * a failure keeps it so). False: the early answer went out, or goes now, since the deadline has passed while the
   * event loop was busy and the timer had no turn yet.
   */
  waitsForCommit(): boolean {
    if (this.#state === 'waiting' && performance.now() >= this.deadlineAt) this.#answerEarly();
    if (this.#state === 'early') return false;
    this.#state = 'awaitsCommit';
    clearTimeout(this.#timer);
    return true;
  }

  /** After the commit: the answer that waited for it. Anything else (nothing committed, answered early) sends nothing. */
  committed(answer: Answer): Promise<void> {
    return this.#state === 'awaitsCommit' ? this.#answer(answer) : Promise.resolve();
  }

  /** When the update failed or came to nothing: the answer, unless one went out already; false if it did. */
  instead(answer: Answer | undefined): Promise<void> | false {
    clearTimeout(this.#timer);
    if (this.#state === 'early' || this.#state === 'answered') return false;
    return answer ? this.#answer(answer) : Promise.resolve();
  }

  #answerEarly(): void {
    if (this.#state !== 'waiting') return;
    this.#state = 'early';
    this.sending = this.send(this.early());
  }

  #answer(answer: Answer): Promise<void> {
    this.#state = 'answered';
    return this.send(answer);
  }
}

/** What waits for a slot: a tap's answer (urgent) before anything else, which may hold only `otherSize` of the slots. */
class CallSlots {
  #free: number;
  #otherFree: number;
  readonly #urgent: (() => void)[] = [];
  readonly #other: (() => void)[] = [];

  constructor(size: number, otherSize: number) {
    this.#free = size;
    this.#otherFree = otherSize;
  }

  async run<T>(urgent: boolean, call: () => Promise<T>): Promise<T> {
    if (this.#free > 0 && (urgent || this.#otherFree > 0)) this.#take(urgent);
    else await new Promise<void>((resolve) => (urgent ? this.#urgent : this.#other).push(resolve));
    try {
      return await call();
    } finally {
      this.#free++;
      if (!urgent) this.#otherFree++;
      this.#next();
    }
  }

  /** A slot came free: to the first answer waiting, else to the first other call if others may hold one more. */
  #next(): void {
    const urgent = this.#urgent.length > 0;
    const next = urgent ? this.#urgent.shift() : this.#otherFree > 0 ? this.#other.shift() : undefined;
    if (!next) return;
    this.#take(urgent);
    next();
  }

  #take(urgent: boolean): void {
    this.#free--;
    if (!urgent) this.#otherFree--;
  }
}

/**
 * A burst: getUpdates hands out full batches, so more wait in Telegram's queue. Its updates are read and stored, and its
 * taps answered, before any of it goes to the runtime (for BURST_MS at most): on SQLite a batch of events holds the one
 * connection the next write to the inbox needs, and on one thread its handling would hold back the answers.
 */
class Burst {
  #reading = true;
  readonly #answers: Promise<void>[] = [];
  #release = (): void => undefined;
  readonly #timer: NodeJS.Timeout;
  /** What events wait for before they go to the runtime. */
  readonly handled: Promise<void> = new Promise((resolve) => (this.#release = resolve));

  constructor() {
    this.#timer = setTimeout(() => this.cut(), BURST_MS);
  }

  /** A tap's answer, which the burst's events wait for. */
  owe(answer: Promise<void>): void {
    this.#answers.push(answer);
  }

  /** Every update is read: the events go once the answers are sent. */
  read(): void {
    if (!this.#reading) return;
    this.#reading = false;
    void Promise.allSettled(this.#answers).then(() => this.cut());
  }

  /** The events go now (the time is up, or the bot stops). */
  cut(): void {
    this.#reading = false;
    clearTimeout(this.#timer);
    this.#release();
  }
}

/** When an update was read (epoch ms), and how many updates were in hand then, ahead of it. */
type Read = { at: number; behind: number };
/** What handling an update learns, for its failure to be logged and apologised for. */
type Seen = { community?: Community; tap?: TapAnswer };

const messageRef = (chatId: number | string, messageId: number) => `message:${chatId}:${messageId}`;
const topicRef = (chatId: number | string, threadId: number) => `topic:${chatId}:${threadId}`;
/** The chat an update happens in, whose updates are applied one at a time across processes. */
function chatOf(update: Update): string | undefined {
  if ('message' in update) return String(update.message.chat.id);
  if ('callback_query' in update) return String(update.callback_query.message?.chat.id ?? update.callback_query.from.id);
  if ('message_reaction' in update) return String(update.message_reaction.chat.id);
  if ('my_chat_member' in update) return String(update.my_chat_member.chat.id);
  return undefined;
}

const isGroup = (chat: Chat): chat is Chat.GroupChat | Chat.SupergroupChat => chat.type === 'group' || chat.type === 'supergroup';
const handleOf = (user: User) => user.username ?? [user.first_name, user.last_name].filter(Boolean).join(' ');
/** How a note in a group names a member: by @username, which Telegram shows as a mention, else by first name. */
const nameOf = (user: User) => (user.username ? `@${user.username}` : user.first_name);
const emojis = (reactions: ReactionType[]) => reactions.flatMap((r) => (r.type === 'emoji' ? [r.emoji] : []));
/** Users have positive ids; a group's actor (an anonymous admin) has the group's negative one and no direct chat. */
const isPerson = (userId: number) => userId > 0;

/** The name of the option a command takes an attached file's text in, if it has one. */
function fileOption(runtime: ChatRuntime, invocation: Invocation): string | undefined {
  const shape = actionFor(runtime.commands, invocation)?.options.shape ?? {};
  return Object.keys(shape).find((name) => optionKind(shape[name]!) === 'file');
}

/** What the inbox keeps of why an update failed: Telegram's code and words, or the error's. */
function errorText(error: unknown): string {
  if (error instanceof TelegramError) return `${error.code} ${error.description}`;
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}

/** What a log line says of a failed call: Telegram's code and description, never the call's payload (it may be a secret link). */
function errorDetail(error: unknown): unknown {
  if (error instanceof TelegramError) return { method: (error.on as { method?: string } | undefined)?.method, code: error.code, description: error.description };
  return error;
}

/** 429 (wait as told), 5xx and dropped connections (wait a little longer each time) are worth another try. */
function retryDelay(error: unknown, attempt: number): number | undefined {
  if (error instanceof TelegramError) {
    if (error.code === 429) {
      const wait = (error.parameters?.retry_after ?? 1) * 1000;
      return delivering.getStore() && wait > LONGEST_DELIVERY_WAIT_MS ? undefined : wait;
    }
    return error.code >= 500 ? RETRY_MS * 2 ** (attempt - 1) : undefined;
  }
  // (uploads go through telegraf's node-fetch, whose failures are FetchErrors)
  const dropped = error instanceof ConnectionFailed || (error instanceof Error && error.name === 'FetchError');
  return dropped ? RETRY_MS * 2 ** (attempt - 1) : undefined;
}

/**
 * Telegram through telegraf: updates become command calls, replies become HTML messages. Each update read is written
 * to the inbox first (src/db/inbox.ts), and Telegram is told at once that it may forget it; then the updates of each
 * chat are handed to the runtime in the order Telegram numbered them, each exactly once (runtime.handle): what an update
 * changes, its removal from the inbox and the messages it owes commit together, and the outbox posts them through
 * `deliver`. The next update of a chat is prepared as soon as the one before is handed in, without waiting for its
 * commit, so a burst is committed in a few transactions and the taps are answered side by side; chats do not wait for
 * each other. One update that fails is logged, apologised for and kept in the inbox with its error, and the next is
 * handled as if nothing happened.
 */
export class TelegramChat {
  readonly bot: Telegraf;
  private readonly api: BotApiClient;
  private username = '';
  private botId = 0;
  /** The bot's account as the inbox names it: update ids are numbered per bot. */
  private botKey = '';
  /** Per chat: resolves once its update taken last is handed to the runtime (or done with): the next one may then be prepared. */
  private readonly chains = new Map<string, Promise<void>>();
  private readonly slots = new CallSlots(CALLS_IN_FLIGHT * PIPELINING, CALLS_IN_FLIGHT);
  /** Updates kept in the inbox (read by long polling) until they are handled. */
  private readonly stored = new WeakSet<Update>();
  /** Updates whose removal from the inbox was committed with their event. */
  private readonly removedWithEvent = new WeakSet<Update>();
  /** Since when updates have been prepared without a pause. */
  private busySince = performance.now();
  /** The burst being read, if any. */
  private burst: Burst | undefined;
  /** What events wait for before they go to the runtime: the last burst to be read and answered. */
  private held: Promise<void> = Promise.resolve();
  /** Updates taken and not yet done with (committed and answered). */
  private readonly inHand = new Set<Promise<void>>();
  /** For an update being prepared: lets the next one be prepared, once its event is in the runtime's hands. */
  private readonly turns = new WeakMap<Update, () => void>();
  private polling: Promise<void> | undefined;
  private readonly stopping = new AbortController();
  private readonly admins = new Map<number, { ids: Set<number>; until: number }>();
  private readonly chats = new Map<number, Promise<Chat>>();
  /** Members Telegram would not let the bot write to (they never pressed Start); forgotten when they do. */
  private readonly unreachable = new Set<number>();
  /** Whether Telegram answers (for /healthz): the webhook is set, or the last getUpdates was answered. */
  connected = false;
  /** What an owed message already posted before a failure, so that its retry does not post it twice. */
  private readonly progress = new Map<string, Map<string, number>>();
  /** Status messages of long commands, until their last text is shown (idle and stop wait for them). */
  private readonly statuses = new Set<StatusMessage>();
  /** The answer of each tap being handled, by callback query id: a copy of the update delivered again shares it. */
  private readonly taps = new Map<string, TapAnswer>();
  /** The invocations behind buttons already read, by community and button id. */
  private readonly buttons = new Map<string, Invocation>();
  /** Groups' communities, once committed (a community row never changes): a burst of taps reads its group once. */
  private readonly communities = new Map<number, Community>();

  constructor(
    private readonly runtime: ChatRuntime,
    private readonly options: TelegramOptions,
  ) {
    this.bot = new Telegraf(options.token, { telegram: { apiRoot: options.apiRoot, webhookReply: false } });
    this.api = new BotApiClient(options.token, options.apiRoot, { connections: CALLS_IN_FLIGHT, pipelining: PIPELINING });
    this.api.serve(this.bot.telegram);
    this.bot.catch((error, ctx) => this.logFor(ctx.update).error('telegram update failed', { error: errorDetail(error) }));
    // Webhook posts are answered once handled, as before the inbox: Telegram keeps what is not answered and posts it
    // again, and several workers may take posts, which one inbox per process could not keep in order.
    this.bot.use((ctx) => this.enqueue(ctx.update, Date.now(), false));
    runtime.outbox.register('telegram', (message) => this.deliver(message));
    this.leaderboards = new PinnedLeaderboards(
      runtime,
      async (chatId, messageId, html) => void (await this.call(() => this.bot.telegram.editMessageText(chatId, messageId, undefined, html, { parse_mode: 'HTML', link_preview_options: { is_disabled: true } }))),
      runtime.logger.child({ platform: 'telegram', component: 'leaderboard' }),
    );
  }

  /** The pinned leaderboard of each group, edited a moment after its updates when the standings moved. */
  readonly leaderboards: PinnedLeaderboards;

  async start(): Promise<void> {
    const me = await this.call(() => this.bot.telegram.getMe());
    this.bot.botInfo = me;
    this.username = me.username;
    this.botId = me.id;
    this.botKey = String(me.id);
    const menus = commandMenus(this.runtime.commands);
    await this.call(() => this.bot.telegram.setMyCommands(menus.members));
    await this.call(() => this.bot.telegram.setMyCommands(menus.members, { scope: { type: 'all_group_chats' } }));
    await this.call(() => this.bot.telegram.setMyCommands(menus.moderators, { scope: { type: 'all_chat_administrators' } }));
    // What was owed before a stop or a crash is posted before new updates come in: each message is then marked sent
    // as soon as Telegram takes it, instead of waiting behind redelivered updates for the database — the moment in
    // which a crash would post it a second time (Telegram has no way to post a message only once) stays a few ms.
    await this.runtime.outbox.idle();
    // What the inbox holds (read before a stop or a crash, not handled) goes first, in order, before anything new.
    for (const waiting of await waitingUpdates(this.runtime.services.db, 'telegram', this.botKey)) this.enqueue(JSON.parse(waiting.payload) as Update, waiting.arrivedAt.getTime(), true);
    const webhook = this.options.webhook;
    if (webhook) {
      const url = new URL(webhook.url);
      // Telegram sends this header with every update, so that only Telegram can post to the hook.
      const secret = createHash('sha256').update(`govbot webhook ${this.options.token}`).digest('hex');
      const handler = await this.bot.createWebhook({ domain: url.host, path: url.pathname, secret_token: secret, allowed_updates: [...ALLOWED_UPDATES] });
      webhook.server.route(url.pathname, handler);
      this.connected = true;
      return;
    }
    await this.call(() => this.bot.telegram.deleteWebhook());
    this.connected = true;
    this.polling = this.poll();
  }

  /** Stops asking for updates, cuts short any wait between tries, and lets the update being handled finish. */
  async stop(): Promise<void> {
    this.stopping.abort();
    this.burst?.cut();
    this.connected = false;
    await this.polling;
    await this.inHandDone();
    await Promise.all([...this.statuses].map((status) => status.cancel()));
    this.leaderboards.stop();
    await this.api.close();
  }

  /** Resolves once every update taken is handled and what they owe is posted (tests; shutdown waits the same way). */
  async idle(): Promise<void> {
    await this.inHandDone();
    await this.runtime.outbox.idle();
    await Promise.all([...this.statuses].map((status) => status.finish()));
  }

  /**
   * Long polling. Each batch is written to the inbox and then confirmed at once, by asking for the updates after it: a
   * burst is read in a few calls instead of waiting in Telegram's queue behind its own handling, and a crash loses
   * nothing (start() handles what the inbox holds). A full batch starts a burst (Burst), read to its end before it is
   * handled.
   */
  private async poll(): Promise<void> {
    let offset = 0;
    let failures = 0;
    const signal = this.stopping.signal;
    // In a burst, an empty queue is answered at once instead of held for a long poll.
    const ask = (inBurst: boolean) =>
      this.call(() => this.bot.telegram.callApi('getUpdates', { offset, limit: BATCH, timeout: inBurst ? 0 : 50, allowed_updates: [...ALLOWED_UPDATES] }, { signal: signal as TelegrafSignal }), 'poll');
    let asked = ask(false);
    for (;;) {
      try {
        const updates = await asked;
        failures = 0;
        this.connected = true;
        const full = updates.length === BATCH;
        if (full && !this.burst) {
          this.burst = new Burst();
          this.held = this.burst.handled;
        }
        const arrivedAt = Date.now();
        const fresh = await this.store(updates, arrivedAt);
        if (updates.length > 0) offset = updates.at(-1)!.update_id + 1;
        // In the inbox: the next batch is asked for (which confirms this one) before this one is queued and its taps
        // answered, so that Telegram gets it ready while the bot is busy with this one.
        asked = ask(full);
        for (const update of updates) if (fresh.delete(update.update_id)) this.enqueue(update, arrivedAt, true);
        if (!full) this.burstRead();
      } catch (error) {
        if (signal.aborted) return;
        this.connected = false;
        this.burstRead();
        // Network trouble, Telegram's own or the database's: wait, longer each time up to a minute, and ask again (from
        // the same offset: what was not written to the inbox is sent again).
        this.runtime.logger.error('telegram getUpdates failed', { platform: 'telegram', error: errorDetail(error) });
        await sleep(Math.min(60_000, 500 * 2 ** failures++), undefined, { signal }).catch(() => undefined);
        asked = ask(false);
      }
    }
  }

  private burstRead(): void {
    this.burst?.read();
    this.burst = undefined;
  }

  // ---- incoming

  /**
   * Writes updates to the inbox (one statement); returns the ids to queue in their chats. A copy of an update still in
   * the inbox (sent again, or twice in one batch) is not queued again; one handled already is, and comes to nothing
   * (runtime.handle).
   */
  private store(updates: readonly Update[], arrivedAt: number): Promise<Set<number>> {
    return storeUpdates(this.runtime.services.db, 'telegram', this.botKey, updates.map((u) => ({ updateId: u.update_id, chatId: chatOf(u), payload: JSON.stringify(u) })), new Date(arrivedAt));
  }

  /**
   * Prepares a chat's updates one after another, each once the one before is in the runtime's hands, so they are
   * applied in order; `arrivedAt` is when the update was read (epoch ms), from which a tap's answer is timed. Resolves
   * once the update is done with.
   */
  private enqueue(update: Update, arrivedAt: number, stored: boolean): Promise<void> {
    if (stored) this.stored.add(update);
    const read = { at: arrivedAt, behind: this.inHand.size };
    const seen: Seen = {};
    const query = 'callback_query' in update ? update.callback_query : undefined;
    const ownsTap = query !== undefined && !this.taps.has(query.id);
    if (query) seen.tap = this.tapAnswer(update, query, seen, read);
    const chat = chatOf(update) ?? '';
    let passTurn = (): void => undefined;
    const turn = new Promise<void>((resolve) => (passTurn = resolve));
    this.turns.set(update, passTurn);
    const handled = (this.chains.get(chat) ?? Promise.resolve())
      .then(() => this.breather())
      .then(() => this.handleUpdate(update, seen))
      .finally(passTurn);
    this.chains.set(chat, turn);
    void turn.then(() => this.chains.get(chat) === turn && this.chains.delete(chat));
    this.inHand.add(handled);
    void handled.finally(() => {
      this.inHand.delete(handled);
      if (ownsTap) this.taps.delete(query.id);
    });
    return handled;
  }

  /**
   * A chat's updates follow each other in microtasks as each is handed to the runtime: once a burst is let go, two
   * thousand would be prepared without the event loop getting a turn. It gets one every few ms.
   */
  private async breather(): Promise<void> {
    if (performance.now() - this.busySince < YIELD_EVERY_MS) return;
    await pause();
    this.busySince = performance.now();
  }

  private async inHandDone(): Promise<void> {
    while (this.inHand.size > 0) await Promise.all([...this.inHand]);
  }

  private logFor(update: Update, community?: Community): Logger {
    return this.runtime.logger.child({ platform: 'telegram', update: update.update_id, ...(community && { community: community.platform_chat_id }) });
  }

  /**
   * Handles an update and, if it is in the inbox, is done with it there: removed with its event, or after it when it
   * came to none; marked failed when it failed. Never rejects, so one failure cannot stop the others.
   */
  private async handleUpdate(update: Update, seen: Seen): Promise<void> {
    const failure = await this.handleUpdateIn(update, seen);
    // The chat's next update may be prepared (once() let it already if this one had an event).
    this.turns.get(update)?.();
    if (!this.stored.has(update) || (failure === undefined && this.removedWithEvent.has(update))) return;
    const db = this.runtime.services.db;
    const done = failure === undefined ? removeUpdate(db, 'telegram', this.botKey, update.update_id) : markUpdateFailed(db, 'telegram', this.botKey, update.update_id, errorText(failure), new Date());
    await done.catch((error: unknown) => this.logFor(update).error('telegram inbox not updated', { error }));
  }

  /** Resolves with the error when the update failed (logged, and apologised for), else with nothing. */
  private async handleUpdateIn(update: Update, seen: Seen): Promise<unknown> {
    try {
      if ('message' in update) await this.onMessage(update, update.message, seen);
      else if ('callback_query' in update) await this.onTap(update, update.callback_query, seen, seen.tap!);
      else if ('message_reaction' in update) await this.onReaction(update, update.message_reaction, seen);
      else if ('my_chat_member' in update) await this.onMembership(update, update.my_chat_member, seen);
      // Any update of a group may move its standings: its pinned leaderboard is refreshed once the group is quiet.
      if (seen.community) this.leaderboards.touch(seen.community);
      // An edit changes a comment's words, not the count: the comment was counted when it was sent.
    } catch (error) {
      const log = this.logFor(update, seen.community);
      log.error('telegram update failed', { error: errorDetail(error) });
      await this.apologise(update, seen.tap).catch((failure: unknown) => log.warn('could not tell the member that their update failed', { error: errorDetail(failure) }));
      return error;
    }
    return undefined;
  }

  /**
   * The bot's own membership changed: the admin list is asked again, and when it was added to a group, it owes the
   * admins the setup checklist (the rights it has and lacks, the first commands), through the outbox.
   */
  private async onMembership(update: Update, change: Update.MyChatMemberUpdate['my_chat_member'], seen: { community?: Community }): Promise<void> {
    this.admins.delete(change.chat.id);
    const { chat } = change;
    const joined = ['left', 'kicked'].includes(change.old_chat_member.status) && ['member', 'administrator'].includes(change.new_chat_member.status);
    if (!joined || (chat.type !== 'group' && chat.type !== 'supergroup')) return;
    const me = change.new_chat_member;
    const admin = me.status === 'administrator';
    const rights: Right[] = [
      { name: 'Admin', has: admin, why: 'Telegram sends emoji reactions, and every message of the group, only to admin bots: make me an admin so reactions on comments count' },
      { name: 'Pin messages', has: admin && me.can_pin_messages === true, why: 'proposals are pinned' },
      ...('is_forum' in chat && chat.is_forum ? [{ name: 'Manage topics', has: admin && me.can_manage_topics === true, why: 'each proposal gets a topic of its own' }] : []),
      { name: 'Delete messages', has: admin && me.can_delete_messages, why: "a withdrawn comment's message is removed" },
    ];
    await this.once(update, async (scope) => {
      const community = (seen.community = await this.communityOf(scope.db, chat));
      scope.owe(community, { kind: 'announce' }, setupChecklist(rights));
    });
  }

  /**
   * Runs an update's work exactly once, its removal from the inbox in the same transaction; undefined when Telegram
   * delivered it again and it was handled already. While a burst is read and answered, it waits for that first.
   */
  private async once<T>(update: Update, work: (scope: EventScope) => Promise<T>): Promise<T | undefined> {
    await this.held;
    const handling = this.runtime.handle(
      'telegram',
      String(update.update_id),
      async (scope) => {
        if (this.stored.has(update)) await removeUpdate(scope.db, 'telegram', this.botKey, update.update_id);
        return work(scope);
      },
      chatOf(update),
    );
    this.turns.get(update)?.();
    const result = await handling;
    if (result.handled) this.removedWithEvent.add(update);
    return result.handled ? result.value : undefined;
  }

  private async onMessage(update: Update, message: Message, seen: { community?: Community }): Promise<void> {
    const from = message.from;
    const body = 'text' in message ? message.text : 'caption' in message ? message.caption : undefined;
    if (!from || body === undefined) return;
    const speaker = this.speakerOf(message, from);
    if (!speaker) return;
    if (body.startsWith('/')) return this.onCommand(update, message, speaker, body, seen);
    if (isGroup(message.chat)) await this.onComment(update, message, speaker, body, seen);
  }

  /**
   * Members write as themselves; an anonymous admin's messages come from GroupAnonymousBot with the group as sender.
   * Messages on behalf of another chat (a linked channel's posts, forwarded by Telegram's own account) are no member's.
   */
  private speakerOf(message: Message, from: User): Speaker | undefined {
    const chat = message.chat;
    if (from.id === GROUP_ANONYMOUS_BOT_ID && isGroup(chat) && message.sender_chat?.id === chat.id) return { kind: 'group', chat };
    return from.is_bot || message.sender_chat ? undefined : { kind: 'member', user: from };
  }

  private async onCommand(update: Update, message: Message, speaker: Speaker, body: string, seen: { community?: Community }): Promise<void> {
    const head = /^\/([A-Za-z0-9_]+)(?:@([A-Za-z0-9_]+))?/.exec(body);
    if (!head) return;
    if (head[2] && head[2].toLowerCase() !== this.username.toLowerCase()) return; // meant for another bot
    const origin: Origin = { chatId: message.chat.id, messageId: message.message_id, threadId: message.is_topic_message ? message.message_thread_id : undefined };
    const db = this.runtime.services.db;
    const community = isGroup(message.chat) ? await this.communityOf(db, message.chat) : speaker.kind === 'member' ? await this.homeOf(db, speaker.user) : undefined;
    seen.community = community;
    if (head[1] === 'start' && speaker.kind === 'member') this.unreachable.delete(speaker.user.id);
    if (!community || head[1] === 'start') {
      const welcome = privateReply(text(this.welcome()));
      // Someone who takes part in no group yet is welcomed directly: there is no community to owe it in.
      if (!community) return void (await this.post(undefined, origin.chatId, welcome, origin, new Map()));
      return void (await this.once(update, async (scope) => scope.owe(community, { kind: 'reply', ...origin }, welcome)));
    }
    const parsed = parseCommandLine(`/${head[1]!.toLowerCase()}${body.slice(head[0].length)}`);
    // Platform calls come before the event's transaction: the admin list, and the text of an attached file.
    const admins = await this.adminsOf(Number(community.platform_chat_id));
    const document = 'document' in message ? message.document : undefined;
    const attached = parsed.ok && document ? await this.attach(parsed.invocation, document) : undefined;
    const status = this.statusIn(origin, this.logFor(update, community));
    await this.once(update, async (scope) => {
      const reply = !parsed.ok
        ? { ...privateReply(text(parsed.error)), refused: 'invalid_options' as const }
        : attached && 'refusal' in attached
          ? { ...privateReply(text(attached.refusal)), refused: 'invalid_options' as const }
          : await scope.run(
              community,
              await this.actorOf(scope.db, community, speaker, admins),
              withSubject(this.runtime.commands, attached?.invocation ?? parsed.invocation, await this.subjectOf(scope.db, community, message)),
              { ...this.hooks(community), status: (line) => status.show(line) },
            );
      scope.owe(community, this.answerTo(speaker, origin, reply), reply);
    }).finally(() => void status.finish().finally(() => this.statuses.delete(status)));
  }

  /**
   * How far a long command has come, in one message in the chat it was asked in, edited as it goes. Sent directly, not
   * owed: the command's transaction is still open, and a status is not kept (the owed answer says how it ended).
   */
  private statusIn(origin: Origin, log: Logger): StatusMessage {
    let messageId: number | undefined;
    const line = (status: string) => clip(status, MESSAGE_LIMIT, { ellipsis: '…' });
    const status = new StatusMessage(
      {
        post: async (text) => {
          const sent = await this.call(() =>
            this.bot.telegram.sendMessage(origin.chatId, line(text), {
              ...(origin.threadId !== undefined && { message_thread_id: origin.threadId }),
              ...(origin.messageId !== undefined && { reply_parameters: { message_id: origin.messageId, allow_sending_without_reply: true } }),
            }),
          );
          messageId = sent.message_id;
        },
        edit: async (text) => void (await this.call(() => this.bot.telegram.editMessageText(origin.chatId, messageId, undefined, line(text)))),
      },
      log,
      { describe: errorDetail },
    );
    this.statuses.add(status);
    return status;
  }

  /** Where the answer to a command goes: in the chat asked in, or privately when it is private and asked in a group. */
  private answerTo(speaker: Speaker, origin: Origin, reply: Reply): Target {
    if (!reply.private) return { kind: 'reply', ...origin };
    if (speaker.kind === 'member') {
      if (origin.chatId === speaker.user.id) return { kind: 'reply', ...origin };
      return { kind: 'private', userId: speaker.user.id, name: nameOf(speaker.user), otherwise: 'answer', ...origin };
    }
    // The group itself has no direct chat: its admins read the answer where they asked, unless it is a secret.
    if (!reply.secret) return { kind: 'reply', ...origin };
    return { kind: 'private', userId: speaker.chat.id, name: speaker.chat.title, otherwise: 'note', ...origin };
  }

  /**
   * A document sent with a command as its caption fills the command's file option (`/round balances` with a CSV),
   * unless the option is also typed. A file too big or not text is refused with what to send instead.
   */
  private async attach(invocation: Invocation, document: Document): Promise<{ invocation: Invocation } | { refusal: string } | undefined> {
    const option = fileOption(this.runtime, invocation);
    if (!option || invocation.options[option] !== undefined) return undefined;
    const name = document.file_name ?? 'The file';
    const tooBig = { refusal: `${name} is too big: I read files of up to ${FILE_LIMIT / 1024} KB. Split it, and send each part with the command.` };
    if ((document.file_size ?? 0) > FILE_LIMIT) return tooBig;
    let link: URL;
    try {
      link = await this.call(() => this.bot.telegram.getFileLink(document.file_id));
    } catch (error) {
      if (error instanceof TelegramError && error.code === 400) return { refusal: `Telegram will not let me read ${name} (${error.description}).` };
      throw error;
    }
    const response = await fetch(link, { signal: this.stopping.signal });
    if (!response.ok) throw new Error(`downloading a document failed: HTTP ${response.status}`);
    const bytes = new Uint8Array(await response.arrayBuffer());
    if (bytes.length > FILE_LIMIT) return tooBig;
    let content: string;
    try {
      // fatal: a file that is not UTF-8 is refused, not read with replacement characters.
      content = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
    } catch {
      content = '\0';
    }
    if (content.includes('\0')) return { refusal: `${name} is not a text file. Send the lines as a plain text (CSV) file, or type them in the ${option}: option.` };
    return { invocation: { ...invocation, options: { ...invocation.options, [option]: content } } };
  }

  /** A message in a proposal's topic, or a reply to a proposal or a comment, is a comment on that proposal. */
  private async onComment(update: Update, message: Message, speaker: Speaker, body: string, seen: { community?: Community }): Promise<void> {
    const chat = message.chat as Chat.GroupChat | Chat.SupergroupChat;
    const community = (seen.community = await this.communityOf(this.runtime.services.db, chat));
    const admins = await this.adminsOf(chat.id);
    await this.once(update, async (scope) => {
      const subject = await this.subjectOf(scope.db, community, message);
      if (!subject || subject.kind === 'poll') return;
      const proposal = subject.kind === 'proposal' ? subject.key : await proposalOfComment(scope.db, community.id, subject.round, subject.key);
      if (!proposal) return;
      const reply = await scope.run(community, await this.actorOf(scope.db, community, speaker, admins), { name: 'comment', options: { proposal, text: body, round: subject.round } }, this.hooks(community));
      // The member's own message is the comment: it is linked, not answered; a refusal is told privately, if possible.
      if (reply.about) await linkMessage(scope.db, community.id, messageRef(chat.id, message.message_id), reply.about);
      else if (speaker.kind === 'member') scope.owe(community, { kind: 'private', userId: speaker.user.id, name: nameOf(speaker.user), otherwise: 'nothing', chatId: chat.id }, reply);
    });
  }

  /**
   * A tap's one answer (TapAnswer), from the moment it is read: after its commit, with the first line of its receipt,
   * or, when the commit comes later than the deadline after the tap was read, at once with a short text, the rest
   * following by message. A tap read in a burst, or behind more updates than a getUpdates batch, is answered at once:
   * its commit comes after theirs, at a few ms an update later than any deadline. Timed from when the tap was read, by
   * this process or, for one the inbox kept, by the one before a restart. A copy of a tap in hand shares its answer.
   */
  private tapAnswer(update: Update, query: CallbackQuery, seen: Seen, read: Read): TapAnswer {
    const shared = this.taps.get(query.id);
    if (shared) return shared;
    const chat = query.message?.chat;
    const direct = chat !== undefined && !isGroup(chat) && chat.id === query.from.id;
    // The toast with the start link was refused (too late): the member still learns how to get their receipts.
    const startLinkInstead = (answer: Answer) => async () => {
      if (answer.url && seen.community && chat) await this.post(seen.community, chat.id, { blocks: [text(`${nameOf(query.from)}: ${answer.text} ${answer.url}`)] }, {}, new Map());
    };
    const send = (answer: Answer) => this.answer(update, query, answer, startLinkInstead(answer)).catch((error: unknown) => this.logFor(update).warn('could not answer a tap', { error: errorDetail(error) }));
    const age = Date.now() - read.at;
    const atOnce = this.burst !== undefined || read.behind >= BATCH;
    const deadlineAt = performance.now() - age + (atOnce ? 0 : (this.options.answerDeadlineMs ?? ANSWER_DEADLINE_MS));
    const button = chat && isGroup(chat) && 'data' in query ? this.buttons.get(`${chat.id} ${query.data}`) : undefined;
    const tap = new TapAnswer(send, deadlineAt, () => this.earlyAnswer(query, direct, button), age < ANSWER_WINDOW_MS);
    this.taps.set(query.id, tap);
    this.burst?.owe(tap.sending);
    return tap;
  }

  /**
   * A tap runs the button's stored command. Its group is read inside the event's transaction, so that a burst of taps
   * is prepared without waiting for the commits before it; only the admin list (cached) is asked of Telegram first.
   * Its answer (`tap`, see tapAnswer) is settled at the commit.
   */
  private async onTap(update: Update, query: CallbackQuery, seen: Seen, tap: TapAnswer): Promise<void> {
    const chat = query.message?.chat;
    const nothingHere = async () => void (await (tap.instead({ text: 'This button does nothing here.' }) || undefined));
    if (!('data' in query) || !chat) return nothingHere();
    // A button in a direct message (a juror's next pair) acts in the one group the member takes part in, as a command typed there does.
    const direct = !isGroup(chat) && chat.id === query.from.id;
    const home = direct ? await this.homeOf(this.runtime.services.db, query.from) : undefined;
    const groupId = isGroup(chat) ? chat.id : home && Number(home.platform_chat_id);
    if (groupId === undefined) return nothingHere();
    const admins = await this.adminsOf(groupId);
    const speaker: Speaker = { kind: 'member', user: query.from };
    const data = query.data;
    const button = `${groupId} ${data}`;
    try {
      const answer = await this.once(update, async (scope): Promise<Answer> => {
        const community = (seen.community = isGroup(chat) ? (this.communities.get(chat.id) ?? (await this.communityOf(scope.db, chat))) : home!);
        const invocation = await this.buttonInvocation(scope.db, community, button, data);
        const reply = invocation ? await scope.run(community, await this.actorOf(scope.db, community, speaker, admins), invocation, this.hooks(community)) : undefined;
        const outcome = this.tapOutcome(query, chat.id, direct, reply);
        // Settled at the commit: the receipt the answer will carry, or, answered early, everything by message.
        scope.beforeCommit(() => {
          const message = tap.waitsForCommit() ? outcome.withAnswer : outcome.instead;
          if (message) scope.owe(community, message.target, message.reply);
        });
        return outcome.answer;
      });
      if (isGroup(chat) && seen.community) this.communities.set(chat.id, seen.community);
      if (!answer) {
        // Handled already (a redelivery): this copy answers nothing.
        await tap.instead(undefined);
        return;
      }
      await tap.committed(answer);
    } finally {
      await tap.sending;
    }
  }

  /** A button's stored command, read once per process (stored buttons never change); `key` names the group and the button. */
  private async buttonInvocation(db: Executor, community: Community, key: string, data: string): Promise<Invocation | undefined> {
    const known = this.buttons.get(key);
    if (known) return known;
    const invocation = await this.runtime.storedInvocation(community, data, db);
    if (invocation) this.rememberButton(key, invocation);
    return invocation;
  }

  private rememberButton(key: string, invocation: Invocation): void {
    if (this.buttons.size >= BUTTONS_KEPT) this.buttons.clear();
    this.buttons.set(key, invocation);
  }

  /**
   * What a tap comes to: its answer after the commit and the message owed beside it (`withAnswer`), or, when it was
   * answered early, the one message owed instead, which carries what the answer would have said (a refusal included).
   * After a tap in a group, that message is private, with a note in the group if the member cannot be written to.
   */
  private tapOutcome(query: CallbackQuery, chatId: number, direct: boolean, reply: Reply | undefined): { answer: Answer; withAnswer?: { target: Target; reply: Reply }; instead: { target: Target; reply: Reply } } {
    const shown = reply ?? privateReply(text('This button no longer works.'));
    const late = direct || (!shown.private && !shown.refused) ? 'answer' : 'note';
    const instead = { target: direct ? ({ kind: 'reply', chatId } as const) : ({ kind: 'private', userId: query.from.id, name: nameOf(query.from), otherwise: late, chatId } as const), reply: shown };
    if (!reply) return { answer: { text: 'This button no longer works.', show_alert: true }, instead };
    if (reply.refused) return { answer: { text: toast(reply), show_alert: true }, instead };
    if (!reply.private || direct) return { answer: { text: toast(reply) }, withAnswer: { target: { kind: 'reply', chatId }, reply }, instead };
    // Receipts go to a direct message. A member known not to have started the bot gets the start link in the toast;
    // anyone else whose direct message Telegram refuses gets it in a note in the group, without the receipt.
    const known = this.unreachable.has(query.from.id);
    return {
      answer: known ? { text: toast(reply, 'Start a chat with me to get your receipts.'), url: this.startLink('receipts') } : { text: toast(reply) },
      withAnswer: { target: { kind: 'private', userId: query.from.id, name: nameOf(query.from), otherwise: known ? 'nothing' : 'note', chatId }, reply },
      instead,
    };
  }

  /** The answer at the deadline: it says what follows, and where, and nothing of what the tap came to. */
  private earlyAnswer(query: CallbackQuery, direct: boolean, invocation: Invocation | undefined): Answer {
    if (direct) return { text: 'Working on it… the answer follows in this chat.' };
    const what = invocation?.name === 'vote' && invocation.options['draft'] !== true ? 'Counting your vote… your receipt' : 'Working on it… the answer';
    if (this.unreachable.has(query.from.id)) return { text: `${what} follows in a private message: start a chat with me to get it.`, url: this.startLink('receipts') };
    return { text: `${what} follows in a private message.` };
  }

  /**
   * Answers a tap. Telegram takes an answer only once and only some seconds after the tap (a slow update, a restart):
   * a refused answer is dropped with a log line, since what the tap did is committed and its messages are owed.
   */
  private async answer(update: Update, query: CallbackQuery, answer: Answer, whenRefused?: () => Promise<void>): Promise<void> {
    try {
      await this.call(() => this.bot.telegram.answerCbQuery(query.id, answer.text, { ...(answer.show_alert && { show_alert: true }), ...(answer.url && { url: answer.url }) }), 'answer');
    } catch (error) {
      if (!(error instanceof TelegramError && error.code === 400)) throw error;
      this.logFor(update).warn('callback answer refused, dropped', { error: errorDetail(error) });
      await whenRefused?.();
    }
  }

  private async onReaction(update: Update, reaction: Update.MessageReactionUpdate['message_reaction'], seen: { community?: Community }): Promise<void> {
    if (!reaction.user || reaction.user.is_bot || !isGroup(reaction.chat)) return;
    const user = reaction.user;
    const community = (seen.community = await this.communityOf(this.runtime.services.db, reaction.chat));
    const admins = await this.adminsOf(reaction.chat.id);
    await this.once(update, async (scope) => {
      const subject = await linkedSubject(scope.db, community.id, messageRef(reaction.chat.id, reaction.message_id));
      if (subject?.kind !== 'comment') return;
      const change = reactionChanges(this.options.reactions, emojis(reaction.old_reaction), emojis(reaction.new_reaction));
      await scope.react(community, await this.actorOf(scope.db, community, { kind: 'member', user }, admins), subject, change);
    });
  }

  /** When an update failed, the member who sent a command or tapped a button is told, where the bot can reach them. */
  private async apologise(update: Update, tap: TapAnswer | undefined): Promise<void> {
    if ('callback_query' in update) {
      const query = update.callback_query;
      const answering = tap ? tap.instead({ text: SORRY, show_alert: true }) : this.call(() => this.bot.telegram.answerCbQuery(query.id, SORRY, { show_alert: true }), 'answer').then(() => undefined);
      // Answered already with "counting…": nothing of the tap was kept, so the member is told by message, if possible.
      if (answering === false) await this.sendPrivately(undefined, query.from.id, { blocks: [text(SORRY)] }, new Map());
      else await answering;
      return;
    }
    if (!('message' in update)) return;
    const message = update.message;
    const body = 'text' in message ? message.text : 'caption' in message ? message.caption : '';
    const speaker = message.from && this.speakerOf(message, message.from);
    if (!speaker || !body?.startsWith('/')) return;
    if (speaker.kind === 'member' && (await this.sendPrivately(undefined, speaker.user.id, { blocks: [text(SORRY)] }, new Map()))) return;
    await this.call(() => this.bot.telegram.sendMessage(message.chat.id, SORRY, { reply_parameters: { message_id: message.message_id, allow_sending_without_reply: true } }));
  }

  // ---- who acts, and where

  private async actorOf(db: Executor, community: Community, speaker: Speaker, admins: Set<number>): Promise<Actor> {
    if (speaker.kind === 'group') return { platform: 'telegram', userId: String(speaker.chat.id), handle: speaker.chat.title, isModerator: true };
    const { user } = speaker;
    // Group admins are moderators; so are members the latest round names.
    const isModerator = admins.has(user.id) || (await isNamedModerator(db, community.id, 'telegram', String(user.id)));
    return { platform: 'telegram', userId: String(user.id), handle: handleOf(user), isModerator };
  }

  private hooks(community: Community): { chatProblems: () => Promise<string[]> } {
    return { chatProblems: () => this.problems(community) };
  }

  /** A group's human admins, asked again after a minute (or when the bot's own membership changes). */
  private async adminsOf(chatId: number): Promise<Set<number>> {
    let admins = this.admins.get(chatId);
    if (!admins || admins.until < Date.now()) {
      const list = await this.call(() => this.bot.telegram.getChatAdministrators(chatId));
      admins = { ids: new Set(list.filter((m) => !m.user.is_bot).map((m) => m.user.id)), until: Date.now() + ADMIN_CACHE_MS };
      this.admins.set(chatId, admins);
    }
    return admins.ids;
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

  private communityOf(db: Executor, chat: Chat.GroupChat | Chat.SupergroupChat): Promise<Community> {
    return ensureCommunity(db, { platform: 'telegram', chatId: String(chat.id), name: chat.title });
  }

  /** In a direct message, commands act in the one group the member takes part in. */
  private async homeOf(db: Executor, user: User): Promise<Community | undefined> {
    const rows = await db
      .selectFrom('member_accounts')
      .innerJoin('communities', 'communities.id', 'member_accounts.community_id')
      .selectAll('communities')
      .where('member_accounts.platform', '=', 'telegram')
      .where('member_accounts.platform_user_id', '=', String(user.id))
      .execute();
    return rows.length === 1 ? rows[0] : undefined;
  }

  /** How a group note names a member the bot only knows by id (a `tell` from the web page). */
  private async nameOfMember(community: Community, userId: string): Promise<string> {
    const row = await this.runtime.services.db
      .selectFrom('member_accounts')
      .innerJoin('members', 'members.id', 'member_accounts.member_id')
      .select('members.handle')
      .where('member_accounts.community_id', '=', community.id)
      .where('member_accounts.platform', '=', 'telegram')
      .where('member_accounts.platform_user_id', '=', userId)
      .executeTakeFirst();
    return row ? `@${row.handle}` : 'A member';
  }

  private welcome(): string {
    return 'Hello! I run governance rounds in groups: proposals, ratings, polls weighted by tokens and reputation, and rewards. Use my commands in your group (type / to see them); I send your receipts here.';
  }

  private startLink(payload: 'receipts' | 'private'): string {
    return `https://t.me/${this.username}?start=${payload}`;
  }

  /** The proposal, comment or poll a message answers: its forum topic, or the message it replies to. */
  private async subjectOf(db: Executor, community: Community, message: Message): Promise<Subject | undefined> {
    if (message.is_topic_message && message.message_thread_id !== undefined) {
      const topic = await linkedSubject(db, community.id, topicRef(message.chat.id, message.message_thread_id));
      if (topic) return topic;
    }
    const target = 'reply_to_message' in message ? message.reply_to_message : undefined;
    return target ? linkedSubject(db, community.id, messageRef(message.chat.id, target.message_id)) : undefined;
  }

  // ---- outgoing

  /**
   * The outbox's sender: posts one owed message. A refusal a retry will not change (400, 403) is reported as such, with
   * Telegram's words; anything else (5xx after the call's own tries, a dropped connection) is thrown to be retried.
   */
  private async deliver(message: OwedMessage): Promise<void> {
    const done = this.progress.get(message.id) ?? new Map<string, number>();
    this.progress.set(message.id, done);
    try {
      await delivering.run(true, () => this.send(message.community, message.target as Target, message.reply, done));
      this.progress.delete(message.id);
    } catch (error) {
      if (!(error instanceof TelegramError && (error.code === 400 || error.code === 403))) throw error;
      this.progress.delete(message.id);
      throw new RefusedForGood(`${error.code} ${error.description}`);
    }
  }

  /** `done` holds what was posted by earlier tries of the same message: those parts are not posted again. */
  private async send(community: Community, target: Target, reply: Reply, done: Map<string, number>): Promise<void> {
    const group = Number(community.platform_chat_id);
    switch (target.kind) {
      case 'announce':
        return this.publish(community, reply, { chatId: group }, done);
      case 'reply':
        return this.publish(community, reply, target, done);
      case 'tell':
        // a reminder is for the member alone: when they never pressed Start it is given up (and logged), not shown in the group
        if (target.privateOnly) {
          if (!(await this.sendPrivately(community, Number(target.userId), reply, done))) throw new RefusedForGood('403 the member never started a private chat with the bot');
          return;
        }
        return this.sendPrivate(community, reply, { userId: Number(target.userId), name: await this.nameOfMember(community, target.userId), otherwise: 'answer', chatId: group }, done);
      case 'private':
        return this.sendPrivate(community, reply, target, done);
    }
  }

  /** A public reply: in its chat (a new proposal also in a forum topic of its own), then linked to what it shows. */
  private async publish(community: Community, reply: Reply, origin: Origin, done: Map<string, number>): Promise<void> {
    const { chatId } = origin;
    const topic = reply.about?.kind === 'proposal' && !reply.about.ended ? await this.openTopic(chatId, reply.about, done) : undefined;
    const sent = await this.post(community, chatId, reply, origin, done);
    if (topic !== undefined) {
      await linkMessage(this.runtime.services.db, community.id, topicRef(chatId, topic), reply.about!);
      sent.push(...(await this.post(community, chatId, reply, { threadId: topic }, done)));
    }
    await this.remember(community, chatId, reply, sent);
  }

  /**
   * A private answer by direct message. When Telegram refuses that (the member never pressed Start), the chat asked in
   * sees, as the target says, the answer with a note or only a note with the start link; a secret (a one-time wallet
   * link) is never shown there, whatever the target says.
   */
  private async sendPrivate(community: Community, reply: Reply, target: Omit<Extract<Target, { kind: 'private' }>, 'kind'>, done: Map<string, number>): Promise<void> {
    if (!(await this.sendPrivately(community, target.userId, reply, done))) {
      const where = { messageId: target.messageId, threadId: target.threadId };
      const otherwise = reply.secret ? 'secret' : target.otherwise;
      if (otherwise === 'secret')
        await this.post(community, target.chatId, { blocks: [text(`${target.name}: this answer is for you alone, and I cannot write to you privately. Open a private chat with me from your own account (${this.startLink('private')}), press Start, and ask again there.`)] }, where, done);
      else if (otherwise === 'note')
        await this.post(community, target.chatId, { blocks: [text(`${target.name}: I cannot write to you privately. To get your receipts and private answers, open a chat with me (${this.startLink('receipts')}) and press Start.`)] }, where, done);
      else if (otherwise === 'answer') {
        const note = text(`(${target.name}, I could not write to you privately: open a chat with me (${this.startLink('private')}) and press Start.)`);
        await this.post(community, target.chatId, { ...reply, blocks: [...reply.blocks, note] }, where, done);
      }
    }
    if (reply.about?.ended) await this.end(community, reply.about);
  }

  /** False when Telegram will not let the bot write to this user (never started it, blocked it, or not a person). */
  private async sendPrivately(community: Community | undefined, userId: number, reply: Reply, done: Map<string, number>): Promise<boolean> {
    if (!isPerson(userId)) return false;
    try {
      await this.post(community, userId, reply, {}, done);
      return true;
    } catch (error) {
      if (!(error instanceof TelegramError && error.code === 403)) throw error;
      this.unreachable.add(userId);
      return false;
    }
  }

  /**
   * Sends a reply as one or more messages; buttons go on the last. Returns the ids of the messages sent. The
   * community is the one whose command the buttons run, wherever they are posted (a group or a direct message).
   * Member text is escaped, so the bot's markup never turns it into a link; link previews are off.
   */
  private async post(community: Community | undefined, chatId: number, reply: Reply, where: Omit<Origin, 'chatId'>, done: Map<string, number>): Promise<number[]> {
    const parts = renderForTelegram(reply);
    const keyboard = reply.choices?.length ? await this.keyboard(community, reply) : undefined;
    const place = `${chatId}:${where.threadId ?? ''}`;
    const ids: number[] = [];
    for (const [i, html] of parts.entries()) {
      const last = i === parts.length - 1;
      const key = `${place}:text:${html}`;
      const posted =
        done.get(key) ??
        (
          await this.call(() =>
            this.bot.telegram.sendMessage(chatId, html, {
              parse_mode: 'HTML',
              link_preview_options: { is_disabled: true },
              ...(where.threadId !== undefined && { message_thread_id: where.threadId }),
              ...(i === 0 && where.messageId !== undefined && { reply_parameters: { message_id: where.messageId, allow_sending_without_reply: true } }),
              ...(last && keyboard && { reply_markup: { inline_keyboard: keyboard } }),
            }),
          )
        ).message_id;
      done.set(key, posted);
      ids.push(posted);
    }
    const thread = where.threadId !== undefined ? { message_thread_id: where.threadId } : {};
    for (const file of reply.attachments ?? []) {
      const key = `${place}:file:${file.name}`;
      if (done.has(key)) continue;
      const upload = Input.fromBuffer(Buffer.from(file.content), file.name);
      // Charts show inline as photos; other files (round files, CSV) as documents.
      const sent = file.contentType.startsWith('image/') ? await this.call(() => this.bot.telegram.sendPhoto(chatId, upload, thread)) : await this.call(() => this.bot.telegram.sendDocument(chatId, upload, thread));
      done.set(key, sent.message_id);
    }
    return ids;
  }

  /** One button per row: option labels are often long. Each button carries the short id of its stored command. */
  private async keyboard(community: Community | undefined, reply: Reply): Promise<InlineKeyboardButton[][]> {
    if (!community) throw new Error('buttons were asked for outside any community');
    const ids = await this.runtime.storeChoices(community, reply.choices!.map((c) => c.command));
    // Known before any tap, so that the taps of a burst, answered before they are handled, are told what they did.
    for (const [i, choice] of reply.choices!.entries()) {
      const parsed = parseCommandLine(choice.command);
      if (parsed.ok) this.rememberButton(`${community.platform_chat_id} ${ids[i]!}`, parsed.invocation);
    }
    return reply.choices!.map((choice, i) => [{ text: buttonLabel(i, choice.label), callback_data: ids[i]! }]);
  }

  /** Links the messages that show a subject; when the subject ended, updates or removes the messages that showed it. */
  private async remember(community: Community, chatId: number, reply: Reply, sent: number[]): Promise<void> {
    const about = reply.about;
    if (!about) return;
    const db = this.runtime.services.db;
    if (about.ended) return this.end(community, about);
    for (const id of sent) await linkMessage(db, community.id, messageRef(chatId, id), about);
    const first = sent[0];
    // Proposals are pinned, and so is the leaderboard, which is kept up to date in place of roles.
    if ((about.kind === 'proposal' || about.kind === 'leaderboard') && first !== undefined)
      await this.call(() => this.bot.telegram.pinChatMessage(chatId, first, { disable_notification: true })).catch((error: unknown) =>
        this.runtime.logger.warn('could not pin a proposal', { platform: 'telegram', community: community.platform_chat_id, error: errorDetail(error) }),
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
      await change.catch((error: unknown) => this.runtime.logger.warn('could not update a chat message', { platform: 'telegram', community: community.platform_chat_id, ref, error: errorDetail(error) }));
    }
  }

  /** A forum group gives each new proposal a topic; opened once, even when the message is tried again. */
  private async openTopic(chatId: number, about: Subject, done: Map<string, number>): Promise<number | undefined> {
    if (isPerson(chatId)) return undefined;
    const opened = done.get('topic');
    if (opened !== undefined) return opened;
    const chat = await this.chatInfo(chatId);
    if (!('is_forum' in chat && chat.is_forum)) return undefined;
    const topic = await this.call(() => this.bot.telegram.createForumTopic(chatId, topicName(about.key, about.title))).catch((error: unknown) => {
      this.runtime.logger.warn('could not open a forum topic', { platform: 'telegram', chat: chatId, error: errorDetail(error) });
      return undefined;
    });
    if (topic) done.set('topic', topic.message_thread_id);
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

  /**
   * Calls Telegram: a 429 is waited out as long as Telegram asks, a 5xx or a dropped connection tried again shortly.
   * Each try takes one of the slots (a tap's answer first), except the long poll, which waits for updates, not for Telegram.
   */
  private async call<T>(request: () => Promise<T>, kind: 'answer' | 'poll' | 'other' = 'other'): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await (kind === 'poll' ? request() : this.slots.run(kind === 'answer', request));
      } catch (error) {
        const delay = retryDelay(error, attempt);
        if (delay === undefined || attempt >= MAX_ATTEMPTS || this.stopping.signal.aborted) throw error;
        // Stopping cuts the wait short; the call then fails as it last did.
        await sleep(delay, undefined, { signal: this.stopping.signal }).catch(() => undefined);
        if (this.stopping.signal.aborted) throw error;
      }
    }
  }
}
