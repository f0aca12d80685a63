import { randomBytes } from 'node:crypto';
import { z } from 'zod';
import { defineAction, defineCommand, options } from '../src/commands/framework.ts';
import { UserError } from '../src/commands/errors.ts';
import { pre, privateReply, secretReply, text, type Reply } from '../src/commands/reply.ts';
import { ballotText } from '../src/core/ballots.ts';
import type { PollType } from '../src/core/types.ts';
import { enrollMembers, opt, requirePhase, resolvePoll, resolveRound } from '../src/commands/support.ts';
import { NO_TIER_FACTOR } from '../src/core/tiers.ts';
import { votingRulesOf } from '../src/core/config.ts';
import { votingPower } from '../src/core/voting.ts';
import { roundConfigOf } from '../src/db/repositories.ts';
import { ballotCommitment } from '../src/core/secret.ts';
import { memberStanding } from '../src/db/standings.ts';
import { formatNumber, formatUnits } from '../src/format/units.ts';
import { carriedWeightLines } from './delegate.ts';
import { delegatorsOf } from '../src/db/delegations.ts';

/** Option numbers from 1, as typed (`2`, `1,3`, `1 3`) or built by the buttons; `none` (no option yet) only in a draft. */
const optionNumbers = (error: string) =>
  z
    .union([z.number(), z.string()], { error })
    .transform((v) => String(v).trim())
    .pipe(z.string().regex(/^(none|\d+(\s*[,\s]\s*\d+)*)$/, error))
    .transform((v) => (v === 'none' ? [] : v.split(/[,\s]+/).map(Number)));

/** The options a member picked are options of the poll, each once, as many as its type takes. */
function checkPicked(poll: { key: string; options: string[] }, type: PollType, picked: readonly number[], casting: boolean): void {
  const outside = picked.find((n) => n < 1 || n > poll.options.length);
  if (outside !== undefined) throw new UserError('unknown_option', `Poll ${poll.key} has options 1 to ${poll.options.length}; ${outside} is not one of them.`);
  if (new Set(picked).size !== picked.length) throw new UserError('unknown_option', `Each option counts once: ${picked.join(',')} lists one twice.`);
  if (type === 'single' && picked.length !== 1) throw new UserError('unknown_option', `Poll ${poll.key} takes one option; give option:N.`);
  if (casting && picked.length === 0) throw new UserError('unknown_option', `Pick at least one option of ${poll.key}.`);
}

const ORDINAL = (n: number) => `${n}${n % 10 === 1 && n !== 11 ? 'st' : n % 10 === 2 && n !== 12 ? 'nd' : n % 10 === 3 && n !== 13 ? 'rd' : 'th'}`;

/** A ballot in words: `2. No`; approval `1. A, 3. C`; ranked `1st: 2. B, 2nd: 1. A`. */
function ballotWords(labels: readonly string[], type: PollType, ballot: readonly number[]): string {
  const option = (i: number) => `${i + 1}. ${labels[i]}`;
  return type === 'ranked' ? ballot.map((o, rank) => `${ORDINAL(rank + 1)}: ${option(o)}`).join(', ') : ballot.map(option).join(', ');
}

/**
 * The ballot built so far by the buttons of an approval or ranked poll, privately, with a button per option (approval:
 * tick or untick it; ranked: put it next, or take it out of the order) and Submit. The draft lives in the buttons'
 * commands, so nothing is stored until Submit casts it.
 */
function draftReply(poll: { key: string; options: string[]; privacy: string }, type: PollType, roundKey: string, draft: readonly number[]): Reply {
  const command = (numbers: readonly number[], { submit = false } = {}) => `/vote poll:${poll.key} option:${numbers.length > 0 ? numbers.join(',') : 'none'} round:${roundKey}${submit ? '' : ' draft:true'}`;
  const toggled = (n: number) => (draft.includes(n) ? draft.filter((x) => x !== n) : [...draft, n]);
  const mark = (n: number) => (type === 'ranked' ? (draft.includes(n) ? ` (${ORDINAL(draft.indexOf(n) + 1)})` : '') : draft.includes(n) ? ' ✓' : '');
  const sofar = draft.length === 0 ? 'nothing yet' : ballotWords(poll.options, type, draft.map((n) => n - 1));
  // a secret ballot being built is never shown in the group, even as a fallback, as its receipt is not
  return {
    ...(poll.privacy === 'secret' ? secretReply : privateReply)(
      text(`Your ballot on ${poll.key} so far: ${sofar}.`),
      text(type === 'ranked' ? 'Tap the options in your order, best first (tap a ranked one to take it out), then Submit.' : 'Tap the options you approve (tap again to untick), then Submit.'),
    ),
    choices: [
      ...poll.options.map((label, i) => ({ label: `${label}${mark(i + 1)}`, command: command(toggled(i + 1)) })),
      ...(draft.length > 0 ? [{ label: 'Submit', command: command(draft, { submit: true }) }] : []),
    ],
  };
}

/** An address as a receipt names it: enough of both ends to recognise it. */
const shortAddress = (address: string) => (address.length > 20 ? `${address.slice(0, 10)}…${address.slice(-6)}` : address);

export default defineCommand({
  name: 'vote',
  description: 'Vote in an open poll; you may change your vote until it closes',
  action: defineAction({
    description: 'Vote in an open poll',
    access: 'member',
    options: options({
      poll: opt.poll,
      option: optionNumbers('option is the number of an answer, such as 1').describe('Number of the option, such as 1; approval: those you approve (1,3); ranked: your order (2,1,3)'),
      round: opt.round,
      // the ballot buttons of an approval or ranked poll build the ballot a tap at a time; Submit casts it
      draft: opt.flag.describe('Show this ballot with its buttons to build it on, without casting it'),
    }),
    async run(ctx, o) {
      const round = await resolveRound(ctx, o.round);
      requirePhase(round, ['draft', 'proposals', 'voting'], 'voting');
      // What does not wait on another's answer is asked at once: on PostgreSQL each is a round trip, in parallel on the
      // pool's connections (a vote waits for 6 in a row rather than 10; SQLite answers each at once anyway).
      const [poll, member] = await Promise.all([resolvePoll(ctx.db, round, o.poll), ctx.member()]);
      if (poll.status !== 'open') throw new UserError('poll_closed', `Poll ${poll.key} is closed; votes are no longer accepted.`);
      const type = poll.type as PollType;
      const drafting = o.draft === true && type !== 'single';
      checkPicked(poll, type, o.option, !drafting);
      if (drafting) return draftReply(poll, type, round.key, o.option);
      const ballot = o.option.map((n) => n - 1);
      // The member's wallets, each with its balance in the round looked up by the primary key (round, wallet): joined,
      // or through a subquery in the where clause, SQLite's or PostgreSQL's planner walks every balance of the round (up
      // to 250 ms a vote on PostgreSQL at 100,000 members); one query, a round trip less than two. Beside it, those whose
      // delegation to the voter covers the round (delegatorsOf), whom the vote enrolls with the voter.
      const [held, delegators] = await Promise.all([
        ctx.db
          .selectFrom('wallets')
          .select(['wallets.id', 'wallets.chain', 'wallets.address', (eb) => eb.selectFrom('balances').select('balances.balance').where('balances.round_id', '=', round.id).whereRef('balances.wallet_id', '=', 'wallets.id').as('balance')])
          .where('wallets.member_id', '=', member.id)
          .orderBy('wallets.id')
          .execute(),
        delegatorsOf(ctx.db, round, member.id),
      ]);
      const balances = held.flatMap((w) => (w.balance === null ? [] : [{ ...w, balance: w.balance }]));
      if (balances.length === 0)
        throw new UserError(
          'no_wallet',
          // The testing shortcut is for moderators; members are only shown the real way.
          `To vote you need a verified wallet holding tokens at the round's snapshot. Link one with /verify${ctx.actor.isModerator ? ' (for testing, a moderator can add one with /wallet add … unverified:true)' : ''}.`,
        );
      if (balances.every((b) => BigInt(b.balance) === 0n))
        throw new UserError('no_tokens', `Your wallets held no tokens at the snapshot of round ${round.key}, so there is no vote to count.`);
      await enrollMembers(ctx.db, round, [member.id, ...delegators], ctx.now());
      // a secret ballot's salt is in this receipt only: with it the voter finds their commitment in the public file
      const salt = poll.privacy === 'secret' ? randomBytes(32).toString('hex') : undefined;
      // the receipt's tier beside the write: a vote moves no tier (memberStanding reads the standings version)
      const [standing] = await Promise.all([
        memberStanding(ctx.db, round.id, member.key),
        ctx.votes.cast({ roundId: round.id, questionId: poll.id, memberId: member.id, option: ballot[0]!, ...(type !== 'single' && { ballot }), castAt: ctx.now().toISOString(), ...(salt && { salt }) }),
      ]);
      const config = roundConfigOf(round);
      const power = votingPower(balances.map((b) => BigInt(b.balance)), votingRulesOf(config), standing?.factor ?? NO_TIER_FACTOR);
      const tier = standing?.tier ?? null;
      // Each wallet counted, with its chain (CAIP-2): a member's tokens on every chain add up before the square root.
      const counted = balances.map((b) => `  ${b.chain} ${shortAddress(b.address)}  ${formatUnits(BigInt(b.balance), config.token.decimals)}`);
      // a secret ballot's receipt names the choice beside its salt: it is never shown in the group, even as a fallback
      return (salt ? secretReply : privateReply)(
        text(`Your vote on ${poll.key} is recorded: ${ballotWords(poll.options, type, ballot)}`),
        pre(
          [
            `tokens at snapshot  ${formatUnits(power.tokens, config.token.decimals)} ${config.token.symbol}`,
            ...counted,
            `square root         ${formatNumber(power.quadratic, 4)}`,
            `tier                ${tier ?? 'none'} (factor ${power.factor})`,
            `weight              ${formatNumber(power.weight, 4)}`,
          ].join('\n'),
        ),
        ...(await carriedWeightLines(ctx.db, round, delegators, poll)),
        text('You can change it until the poll closes; the last vote counts.'),
        ...(salt
          ? [
              text(`Secret ballot: keep these to check, in the round file after the close, that your ballot was counted as cast (the commitment is sha256 of your member key ${member.key}, your choice ${ballotText(ballot)} and the salt, one after the other).`),
              pre(`salt        ${salt}\ncommitment  ${ballotCommitment(member.key, ballot, salt)}`),
            ]
          : []),
      );
    },
  }),
});
