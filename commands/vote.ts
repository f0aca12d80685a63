import { randomBytes } from 'node:crypto';
import { z } from 'zod';
import { defineAction, defineCommand, options } from '../src/commands/framework.ts';
import { UserError } from '../src/commands/errors.ts';
import { pre, privateReply, secretReply, text } from '../src/commands/reply.ts';
import { enroll, opt, requirePhase, resolvePoll, resolveRound } from '../src/commands/support.ts';
import { NO_TIER_FACTOR } from '../src/core/tiers.ts';
import { votingPower } from '../src/core/voting.ts';
import { roundConfigOf } from '../src/db/repositories.ts';
import { ballotCommitment } from '../src/core/secret.ts';
import { memberStanding } from '../src/db/standings.ts';
import { formatNumber, formatUnits } from '../src/format/units.ts';
import { carriedWeightLines } from './delegate.ts';

/** An address as a receipt names it: enough of both ends to recognise it. */
const shortAddress = (address: string) => (address.length > 20 ? `${address.slice(0, 10)}…${address.slice(-6)}` : address);

export default defineCommand({
  name: 'vote',
  description: 'Vote in an open poll; you may change your vote until it closes',
  action: defineAction({
    description: 'Vote in an open poll',
    access: 'member',
    options: options({
      poll: opt.poll,
      option: z.coerce.number({ error: 'option is the number of an answer, such as 1' }).int().min(1).describe('Number of the option (1, 2, …)'),
      round: opt.round,
    }),
    async run(ctx, o) {
      const round = await resolveRound(ctx, o.round);
      requirePhase(round, ['draft', 'proposals', 'voting'], 'voting');
      const poll = await resolvePoll(ctx.db, round, o.poll);
      if (poll.status !== 'open') throw new UserError('poll_closed', `Poll ${poll.key} is closed; votes are no longer accepted.`);
      if (o.option > poll.options.length)
        throw new UserError('unknown_option', `Poll ${poll.key} has options 1 to ${poll.options.length}; ${o.option} is not one of them.`);
      const member = await ctx.member();
      // the member's wallets first, then their balances in the round: joined, SQLite's planner walks every balance of the round
      const balances = await ctx.db
        .selectFrom('balances')
        .select(['balances.balance', 'balances.wallet_id'])
        .where('balances.round_id', '=', round.id)
        .where('balances.wallet_id', 'in', ctx.db.selectFrom('wallets').select('wallets.id').where('wallets.member_id', '=', member.id))
        .execute();
      if (balances.length === 0)
        throw new UserError(
          'no_wallet',
          // The testing shortcut is for moderators; members are only shown the real way.
          `To vote you need a verified wallet holding tokens at the round's snapshot. Link one with /verify${ctx.actor.isModerator ? ' (for testing, a moderator can add one with /wallet add … unverified:true)' : ''}.`,
        );
      if (balances.every((b) => BigInt(b.balance) === 0n))
        throw new UserError('no_tokens', `Your wallets held no tokens at the snapshot of round ${round.key}, so there is no vote to count.`);
      await enroll(ctx.db, round, member, ctx.now());
      // a secret ballot's salt is in this receipt only: with it the voter finds their commitment in the public file
      const salt = poll.privacy === 'secret' ? randomBytes(32).toString('hex') : undefined;
      await ctx.votes.cast({ roundId: round.id, questionId: poll.id, memberId: member.id, option: o.option - 1, castAt: ctx.now().toISOString(), ...(salt && { salt }) });
      const standing = await memberStanding(ctx.db, round.id, member.key);
      const config = roundConfigOf(round);
      const power = votingPower(balances.map((b) => BigInt(b.balance)), { ...config.voting, decimals: config.token.decimals }, standing?.factor ?? NO_TIER_FACTOR);
      const tier = standing?.tier ?? null;
      const wallets = new Map((await ctx.db.selectFrom('wallets').select(['id', 'chain', 'address']).where('member_id', '=', member.id).execute()).map((w) => [w.id, w]));
      // Each wallet counted, with its chain (CAIP-2): a member's tokens on every chain add up before the square root.
      const counted = balances.map((b) => `  ${wallets.get(b.wallet_id)!.chain} ${shortAddress(wallets.get(b.wallet_id)!.address)}  ${formatUnits(BigInt(b.balance), config.token.decimals)}`);
      // a secret ballot's receipt names the choice beside its salt: it is never shown in the group, even as a fallback
      return (salt ? secretReply : privateReply)(
        text(`Your vote on ${poll.key} is recorded: ${o.option}. ${poll.options[o.option - 1]}`),
        pre(
          [
            `tokens at snapshot  ${formatUnits(power.tokens, config.token.decimals)} ${config.token.symbol}`,
            ...counted,
            `square root         ${formatNumber(power.quadratic, 4)}`,
            `tier                ${tier ?? 'none'} (factor ${power.factor})`,
            `weight              ${formatNumber(power.weight, 4)}`,
          ].join('\n'),
        ),
        ...(await carriedWeightLines(ctx.db, round, member, poll.key)),
        text('You can change it until the poll closes; the last vote counts.'),
        ...(salt
          ? [
              text(`Secret ballot: keep these to check, in the round file after the close, that your ballot was counted as cast (the commitment is sha256 of your member key ${member.key}, your choice ${o.option - 1} and the salt, one after the other).`),
              pre(`salt        ${salt}\ncommitment  ${ballotCommitment(member.key, o.option - 1, salt)}`),
            ]
          : []),
      );
    },
  }),
});
