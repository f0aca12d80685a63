import { PostgresAdapter, sql, type Kysely } from 'kysely';

// The path of a vote (issue 13: /vote p99 < 20 ms on PostgreSQL).
//
// member_accounts by member: a member's first command looks for an imported member of its handle that has no account
// yet, and without this index that walked every account (a sequential scan per first contact: 1 ms at 3,200 accounts,
// growing with them).
//
// cast_votes: a batch of votes as one statement on PostgreSQL (src/db/votes.ts writeVotes). The lock per member and
// poll, the next seq of each, the votes and their audit entries were six round trips with the transaction's begin and
// commit; as one call of this function they are one, its own transaction when the caller has none. It stores what
// those statements stored. `keys`: "question member" of each vote, each once, in the order the locks are taken (every
// writer takes them in one order, so no deadlock); `batch`: the votes in order, each with its row ids, and the audit
// entry's detail without its closing `,"seq":N}`, which only the seq read here completes. SQLite writes the same rows
// with the same statements as before: there a statement costs no round trip.

const onPostgres = (db: Kysely<any>) => db.getExecutor().adapter instanceof PostgresAdapter;

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.createIndex('member_accounts_member').on('member_accounts').column('member_id').execute();
  if (!onPostgres(db)) return;
  // plpgsql: each statement takes a snapshot of its own, so the seqs are read after the locks are held (in a single
  // statement they would be read from a snapshot older than a vote committed while it waited)
  await sql`create function cast_votes(keys text[], batch jsonb) returns table (nth bigint, vote_seq integer) language plpgsql as $$
    begin
      perform pg_advisory_xact_lock(hashtextextended(k, 1)) from unnest(keys) with ordinality as t(k, at) order by at;
      return query
        with b as (select v, t.i from jsonb_array_elements(batch) with ordinality as t(v, i)),
        n as (
          select b.v, b.i, (coalesce((select max(w.seq) + 1 from votes w where w.question_id = b.v->>'question_id' and w.member_id = b.v->>'member_id'), 0)
                 + row_number() over (partition by b.v->>'question_id', b.v->>'member_id' order by b.i) - 1)::integer as seq
          from b
        ),
        cast_ as (
          insert into votes (id, question_id, member_id, option_idx, ballot, cast_at, seq, salt)
          select n.v->>'id', n.v->>'question_id', n.v->>'member_id', (n.v->>'option_idx')::integer, n.v->>'ballot', n.v->>'cast_at', n.seq, n.v->>'salt' from n order by n.i
        ),
        audited as (
          insert into audit_log (id, community_id, round_id, actor_id, action, detail, at)
          select n.v->>'audit_id', null, n.v->>'round_id', n.v->>'member_id', 'vote.cast', (n.v->>'detail') || ',"seq":' || n.seq || '}', n.v->>'cast_at' from n order by n.i
        )
        select n.i, n.seq from n order by n.i;
    end $$`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  if (onPostgres(db)) await sql`drop function cast_votes(text[], jsonb)`.execute(db);
  await db.schema.dropIndex('member_accounts_member').execute();
}
