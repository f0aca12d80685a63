import { defineAction, defineCommand, options } from '../src/commands/framework.ts';
import { pre, privateReply, reply, text } from '../src/commands/reply.ts';
import { audit, opt, resolveRound, roundReport } from '../src/commands/support.ts';
import { renderRewards } from '../src/format/report.ts';
import { rewardsChart } from '../src/charts/attachments.ts';

export default defineCommand({
  name: 'rewards',
  description: 'Preview or publish the split of the reward pool',
  subcommands: {
    preview: defineAction({
      description: 'See the split as it stands, privately',
      access: 'moderator',
      options: options({ round: opt.round }),
      async run(ctx, o) {
        const round = await resolveRound(ctx, o.round);
        const report = await roundReport(ctx.db, round);
        return { ...privateReply(text(`Reward preview for round ${round.key} (not published):`), pre(renderRewards(report))), attachments: [await rewardsChart(report)] };
      },
    }),
    publish: defineAction({
      description: 'Publish the split to the community and record it',
      access: 'moderator',
      options: options({ round: opt.round }),
      async run(ctx, o) {
        const round = await resolveRound(ctx, o.round);
        const report = await roundReport(ctx.db, round);
        const moderator = await ctx.member();
        await audit(ctx.db, ctx, round, 'rewards.published', {
          pool: report.rewards.pool.toString(),
          amounts: report.rewards.amounts.map((a) => ({ member: a.member, amount: a.amount.toString() })),
        }, moderator.id);
        return { ...reply(text(`Rewards of round ${round.key}:`), pre(renderRewards(report))), attachments: [await rewardsChart(report)] };
      },
    }),
  },
});
