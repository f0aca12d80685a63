import { z } from 'zod';
import { UserError } from '../src/commands/errors.ts';
import { defineAction, defineCommand, options } from '../src/commands/framework.ts';
import { reply, text } from '../src/commands/reply.ts';
import { CliError } from '../src/cli/cli.ts';
import { submissionWeights } from '../src/cli/pairwise.ts';
import { addSubmission, exportPairwiseRound } from '../src/db/pairwise.ts';
import { parseSubmissionWeights } from '../src/roundfile/pairwise.ts';
import { RoundFileError } from '../src/roundfile/schema.ts';
import { auditPairwise, pairwiseOption, pairwiseReportOf, resolvePairwise } from './pairwise.ts';

/** Reads a submission as `govbot pairwise score` does: JSON ({ "geth": 0.4, … }) or CSV with project and weight columns. */
function readWeights(content: string): unknown {
  const json = /^\s*[[{]/.test(content);
  try {
    return submissionWeights(json ? 'submission.json' : 'submission.csv', content);
  } catch (error) {
    if (error instanceof CliError || error instanceof RoundFileError) throw new UserError('invalid_options', `weights: ${error instanceof RoundFileError ? error.problems.join('; ') : error.message.replace(/^submission\.(json|csv)[:,]?\s*/, '')}`);
    throw error;
  }
}

export default defineCommand({
  name: 'submit',
  description: 'Submit predicted weights for a Deep Funding round, scored on the held-out comparisons',
  action: defineAction({
    description: 'Submit a weight vector: JSON { "project": weight } or CSV project,weight; each sibling group adds up to 1',
    access: 'member',
    options: options({
      weights: z.string().min(2).max(500_000).describe('The weights file: JSON or CSV with project and weight columns').meta({ chat: 'file' }),
      round: pairwiseOption,
    }),
    async run(ctx, o) {
      const row = await resolvePairwise(ctx, o.round);
      if (row.phase === 'closed') throw new UserError('wrong_phase', `Pairwise round ${row.key} is closed; it takes no more submissions.`);
      const { round } = await exportPairwiseRound(ctx.db, row);
      let weights: Record<string, number>;
      try {
        weights = parseSubmissionWeights(round, readWeights(o.weights));
      } catch (error) {
        if (error instanceof RoundFileError) throw new UserError('invalid_options', `Not a submission for round ${row.key}:\n${error.problems.join('\n')}`);
        throw error;
      }
      const author = await ctx.member();
      const key = await ctx.db.transaction().execute(async (trx) => {
        const key = await addSubmission(trx, row.id, author.id, weights, ctx.now().toISOString());
        await auditPairwise(trx, ctx, row, 'submitted', { key }, author);
        return key;
      });
      if (!row.live_scoring) return reply(text(`Submission ${key} is in round ${row.key}; it is scored on the held-out comparisons when the round closes.`));
      const result = await pairwiseReportOf(ctx.db, row);
      const scored = 'report' in result ? result.report.submissions.find((s) => s.id === key) : undefined;
      return reply(text(`Submission ${key} is in round ${row.key}; ${scored?.score == null ? 'it has no score yet (too few comparisons held out)' : `score ${scored.score.toFixed(6)} on the holdout so far, rank ${scored.rank} of ${'report' in result ? result.report.submissions.length : 0}`} (/pairwise leaderboard).`));
    },
  }),
});
