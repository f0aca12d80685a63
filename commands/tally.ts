import { z } from 'zod';
import { defineAction, defineCommand, options } from '../src/commands/framework.ts';
import { UserError } from '../src/commands/errors.ts';
import { pre, reply, text } from '../src/commands/reply.ts';
import { opt, resolveRound, resultsUrl } from '../src/commands/support.ts';
import { timeZoneOf } from '../src/core/config.ts';
import { roundConfigOf } from '../src/db/repositories.ts';
import { roundTallies } from '../src/db/standings.ts';
import { renderTally } from '../src/format/report.ts';
import { formatInstant } from '../src/format/time.ts';
import { tallyChart } from '../src/charts/attachments.ts';
import { formatNumber } from '../src/format/units.ts';
import type { QuestionTally } from '../src/core/voting.ts';

/** The weight delegates carried, said apart from the tally that includes it (quadratic with reputation, the deciding view). */
function delegatedNote(q: QuestionTally) {
  const carried = q.options.filter((o) => (o.delegated?.voters ?? 0) > 0);
  if (carried.length === 0) return [];
  return [text(`${q.id}, included above, carried by delegates for members who did not vote: ${carried.map((o) => `${o.label} ${formatNumber(o.delegated!.qualifiedVotes, 2)} (${o.delegated!.voters} member${o.delegated!.voters === 1 ? '' : 's'})`).join('; ')}.`)];
}

export default defineCommand({
  name: 'tally',
  description: 'Post the tally: one token one vote, quadratic, and quadratic with reputation',
  action: defineAction({
    description: 'Post the tally of the polls',
    access: 'moderator',
    options: options({ poll: z.string().max(64).optional().describe('One poll (default: all)'), round: opt.round }),
    async run(ctx, o) {
      const round = await resolveRound(ctx, o.round);
      const report = await roundTallies(ctx.db, round.id);
      const questions = o.poll ? report.questions.filter((q) => q.id === o.poll) : report.questions;
      if (o.poll && questions.length === 0) throw new UserError('unknown_poll', `There is no poll "${o.poll}" in round ${round.key}.`);
      if (questions.length === 0) return reply(text(`Round ${round.key} has no polls yet.`));
      // A hidden or secret poll shows no standings to anyone, moderators included, until it closes: only its turnout.
      const sealed = await ctx.db
        .selectFrom('questions')
        .select(['key', 'closes_at'])
        .where('round_id', '=', round.id)
        .where('status', '=', 'open')
        .where('privacy', '!=', 'public')
        .execute();
      const sealedUntil = new Map(sealed.map((q) => [q.key, q.closes_at]));
      const zone = timeZoneOf(roundConfigOf(round));
      const shown = questions.filter((q) => !sealedUntil.has(q.id));
      const charts = await Promise.all(shown.map((q) => tallyChart(report, q)));
      const page = ctx.publicUrl ? [text(`Every number, the voting event and the round file: ${resultsUrl(ctx.publicUrl, round)}`)] : [];
      const blocks = questions.flatMap((q) => {
        if (!sealedUntil.has(q.id)) return [pre(renderTally(q, report.token)), ...delegatedNote(q)];
        const closes = sealedUntil.get(q.id);
        const voters = report.voted[q.id] ?? 0;
        return text(`${q.id}: ${q.text} — its standings stay hidden until it closes${closes ? ` (${formatInstant(new Date(closes), zone)})` : ' (a moderator closes it with /poll close)'}; ${voters} member${voters === 1 ? ' has' : 's have'} voted so far.`);
      });
      return { ...reply(text(`Tally of round ${round.key}:`), ...blocks, ...page), attachments: charts };
    },
  }),
});
