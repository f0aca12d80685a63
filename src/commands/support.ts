import { z } from 'zod';
import { EVM_ADDRESS_PATTERN } from '../core/config.ts';
import type { RoundReport } from '../core/report.ts';
import type { Executor } from '../db/repositories.ts';
import { appendAudit, findRound, newId } from '../db/repositories.ts';
import type { MemberRow, QuestionRow, RoundRow } from '../db/schema.ts';
import { maintainedReport } from '../db/standings.ts';
import { ID_PATTERN } from '../roundfile/schema.ts';
import type { CommandContext } from './context.ts';
import { UserError } from './errors.ts';

export const PHASES = ['draft', 'proposals', 'voting', 'closed'] as const;
export type Phase = (typeof PHASES)[number];

/** Shared option schemas, so every command asks for the same thing the same way. */
export const opt = {
  round: z.string().regex(ID_PATTERN, 'a round id is letters, digits or . _ : -').optional().describe('Round id (default: the latest round)'),
  poll: z.string().min(1).max(64).describe('Poll id, such as q1'),
  proposal: z.string().min(1).max(64).describe('Proposal id, such as p3'),
  member: z.string().min(1).max(100).describe('Member handle or id').meta({ chat: 'member' }),
  time: z.coerce.date({ error: 'write a date-time such as 2025-03-01T18:00:00Z' }),
  /** A yes/no option: `--name` or `name:true` in text, a boolean where the platform has them. */
  flag: z
    .union([z.boolean(), z.enum(['true', 'false'], { error: 'write true or false' }).transform((v) => v === 'true')])
    .optional(),
  comment: z.string().min(1).max(64).describe('Comment id, such as c12'),
  address: z.string().regex(EVM_ADDRESS_PATTERN, 'an address is 0x followed by 40 hex digits'),
};

/** The round named, or the community's latest one. */
export async function resolveRound(ctx: CommandContext, key?: string): Promise<RoundRow> {
  const round = await findRound(ctx.db, ctx.community.id, key);
  if (!round)
    throw key
      ? new UserError('unknown_round', `There is no round "${key}" here. /round show lists the latest.`)
      : new UserError('no_round', 'There is no round yet. A moderator starts one with /round create (or try /demo).');
  return round;
}

export async function resolvePoll(db: Executor, round: RoundRow, key: string): Promise<QuestionRow & { options: string[] }> {
  const q = await db.selectFrom('questions').selectAll().where('round_id', '=', round.id).where('key', '=', key).executeTakeFirst();
  if (!q) throw new UserError('unknown_poll', `There is no poll "${key}" in round ${round.key}. /poll list shows them.`);
  const options = await db.selectFrom('question_options').select('label').where('question_id', '=', q.id).orderBy('idx').execute();
  return { ...q, options: options.map((o) => o.label) };
}

/** A comment of the round that still counts (not withdrawn). */
export async function resolveComment(db: Executor, round: RoundRow, key: string): Promise<{ id: string; author_id: string }> {
  const comment = await db.selectFrom('comments').select(['id', 'author_id']).where('round_id', '=', round.id).where('key', '=', key).where('retracted_at', 'is', null).executeTakeFirst();
  if (!comment) throw new UserError('unknown_comment', `There is no comment "${key}" in round ${round.key}.`);
  return comment;
}

/** A member of the community by handle or id. */
export async function resolveMember(ctx: CommandContext, ref: string): Promise<MemberRow> {
  const found = await ctx.db
    .selectFrom('members')
    .selectAll()
    .where('community_id', '=', ctx.community.id)
    .where((eb) => eb.or([eb('handle', '=', ref.replace(/^@/, '')), eb('key', '=', ref)]))
    .orderBy('key')
    .executeTakeFirst();
  if (!found) throw new UserError('unknown_member', `There is no member "${ref}" here.`);
  return found;
}

/** Takes part in the round from the first action on. */
export async function enroll(db: Executor, round: RoundRow, member: MemberRow, now: Date): Promise<void> {
  await db
    .insertInto('round_members')
    .values({ round_id: round.id, member_id: member.id, joined_at: now.toISOString() })
    .onConflict((oc) => oc.columns(['round_id', 'member_id']).doNothing())
    .execute();
}

export function requirePhase(round: RoundRow, allowed: readonly Phase[], what: string): void {
  if (!allowed.includes(round.phase as Phase))
    throw new UserError('wrong_phase', `Round ${round.key} is in its ${round.phase} phase: ${what} is possible during ${allowed.join(' or ')}.`);
}

/** The next free key of a kind in a round: p1, p2… */
export async function nextKey(db: Executor, table: 'proposals' | 'comments' | 'questions', round: RoundRow, prefix: string): Promise<{ key: string; position: number }> {
  const rows = await db.selectFrom(table).select('position').where('round_id', '=', round.id).orderBy('position', 'desc').limit(1).execute();
  const position = rows.length ? rows[0]!.position + 1 : 0;
  return { key: `${prefix}${position + 1}`, position };
}

/** The report of a round, from its maintained state; computed once per change of the round and shared until the next. */
export async function roundReport(db: Executor, round: RoundRow): Promise<RoundReport> {
  return maintainedReport(db, round.id);
}

/** The public results page of a round. */
export const resultsUrl = (publicUrl: string, round: RoundRow) => `${publicUrl}/rounds/${round.id}`;

/** Writes one accepted action to the audit log, in the caller's transaction. */
export async function audit(db: Executor, ctx: CommandContext, round: RoundRow | null, action: string, detail: unknown, actorId: string | null) {
  await appendAudit(db, { community_id: ctx.community.id, round_id: round?.id ?? null, actor_id: actorId, action, detail, at: ctx.now().toISOString() });
}

export { newId };
