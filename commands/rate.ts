import { z } from 'zod';
import { defineAction, defineCommand, options } from '../src/commands/framework.ts';
import { UserError } from '../src/commands/errors.ts';
import { privateReply, text } from '../src/commands/reply.ts';
import { audit, enroll, opt, requirePhase, resolveRound } from '../src/commands/support.ts';
import { resolveProposal } from './proposal.ts';

export default defineCommand({
  name: 'rate',
  description: 'Rate a proposal from 1 to 5 stars; rating again replaces your rating',
  action: defineAction({
    description: 'Rate a proposal',
    access: 'member',
    options: options({
      proposal: opt.proposal,
      stars: z.coerce.number({ error: 'stars is a whole number from 1 to 5' }).int('stars is a whole number from 1 to 5').min(1, 'stars is a whole number from 1 to 5').max(5, 'stars is a whole number from 1 to 5').describe('1 to 5'),
      round: opt.round,
    }),
    async run(ctx, o) {
      const round = await resolveRound(ctx, o.round);
      requirePhase(round, ['draft', 'proposals', 'voting'], 'rating');
      const proposal = await resolveProposal(ctx.db, round, o.proposal);
      const member = await ctx.member();
      if (proposal.author_id === member.id) throw new UserError('self_feedback', 'You cannot rate your own proposal.');
      await ctx.db.transaction().execute(async (trx) => {
        await enroll(trx, round, member, ctx.now());
        await trx
          .insertInto('ratings')
          .values({ proposal_id: proposal.id, rater_id: member.id, stars: o.stars, rated_at: ctx.now().toISOString() })
          .onConflict((oc) => oc.columns(['proposal_id', 'rater_id']).doUpdateSet({ stars: o.stars, rated_at: ctx.now().toISOString() }))
          .execute();
        await audit(trx, ctx, round, 'proposal.rated', { proposal: proposal.key, stars: o.stars }, member.id);
      });
      return privateReply(text(`You rated ${proposal.key} ${o.stars}/5.`));
    },
  }),
});
