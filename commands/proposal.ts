import { z } from 'zod';
import { defineAction, defineCommand, options } from '../src/commands/framework.ts';
import { UserError } from '../src/commands/errors.ts';
import { pre, reply, text } from '../src/commands/reply.ts';
import { audit, enroll, newId, nextKey, opt, requirePhase, resolveRound } from '../src/commands/support.ts';
import type { Executor } from '../src/db/repositories.ts';
import type { RoundRow } from '../src/db/schema.ts';
import { clip } from '../src/format/cut.ts';
import { proposalUrl } from '../src/web/proposal.ts';

/** How much of a proposal's text its post shows; a phone screen or two. */
const POST_TEXT_LIMIT = 700;

/** How members comment on and rate a proposal where its post is: Telegram by replying, Discord in its thread. */
const HOW_TO_TAKE_PART: Record<string, (key: string) => string> = {
  telegram: () => 'Reply to this message to comment on it; reply with /rate stars:1-5 to rate it.',
  discord: () => 'Write in this thread to comment on it; /rate stars:1-5 in the thread rates it.',
  console: (key) => `Comment with /comment proposal:${key} text:…; rate with /rate proposal:${key} stars:1-5.`,
};

export async function resolveProposal(db: Executor, round: RoundRow, key: string) {
  const p = await db
    .selectFrom('proposals')
    .innerJoin('members', 'members.id', 'proposals.author_id')
    .select(['proposals.id', 'proposals.key', 'proposals.title', 'proposals.text', 'proposals.author_id', 'members.handle as author'])
    .where('proposals.round_id', '=', round.id)
    .where('proposals.key', '=', key)
    .executeTakeFirst();
  if (!p) throw new UserError('unknown_proposal', `There is no proposal "${key}" in round ${round.key}. /proposal list shows them.`);
  return p;
}

export default defineCommand({
  name: 'proposal',
  description: 'Submit, list and read proposals',
  subcommands: {
    submit: defineAction({
      description: 'Submit a proposal',
      access: 'member',
      form: ['title', 'text'],
      options: options({
        title: z.string().trim().min(3).max(300).describe('Title of the proposal'),
        text: z.string().trim().min(1).max(20_000).describe('What you propose, and why'),
        round: opt.round,
      }),
      async run(ctx, o) {
        const round = await resolveRound(ctx, o.round);
        requirePhase(round, ['draft', 'proposals'], 'submitting a proposal');
        const member = await ctx.member();
        const key = await ctx.db.transaction().execute(async (trx) => {
          const { key, position } = await nextKey(trx, 'proposals', round, 'p');
          await enroll(trx, round, member, ctx.now());
          await trx.insertInto('proposals').values({ id: newId(), round_id: round.id, key, author_id: member.id, title: o.title, text: o.text, created_at: ctx.now().toISOString(), position }).execute();
          await audit(trx, ctx, round, 'proposal.submitted', { key, title: o.title }, member.id);
          return key;
        });
        const shown = clip(o.text, POST_TEXT_LIMIT, { ellipsis: '…' });
        return {
          ...reply(
            text(`by ${member.handle}, in round ${round.key}`),
            text(shown),
            ...(shown === o.text ? [] : [text(`The whole text: /proposal show proposal:${key}${ctx.publicUrl ? `, or ${proposalUrl(ctx.publicUrl, round, key)}` : ''}`)]),
            text((HOW_TO_TAKE_PART[ctx.actor.platform] ?? HOW_TO_TAKE_PART['console']!)(key)),
          ),
          title: `Proposal ${key}: ${o.title}`,
          about: { kind: 'proposal', round: round.key, key, title: o.title },
        };
      },
    }),

    list: defineAction({
      description: 'List the proposals of a round',
      access: 'member',
      options: options({ round: opt.round }),
      async run(ctx, o) {
        const round = await resolveRound(ctx, o.round);
        const rows = await ctx.db
          .selectFrom('proposals')
          .innerJoin('members', 'members.id', 'proposals.author_id')
          .select(['proposals.key', 'proposals.title', 'members.handle'])
          .where('proposals.round_id', '=', round.id)
          .orderBy('proposals.position')
          .execute();
        if (rows.length === 0) return reply(text(`Round ${round.key} has no proposals yet.`));
        return reply(pre(rows.map((p) => `${p.key.padEnd(5)} ${p.title}  — ${p.handle}`).join('\n')));
      },
    }),

    show: defineAction({
      description: 'Read one proposal with its ratings and comments',
      access: 'member',
      options: options({ proposal: opt.proposal, round: opt.round }),
      async run(ctx, o) {
        const round = await resolveRound(ctx, o.round);
        const p = await resolveProposal(ctx.db, round, o.proposal);
        const [ratings, comments] = await Promise.all([
          ctx.db.selectFrom('ratings').select((eb) => [eb.fn.countAll<number>().as('n'), eb.fn.avg<number>('stars').as('avg')]).where('proposal_id', '=', p.id).executeTakeFirst(),
          ctx.db.selectFrom('comments').select((eb) => eb.fn.countAll<number>().as('n')).where('proposal_id', '=', p.id).executeTakeFirst(),
        ]);
        const n = Number(ratings?.n ?? 0);
        return reply(
          text(`${p.key}: ${p.title} — by ${p.author}`),
          text(p.text ?? ''),
          text(`${n ? `Rated ${Number(ratings!.avg).toFixed(1)}/5 by ${n}` : 'Not rated yet'}; ${Number(comments?.n ?? 0)} comments.`),
        );
      },
    }),
  },
});
