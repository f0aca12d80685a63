import { z } from 'zod';
import type { CommandContext } from '../src/commands/context.ts';
import { UserError } from '../src/commands/errors.ts';
import { defineAction, defineCommand, options } from '../src/commands/framework.ts';
import { privateReply, text, type Reply } from '../src/commands/reply.ts';
import { opt } from '../src/commands/support.ts';
import { nextPairs, samplerState, type Pair } from '../src/core/pairwise/sampler.ts';
import type { PairwiseConfig, Winner } from '../src/core/pairwise/types.ts';
import {
  addSkip,
  answersOf,
  countedAnswers,
  isExcluded,
  othersPending,
  pairKey,
  pairwiseConfigOf,
  pendingOf,
  projectsOf,
  recordAnswer,
  samplerRound,
  setPending,
  skipsOf,
  type ProjectRow,
} from '../src/db/pairwise.ts';
import type { MemberRow, PairwiseRoundRow } from '../src/db/schema.ts';
import { judgingRefusal, pairwiseOption, resolvePairwise, wantedOf } from './pairwise.ts';

/** A pair handed out and not answered counts as pending for this long; after that it is free for others again. */
const PENDING_MS = 30 * 60_000;

const times = (r: number) => `${r}×`;

interface Judging {
  ctx: CommandContext;
  row: PairwiseRoundRow;
  config: PairwiseConfig;
  member: MemberRow;
  projects: Map<string, ProjectRow>;
}

/** "You made N comparisons; the round wants M more." */
async function progress(j: Judging): Promise<string> {
  const made = await answersOf(j.ctx.db, j.row.id, j.member.id);
  const still = Math.max(0, wantedOf(j.row, j.projects.size) - (await countedAnswers(j.ctx.db, j.row.id)));
  return `You have made ${made} comparison${made === 1 ? '' : 's'}; the round still wants ${still}.`;
}

const askedAbout = (j: Judging, pair: Pair) => {
  const parent = j.projects.get(pair.a)!.parent_key;
  return parent === null ? j.row.root : j.projects.get(parent)!.name;
};
const shown = (p: ProjectRow) => (p.url ? `${p.name} — ${p.url}` : p.name);
const base = (j: Judging, pair: Pair) => `/judge round:${j.row.key} a:${pair.a} b:${pair.b}`;
const stopAndSkip = (j: Judging, pair: Pair) => [
  { label: 'Skip', command: `${base(j, pair)} skip:true` },
  { label: 'Stop', command: `${base(j, pair)} stop:true` },
];

/** "Which mattered more to X?" with the two projects in the order the sampler gave, never with any weight. */
async function question(j: Judging, pair: Pair, before: string[] = []): Promise<Reply> {
  const [a, b] = [j.projects.get(pair.a)!, j.projects.get(pair.b)!];
  return {
    ...privateReply(
      ...before.map((line) => text(line)),
      text(`Which mattered more to ${askedAbout(j, pair)}?\nA: ${shown(a)}\nB: ${shown(b)}`),
      text(`${await progress(j)} To say why, answer by typing ${base(j, pair)} pick:a${j.config.elicitation === 'ratio' ? ' ratio:2' : ''} reason:"…".`),
    ),
    choices: [
      { label: a.name, command: `${base(j, pair)} pick:a` },
      { label: b.name, command: `${base(j, pair)} pick:b` },
      { label: 'About equal', command: `${base(j, pair)} pick:equal` },
      ...stopAndSkip(j, pair),
    ],
  };
}

function ratioQuestion(j: Judging, pair: Pair, pick: 'a' | 'b'): Reply {
  const [winner, loser] = pick === 'a' ? [pair.a, pair.b] : [pair.b, pair.a];
  return {
    ...privateReply(text(`How many times more did ${j.projects.get(winner)!.name} matter to ${askedAbout(j, pair)} than ${j.projects.get(loser)!.name}?${j.config.typedRatios ? ` (Or type ${base(j, pair)} pick:${pick} ratio:N, any N ≥ 1.)` : ''}`)),
    choices: [...j.config.ratios.map((r) => ({ label: times(r), command: `${base(j, pair)} pick:${pick} ratio:${r}` })), ...stopAndSkip(j, pair)],
  };
}

/**
 * The juror's next pair, chosen by the engine's sampler on the round as its file replays (so `govbot pairwise next` on
 * the export gives the same pair; the round is read from its rows as the file is written, only the new answers when
 * the last read is kept, and the sampler's last fit is reused between answers), with the pairs handed to other jurors counted as pending; pairs this juror skipped
 * are passed over. Handed out as the juror's pending pair.
 */
async function nextQuestion(j: Judging, before: string[]): Promise<Reply> {
  const { db } = j.ctx;
  const now = j.ctx.now();
  const round = await samplerRound(db, j.row, j.ctx.judging);
  const others = await othersPending(db, j.row.id, j.member.id, new Date(now.getTime() - PENDING_MS).toISOString());
  const skipped = await skipsOf(db, j.row.id, j.member.id);
  const pair = nextPairs(samplerState(round, others, j.ctx.judging && { cache: j.ctx.judging.fits }), j.member.key, skipped.size + 1).find((p) => !skipped.has(pairKey(p.a, p.b)));
  if (!pair) {
    await setPending(db, j.row.id, j.member.id, null, now.toISOString());
    return privateReply(...before.map((line) => text(line)), text(`You have compared every pair of round ${j.row.key} you can; thank you! ${await progress(j)}`));
  }
  await setPending(db, j.row.id, j.member.id, pair, now.toISOString());
  return question(j, pair, before);
}

/** What an answer said, in words. */
function said(j: Judging, pair: Pair, winner: Winner, ratio: number | null): string {
  const name = (id: string) => j.projects.get(id)!.name;
  if (winner === 'equal') return `${name(pair.a)} and ${name(pair.b)} mattered about equally`;
  const [w, l] = winner === 'a' ? [pair.a, pair.b] : [pair.b, pair.a];
  return `${name(w)} mattered more than ${name(l)}${ratio === null ? '' : `, ${times(ratio)}`}`;
}

export default defineCommand({
  name: 'judge',
  description: 'Compare projects of a Deep Funding round pair by pair (privately)',
  action: defineAction({
    description: 'Get your next pair, or answer the one you were shown',
    access: 'member',
    options: options({
      round: pairwiseOption,
      a: z.string().min(1).max(64).optional().describe('The first project shown'),
      b: z.string().min(1).max(64).optional().describe('The second project shown'),
      pick: z.enum(['a', 'b', 'equal']).optional().describe('Which mattered more: a, b, or equal'),
      ratio: z.coerce.number({ error: 'ratio is a number, such as 3' }).min(1).max(1e6).optional().describe('How many times more, such as 3'),
      reason: z.string().trim().min(1).max(300).optional().describe('Why, in one line (optional)'),
      skip: opt.flag.describe('Skip this pair'),
      stop: opt.flag.describe('Stop judging for now'),
    }).refine((o) => (o.a === undefined) === (o.b === undefined), 'give both a: and b: (the pair you were shown), or neither'),
    async run(ctx, o) {
      const row = await resolvePairwise(ctx, o.round);
      if (row.phase !== 'open') throw new UserError('wrong_phase', row.phase === 'closed' ? `Pairwise round ${row.key} is closed; thank you for judging.` : `Pairwise round ${row.key} is not open for judging yet.`);
      const member = await ctx.member();
      const refusal = await judgingRefusal(ctx.db, row, member, ctx.actor);
      if (refusal) throw new UserError('not_juror', refusal);
      if (await isExcluded(ctx.db, row.id, member.id)) throw new UserError('not_juror', `A moderator took your comparisons out of round ${row.key}; ask them why.`);
      const j: Judging = { ctx, row, config: pairwiseConfigOf(row), member, projects: new Map((await projectsOf(ctx.db, row.id)).map((p) => [p.key, p])) };
      const now = ctx.now().toISOString();
      const pending = await pendingOf(ctx.db, row.id, member.id);

      if (o.a === undefined || o.b === undefined) {
        const fresh = pending && Date.parse(pending.shown_at) > ctx.now().getTime() - PENDING_MS;
        return fresh ? question(j, pending) : nextQuestion(j, [`Round ${row.key} "${row.name}".`]);
      }
      const pair = { a: o.a, b: o.b };
      for (const id of [o.a, o.b]) if (!j.projects.has(id)) throw new UserError('invalid_options', `There is no project "${id}" in round ${row.key}.`);
      const isPending = pending?.a === pair.a && pending.b === pair.b;
      const answered = await ctx.db
        .selectFrom('pairwise_comparisons')
        .select('id')
        .where('round_id', '=', row.id)
        .where('juror_id', '=', member.id)
        .where('a', '=', pair.a)
        .where('b', '=', pair.b)
        .executeTakeFirst();
      if (!isPending && !answered) throw new UserError('invalid_options', `You were not asked about ${o.a} and ${o.b} (or that question expired): /judge shows your current pair.`);

      if (o.stop) {
        if (isPending) await setPending(ctx.db, row.id, member.id, null, now);
        return privateReply(text(`Stopped. ${await progress(j)} Type /judge round:${row.key} to go on.`));
      }
      if (o.skip) {
        await addSkip(ctx.db, row.id, member.id, pair, now);
        return nextQuestion(j, ['Skipped; you will not be asked that pair again.']);
      }
      if (!o.pick) return question(j, pair);
      if (o.pick !== 'equal' && j.config.elicitation === 'ratio' && o.ratio === undefined) return ratioQuestion(j, pair, o.pick);
      let ratio: number | null = null;
      if (j.config.elicitation === 'ratio') {
        ratio = o.pick === 'equal' ? 1 : o.ratio!;
        if (o.pick !== 'equal' && !(j.config.typedRatios ? ratio > 1 : j.config.ratios.includes(ratio)))
          throw new UserError('invalid_options', j.config.typedRatios ? 'ratio: more than 1 (or pick:equal).' : `ratio: one of ${j.config.ratios.join(', ')}.`);
      }
      const outcome = await ctx.db.transaction().execute(async (trx) => {
        const outcome = await recordAnswer(trx, row.id, member.id, { ...pair, winner: o.pick!, ratio, reason: o.reason ?? null }, now);
        if (isPending) await setPending(trx, row.id, member.id, null, now);
        return outcome;
      });
      const heading = { new: 'Recorded', changed: 'Changed your answer', same: 'Already recorded' }[outcome];
      // A tap on an old question (a changed mind, a repeated tap) leaves the pair the juror is on where it is.
      if (!isPending && pending) return question(j, pending, [`${heading}: ${said(j, pair, o.pick, ratio)}.`]);
      return nextQuestion(j, [`${heading}: ${said(j, pair, o.pick, ratio)}.`]);
    },
  }),
});
