import { z } from 'zod';
import { defineAction, defineCommand, options } from '../src/commands/framework.ts';
import { reply, text } from '../src/commands/reply.ts';
import { audit, enroll, opt, resolveMember, resolveRound } from '../src/commands/support.ts';

export default defineCommand({
  name: 'exclude',
  description: 'Exclude a member (staff) from the rewards of a round; points and tier stay',
  action: defineAction({
    description: 'Exclude a member from rewards',
    access: 'moderator',
    options: options({ member: opt.member, reason: z.string().max(300).optional().describe('Why, for the audit log'), round: opt.round }),
    async run(ctx, o) {
      const round = await resolveRound(ctx, o.round);
      const target = await resolveMember(ctx, o.member);
      const moderator = await ctx.member();
      await ctx.db.transaction().execute(async (trx) => {
        await enroll(trx, round, target, ctx.now());
        await trx
          .insertInto('exclusions')
          .values({ round_id: round.id, member_id: target.id, reason: o.reason ?? null, created_at: ctx.now().toISOString() })
          .onConflict((oc) => oc.columns(['round_id', 'member_id']).doNothing())
          .execute();
        await audit(trx, ctx, round, 'member.excluded', { member: target.key, reason: o.reason ?? null }, moderator.id);
      });
      return reply(text(`${target.handle} is excluded from the rewards of round ${round.key}; their share goes to the others.`));
    },
  }),
});
