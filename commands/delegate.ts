import { z } from 'zod';
import { defineAction, defineCommand, options } from '../src/commands/framework.ts';
import { UserError } from '../src/commands/errors.ts';
import { pre, privateReply, text, type Block } from '../src/commands/reply.ts';
import type { CommandContext } from '../src/commands/context.ts';
import { audit, enroll, opt, resolveMember, resolveRound } from '../src/commands/support.ts';
import { findRound, roundConfigOf, type Executor } from '../src/db/repositories.ts';
import { delegationOf, delegationsTo, endDelegation, startDelegation } from '../src/db/delegations.ts';
import { memberStandings } from '../src/db/standings.ts';
import { votingRulesOf } from '../src/core/config.ts';
import { votingPower } from '../src/core/voting.ts';
import { formatNumber } from '../src/format/units.ts';
import { formatInstant } from '../src/format/time.ts';
import type { MemberRow, RoundRow } from '../src/db/schema.ts';

/** `/delegate revoke` typed as text reads the word as the member option, which no member can be called. */
const REVOKE = 'revoke';

const handleOf = async (db: Executor, memberId: string) => (await db.selectFrom('members').select('handle').where('id', '=', memberId).executeTakeFirstOrThrow()).handle;

export default defineCommand({
  name: 'delegate',
  description: 'Let another member vote with your weight in the polls you do not vote in; /delegate revoke ends it',
  action: defineAction({
    description: 'Delegate your vote, revoke it, or see your delegations',
    access: 'member',
    positional: 'member',
    options: options({
      member: opt.member.optional().describe('The member who votes for you (or the word revoke); none: show your delegations'),
      scope: z.enum(['community', 'round'], { error: 'scope is community or round' }).default('community').describe('community (until you revoke it, the default) or round (this round only)'),
      revoke: opt.flag.describe('End your delegation'),
      round: opt.round,
    }),
    async run(ctx, o) {
      const me = await ctx.member();
      if (o.revoke || o.member === REVOKE) return revoke(ctx, me);
      if (o.member === undefined) return show(ctx, me);
      const to = await resolveMember(ctx, o.member);
      if (to.id === me.id) throw new UserError('invalid_options', 'You cannot delegate to yourself: your own vote already counts with your weight.');
      const round = o.scope === 'round' || o.round !== undefined ? await resolveRound(ctx, o.round) : await findRound(ctx.db, ctx.community.id);
      const theirs = await delegationOf(ctx.db, to.id);
      const mine = await delegationsTo(ctx.db, me.id);
      await ctx.db.transaction().execute(async (trx) => {
        await startDelegation(trx, { communityId: ctx.community.id, from: me.id, to: to.id, roundId: o.scope === 'round' ? round!.id : null }, ctx.now());
        // a delegator counts in a round only as its member, as a voter does
        if (round && round.phase !== 'closed') await enroll(trx, round, me, ctx.now());
        await audit(trx, ctx, round ?? null, 'member.delegated', { from: me.key, to: to.key, scope: o.scope }, me.id);
      });
      const scope = o.scope === 'round' ? `for round ${round!.key}` : 'in every round here until you revoke it';
      return privateReply(
        text(`You delegate to ${to.handle} ${scope}. In each poll you do not vote in, ${to.handle}'s vote carries your own weight (your tokens and tier, counted separately from theirs); voting yourself overrides it for that poll. /delegate revoke ends it.`),
        // no chains: the bot says where a delegation stops
        ...(theirs ? [text(`${to.handle} has delegated to ${await handleOf(ctx.db, theirs.to_member_id)} themselves. Delegations are not passed on: your weight counts only in the polls ${to.handle} votes in.`)] : []),
        ...(mine.length > 0 ? [text(`${mine.length} member${mine.length === 1 ? ' delegates' : 's delegate'} to you. Delegations are not passed on: in a poll you do not vote in, their weight is not cast, not even through ${to.handle}.`)] : []),
      );
    },
  }),
});

async function revoke(ctx: CommandContext, me: MemberRow) {
  const ended = await ctx.db.transaction().execute(async (trx) => {
    const ended = await endDelegation(trx, ctx.community.id, me.id, ctx.now());
    if (ended) await audit(trx, ctx, null, 'member.delegation_revoked', { from: me.key }, me.id);
    return ended;
  });
  return privateReply(text(ended ? 'Your delegation has ended: from now on only your own votes count for you.' : 'You have no delegation to revoke.'));
}

async function show(ctx: CommandContext, me: MemberRow) {
  const [mine, toMe] = await Promise.all([delegationOf(ctx.db, me.id), delegationsTo(ctx.db, me.id)]);
  const names = await Promise.all(toMe.map((d) => handleOf(ctx.db, d.from_member_id)));
  return privateReply(
    text(mine ? `You delegate to ${await handleOf(ctx.db, mine.to_member_id)}${mine.round_id ? ' for one round' : ' in every round here'}, since ${formatInstant(new Date(mine.since), 'UTC')}. /delegate revoke ends it.` : 'You do not delegate your vote. /delegate member:NAME lets another member vote with your weight.'),
    text(names.length > 0 ? `Delegating to you: ${names.join(', ')}.` : 'Nobody delegates to you.'),
  );
}

/**
 * For a delegate's receipt: the weight their vote carries for others on this poll, beside their own: each delegator's
 * weight as the report computes it (the tally's), a delegator who voted not carried. `delegators`: the members whose
 * delegation to the voter covers the round (delegatorsOf), by row id.
 */
export async function carriedWeightLines(db: Executor, round: RoundRow, delegators: readonly string[], poll: { id: string }): Promise<Block[]> {
  if (delegators.length === 0) return [];
  // Each delegator's weight as the voter's own on this receipt: their balances in the round, at the factor of their
  // tier (memberStanding: every member's tier asked of the standings thread once per standings version, so a vote
  // neither recounts the round nor moves its report); who of them voted from the choices the database keeps.
  const [keys, voted, balances] = await Promise.all([
    db.selectFrom('members').select(['id', 'key']).where('id', 'in', delegators).execute(),
    db.selectFrom('vote_choices').select('member_id').where('question_id', '=', poll.id).where('member_id', 'in', delegators).execute(),
    db
      .selectFrom('balances')
      .innerJoin('wallets', 'wallets.id', 'balances.wallet_id')
      .select(['wallets.member_id', 'balances.balance'])
      .where('balances.round_id', '=', round.id)
      .where('wallets.member_id', 'in', delegators)
      .execute(),
  ]);
  const votedIds = new Set(voted.map((v) => v.member_id));
  const config = roundConfigOf(round);
  const rules = votingRulesOf(config);
  const standingOf = await memberStandings(db, round.id);
  const carried = keys
    .filter((k) => !votedIds.has(k.id))
    .map((k) => {
      const held = balances.filter((b) => b.member_id === k.id).map((b) => BigInt(b.balance));
      // as in the report: no weight for someone without a wallet in the round, or not a member of it
      const standing = held.length > 0 ? standingOf(k.key) : undefined;
      return standing ? votingPower(held, rules, standing.factor).weight : 0;
    });
  const weight = carried.reduce((s, w) => s + w, 0);
  return [pre(`delegated weight    ${formatNumber(weight, 4)} (${carried.length} delegator${carried.length === 1 ? '' : 's'} who did not vote)`)];
}
