import { defineAction, defineCommand, options } from '../src/commands/framework.ts';
import { reply, text } from '../src/commands/reply.ts';
import { opt, resolveRound } from '../src/commands/support.ts';
import { loadRoundData } from '../src/db/repositories.ts';
import { serializeRoundFile } from '../src/roundfile/schema.ts';

export default defineCommand({
  name: 'export',
  description: 'Export the round file, which anyone can replay with `govbot replay`',
  action: defineAction({
    description: 'Export the round file',
    access: 'moderator',
    options: options({ round: opt.round }),
    async run(ctx, o) {
      const round = await resolveRound(ctx, o.round);
      const content = serializeRoundFile(await loadRoundData(ctx.db, round));
      return {
        ...reply(text(`Round file of ${round.key}; check every number with: npx govbot replay ${round.key}.json`)),
        attachments: [{ name: `${round.key}.json`, contentType: 'application/json', content }],
      };
    },
  }),
});
