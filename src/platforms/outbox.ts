import type { Reply } from '../commands/reply.ts';
import { decodeReply, encodeReply, text } from '../commands/reply.ts';
import type { Db } from '../db/database.ts';
import { communitiesOwed, giveUp, leaseCommunityOutbox, markSent, pendingMessagesOf, releaseCommunityOutbox, retryLater, type OutboxRow } from '../db/outbox.ts';
import { workerName } from '../db/chat.ts';
import type { Community } from '../db/schema.ts';
import type { Logger } from '../log.ts';

/**
 * Where an owed message goes, in the adapter's own terms; `announce` (the community's channel or group) and `tell`
 * (one member, privately) are understood by every adapter, since the scheduler and the web pages owe them too.
 */
export type OwedTarget = { kind: 'announce' } | { kind: 'tell'; userId: string; privateOnly?: boolean } | ({ kind: string } & Record<string, unknown>);

export interface OwedMessage {
  id: string;
  community: Community;
  target: OwedTarget;
  reply: Reply;
  /** 1 on the first try. */
  attempt: number;
}

/** Posts one owed message; throws RefusedForGood when the platform will never take it, anything else to be retried. */
export type Sender = (message: OwedMessage) => Promise<void>;

/** The platform refused the message for a reason a retry will not change (403 Missing Permissions, 400 Bad Request). */
export class RefusedForGood extends Error {
  override name = 'RefusedForGood';
}

export interface OutboxOptions {
  /** The first retry waits this long; each later one twice as long, up to maxDelayMs. */
  retryMs?: number;
  maxDelayMs?: number;
  /** Tries before a message is given up (or, with attachments, sent as text without them). */
  maxAttempts?: number;
  /** This process, as leases name it. */
  worker?: string;
  /** How long a community's outbox stays leased to this process without a renewal: a process that dies holds it that long. */
  leaseMs?: number;
}

const BATCH = 200;

/**
 * Drains the outbox: posts what events owe, in the order they were owed within each community, through the sender
 * of the community's platform. A message that fails is retried with backoff (and holds back the later messages of
 * its community, so they stay in order); one refused for good is logged and given up — after one more try as text
 * alone when it carried attachments, saying what could not be posted, so a chart the bot may not attach never
 * holds back a tally. Times here are the real clock: delivery is a physical matter, not governance time.
 * Several processes may drain one database: a community's messages are posted by the one process that holds its
 * lease (outbox_leases), so each goes once and in order; when that process dies, another takes over after the lease.
 */
export class Outbox {
  readonly #senders = new Map<string, Sender>();
  #draining: Promise<void> | undefined;
  #again = false;
  #timer: NodeJS.Timeout | undefined;
  #stopped = false;
  readonly #retryMs: number;
  readonly #maxDelayMs: number;
  readonly #maxAttempts: number;
  readonly #worker: string;
  readonly #leaseMs: number;

  constructor(
    private readonly db: Db,
    private readonly logger: Logger,
    options: OutboxOptions = {},
  ) {
    this.#retryMs = options.retryMs ?? 1000;
    this.#maxDelayMs = options.maxDelayMs ?? 5 * 60_000;
    this.#maxAttempts = options.maxAttempts ?? 8;
    this.#worker = options.worker ?? workerName();
    this.#leaseMs = options.leaseMs ?? 60_000;
  }

  register(platform: string, send: Sender): void {
    this.#senders.set(platform, send);
  }

  /** Starts a drain now (or right after the one running): something was owed. */
  kick(): void {
    if (this.#stopped) return;
    if (this.#draining) {
      this.#again = true;
      return;
    }
    clearTimeout(this.#timer);
    this.#draining = this.#drain().finally(() => {
      this.#draining = undefined;
      if (this.#again) {
        this.#again = false;
        this.kick();
      }
    });
  }

  /** Resolves once nothing that is due is left to send (tests, shutdown). */
  async idle(): Promise<void> {
    this.kick();
    while (this.#draining) await this.#draining;
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    clearTimeout(this.#timer);
    while (this.#draining) await this.#draining;
  }

  async #drain(): Promise<void> {
    try {
      let nextAt = Infinity;
      for (const { communityId, dueAt } of await communitiesOwed(this.db, [...this.#senders.keys()])) {
        if (this.#stopped) return;
        nextAt = Math.min(nextAt, Date.parse(dueAt) > Date.now() ? Date.parse(dueAt) : await this.#drainCommunity(communityId));
      }
      if (nextAt !== Infinity && !this.#stopped) this.#timer = setTimeout(() => this.kick(), Math.max(0, nextAt - Date.now())).unref();
    } catch (error) {
      // The database itself failed (it is shutting down, or full): try again shortly.
      this.logger.error('outbox drain failed', { error });
      if (!this.#stopped) this.#timer = setTimeout(() => this.kick(), this.#retryMs).unref();
    }
  }

  /**
   * Drains a community; returns when to come back (Infinity: nothing left). A message another process owes while this
   * one holds the lease finds the lease taken and is left to this one: so after giving the lease back, look again.
   */
  async #drainCommunity(communityId: string): Promise<number> {
    for (;;) {
      const next = await this.#drainLeased(communityId);
      if (next !== Infinity || this.#stopped) return next;
      if ((await pendingMessagesOf(this.db, communityId, 1)).length === 0) return Infinity;
    }
  }

  /**
   * Posts a community's due messages in order while this process holds its lease; returns when to come back
   * (Infinity: nothing left). A message that fails holds back the later ones, so they stay in order. The lease is
   * renewed on a timer, also while a message is being sent: one send may take longer than the lease (a rate limit, a
   * slow answer), and a lease that ran out meanwhile would let another process post the same message at the same time.
   */
  async #drainLeased(communityId: string): Promise<number> {
    const lease = () => leaseCommunityOutbox(this.db, communityId, this.#worker, new Date(), new Date(Date.now() + this.#leaseMs));
    // Another process posts them; should it die, its lease runs out and this one takes over.
    if (!(await lease())) return Date.now() + this.#leaseMs;
    let held = true;
    let renewedAt = Date.now();
    let renewing: Promise<void> = Promise.resolve();
    const renew = () =>
      (renewing = renewing.then(async () => {
        const at = Date.now();
        try {
          if (await lease()) renewedAt = at;
          else held = false;
        } catch (error) {
          // Unsure whether the lease still holds: post nothing more until it is taken again.
          held = false;
          this.logger.warn('outbox lease not renewed', { community: communityId, error });
        }
      }));
    const renewal = setInterval(() => void renew(), this.#leaseMs / 3);
    try {
      const community = await this.db.selectFrom('communities').selectAll().where('id', '=', communityId).executeTakeFirstOrThrow();
      for (;;) {
        const rows = await pendingMessagesOf(this.db, communityId, BATCH);
        for (const row of rows) {
          if (this.#stopped) return Infinity;
          const due = Date.parse(row.next_at);
          if (due > Date.now()) return due;
          // The timer may have been held up (a busy event loop): a lease not renewed lately is renewed before a send.
          if (Date.now() - renewedAt > this.#leaseMs / 3) await renew();
          if (!held) return Date.now() + this.#leaseMs;
          if (!(await this.#send(community, row))) return Date.now() + this.#retryMs;
        }
        if (rows.length < BATCH) return Infinity;
      }
    } finally {
      clearInterval(renewal);
      // A renewal landing after the release would hold the lease again, idle, for a whole lease.
      await renewing;
      await releaseCommunityOutbox(this.db, communityId, this.#worker);
    }
  }

  /** One message: true when it is done with (sent or given up), false when it waits for a retry. */
  async #send(community: Community, row: OutboxRow): Promise<boolean> {
    const send = this.#senders.get(row.platform)!;
    const target = JSON.parse(row.target) as OwedTarget;
    const reply = decodeReply(row.reply);
    const attempt = row.attempts + 1;
    const log = this.logger.child({ platform: row.platform, community: community.platform_chat_id, outbox: row.id, target: target.kind });
    try {
      await send({ id: row.id, community, target, reply, attempt });
      // Marked in the tick the platform answers: a crash between the two still leaves the message owed, posted again
      // by whoever drains next. Discord drops that redo (the sender's nonce, an interaction acknowledged once);
      // Telegram has no idempotency key, so there delivery is at least once, the window being this await alone.
      await markSent(this.db, row.id, new Date());
      return true;
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      const forGood = error instanceof RefusedForGood || attempt >= this.#maxAttempts;
      if (forGood && reply.attachments?.length) {
        log.warn('message refused with its attachments; sending the text alone', { error, attempt });
        const names = reply.attachments.map((a) => a.name).join(', ');
        const textOnly: Reply = { ...reply, attachments: [], blocks: [...reply.blocks, text(`(${names} could not be posted: ${reason}. Moderators: give the bot the permission to attach files here.)`)] };
        const encoded = encodeReply(textOnly);
        await retryLater(this.db, row.id, { attempts: 0, nextAt: new Date(), error: reason, reply: encoded });
        return this.#send(community, { ...row, attempts: 0, reply: encoded });
      }
      if (forGood) {
        log.error('message given up', { error, attempt });
        await giveUp(this.db, row.id, new Date(), reason);
        return true;
      }
      const delay = Math.min(this.#maxDelayMs, this.#retryMs * 2 ** (attempt - 1));
      log.warn('message not posted; retrying', { error, attempt, retryInMs: delay });
      await retryLater(this.db, row.id, { attempts: attempt, nextAt: new Date(Date.now() + delay), error: reason });
      return false;
    }
  }
}
