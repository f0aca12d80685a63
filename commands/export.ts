import { defineAction, defineCommand, options } from '../src/commands/framework.ts';
import { privateReply, text, type Attachment } from '../src/commands/reply.ts';
import { opt, resolveRound } from '../src/commands/support.ts';
import { computeReport } from '../src/core/report.ts';
import { loadRoundData, roundConfigOf } from '../src/db/repositories.ts';
import { PayoutError, payoutCsv, payoutRows, safeBatch } from '../src/results/payout.ts';
import { serializeRoundFile } from '../src/roundfile/schema.ts';
import { publishedRewards } from '../src/db/rewards.ts';
import { publishedTiers, rewardsStatus, withPublishedRewards } from '../src/results/published.ts';

export default defineCommand({
  name: 'export',
  description: 'Export the round file, or the reward payout as CSV and a Safe transaction batch',
  subcommands: {
    round: defineAction({
      description: 'The round file, which anyone can replay with govbot replay',
      access: 'moderator',
      options: options({ round: opt.round }),
      async run(ctx, o) {
        const round = await resolveRound(ctx, o.round);
        const content = serializeRoundFile(await loadRoundData(ctx.db, round));
        // The full file ties chat handles to wallets and balances: only the moderator gets it (the public one is on the results page).
        return {
          ...privateReply(text(`Round file of ${round.key} (chat handles inside, so only you get it; the results page links the public one); check every number with: npx govbot replay ${round.key}.json`)),
          attachments: [{ name: `${round.key}.json`, contentType: 'application/json', content }],
        };
      },
    }),

    rewards: defineAction({
      description: 'The payout: a CSV for the books and a Safe Transaction Builder batch for the multisig',
      access: 'moderator',
      options: options({ round: opt.round }),
      async run(ctx, o) {
        const round = await resolveRound(ctx, o.round);
        const data = await loadRoundData(ctx.db, round);
        const published = await publishedRewards(ctx.db, round.id);
        // A published split is final: the payout is the published one, whatever the rules say now.
        const report = withPublishedRewards(computeReport(data), published);
        const tiers = published && publishedTiers(published);
        const rows = payoutRows(data, report).map((r) => (tiers ? { ...r, tier: tiers.get(r.member) ?? '' } : r));
        const files: Attachment[] = [{ name: `${round.key}-rewards.csv`, contentType: 'text/csv', content: payoutCsv(rows, report.token) }];
        const lines = [`Payout of round ${round.key}: ${rows.length} recipients (chat handles inside, so only you get it).`, rewardsStatus(published)];
        try {
          const batch = safeBatch(rows, report, roundConfigOf(round).token, ctx.now());
          files.push({ name: `${round.key}-safe-batch.json`, contentType: 'application/json', content: `${JSON.stringify(batch, null, 2)}\n` });
          lines.push('Load the batch in Safe{Wallet} → Apps → Transaction Builder → drag and drop.');
        } catch (error) {
          if (!(error instanceof PayoutError)) throw error;
          lines.push(`No Safe batch: ${error.message}`);
        }
        return { ...privateReply(text(lines.join('\n'))), attachments: files };
      },
    }),
  },
});
