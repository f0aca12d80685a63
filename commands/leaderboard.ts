import { z } from 'zod';
import { defineAction, defineCommand, options } from '../src/commands/framework.ts';
import { pre, reply } from '../src/commands/reply.ts';
import { opt, resolveRound } from '../src/commands/support.ts';
import { leaderboardOf } from '../src/db/standings.ts';
import { renderLeaderboard } from '../src/format/report.ts';

export default defineCommand({
  name: 'leaderboard',
  description: 'The members with the most reputation points, with their tiers',
  action: defineAction({
    description: 'Show the leaderboard',
    access: 'member',
    options: options({ top: z.coerce.number().int().min(1).max(100).default(20).describe('How many (default 20)'), round: opt.round }),
    async run(ctx, o) {
      const round = await resolveRound(ctx, o.round);
      const top = await leaderboardOf(ctx.db, round.id, o.top);
      // A chat that cannot give roles keeps the latest leaderboard pinned and up to date (Telegram).
      return { ...reply(pre(renderLeaderboard(top))), title: `Reputation in round ${round.key}`, about: { kind: 'leaderboard', round: round.key, key: round.key } };
    },
  }),
});
