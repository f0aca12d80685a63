import { z } from 'zod';
import { defineAction, defineCommand, options } from '../src/commands/framework.ts';
import { UserError } from '../src/commands/errors.ts';
import { pre, reply, text, type Reply } from '../src/commands/reply.ts';
import { audit, newId, nextKey, opt, requirePhase, resolvePoll, resolveRound, resolveTime, TIME_HELP } from '../src/commands/support.ts';
import { timeZoneOf } from '../src/core/config.ts';
import { roundConfigOf } from '../src/db/repositories.ts';
import { formatInstant } from '../src/format/time.ts';
import { timeLeft } from './notify.ts';
import type { RoundRow } from '../src/db/schema.ts';
import { renderTally } from '../src/format/report.ts';
import { tallyChart } from '../src/charts/attachments.ts';
import type { Executor } from '../src/db/repositories.ts';
import { reputationSnapshotFalls } from '../src/db/reputation-snapshot.ts';
import { roundTallies } from '../src/db/standings.ts';
import { POLL_PRIVACIES, POLL_TYPES, type PollPrivacy, type PollType } from '../src/core/types.ts';

/** What a poll's message says of its privacy. */
const PRIVACY_NOTE: Record<PollPrivacy, string> = {
  public: '',
  hidden: ' Hidden poll: no standings are shown to anyone until it closes.',
  secret: ' Secret ballot: no standings until it closes, and nobody\'s choice is ever published; your receipt holds the salt that lets you check your ballot was counted.',
};

/** What a poll's message says of how to vote on it. */
const HOW_TO_VOTE: Record<PollType, (key: string) => string> = {
  single: (key) => `Vote with /vote poll:${key} option:N`,
  approval: (key) => `Approval poll: tick every option you approve, each gets your full weight (/vote poll:${key} option:1,3)`,
  ranked: (key) => `Ranked poll: put the options in your order, best first; decided by instant runoff (/vote poll:${key} option:2,1,3)`,
};

/** Closes a poll and returns the tally to post; shared by /poll close and the scheduler. */
export async function closePoll(db: Executor, round: RoundRow, questionId: string, now: Date): Promise<boolean> {
  const result = await db.updateTable('questions').set({ status: 'closed' }).where('id', '=', questionId).where('status', '=', 'open').executeTakeFirst();
  if (result.numUpdatedRows > 0n) await reputationSnapshotFalls(db, { id: round.id, config: roundConfigOf(round) }, 'poll closes', now);
  await db.updateTable('jobs').set({ done_at: now.toISOString() }).where('round_id', '=', round.id).where('kind', '=', 'poll_close').where('target', '=', questionId).where('done_at', 'is', null).execute();
  return result.numUpdatedRows > 0n;
}

/** The final tally of a closed poll; its poll message shows it closed. */
export async function tallyReply(db: Executor, round: RoundRow, pollKey: string, heading: string): Promise<Reply> {
  // the tallies alone, as /tally asks them of the standings thread, not the round's whole report
  const tallies = await roundTallies(db, round.id);
  const q = tallies.questions.find((x) => x.id === pollKey)!;
  return {
    ...reply(text(heading), pre(renderTally(q, tallies.token))),
    attachments: [await tallyChart(tallies, q)],
    about: { kind: 'poll', round: round.key, key: pollKey, ended: true },
  };
}

export default defineCommand({
  name: 'poll',
  description: 'Open, close and list the polls of a round',
  subcommands: {
    open: defineAction({
      description: 'Open a poll: a question with 2 to 25 options',
      access: 'moderator',
      options: options({
        question: z.string().trim().min(2, 'write the question').max(1000).describe('The question'),
        options: z
          .string()
          .transform((s) => s.split('|').map((x) => x.trim()).filter(Boolean))
          .pipe(z.array(z.string().max(200)).min(2, 'give 2 to 25 options separated by |').max(25, 'give 2 to 25 options separated by |'))
          .describe('The options, separated by |'),
        closes: opt.time.optional().describe(TIME_HELP('When the poll closes')),
        type: z.enum(POLL_TYPES).default('single').describe('single: one option; approval: any number, each with full weight; ranked: an order (instant runoff)'),
        privacy: z.enum(POLL_PRIVACIES).default('public').describe('public: choices published after close; hidden: no standings until close; secret: as hidden, and no choice ever published'),
        round: opt.round,
      }),
      async run(ctx, o) {
        const round = await resolveRound(ctx, o.round);
        requirePhase(round, ['draft', 'proposals', 'voting'], 'opening a poll');
        // a secret poll publishes option totals only, from which nobody could recompute a runoff
        if (o.type === 'ranked' && o.privacy === 'secret')
          throw new UserError('invalid_options', 'A ranked poll cannot be secret: its runoff could not be checked from the option totals a secret poll publishes. Choose privacy:hidden, or another type.');
        const closes = o.closes === undefined ? undefined : resolveTime(round, 'closes', o.closes, ctx.now());
        const moderator = await ctx.member();
        const key = await ctx.db.transaction().execute(async (trx) => {
          const { key, position } = await nextKey(trx, 'questions', round, 'q');
          const id = newId();
          await trx.insertInto('questions').values({ id, round_id: round.id, key, text: o.question, status: 'open', closes_at: closes?.toISOString() ?? null, position, type: o.type, privacy: o.privacy }).execute();
          await trx.insertInto('question_options').values(o.options.map((label, idx) => ({ question_id: id, idx, label }))).execute();
          await reputationSnapshotFalls(trx, { id: round.id, config: roundConfigOf(round) }, 'voting opens', ctx.now());
          if (closes) await trx.insertInto('jobs').values({ id: newId(), round_id: round.id, kind: 'poll_close', target: id, due_at: closes.toISOString(), done_at: null }).execute();
          await audit(trx, ctx, round, 'poll.opened', { key, question: o.question, options: o.options, closes: closes?.toISOString() ?? null, type: o.type, privacy: o.privacy }, moderator.id);
          return key;
        });
        return {
          blocks: [
            text(`Poll ${key}: ${o.question}${closes ? ` (closes ${formatInstant(closes, timeZoneOf(roundConfigOf(round)))}) — ${timeLeft(closes.getTime() - ctx.now().getTime())} left` : ''}`),
            pre(o.options.map((label, i) => `${i + 1}. ${label}`).join('\n')),
            text(`${HOW_TO_VOTE[o.type](key)} — you can change your vote until the poll closes.${PRIVACY_NOTE[o.privacy]}`),
          ],
          // an approval or ranked ballot is built privately, a tap at a time (/vote draft:true), then submitted
          choices: o.options.map((label, i) => ({ label, command: `/vote poll:${key} option:${i + 1} round:${round.key}${o.type === 'single' ? '' : ' draft:true'}` })),
          about: { kind: 'poll', round: round.key, key },
        };
      },
    }),

    close: defineAction({
      description: 'Close a poll now and post its tally',
      access: 'moderator',
      options: options({ poll: opt.poll, round: opt.round }),
      async run(ctx, o) {
        const round = await resolveRound(ctx, o.round);
        const poll = await resolvePoll(ctx.db, round, o.poll);
        const moderator = await ctx.member();
        const closed = await ctx.db.transaction().execute(async (trx) => {
          const closed = await closePoll(trx, round, poll.id, ctx.now());
          if (closed) await audit(trx, ctx, round, 'poll.closed', { key: poll.key }, moderator.id);
          return closed;
        });
        if (!closed) throw new UserError('poll_closed', `Poll ${poll.key} is already closed.`);
        return tallyReply(ctx.db, round, poll.key, `Poll ${poll.key} is closed. Final tally:`);
      },
    }),

    list: defineAction({
      description: 'List the polls of a round',
      access: 'member',
      options: options({ round: opt.round }),
      async run(ctx, o) {
        const round = await resolveRound(ctx, o.round);
        const polls = await ctx.db.selectFrom('questions').select(['key', 'text', 'status', 'closes_at']).where('round_id', '=', round.id).orderBy('position').execute();
        if (polls.length === 0) return reply(text(`Round ${round.key} has no polls yet.`));
        const zone = timeZoneOf(roundConfigOf(round));
        return reply(pre(polls.map((p) => `${p.key}  ${p.status.padEnd(6)} ${p.text}${p.closes_at && p.status === 'open' ? `  (closes ${formatInstant(new Date(p.closes_at), zone)})` : ''}`).join('\n')));
      },
    }),
  },
});
