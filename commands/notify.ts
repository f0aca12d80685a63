import { z } from 'zod';
import { defineAction, defineCommand, options } from '../src/commands/framework.ts';
import { encodeReply, privateReply, text, type Reply } from '../src/commands/reply.ts';
import { audit } from '../src/commands/support.ts';
import { timeZoneOf } from '../src/core/config.ts';
import { oweMessages, type NewOwed } from '../src/db/outbox.ts';
import { roundConfigOf, type Executor } from '../src/db/repositories.ts';
import { formatInstant } from '../src/format/time.ts';

/** Hours before a poll closes that its reminders go, when the round's config does not say (voting.reminderHours). */
export const DEFAULT_REMINDER_HOURS = 24;

export default defineCommand({
  name: 'notify',
  description: 'Turn off (or back on) the private reminders to vote before a poll closes',
  action: defineAction({
    description: 'Reminders to vote: off or on',
    access: 'member',
    positional: 'reminders',
    options: options({ reminders: z.enum(['off', 'on'], { error: 'write /notify off or /notify on' }).describe('off or on (reminders are on unless you turn them off)') }),
    async run(ctx, o) {
      const member = await ctx.member();
      await ctx.db.transaction().execute(async (trx) => {
        if (o.reminders === 'off')
          await trx.insertInto('reminder_opt_outs').values({ member_id: member.id, at: ctx.now().toISOString() }).onConflict((oc) => oc.column('member_id').doNothing()).execute();
        else await trx.deleteFrom('reminder_opt_outs').where('member_id', '=', member.id).execute();
        await audit(trx, ctx, null, 'member.notify', { member: member.key, reminders: o.reminders }, member.id);
      });
      return privateReply(
        text(o.reminders === 'off' ? 'No more reminders to vote from me here. /notify on turns them back on.' : 'I will remind you privately before a poll closes if you have not voted. /notify off stops it.'),
      );
    },
  }),
});

/** "3 days", "5 h", "40 min": how long until a poll closes, as a reminder says it. */
export function timeLeft(ms: number): string {
  const minutes = Math.max(1, Math.round(ms / 60_000));
  if (minutes < 90) return `${minutes} min`;
  const hours = Math.round(minutes / 60);
  return hours < 48 ? `${hours} h` : `${Math.round(hours / 24)} days`;
}

/** Open polls with a closing time whose reminders are due (their round's reminder time before it) and not yet owed. */
export async function pollsToRemind(db: Executor, now: Date): Promise<string[]> {
  const open = await db
    .selectFrom('questions')
    .innerJoin('rounds', 'rounds.id', 'questions.round_id')
    .select(['questions.id', 'questions.closes_at', 'rounds.config'])
    .where('questions.status', '=', 'open')
    .where('questions.closes_at', '>', now.toISOString())
    .where(({ not, exists, selectFrom }) => not(exists(selectFrom('poll_reminders').select('question_id').whereRef('poll_reminders.question_id', '=', 'questions.id'))))
    .execute();
  return open
    .filter((q) => {
      const hours = roundConfigOf(q).voting.reminderHours ?? DEFAULT_REMINDER_HOURS;
      return hours > 0 && Date.parse(q.closes_at!) - hours * 3_600_000 <= now.getTime();
    })
    .map((q) => q.id);
}

/**
 * Owes a poll's reminders in the caller's transaction, marking them owed there, so each goes once even across
 * restarts and processes: one to the channel, and one privately to each member of the round who holds tokens at its
 * snapshot, has not voted and has not said /notify off. A private reminder is never shown in the group instead
 * (`privateOnly`): a member the platform will not let the bot write to (on Telegram, one who never pressed Start)
 * gets nothing, which the outbox logs once. Returns how many were owed; 0 when another process owed them first.
 */
export async function oweReminders(db: Executor, questionId: string, now: Date): Promise<number> {
  const marked = await db.insertInto('poll_reminders').values({ question_id: questionId, sent_at: now.toISOString() }).onConflict((oc) => oc.column('question_id').doNothing()).executeTakeFirst();
  if (marked.numInsertedOrUpdatedRows === 0n) return 0;
  const poll = await db
    .selectFrom('questions')
    .innerJoin('rounds', 'rounds.id', 'questions.round_id')
    .innerJoin('communities', 'communities.id', 'rounds.community_id')
    .select(['questions.id', 'questions.key', 'questions.text', 'questions.closes_at', 'rounds.id as round_id', 'rounds.key as round_key', 'rounds.config', 'communities.id as community_id', 'communities.platform'])
    .where('questions.id', '=', questionId)
    .executeTakeFirstOrThrow();
  const accounts = await db
    .selectFrom('round_members as rm')
    .innerJoin('member_accounts as a', (j) => j.onRef('a.member_id', '=', 'rm.member_id').on('a.community_id', '=', poll.community_id).on('a.platform', '=', poll.platform))
    .select('a.platform_user_id')
    .where('rm.round_id', '=', poll.round_id)
    .where(({ exists, selectFrom }) =>
      exists(selectFrom('balances').innerJoin('wallets', 'wallets.id', 'balances.wallet_id').select('balances.wallet_id').where('balances.round_id', '=', poll.round_id).whereRef('wallets.member_id', '=', 'rm.member_id').where('balances.balance', '!=', '0')),
    )
    .where(({ not, exists, selectFrom }) => not(exists(selectFrom('vote_choices').select('member_id').where('vote_choices.question_id', '=', questionId).whereRef('vote_choices.member_id', '=', 'rm.member_id'))))
    .where(({ not, exists, selectFrom }) => not(exists(selectFrom('reminder_opt_outs').select('member_id').whereRef('reminder_opt_outs.member_id', '=', 'rm.member_id'))))
    .orderBy('a.platform_user_id')
    .execute();
  const voted = await db.selectFrom('vote_choices').select((eb) => eb.fn.countAll<number | string>().as('n')).where('question_id', '=', questionId).executeTakeFirstOrThrow();
  const closes = new Date(poll.closes_at!);
  const when = `in ${timeLeft(closes.getTime() - now.getTime())}, at ${formatInstant(closes, timeZoneOf(roundConfigOf(poll)))},`;
  const about: Reply['about'] = { kind: 'round', round: poll.round_key, key: poll.round_key };
  const voters = Number(voted.n);
  const channel: Reply = {
    blocks: [text(`Poll ${poll.key} closes ${when} and ${voters} member${voters === 1 ? ' has' : 's have'} voted so far: ${poll.text}\nVote with /vote poll:${poll.key} option:N.`)],
    about,
  };
  const reminder = privateReply(text(`Reminder: poll ${poll.key} of round ${poll.round_key} closes ${when} and you have not voted: ${poll.text}\nVote with /vote poll:${poll.key} option:N. /notify off stops these reminders.`));
  const owe = (target: object, reply: Reply): NewOwed => ({ communityId: poll.community_id, platform: poll.platform, target: JSON.stringify(target), reply: encodeReply(reply) });
  await oweMessages(db, [owe({ kind: 'announce' }, channel), ...accounts.map((a) => owe({ kind: 'tell', userId: a.platform_user_id, privateOnly: true }, reminder))], now);
  return 1 + accounts.length;
}
