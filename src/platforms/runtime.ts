import { setImmediate as pause } from 'node:timers/promises';
import { sql, type ControlledTransaction } from 'kysely';
import type { Actor, CommandContext, Services } from '../commands/context.ts';
import { actionFor, dispatch, type Command, type Invocation, type Logger } from '../commands/framework.ts';
import { encodeReply, type Reply, type Subject } from '../commands/reply.ts';
import { isPostgres, type Db } from '../db/database.ts';
import { ensureMember, type Executor } from '../db/repositories.ts';
import type { Community, Database } from '../db/schema.ts';
import { choiceCommand, firstDelivery, storeChoice } from '../db/chat.ts';
import { oweMessages } from '../db/outbox.ts';
import { writeVotes, type VoteSink } from '../db/votes.ts';
import { parseCommandLine } from '../commands/parse.ts';
import { GroupCommit, type Outcome } from '../db/group-commit.ts';
import { Outbox, type OwedTarget } from './outbox.ts';

export { RefusedForGood, type OwedMessage, type OwedTarget, type Sender } from './outbox.ts';

/** What a platform event may do inside its transaction: run commands, owe messages, read and write beside them. */
export interface EventScope {
  /** The event's transaction. */
  db: Executor;
  run(community: Community, actor: Actor, invocation: Invocation, hooks?: Partial<ChatHooks>): Promise<Reply>;
  react(community: Community, actor: Actor, comment: Subject, change: { added: readonly string[]; removed: readonly string[] }): Promise<void>;
  /** A message to post once the event is committed; retried until the platform takes it or refuses it for good. */
  owe(community: Community, target: OwedTarget, reply: Reply): void;
  /**
   * Runs `settle` synchronously just before the event's batch commits, once every event of it has run: what it owes
   * then is owed with the rest. For what depends on the moment of the commit, such as whether a tap's answer waited
   * for it or went out before (telegram/bot.ts). Not run for an event that failed.
   */
  beforeCommit(settle: () => void): void;
}

/**
 * The event's transaction as commands see it: `ctx.db.transaction().execute(fn)` in a command becomes a savepoint
 * of it, so a command that fails half-way leaves nothing behind, and everything commits with the handled mark.
 * A Proxy, because kysely's transaction refuses to nest and keeps its state in private fields (hence the bind).
 */
function joinedTransaction(trx: ControlledTransaction<Database>): Db {
  let savepoints = 0;
  const nested = {
    execute: async <T>(work: (inner: Executor) => Promise<T>): Promise<T> => {
      const name = `sp${++savepoints}`;
      const inner = await trx.savepoint(name).execute();
      try {
        const result = await work(inner);
        await inner.releaseSavepoint(name).execute();
        return result;
      } catch (error) {
        await inner.rollbackToSavepoint(name).execute();
        throw error;
      }
    },
  };
  return new Proxy(trx, {
    get(target, property) {
      if (property === 'transaction') return () => nested;
      const value: unknown = Reflect.get(target, property, target);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  }) as unknown as Db;
}

/** Votes written straight into the event's transaction: the event's commit is their commit. */
const votesIn = (trx: Executor): VoteSink => ({ cast: async (vote) => ({ seq: (await writeVotes(trx, [vote]))[0]! }), idle: async () => undefined });

/** A platform event handed to the runtime, waiting for its batch's transaction. */
interface PendingEvent {
  platform: string;
  eventId: string;
  work: (scope: EventScope) => Promise<unknown>;
  inOrderOf: string | undefined;
}
type Handled = { handled: true; value: unknown } | { handled: false };
type Owed = { community: Community; target: OwedTarget; reply: Reply };
/** An event that ran in its savepoint: what it came to, the messages it owes, and what runs just before the commit. */
type Applied = { result: Handled; owed: Owed[]; settles: (() => void)[] };
type Transaction = ControlledTransaction<Database>;

/**
 * The most events one transaction takes: a Telegram getUpdates batch. A batch is applied one event after another, so
 * its last event's member waits for all of them; at a few ms an event, a hundred keep that well under a second.
 */
const EVENTS_PER_COMMIT = 100;
/** How long a batch holds the event loop at most before it lets the rest of the bot run (issue 13: under 50 ms). */
const YIELD_EVERY_MS = 10;

/** PostgreSQL gave up on this statement to break a deadlock with another transaction (SQLSTATE 40P01). */
const isDeadlock = (error: unknown): boolean => (error as { code?: unknown } | null)?.code === '40P01';

/** What an adapter offers a command beyond the services: posting in the community, saying what is not working. */
export interface ChatHooks {
  announce(reply: Reply): Promise<void>;
  chatProblems(): Promise<string[]>;
  status?(text: string): void;
}

/**
 * The part every chat platform shares: builds the command context for a community and an actor, runs the command,
 * and remembers which events were handled. Adapters translate their platform's events to calls of this.
 */
export class ChatRuntime {
  readonly outbox: Outbox;
  readonly #events: GroupCommit<PendingEvent, Handled>;
  #eventCommits = 0;

  constructor(
    readonly services: Services,
    readonly commands: readonly Command[],
    readonly logger: Logger,
    private readonly options: { adoptHandle?: boolean; outbox?: Outbox; eventsPerCommit?: number } = {},
  ) {
    this.outbox = options.outbox ?? new Outbox(services.db, logger.child({ component: 'outbox' }));
    this.#events = new GroupCommit((events) => this.#handleBatch(events), options.eventsPerCommit ?? EVENTS_PER_COMMIT);
  }

  /**
   * Handles one platform event exactly once: the handled mark, every state change the commands make and every message
   * they owe commit in one transaction, and only then does the outbox post. A redelivered event is not run again.
   * If `work` throws, nothing of it is kept (not even the mark), and the error goes to the caller to log.
   * Events are committed in groups (group-commit.ts): those handed in while a transaction is written share the next,
   * each in a savepoint of its own, in the order they were handed in, and each caller hears only after the commit. So
   * an adapter that hands in one chat's events in order, without waiting for each, has them applied in that order.
   * Inside `work`, read and write through `scope.db` only: on SQLite the transaction holds the one connection, so a
   * query through `services.db` would wait for it forever. Make platform calls (admin lists, downloads) before.
   * `inOrderOf` names what the event belongs to (a chat, a server): with several processes on one PostgreSQL, the
   * events of one such thing are handled one at a time across all of them (a transaction-scoped advisory lock), so
   * each sees what the one before it changed, as in one process; events of different ones run side by side.
   */
  handle<T>(platform: string, eventId: string, work: (scope: EventScope) => Promise<T>, inOrderOf?: string): Promise<{ handled: true; value: T } | { handled: false }> {
    return this.#events.submit({ platform, eventId, work, inOrderOf }) as Promise<{ handled: true; value: T } | { handled: false }>;
  }

  /** How many transactions have committed platform events: fewer than the events when they were grouped. */
  get eventCommits(): number {
    return this.#eventCommits;
  }

  /**
   * One transaction for a batch of events. An event that throws is rolled back to its savepoint alone; on PostgreSQL
   * an event that meets another process's locks in a deadlock throws the whole batch back to the group commit, which
   * handles its events again one per transaction (then each takes only its own locks, as before grouping).
   */
  async #handleBatch(events: readonly PendingEvent[]): Promise<Outcome<Handled>[]> {
    const trx = await this.services.db.startTransaction().execute();
    try {
      // On SQLite the one process writes one transaction at a time already. The chats' locks are taken in one order,
      // so that two processes' batches never wait for each other's.
      if (isPostgres(trx)) {
        const chats = [...new Set(events.flatMap((e) => (e.inOrderOf === undefined ? [] : [`${e.platform}:${e.inOrderOf}`])))].sort();
        if (chats.length > 0) await sql`select pg_advisory_xact_lock(hashtextextended(k, 0)) from unnest(${chats}::text[]) with ordinality as t(k, i) order by i`.execute(trx);
      }
      const outcomes: Outcome<Handled>[] = [];
      const applied: Applied[] = [];
      let ranSince = performance.now();
      for (const [i, event] of events.entries()) {
        // SQLite answers at once, so a batch would never give the event loop back: let timers and sockets (the
        // answers of the batch before) in between events, every few milliseconds.
        if (performance.now() - ranSince > YIELD_EVERY_MS) {
          await pause();
          ranSince = performance.now();
        }
        const name = `event${i}`;
        const inner = await trx.savepoint(name).execute();
        try {
          const handled = await this.#apply(trx, event);
          await inner.releaseSavepoint(name).execute();
          applied.push(handled);
          outcomes.push({ ok: true, value: handled.result });
        } catch (error) {
          if (isDeadlock(error)) throw error;
          await inner.rollbackToSavepoint(name).execute();
          outcomes.push({ ok: false, error });
        }
      }
      for (const { settles } of applied) for (const settle of settles) settle();
      // What the batch owes in one statement, in the order the events were applied, outside their savepoints (an
      // event that failed added nothing to `applied`).
      const owed = applied.flatMap((a) => a.owed);
      await oweMessages(trx, owed.map((o) => ({ communityId: o.community.id, platform: o.community.platform, target: JSON.stringify(o.target), reply: encodeReply(o.reply) })), this.services.now());
      await trx.commit().execute();
      this.#eventCommits++;
      if (owed.length > 0) this.outbox.kick();
      return outcomes;
    } catch (error) {
      await trx.rollback().execute().catch(() => undefined);
      throw error;
    }
  }

  /** One event in its savepoint: the handled mark and the work; what it owes is written with the batch's. */
  async #apply(trx: Transaction, event: PendingEvent): Promise<Applied> {
    // The time is read once the turn has come, so that events of one chat are timed in the order they are applied.
    const now = this.services.now();
    const owed: Owed[] = [];
    const settles: (() => void)[] = [];
    if (!(await firstDelivery(trx, event.platform, event.eventId, now))) return { result: { handled: false }, owed, settles };
    const services: Services = { ...this.services, db: joinedTransaction(trx), votes: votesIn(trx) };
    const hooksFor = (community: Community, hooks: Partial<ChatHooks> = {}): ChatHooks => ({
      announce: async (reply) => void owed.push({ community, target: { kind: 'announce' }, reply }),
      chatProblems: hooks.chatProblems ?? (async () => []),
      ...(hooks.status && { status: hooks.status }),
    });
    const scope: EventScope = {
      db: trx,
      run: (community, actor, invocation, hooks) => dispatch(this.commands, this.contextWith(services, community, actor, hooksFor(community, hooks)), invocation, this.logger),
      react: (community, actor, comment, change) => this.reactWith(services, community, actor, comment, change, hooksFor(community)),
      owe: (community, target, reply) => void owed.push({ community, target, reply }),
      beforeCommit: (settle) => void settles.push(settle),
    };
    const value = await event.work(scope);
    return { result: { handled: true, value }, owed, settles };
  }

  private contextWith(services: Services, community: Community, actor: Actor, hooks: ChatHooks): CommandContext {
    let member: ReturnType<CommandContext['member']> | undefined;
    return {
      ...services,
      community,
      actor,
      member: () => (member ??= ensureMember(services.db, community.id, actor, { adoptHandle: this.options.adoptHandle ?? false, now: this.services.now() })),
      announce: (reply) => hooks.announce(reply),
      chatProblems: () => hooks.chatProblems(),
      ...(hooks.status && { status: hooks.status }),
    };
  }

  run(community: Community, actor: Actor, invocation: Invocation, hooks: ChatHooks): Promise<Reply> {
    return dispatch(this.commands, this.contextWith(this.services, community, actor, hooks), invocation, this.logger);
  }

  /**
   * Applies what a member's emoji on a comment's message now add up to: feedback kinds gained are added, kinds lost
   * taken back. A reaction is a silent gesture, so the replies (a refusal for one's own comment) are not shown.
   */
  private async reactWith(services: Services, community: Community, actor: Actor, comment: Subject, change: { added: readonly string[]; removed: readonly string[] }, hooks: ChatHooks): Promise<void> {
    const base = { comment: comment.key, round: comment.round };
    const run = (options: Record<string, unknown>) => dispatch(this.commands, this.contextWith(services, community, actor, hooks), { name: 'react', options }, this.logger);
    for (const kind of change.added) await run({ ...base, kind });
    for (const kind of change.removed) await run({ ...base, kind, remove: true });
  }

  /** Stores the command lines buttons (or forms) run; returns their short ids, which fit in a button's data. */
  async storeChoices(community: Community, commandLines: readonly string[]): Promise<string[]> {
    const ids: string[] = [];
    for (const line of commandLines) ids.push(await storeChoice(this.services.db, community.id, line, this.services.now()));
    return ids;
  }

  /** The invocation behind a button's id; undefined when the id is unknown here. Inside an event, pass `scope.db`. */
  async storedInvocation(community: Community, id: string, db: Executor = this.services.db): Promise<Invocation | undefined> {
    const line = await choiceCommand(db, community.id, id);
    const parsed = line ? parseCommandLine(line) : undefined;
    return parsed?.ok ? parsed.invocation : undefined;
  }
}

/**
 * Fills options a command leaves out from the message it answers: `/rate stars:4` in reply to a proposal's message
 * rates that proposal, `/retract` in reply to a comment withdraws it.
 */
export function withSubject(commands: readonly Command[], invocation: Invocation, subject: Subject | undefined): Invocation {
  if (!subject) return invocation;
  const action = actionFor(commands, invocation);
  if (!action) return invocation;
  const shape = action.options.shape;
  const options = { ...invocation.options };
  if (subject.kind in shape && options[subject.kind] === undefined) options[subject.kind] = subject.key;
  if ('round' in shape && options['round'] === undefined) options['round'] = subject.round;
  return { ...invocation, options };
}
