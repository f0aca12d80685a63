import { defineAction, defineCommand, options } from '../src/commands/framework.ts';
import { weightsChart } from '../src/charts/pairwise.ts';
import { pre, privateReply, reply, text } from '../src/commands/reply.ts';
import { pairwiseOption, pairwisePageUrl, pairwiseReportOf, renderFunding, renderWeights, resolvePairwise } from './pairwise.ts';

export default defineCommand({
  name: 'weights',
  description: 'The current weights of a Deep Funding round, with their intervals',
  action: defineAction({
    description: 'The weights as a chart and a short list',
    access: 'member',
    options: options({ round: pairwiseOption }),
    async run(ctx, o) {
      const row = await resolvePairwise(ctx, o.round);
      // Hidden weights stay hidden from jurors, who must not judge by them; a moderator sees them privately.
      const hidden = row.phase !== 'closed' && !row.weights_before_close;
      if (hidden && !ctx.actor.isModerator) return reply(text(`The weights of round ${row.key} are shown when it closes.`));
      const result = await pairwiseReportOf(ctx.db, row);
      if ('problem' in result) return reply(text(`Round ${row.key} has no weights yet: ${result.problem}`));
      const { report } = result;
      const blocks = [
        text(`${row.phase === 'closed' ? 'Final' : 'Current'} weights of round ${row.key}, what mattered to ${row.root} (${report.aggregation}, ${report.fitted} comparisons fitted):`),
        pre(renderWeights(report)),
        ...(report.pool > 0n ? [pre(renderFunding(report))] : []),
        ...(ctx.publicUrl ? [text(`All of it: ${pairwisePageUrl(ctx.publicUrl, row)}`)] : []),
      ];
      const shown = hidden ? privateReply(text('(Hidden from members until the round closes.)'), ...blocks) : reply(...blocks);
      return { ...shown, attachments: [await weightsChart(report)] };
    },
  }),
});
