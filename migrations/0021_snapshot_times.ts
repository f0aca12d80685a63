import type { Kysely } from 'kysely';

// The times of a round's events, so that the reputation snapshot finds cheaply whether any event is dated at or after
// it (src/db/reputation-snapshot.ts): when none is, it copies the maintained member_standings in chunks instead of
// counting every event in one statement (2.0–3.1 s on SQLite's one thread at 100,000 members, issue 13). Ratings and
// reactions have no round of their own: their index by time alone finds the few dated after a recent moment.
const TIMES = [
  ['proposals', ['round_id', 'created_at']],
  ['comments', ['round_id', 'created_at']],
  ['ratings', ['rated_at']],
  ['reactions', ['created_at']],
] as const;

const nameOf = (table: string) => `${table}_time`;

export async function up(db: Kysely<any>): Promise<void> {
  for (const [table, columns] of TIMES) await db.schema.createIndex(nameOf(table)).on(table).columns([...columns]).execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const [table] of TIMES) await db.schema.dropIndex(nameOf(table)).execute();
}
