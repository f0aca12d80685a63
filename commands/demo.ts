import { readFile } from 'node:fs/promises';
import { defineAction, defineCommand, options } from '../src/commands/framework.ts';
import { reply, text } from '../src/commands/reply.ts';
import { importRound } from '../src/db/repositories.ts';
import { projectFile } from '../src/paths.ts';
import { parseRoundFileText } from '../src/roundfile/schema.ts';

const SAMPLE = projectFile('examples/governance-round-1.json');

export default defineCommand({
  name: 'demo',
  description: 'Load the sample round (Deep Funding Governance Round 1) to look around',
  action: defineAction({
    description: 'Load the sample round',
    access: 'moderator',
    options: options({}),
    async run(ctx) {
      const data = parseRoundFileText(await readFile(SAMPLE, 'utf8'));
      const moderator = await ctx.member();
      await importRound(ctx.db, ctx.community.id, data, { replace: true, actorId: moderator.id });
      return reply(
        text(`Loaded round ${data.round.id} "${data.round.name}": ${data.members.length} members, ${data.proposals.length} proposals, ${data.votes.length} votes.`),
        text('Try /tally, /leaderboard, /rewards preview, /proposal list, or /as alice then /reputation.'),
      );
    },
  }),
});
