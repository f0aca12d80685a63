import { sql } from 'kysely';
import { isPostgres, type Db } from './database.ts';
import { newId, type Executor } from './repositories.ts';

export interface VoteToCast {
  roundId: string;
  questionId: string;
  memberId: string;
  option: number;
  castAt: string;
  /** A secret poll's ballot: the salt of its commitment, which only the voter's receipt shows. */
  salt?: string;
}

interface Pending {
  vote: VoteToCast;
  resolve: (receipt: { seq: number }) => void;
  reject: (error: unknown) => void;
}

/**
 * Writes votes with group commit: the votes that arrive while a transaction is being written go together in the
 * next one. Each `cast` resolves only once its vote is committed (and in the audit log), so a member is never told
 * a vote counted that a crash could lose; under load, one commit serves many members.
 */
/** Where commands cast votes: the group-commit writer, or the transaction of the event being handled. */
export interface VoteSink {
  cast(vote: VoteToCast): Promise<{ seq: number }>;
  /** Resolves once every vote handed in so far is written. */
  idle(): Promise<void>;
}

export class VoteWriter implements VoteSink {
  #queue: Pending[] = [];
  #flushing: Promise<void> | null = null;

  constructor(private readonly db: Db) {}

  /** Records one choice, keeping earlier ones as history; `seq` numbers the member's choices on the question. */
  cast(vote: VoteToCast): Promise<{ seq: number }> {
    return new Promise((resolve, reject) => {
      this.#queue.push({ vote, resolve, reject });
      this.#flushing ??= this.#drain();
    });
  }

  /** Resolves once every vote handed in so far is written. */
  async idle(): Promise<void> {
    while (this.#flushing) await this.#flushing;
  }

  async #drain(): Promise<void> {
    // Let the votes that arrive in the same turn of the event loop join the first batch.
    await Promise.resolve();
    while (this.#queue.length > 0) {
      const batch = this.#queue.splice(0, 500);
      try {
        const seqs = await this.#write(batch.map((p) => p.vote));
        batch.forEach((p, i) => p.resolve({ seq: seqs[i]! }));
      } catch (error) {
        // One bad vote must not sink the others: write the batch again one by one.
        if (batch.length === 1) batch[0]!.reject(error);
        else
          for (const p of batch)
            await this.#write([p.vote]).then(
              ([seq]) => p.resolve({ seq: seq! }),
              (e: unknown) => p.reject(e),
            );
      }
    }
    this.#flushing = null;
  }

  #write(votes: VoteToCast[]): Promise<number[]> {
    return this.db.transaction().execute((trx) => writeVotes(trx, votes));
  }
}

/**
 * Writes votes in the caller's transaction, with their audit entries; returns each vote's `seq`. The group-commit
 * writer calls it for a batch; an event handled exactly once calls it inside the event's own transaction.
 */
export async function writeVotes(trx: Executor, votes: VoteToCast[]): Promise<number[]> {
  const questionIds = [...new Set(votes.map((v) => v.questionId))];
  const memberIds = [...new Set(votes.map((v) => v.memberId))];
  // Another process may be writing the same member's vote on the same poll: each member's choices are numbered one
  // writer at a time (an advisory lock per member and poll until the commit), taken in one order, so no deadlock.
  // Which choice counts is then the last by castAt, as in replay (vote_choices' trigger).
  if (isPostgres(trx)) {
    const keys = [...new Set(votes.map((v) => `${v.questionId} ${v.memberId}`))].sort();
    await sql`select pg_advisory_xact_lock(hashtextextended(k, 1)) from unnest(${keys}::text[]) with ordinality as t(k, i) order by i`.execute(trx);
  }
  const last = await trx
    .selectFrom('votes')
    .select(['question_id', 'member_id', (eb) => eb.fn.max('seq').as('seq')])
    .where('question_id', 'in', questionIds)
    .where('member_id', 'in', memberIds)
    .groupBy(['question_id', 'member_id'])
    .execute();
  const next = new Map(last.map((r) => [`${r.question_id} ${r.member_id}`, Number(r.seq) + 1]));
  const rows = votes.map((v) => {
    const key = `${v.questionId} ${v.memberId}`;
    const seq = next.get(key) ?? 0;
    next.set(key, seq + 1);
    return { id: newId(), question_id: v.questionId, member_id: v.memberId, option_idx: v.option, cast_at: v.castAt, seq, salt: v.salt ?? null };
  });
  await trx.insertInto('votes').values(rows).execute();
  await trx
    .insertInto('audit_log')
    .values(
      votes.map((v, i) => ({
        id: newId(),
        community_id: null,
        round_id: v.roundId,
        actor_id: v.memberId,
        action: 'vote.cast',
        detail: JSON.stringify({ question: v.questionId, option: v.option, seq: rows[i]!.seq }),
        at: v.castAt,
      })),
    )
    .execute();
  return rows.map((r) => r.seq);
}
