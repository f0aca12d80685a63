import { defineAction, defineCommand, options } from '../src/commands/framework.ts';
import { UserError } from '../src/commands/errors.ts';
import { privateReply, text, pre } from '../src/commands/reply.ts';
import { opt, resolveMember, resolveRound } from '../src/commands/support.ts';
import { memberStandingOf } from '../src/db/standings.ts';
import { formatNumber } from '../src/format/units.ts';

export default defineCommand({
  name: 'reputation',
  description: 'Your points with their breakdown, tier and voting factor',
  action: defineAction({
    description: 'Show reputation points',
    access: 'member',
    options: options({ member: opt.member.optional().describe('Another member (moderators only)'), round: opt.round }),
    async run(ctx, o) {
      if (o.member && !ctx.actor.isModerator) throw new UserError('not_moderator', 'Only moderators may look at the reputation of others; /leaderboard is public.');
      const round = await resolveRound(ctx, o.round);
      const who = o.member ? await resolveMember(ctx, o.member) : await ctx.member();
      const standing = await memberStandingOf(ctx.db, round.id, who.key);
      if (!standing || standing.member.points === 0) return privateReply(text(`${who.handle} has no points in round ${round.key} yet: proposals, ratings received, comments and reactions to comments earn them.`));
      const { member: m, rank, ranked } = standing;
      const b = m.breakdown;
      return privateReply(
        text(`${who.handle} in round ${round.key}: ${formatNumber(m.points)} points, tier ${m.tier ?? 'none'}, voting factor ${m.factor}.`),
        ...(rank > 0 ? [text(`Rank ${rank} of ${ranked} members with points.`)] : []),
        pre(
          [
            `proposals created   ${formatNumber(b.proposalCreation)}`,
            `ratings received    ${formatNumber(b.proposalRating)}`,
            `comments            ${formatNumber(b.comments)}`,
            `feedback received   ${formatNumber(b.feedback)}`,
          ].join('\n'),
        ),
      );
    },
  }),
});
