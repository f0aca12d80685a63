import { z } from 'zod';
import { evmAddress } from '../chain/address.ts';
import { timeZoneOf } from '../core/config.ts';
import { fieldsIn, parseWhen } from '../core/when.ts';
import { formatInstant } from '../format/time.ts';
import type { Executor } from '../db/repositories.ts';
import { appendAudit, findRound, newId, roundConfigOf } from '../db/repositories.ts';
import type { MemberRow, QuestionRow, RoundRow } from '../db/schema.ts';
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
  member: z.string().trim().min(1).max(100).describe('Member: handle, mention or id, such as alice').meta({ chat: 'member' }),
  /** Read by resolveTime once the round, and so its time zone, is known; described with TIME_HELP. */
  time: z.string().trim().min(1).max(64),
  /** A yes/no option: `--name` or `name:true` in text, a boolean where the platform has them. */
  flag: z
    .union([z.boolean(), z.enum(['true', 'false'], { error: 'write true or false' }).transform((v) => v === 'true')])
    .optional(),
  comment: z.string().min(1).max(64).describe('Comment id, such as c12'),
  address: evmAddress('an address is 0x followed by 40 hex digits'),
};

/** The help text of a time option: what it is, and the three ways to write it. */
export const TIME_HELP = (what: string) => `${what}: 2025-03-01T18:00 in the round's time zone, 2025-03-01T18:00Z, or a duration such as 24h`;

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
  // the poll with its options, one row each, in one round trip
  const rows = await db
    .selectFrom('questions')
    .leftJoin('question_options as o', 'o.question_id', 'questions.id')
    .selectAll('questions')
    .select('o.label')
    .where('questions.round_id', '=', round.id)
    .where('questions.key', '=', key)
    .orderBy('o.idx')
    .execute();
  if (rows.length === 0) throw new UserError('unknown_poll', `There is no poll "${key}" in round ${round.key}. /poll list shows them.`);
  const { label: _first, ...q } = rows[0]!;
  return { ...q, options: rows.flatMap((r) => (r.label === null ? [] : [r.label])) };
}

/** A comment of the round that still counts (not withdrawn). */
export async function resolveComment(db: Executor, round: RoundRow, key: string): Promise<{ id: string; author_id: string }> {
  const comment = await db.selectFrom('comments').select(['id', 'author_id']).where('round_id', '=', round.id).where('key', '=', key).where('retracted_at', 'is', null).executeTakeFirst();
  if (!comment) throw new UserError('unknown_comment', `There is no comment "${key}" in round ${round.key}.`);
  return comment;
}

/** `<@123>` (`<@!123>`): a member chosen in the platform's user picker, or mentioned. */
const MENTION = /^<@!?([^<>\s]+)>$/;
/** Candidates named in a refusal; more are summed up. */
const MAX_CANDIDATES = 10;

/**
 * A member of the community, found and never guessed: a mention through the accounts of the actor's platform, else
 * by id, else by handle (with or without @). A handle that several members share is refused with their ids.
 */
export async function resolveMember(ctx: CommandContext, ref: string): Promise<MemberRow> {
  const mention = MENTION.exec(ref);
  if (mention) {
    const found = await ctx.db
      .selectFrom('member_accounts')
      .innerJoin('members', 'members.id', 'member_accounts.member_id')
      .selectAll('members')
      .where('member_accounts.community_id', '=', ctx.community.id)
      .where('member_accounts.platform', '=', ctx.actor.platform)
      .where('member_accounts.platform_user_id', '=', mention[1]!)
      .executeTakeFirst();
    if (!found) throw new UserError('unknown_member', `${ref} has not used the bot here yet, so they are no member of it; once they run any command (such as /reputation), they are.`);
    return found;
  }
  const members = ctx.db.selectFrom('members').selectAll().where('community_id', '=', ctx.community.id);
  const byId = await members.where('key', '=', ref).executeTakeFirst();
  if (byId) return byId;
  const handle = ref.replace(/^@/, '');
  const named = await members.where('handle', '=', handle).orderBy('key').limit(MAX_CANDIDATES + 1).execute();
  if (named.length === 1) return named[0]!;
  if (named.length === 0) throw new UserError('unknown_member', `There is no member "${ref}" here.`);
  const listed = named.slice(0, MAX_CANDIDATES).map((m) => `${m.key} ${m.handle}`);
  if (named.length > MAX_CANDIDATES) listed.push('and more');
  throw new UserError('ambiguous_member', `Several members are called "${handle}": ${listed.join(', ')}. Write member:${named[0]!.key} (the id of the one you mean), or pick them from the member list.`);
}

/**
 * A time option, read in the round's time zone (core/when.ts). Not a time, or a time that has passed, is refused
 * saying what was understood.
 */
export function resolveTime(round: RoundRow, option: string, value: string, now: Date): Date {
  const zone = timeZoneOf(roundConfigOf(round));
  const when = parseWhen(value, now, zone);
  if (!when.ok) {
    const week = fieldsIn(new Date(now.getTime() + 7 * 864e5), zone);
    const day = `${week.year}-${String(week.month).padStart(2, '0')}-${String(week.day).padStart(2, '0')}`;
    throw new UserError('invalid_options', `${option}: ${when.error}; write ${day}T18:00 (${zone}), ${day}T18:00Z, or a duration such as 24h.`);
  }
  if (when.at <= now) throw new UserError('invalid_options', `${option}: ${value} is ${formatInstant(when.at, zone)}, which has passed; give a time in the future.`);
  return when.at;
}

/** Takes part in the round from the first action on. */
export async function enroll(db: Executor, round: RoundRow, member: MemberRow, now: Date): Promise<void> {
  await enrollMembers(db, round, [member.id], now);
}

/** Enrolls several members (by row id) in one statement. */
export async function enrollMembers(db: Executor, round: RoundRow, memberIds: readonly string[], now: Date): Promise<void> {
  await db
    .insertInto('round_members')
    .values(memberIds.map((id) => ({ round_id: round.id, member_id: id, joined_at: now.toISOString() })))
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

/** The public results page of a round. */
export const resultsUrl = (publicUrl: string, round: RoundRow) => `${publicUrl}/rounds/${round.id}`;

/** Writes one accepted action to the audit log, in the caller's transaction. */
export async function audit(db: Executor, ctx: CommandContext, round: RoundRow | null, action: string, detail: unknown, actorId: string | null) {
  await appendAudit(db, { community_id: ctx.community.id, round_id: round?.id ?? null, actor_id: actorId, action, detail, at: ctx.now().toISOString() });
}

export { newId };
