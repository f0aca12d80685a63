import { defineAction, defineCommand, options } from '../src/commands/framework.ts';
import { privateReply, text, type Attachment } from '../src/commands/reply.ts';
import { opt, resolveRound } from '../src/commands/support.ts';
import { computeReport } from '../src/core/report.ts';
import { countedSalts, loadRoundData, roundConfigOf } from '../src/db/repositories.ts';
import { sealSecretPolls } from '../src/core/secret.ts';
import { cardanoTxOuts, PayoutError, payoutCsv, payoutRows, safeBatch } from '../src/results/payout.ts';
import { payoutChoices } from '../src/chain/wallets.ts';
import { serializeRoundFile } from '../src/roundfile/schema.ts';
import { publishedRewards } from '../src/db/rewards.ts';
import { publishedTiers, rewardsStatus, withPublishedRewards } from '../src/results/published.ts';

/** Members the export's answer names as not paid; the CSV lists every one. */
const UNPAID_NAMED = 20;

export default defineCommand({
  name: 'export',
  description: 'Export the round file, or the reward payout as CSV, a Safe transaction batch and Cardano outputs',
  subcommands: {
    round: defineAction({
      description: 'The round file, which anyone can replay with govbot replay',
      access: 'moderator',
      options: options({ round: opt.round }),
      async run(ctx, o) {
        const round = await resolveRound(ctx, o.round);
        // moderators see no member's choice in a secret poll either: its attested tally is in place of its votes
        const content = serializeRoundFile(sealSecretPolls(await loadRoundData(ctx.db, round), await countedSalts(ctx.db, round.id)));
        // The full file ties chat handles to wallets and balances: only the moderator gets it (the public one is on the results page).
        return {
          ...privateReply(text(`Round file of ${round.key} (chat handles inside, so only you get it; the results page links the public one); check every number with: npx govbot replay ${round.key}.json`)),
          attachments: [{ name: `${round.key}.json`, contentType: 'application/json', content }],
        };
      },
    }),

    rewards: defineAction({
      description: 'The payout: a CSV for the books, a Safe batch for the multisig, cardano-cli outputs for Cardano',
      access: 'moderator',
      options: options({ round: opt.round }),
      async run(ctx, o) {
        const round = await resolveRound(ctx, o.round);
        const data = await loadRoundData(ctx.db, round);
        const published = await publishedRewards(ctx.db, round.id);
        // A published split is final: the payout is the published one, whatever the rules say now.
        const report = withPublishedRewards(computeReport(data), published);
        const tiers = published && publishedTiers(published);
        const rows = payoutRows(data, report, await payoutChoices(ctx.db, ctx.community.id)).map((r) => (tiers ? { ...r, tier: tiers.get(r.member) ?? '' } : r));
        const { token } = roundConfigOf(round);
        const files: Attachment[] = [{ name: `${round.key}-rewards.csv`, contentType: 'text/csv', content: payoutCsv(rows, report.token) }];
        const lines = [`Payout of round ${round.key}: ${rows.length} recipients (chat handles inside, so only you get it).`, rewardsStatus(published)];
        const attach = (what: string, make: () => Attachment, howTo: string) => {
          try {
            files.push(make());
            lines.push(howTo);
          } catch (error) {
            if (!(error instanceof PayoutError)) throw error;
            lines.push(`No ${what}: ${error.message}`);
          }
        };
        attach('Safe batch', () => ({ name: `${round.key}-safe-batch.json`, contentType: 'application/json', content: `${JSON.stringify(safeBatch(rows, report, token, ctx.now()), null, 2)}\n` }), 'Load the batch in Safe{Wallet} → Apps → Transaction Builder → drag and drop.');
        if (token.cardano)
          attach('Cardano outputs', () => ({ name: `${round.key}-cardano-tx-outs.txt`, contentType: 'text/plain', content: cardanoTxOuts(rows, token) }), `Cardano: one --tx-out per recipient for cardano-cli (xargs -a ${round.key}-cardano-tx-outs.txt cardano-cli conway transaction build --tx-in … --change-address …).`);
        const unpaid = rows.filter((r) => r.unpaid);
        const named = unpaid.slice(0, UNPAID_NAMED).map((r) => `${r.handle}: ${r.unpaid}`);
        if (unpaid.length) lines.push(`Not paid by these files (${unpaid.length}; the CSV says why): ${named.join('; ')}${unpaid.length > named.length ? `; and ${unpaid.length - named.length} more` : ''}.`);
        return { ...privateReply(text(lines.join('\n'))), attachments: files };
      },
    }),
  },
});
