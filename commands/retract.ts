import { defineAction, defineCommand, options } from '../src/commands/framework.ts';
import { UserError } from '../src/commands/errors.ts';
import { privateReply, text } from '../src/commands/reply.ts';
import { audit, opt, requirePhase, resolveComment, resolveRound } from '../src/commands/support.ts';

export default defineCommand({
  name: 'retract',
  description: 'Withdraw a comment (yours; moderators: anyone\'s); it and its reactions stop counting',
  action: defineAction({
    description: 'Withdraw a comment',
    access: 'member',
    options: options({ comment: opt.comment, round: opt.round }),
    async run(ctx, o) {
      const round = await resolveRound(ctx, o.round);
      requirePhase(round, ['draft', 'proposals', 'voting'], 'withdrawing a comment');
      const comment = await resolveComment(ctx.db, round, o.comment);
      const member = await ctx.member();
      if (comment.author_id !== member.id && !ctx.actor.isModerator) throw new UserError('not_moderator', `Only its author or a moderator may withdraw ${o.comment}.`);
      await ctx.db.transaction().execute(async (trx) => {
        await trx.updateTable('comments').set({ retracted_at: ctx.now().toISOString() }).where('id', '=', comment.id).execute();
        await audit(trx, ctx, round, 'comment.retracted', { comment: o.comment }, member.id);
      });
      return { ...privateReply(text(`Comment ${o.comment} is withdrawn; it and its reactions no longer earn points.`)), about: { kind: 'comment', round: round.key, key: o.comment, ended: true } };
    },
  }),
});
