import type { Kysely } from 'kysely';

// Approval and ranked polls (issue 16; questions.type came with 0014): a vote on one carries its ballot, the option
// indices joined by commas (approval: the ticked options; ranked: best first), its option_idx then being the ballot's
// first. vote_choices keeps the counted vote's seq, through which the counted ballot is read; single-choice votes
// leave it null.
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('votes').addColumn('ballot', 'text').execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('votes').dropColumn('ballot').execute();
}
