import { defineAction, defineCommand, options } from '../src/commands/framework.ts';
import { reply, text } from '../src/commands/reply.ts';
import { audit, opt, resolveMember, resolveRound } from '../src/commands/support.ts';

export default defineCommand({
  name: 'include',
  description: 'Include an excluded member in the rewards again',
  action: defineAction({
    description: 'Include a member in rewards again',
    access: 'moderator',
    options: options({ member: opt.member, round: opt.round }),
    async run(ctx, o) {
      const round = await resolveRound(ctx, o.round);
      const target = await resolveMember(ctx, o.member);
      const moderator = await ctx.member();
      await ctx.db.transaction().execute(async (trx) => {
        await trx.deleteFrom('exclusions').where('round_id', '=', round.id).where('member_id', '=', target.id).execute();
        await audit(trx, ctx, round, 'member.included', { member: target.key }, moderator.id);
      });
      return reply(text(`${target.handle} takes part in the rewards of round ${round.key} again.`));
    },
  }),
});
