import { sql } from 'kysely';
import { isPostgres, type Db } from './database.ts';
import { GroupCommit, type Outcome } from './group-commit.ts';
import { ballotOf, ballotText } from '../core/ballots.ts';
import type { Vote } from '../core/types.ts';
import { newId, type Executor } from './repositories.ts';

/** A vote's option_idx and ballot columns: an approval or ranked ballot as text, with its first option as option_idx. */
export function storedBallot(v: Pick<Vote, 'option' | 'options' | 'ranking'>): { option_idx: number; ballot: string | null } {
  const ballot = ballotOf(v);
  return { option_idx: v.option ?? ballot![0]!, ballot: ballot ? ballotText(ballot) : null };
}

export interface VoteToCast {
  roundId: string;
  questionId: string;
  memberId: string;
  option: number;
  /** An approval or ranked poll's ballot (ticked options, or best first); `option` is then its first. */
  ballot?: readonly number[];
  castAt: string;
  /** A secret poll's ballot: the salt of its commitment, which only the voter's receipt shows. */
  salt?: string;
}

/** Where commands cast votes: the group-commit writer, or the transaction of the event being handled. */
export interface VoteSink {
  cast(vote: VoteToCast): Promise<{ seq: number }>;
  /** Resolves once every vote handed in so far is written. */
  idle(): Promise<void>;
}

/**
 * Writes votes with group commit (group-commit.ts): the votes that arrive while a transaction is being written go
 * together in the next one. Each `cast` resolves only once its vote is committed (and in the audit log), so a member
 * is never told a vote counted that a crash could lose; under load, one commit serves many members. One bad vote
 * fails its batch, which is then written one by one, so it cannot sink the others.
 */
export class VoteWriter implements VoteSink {
  readonly #commits: GroupCommit<VoteToCast, { seq: number }>;

  constructor(private readonly db: Db) {
    this.#commits = new GroupCommit((votes) => this.#write(votes), 500);
  }

  /** Records one choice, keeping earlier ones as history; `seq` numbers the member's choices on the question. */
  cast(vote: VoteToCast): Promise<{ seq: number }> {
    return this.#commits.submit(vote);
  }

  idle(): Promise<void> {
    return this.#commits.idle();
  }

  async #write(votes: VoteToCast[]): Promise<Outcome<{ seq: number }>[]> {
    // on PostgreSQL a batch is one statement (writeVotes), its own transaction; SQLite's statements share one
    const seqs = isPostgres(this.db) ? await writeVotes(this.db, votes) : await this.db.transaction().execute((trx) => writeVotes(trx, votes));
    return seqs.map((seq) => ({ ok: true, value: { seq } }));
  }
}

/** A vote's audit entry before its seq: the detail's JSON without its closing `,"seq":N}`, which the seq completes. */
const detailBeforeSeq = (v: VoteToCast) => JSON.stringify({ question: v.questionId, option: v.option, ...(v.ballot && { ballot: v.ballot }) }).slice(0, -1);
const withSeq = (detail: string, seq: number) => `${detail},"seq":${seq}}`;
/** A vote's row but its seq. */
const voteRow = (v: VoteToCast) => ({ id: newId(), question_id: v.questionId, member_id: v.memberId, option_idx: v.option, ballot: v.ballot ? ballotText(v.ballot) : null, cast_at: v.castAt, salt: v.salt ?? null });

/**
 * Writes votes in the caller's transaction, with their audit entries; returns each vote's `seq`. The group-commit
 * writer calls it for a batch; an event handled exactly once calls it inside the event's own transaction. On
 * PostgreSQL it is one statement (cast_votes, migrations/0020), one round trip.
 */
export async function writeVotes(trx: Executor, votes: VoteToCast[]): Promise<number[]> {
  // Another process may be writing the same member's vote on the same poll: each member's choices are numbered one
  // writer at a time (an advisory lock per member and poll until the commit), taken in one order, so no deadlock.
  // Which choice counts is then the last by castAt, as in replay (vote_choices' trigger).
  if (isPostgres(trx)) {
    const keys = [...new Set(votes.map((v) => `${v.questionId} ${v.memberId}`))].sort();
    const batch = votes.map((v) => ({ ...voteRow(v), audit_id: newId(), round_id: v.roundId, detail: detailBeforeSeq(v) }));
    const { rows } = await sql<{ vote_seq: number }>`select vote_seq from cast_votes(${keys}::text[], ${JSON.stringify(batch)}::jsonb) order by nth`.execute(trx);
    return rows.map((r) => r.vote_seq);
  }
  const questionIds = [...new Set(votes.map((v) => v.questionId))];
  const memberIds = [...new Set(votes.map((v) => v.memberId))];
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
    return { ...voteRow(v), seq };
  });
  await trx.insertInto('votes').values(rows).execute();
  await trx
    .insertInto('audit_log')
    .values(votes.map((v, i) => ({ id: newId(), community_id: null, round_id: v.roundId, actor_id: v.memberId, action: 'vote.cast', detail: withSeq(detailBeforeSeq(v), rows[i]!.seq), at: v.castAt })))
    .execute();
  return rows.map((r) => r.seq);
}
