import { z } from 'zod';
import { defineAction, defineCommand, options } from '../src/commands/framework.ts';
import { reply, text } from '../src/commands/reply.ts';
import { audit, enroll, newId, nextKey, opt, requirePhase, resolveRound } from '../src/commands/support.ts';
import { resolveProposal } from './proposal.ts';

export default defineCommand({
  name: 'comment',
  description: 'Comment on a proposal',
  action: defineAction({
    description: 'Comment on a proposal',
    access: 'member',
    options: options({
      proposal: opt.proposal,
      text: z.string().trim().min(1).max(4000).describe('Your comment'),
      round: opt.round,
    }),
    async run(ctx, o) {
      const round = await resolveRound(ctx, o.round);
      requirePhase(round, ['draft', 'proposals', 'voting'], 'commenting');
      const proposal = await resolveProposal(ctx.db, round, o.proposal);
      const member = await ctx.member();
      const key = await ctx.db.transaction().execute(async (trx) => {
        const { key, position } = await nextKey(trx, 'comments', round, 'c');
        await enroll(trx, round, member, ctx.now());
        await trx.insertInto('comments').values({ id: newId(), round_id: round.id, key, author_id: member.id, proposal_id: proposal.id, created_at: ctx.now().toISOString(), position }).execute();
        await audit(trx, ctx, round, 'comment.created', { key, proposal: proposal.key, text: o.text }, member.id);
        return key;
      });
      return { ...reply(text(`Comment ${key} by ${member.handle} on ${proposal.key}: ${o.text}`)), about: { kind: 'comment', round: round.key, key } };
    },
  }),
});
