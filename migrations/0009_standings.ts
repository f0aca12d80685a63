import { PostgresAdapter, sql, type Kysely } from 'kysely';

// Maintained state of every round, kept by the database itself in the transaction of each write, whichever process
// or code path writes: the counts the reputation rules need per member (member_standings), the choice that counts
// per member and question (vote_choices), and a version per round that every write affecting its report moves on
// (standings_version only for what the report says of its members: points, tiers, handles, exclusions; not votes or
// balances). Caches key on the versions, so several bot processes
// stay correct. The schema builder has no triggers, hence SQL, written once and wrapped per database.

const onPostgres = (db: Kysely<any>) => db.getExecutor().adapter instanceof PostgresAdapter;

// A version is a fresh random token rather than a counter: a transaction that is rolled back leaves a token nobody
// will see again, so a report computed inside it (commands run inside their event's transaction) is never taken for
// the report of a state that did commit.
const FRESH = '{fresh}';
const freshToken = (db: Kysely<any>) => (onPostgres(db) ? 'floor(random() * 9007199254740991)::bigint' : 'random()');

/**
 * What a write moves on besides `version`: `counts` (a member's counts: standings, and seq, as the row's `changed`),
 * `choices` (a counted choice: seq), `members` (what the report says of its members otherwise, such as exclusions:
 * standings and shape), `other` (shape). A reader that kept a round's state reads again only the rows changed after its
 * seq while the shape stays (src/db/standings.ts); every other change is read whole.
 */
type Moves = 'counts' | 'choices' | 'members' | 'other';
const bump = (roundOf: string, moves: Moves) => {
  const also = { counts: ['standings_version', 'seq'], choices: ['seq'], members: ['standings_version', 'shape_version'], other: ['shape_version'] }[moves];
  const set = also.map((column) => (column === 'seq' ? 'seq = seq + 1' : `${column} = ${FRESH}`));
  return `update round_versions set ${['version = ' + FRESH, ...set].join(', ')} where round_id in (${roundOf})`;
};
/** The seq of the write under way; it follows its bump in the trigger's body. */
const seqOf = (round: string) => `(select seq from round_versions where round_id = (${round}))`;

/** Adds to a member's counts in a round; the row exists from the member's first proposal, comment or vote on. */
const add = (round: string, member: string, deltas: Record<string, string>) =>
  `update member_standings set ${Object.entries(deltas)
    .map(([column, delta]) => `${column} = ${column} + (${delta})`)
    .join(', ')}, changed = ${seqOf(round)} where round_id = (${round}) and member_id = (${member})`;

const ensureRow = (round: string, member: string) =>
  `insert into member_standings (round_id, member_id, changed) values (${round}, ${member}, ${seqOf(round)}) on conflict (round_id, member_id) do nothing`;

const ofKind = (row: string, kind: string, sign: string) => `case when ${row}.kind = '${kind}' then ${sign} else 0 end`;
const reactionDeltas = (row: 'new' | 'old', sign: string) => ({
  upvotes: ofKind(row, 'upvote', sign),
  positives: ofKind(row, 'positive', sign),
  negatives: ofKind(row, 'negative', sign),
});
/** The reactions a comment has from others than its author, by kind, with a sign. */
const receivedBy = (comment: 'new' | 'old', sign: string) =>
  Object.fromEntries(
    (['upvote', 'positive', 'negative'] as const).map((kind, i) => [
      ['upvotes', 'positives', 'negatives'][i]!,
      `${sign} * (select count(*) from reactions where comment_id = ${comment}.id and reactor_id <> ${comment}.author_id and kind = '${kind}')`,
    ]),
  );

// a reaction or a rating counts for the author of what it is on, unless it is the author's own or the comment is withdrawn
const commentAuthorFor = (row: 'new' | 'old') =>
  `select author_id from comments where id = ${row}.comment_id and retracted_at is null and author_id <> ${row}.reactor_id`;
const commentRound = (row: 'new' | 'old') => `select round_id from comments where id = ${row}.comment_id`;
const proposalAuthorFor = (row: 'new' | 'old') => `select author_id from proposals where id = ${row}.proposal_id and author_id <> ${row}.rater_id`;
const proposalRound = (row: 'new' | 'old') => `select round_id from proposals where id = ${row}.proposal_id`;

interface Trigger {
  name: string;
  /** `after insert`, `before delete`, `after update of stars`… */
  timing: string;
  table: string;
  when?: string;
  body: string[];
}

const triggers: Trigger[] = [
  { name: 'standings_round_created', timing: 'after insert', table: 'rounds', body: [`insert into round_versions (round_id) values (new.id)`] },
  { name: 'standings_round_changed', timing: 'after update', table: 'rounds', body: [bump('new.id', 'members')] },

  {
    name: 'standings_proposal_added',
    timing: 'after insert',
    table: 'proposals',
    body: [bump('new.round_id', 'counts'), ensureRow('new.round_id', 'new.author_id'), add('new.round_id', 'new.author_id', { proposals: '1' })],
  },
  // before the delete, while the ratings it received are still there to take back (their own triggers then find no proposal)
  {
    name: 'standings_proposal_removed',
    timing: 'before delete',
    table: 'proposals',
    body: [
      bump('old.round_id', 'counts'),
      add('old.round_id', 'old.author_id', {
        proposals: '-1',
        stars: `-(select coalesce(sum(stars), 0) from ratings where proposal_id = old.id and rater_id <> old.author_id)`,
      }),
    ],
  },

  { name: 'standings_rating_added', timing: 'after insert', table: 'ratings', body: [bump(proposalRound('new'), 'counts'), add(proposalRound('new'), proposalAuthorFor('new'), { stars: 'new.stars' })] },
  {
    name: 'standings_rating_changed',
    timing: 'after update',
    table: 'ratings',
    body: [bump(proposalRound('new'), 'counts'), add(proposalRound('old'), proposalAuthorFor('old'), { stars: '-old.stars' }), add(proposalRound('new'), proposalAuthorFor('new'), { stars: 'new.stars' })],
  },
  { name: 'standings_rating_removed', timing: 'after delete', table: 'ratings', body: [bump(proposalRound('old'), 'counts'), add(proposalRound('old'), proposalAuthorFor('old'), { stars: '-old.stars' })] },

  {
    name: 'standings_comment_added',
    timing: 'after insert',
    table: 'comments',
    when: 'new.retracted_at is null',
    body: [bump('new.round_id', 'counts'), ensureRow('new.round_id', 'new.author_id'), add('new.round_id', 'new.author_id', { comments: '1' })],
  },
  {
    name: 'standings_comment_withdrawn',
    timing: 'after update of retracted_at',
    table: 'comments',
    when: 'old.retracted_at is null and new.retracted_at is not null',
    body: [bump('old.round_id', 'counts'), add('old.round_id', 'old.author_id', { comments: '-1', ...receivedBy('old', '-1') })],
  },
  {
    name: 'standings_comment_restored',
    timing: 'after update of retracted_at',
    table: 'comments',
    when: 'old.retracted_at is not null and new.retracted_at is null',
    body: [bump('new.round_id', 'counts'), ensureRow('new.round_id', 'new.author_id'), add('new.round_id', 'new.author_id', { comments: '1', ...receivedBy('new', '1') })],
  },
  {
    name: 'standings_comment_removed',
    timing: 'before delete',
    table: 'comments',
    when: 'old.retracted_at is null',
    body: [bump('old.round_id', 'counts'), add('old.round_id', 'old.author_id', { comments: '-1', ...receivedBy('old', '-1') })],
  },

  { name: 'standings_reaction_added', timing: 'after insert', table: 'reactions', body: [bump(commentRound('new'), 'counts'), add(commentRound('new'), commentAuthorFor('new'), reactionDeltas('new', '1'))] },
  { name: 'standings_reaction_removed', timing: 'after delete', table: 'reactions', body: [bump(commentRound('old'), 'counts'), add(commentRound('old'), commentAuthorFor('old'), reactionDeltas('old', '-1'))] },

  // the choice that counts: the last by cast_at, the later seq on equal times (cast_at is ISO 8601 in UTC, so text order is time order)
  {
    name: 'standings_vote_cast',
    timing: 'after insert',
    table: 'votes',
    body: [
      bump('select round_id from questions where id = new.question_id', 'choices'),
      `insert into vote_choices (question_id, member_id, option_idx, cast_at, seq, changed)
       values (new.question_id, new.member_id, new.option_idx, new.cast_at, new.seq, ${seqOf('select round_id from questions where id = new.question_id')})
       on conflict (question_id, member_id) do update set option_idx = excluded.option_idx, cast_at = excluded.cast_at, seq = excluded.seq, changed = excluded.changed
       where excluded.cast_at > vote_choices.cast_at or (excluded.cast_at = vote_choices.cast_at and excluded.seq >= vote_choices.seq)`,
    ],
  },

  // what else a report shows: who takes part, polls and their options, balances, exclusions, wallet owners, handles
  ...(['insert', 'delete'] as const).flatMap((event) => {
    const row = event === 'insert' ? 'new' : 'old';
    return [
      // one who joins has no points yet (whatever earns points enrolls in its own transaction, which moves the standings
      // on); one who leaves may have had some
      { name: `standings_round_member_${event}`, timing: `after ${event}`, table: 'round_members', body: [bump(`${row}.round_id`, event === 'delete' ? 'members' : 'other')] },
      { name: `standings_question_${event}`, timing: `after ${event}`, table: 'questions', body: [bump(`${row}.round_id`, 'other')] },
      { name: `standings_option_${event}`, timing: `after ${event}`, table: 'question_options', body: [bump(`select round_id from questions where id = ${row}.question_id`, 'other')] },
      { name: `standings_balance_${event}`, timing: `after ${event}`, table: 'balances', body: [bump(`${row}.round_id`, 'other')] },
      { name: `standings_exclusion_${event}`, timing: `after ${event}`, table: 'exclusions', body: [bump(`${row}.round_id`, 'members')] },
    ];
  }),
  { name: 'standings_question_update', timing: 'after update', table: 'questions', body: [bump('new.round_id', 'other')] },
  { name: 'standings_option_update', timing: 'after update', table: 'question_options', body: [bump('select round_id from questions where id = new.question_id', 'other')] },
  { name: 'standings_balance_update', timing: 'after update', table: 'balances', body: [bump('new.round_id', 'other')] },
  { name: 'standings_wallet_update', timing: 'after update', table: 'wallets', body: [bump('select round_id from balances where wallet_id = new.id', 'other')] },
  { name: 'standings_member_update', timing: 'after update', table: 'members', body: [bump('select round_id from round_members where member_id = new.id', 'members')] },
];

// A bulk load (importRound) pauses the triggers inside its own transaction, where alone the row of standings_paused is
// seen, and counts the round's standings once at the end (countStandings): a trigger per row doubled the time of an
// import.
const NOT_PAUSED = 'not exists (select 1 from standings_paused)';

async function createTrigger(db: Kysely<any>, t: Trigger) {
  const body = t.body.map((s) => `${s.replaceAll(FRESH, freshToken(db))};`).join(' ');
  const when = t.when ? `(${t.when}) and ${NOT_PAUSED}` : NOT_PAUSED;
  if (onPostgres(db)) {
    const guarded = `if ${when} then ${body} end if;`;
    const result = t.timing.startsWith('before delete') ? 'old' : 'null';
    await sql.raw(`create function ${t.name}() returns trigger language plpgsql as $$ begin ${guarded} return ${result}; end $$`).execute(db);
    await sql.raw(`create trigger ${t.name} ${t.timing} on ${t.table} for each row execute function ${t.name}()`).execute(db);
  } else await sql.raw(`create trigger ${t.name} ${t.timing} on ${t.table} when ${when} begin ${body} end`).execute(db);
}

/** Stops the standings triggers for the rest of the caller's transaction, which must end with countStandings. */
export async function pauseStandings(trx: Kysely<any>): Promise<void> {
  await sql`insert into standings_paused (paused) values (1)`.execute(trx);
}

/**
 * Counts the standings of one round (all rounds without `roundId`) from its events, the triggers resumed: its version
 * row, the counts of every member with a contribution, the choice that counts per member and question. The round must
 * have no standings yet (a new round, or a new table).
 */
export async function countStandings(db: Kysely<any>, roundId?: string): Promise<void> {
  await sql`delete from standings_paused`.execute(db);
  const of = (column: string) => (roundId === undefined ? sql`1 = 1` : sql`${sql.ref(column)} = ${roundId}`);
  await sql`insert into round_versions (round_id) select id from rounds where ${of('id')}`.execute(db);
  // the counts added up per member over one list of every contribution, rather than a look-up per member and count
  await sql`insert into member_standings (round_id, member_id, proposals, stars, comments, upvotes, positives, negatives)
    select round_id, member_id, sum(proposals), sum(stars), sum(comments), sum(upvotes), sum(positives), sum(negatives) from (
      select round_id, author_id as member_id, 1 as proposals, 0 as stars, 0 as comments, 0 as upvotes, 0 as positives, 0 as negatives
        from proposals where ${of('round_id')}
      union all
      select p.round_id, p.author_id, 0, r.stars, 0, 0, 0, 0 from ratings r join proposals p on p.id = r.proposal_id
        where r.rater_id <> p.author_id and ${of('p.round_id')}
      union all
      select round_id, author_id, 0, 0, 1, 0, 0, 0 from comments where retracted_at is null and ${of('round_id')}
      union all
      select c.round_id, c.author_id, 0, 0, 0, case when x.kind = 'upvote' then 1 else 0 end, case when x.kind = 'positive' then 1 else 0 end,
             case when x.kind = 'negative' then 1 else 0 end
        from reactions x join comments c on c.id = x.comment_id
        where c.retracted_at is null and x.reactor_id <> c.author_id and ${of('c.round_id')}
    ) contributions group by round_id, member_id`.execute(db);
  await sql`insert into vote_choices (question_id, member_id, option_idx, cast_at, seq)
    select v.question_id, v.member_id, v.option_idx, v.cast_at, v.seq from votes v join questions q on q.id = v.question_id
    where ${of('q.round_id')} and not exists (select 1 from votes w where w.question_id = v.question_id and w.member_id = v.member_id
                      and (w.cast_at > v.cast_at or (w.cast_at = v.cast_at and w.seq > v.seq)))`.execute(db);
}

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('round_versions')
    .addColumn('round_id', 'text', (c) => c.primaryKey().references('rounds.id').onDelete('cascade'))
    .addColumn('version', 'bigint', (c) => c.notNull().defaultTo(0))
    .addColumn('standings_version', 'bigint', (c) => c.notNull().defaultTo(0))
    .addColumn('shape_version', 'bigint', (c) => c.notNull().defaultTo(0))
    // counts the writes of counts and choices, in commit order (each holds the round's row until it commits)
    .addColumn('seq', 'bigint', (c) => c.notNull().defaultTo(0))
    .execute();
  let table = db.schema
    .createTable('member_standings')
    .addColumn('round_id', 'text', (c) => c.notNull().references('rounds.id').onDelete('cascade'))
    .addColumn('member_id', 'text', (c) => c.notNull().references('members.id').onDelete('cascade'));
  for (const column of ['proposals', 'stars', 'comments', 'upvotes', 'positives', 'negatives', 'changed'])
    table = table.addColumn(column, 'integer', (c) => c.notNull().defaultTo(0));
  await table.addPrimaryKeyConstraint('member_standings_pk', ['round_id', 'member_id']).execute();
  await db.schema.createIndex('member_standings_changed').on('member_standings').columns(['round_id', 'changed']).execute();
  await db.schema
    .createTable('vote_choices')
    .addColumn('question_id', 'text', (c) => c.notNull().references('questions.id').onDelete('cascade'))
    .addColumn('member_id', 'text', (c) => c.notNull().references('members.id').onDelete('cascade'))
    .addColumn('option_idx', 'integer', (c) => c.notNull())
    .addColumn('cast_at', 'text', (c) => c.notNull())
    .addColumn('seq', 'integer', (c) => c.notNull())
    .addColumn('changed', 'integer', (c) => c.notNull().defaultTo(0))
    .addPrimaryKeyConstraint('vote_choices_pk', ['question_id', 'member_id'])
    .execute();
  await db.schema.createIndex('vote_choices_changed').on('vote_choices').columns(['question_id', 'changed']).execute();

  await db.schema.createTable('standings_paused').addColumn('paused', 'integer').execute();
  // the command path on a large round: the next key of a proposal, comment or poll, and a member found by handle on
  // first contact, each walked the whole list (150 ms and 26 ms at 100,000 members)
  for (const [table, columns] of LOOKUPS) await db.schema.createIndex(`${table}_${columns[1]}`).on(table).columns([...columns]).execute();

  // the state of the rounds already stored
  await countStandings(db);
  for (const t of triggers) await createTrigger(db, t);
}

const LOOKUPS = [
  ['proposals', ['round_id', 'position']],
  ['comments', ['round_id', 'position']],
  ['questions', ['round_id', 'position']],
  ['members', ['community_id', 'handle']],
] as const;

export async function down(db: Kysely<any>): Promise<void> {
  for (const [table, columns] of LOOKUPS) await db.schema.dropIndex(`${table}_${columns[1]}`).execute();
  for (const t of [...triggers].reverse()) {
    if (onPostgres(db)) {
      await sql.raw(`drop trigger ${t.name} on ${t.table}`).execute(db);
      await sql.raw(`drop function ${t.name}()`).execute(db);
    } else await sql.raw(`drop trigger ${t.name}`).execute(db);
  }
  for (const table of ['standings_paused', 'vote_choices', 'member_standings', 'round_versions']) await db.schema.dropTable(table).execute();
}
