import { readFile } from 'node:fs/promises';
import { z } from 'zod';
import { defineAction, defineCommand, options } from '../src/commands/framework.ts';
import { reply, text } from '../src/commands/reply.ts';
import { importPairwiseRound } from '../src/db/pairwise.ts';
import { importRound } from '../src/db/repositories.ts';
import { projectFile } from '../src/paths.ts';
import { parsePairwiseRound } from '../src/roundfile/pairwise.ts';
import { parseRoundFileText } from '../src/roundfile/schema.ts';
import { auditPairwise } from './pairwise.ts';

const SAMPLE = projectFile('examples/governance-round-1.json');
const PAIRWISE_SAMPLE = projectFile('examples/pairwise-ethereum.json');

export default defineCommand({
  name: 'demo',
  description: 'Load a sample round (Deep Funding Governance Round 1, or a pairwise Deep Funding round) to look around',
  action: defineAction({
    description: 'Load a sample round',
    access: 'moderator',
    options: options({
      round: z.enum(['governance', 'pairwise']).default('governance').describe('governance (Deep Funding Governance Round 1, the default) or pairwise (30 Ethereum projects, simulated jurors)'),
    }),
    async run(ctx, o) {
      const moderator = await ctx.member();
      if (o.round === 'pairwise') {
        const round = parsePairwiseRound(JSON.parse(await readFile(PAIRWISE_SAMPLE, 'utf8')));
        const row = await ctx.db.transaction().execute(async (trx) => {
          const row = await importPairwiseRound(trx, ctx.community.id, round, ctx.now().toISOString());
          await auditPairwise(trx, ctx, row, 'demo', { file: 'examples/pairwise-ethereum.json' }, moderator);
          return row;
        });
        return reply(
          text(`Loaded pairwise round ${row.key} "${row.name}", open for judging: ${round.projects.length} projects, ${round.jurors.length} jurors, ${round.comparisons.length} comparisons, ${round.submissions.length} submissions.`),
          text('Try /weights, /judge, /jurors show, or /pairwise show.'),
        );
      }
      const data = parseRoundFileText(await readFile(SAMPLE, 'utf8'));
      await importRound(ctx.db, ctx.community.id, data, { replace: true, actorId: moderator.id });
      return reply(
        text(`Loaded round ${data.round.id} "${data.round.name}": ${data.members.length} members, ${data.proposals.length} proposals, ${data.votes.length} votes.`),
        text('Try /tally, /leaderboard, /rewards preview, /proposal list, or /as alice then /reputation.'),
      );
    },
  }),
});
