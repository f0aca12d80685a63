import { z } from 'zod';
import { REACTION_KINDS } from '../src/core/types.ts';
import { defineAction, defineCommand, options } from '../src/commands/framework.ts';
import { UserError } from '../src/commands/errors.ts';
import { privateReply, text } from '../src/commands/reply.ts';
import { audit, enroll, opt, requirePhase, resolveComment, resolveRound } from '../src/commands/support.ts';

export default defineCommand({
  name: 'react',
  description: 'React to a comment: upvote, positive or negative',
  action: defineAction({
    description: 'React to a comment',
    access: 'member',
    options: options({
      comment: opt.comment,
      kind: z.enum(REACTION_KINDS, { error: 'kind is upvote, positive or negative' }).describe('upvote, positive or negative'),
      remove: opt.flag.describe('Take the reaction back'),
      round: opt.round,
    }),
    async run(ctx, o) {
      const round = await resolveRound(ctx, o.round);
      requirePhase(round, ['draft', 'proposals', 'voting'], 'reacting');
      const comment = await resolveComment(ctx.db, round, o.comment);
      const member = await ctx.member();
      if (comment.author_id === member.id) throw new UserError('self_feedback', 'Reactions to your own comments do not count.');
      await ctx.db.transaction().execute(async (trx) => {
        if (o.remove) {
          const removed = await trx.deleteFrom('reactions').where('comment_id', '=', comment.id).where('reactor_id', '=', member.id).where('kind', '=', o.kind).executeTakeFirst();
          if (removed.numDeletedRows > 0n) await audit(trx, ctx, round, 'reaction.removed', { comment: o.comment, kind: o.kind }, member.id);
          return;
        }
        await enroll(trx, round, member, ctx.now());
        await trx.insertInto('reactions').values({ comment_id: comment.id, reactor_id: member.id, kind: o.kind, created_at: ctx.now().toISOString() }).onConflict((oc) => oc.columns(['comment_id', 'reactor_id', 'kind']).doNothing()).execute();
        await audit(trx, ctx, round, 'reaction.added', { comment: o.comment, kind: o.kind }, member.id);
      });
      return privateReply(text(o.remove ? `Your ${o.kind} on ${o.comment} is taken back.` : `Your ${o.kind} on ${o.comment} is counted.`));
    },
  }),
});
