import { z } from 'zod';
import { defineAction, defineCommand, options } from '../src/commands/framework.ts';
import { UserError } from '../src/commands/errors.ts';
import { pre, reply, text } from '../src/commands/reply.ts';
import { opt, resolveRound, resultsUrl, roundReport } from '../src/commands/support.ts';
import { renderTally } from '../src/format/report.ts';
import { tallyChart } from '../src/charts/attachments.ts';

export default defineCommand({
  name: 'tally',
  description: 'Post the tally: one token one vote, quadratic, and quadratic with reputation',
  action: defineAction({
    description: 'Post the tally of the polls',
    access: 'moderator',
    options: options({ poll: z.string().max(64).optional().describe('One poll (default: all)'), round: opt.round }),
    async run(ctx, o) {
      const round = await resolveRound(ctx, o.round);
      const report = await roundReport(ctx.db, round);
      const questions = o.poll ? report.questions.filter((q) => q.id === o.poll) : report.questions;
      if (o.poll && questions.length === 0) throw new UserError('unknown_poll', `There is no poll "${o.poll}" in round ${round.key}.`);
      if (questions.length === 0) return reply(text(`Round ${round.key} has no polls yet.`));
      const charts = await Promise.all(questions.map((q) => tallyChart(report, q)));
      const page = ctx.publicUrl ? [text(`Every number, the voting event and the round file: ${resultsUrl(ctx.publicUrl, round)}`)] : [];
      return { ...reply(text(`Tally of round ${round.key}:`), ...questions.map((q) => pre(renderTally(q, report.token))), ...page), attachments: charts };
    },
  }),
});
