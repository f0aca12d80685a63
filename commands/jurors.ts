import { z } from 'zod';
import { UserError } from '../src/commands/errors.ts';
import { defineAction, defineCommand, options } from '../src/commands/framework.ts';
import { pre, privateReply, reply, text } from '../src/commands/reply.ts';
import { opt, resolveMember } from '../src/commands/support.ts';
import { flaggedJurors } from '../src/core/pairwise/flags.ts';
import { excludeJuror } from '../src/db/pairwise.ts';
import { renderTable } from '../src/format/table.ts';
import { auditPairwise, pairwiseOption, pairwiseReportOf, resolvePairwise } from './pairwise.ts';

export default defineCommand({
  name: 'jurors',
  description: 'Moderators: how each juror of a Deep Funding round answers, and who looks messy',
  subcommands: {
    show: defineAction({
      description: 'Comparisons, residual, scale, cycles and best fit per juror, flagged jurors with why',
      access: 'moderator',
      options: options({ round: pairwiseOption }),
      async run(ctx, o) {
        const row = await resolvePairwise(ctx, o.round);
        const result = await pairwiseReportOf(ctx.db, row);
        if ('problem' in result) return privateReply(text(`No juror figures yet: ${result.problem}`));
        const { report } = result;
        const handles = new Map((await ctx.db.selectFrom('members').select(['key', 'handle']).where('community_id', '=', ctx.community.id).where('key', 'in', report.jurors.length ? report.jurors.map((j) => j.id) : ['']).execute()).map((m) => [m.key, m.handle]));
        const fig = (x: number | null, d: number) => (x === null ? '–' : x.toFixed(d));
        const rows = report.jurors.map((j) => [handles.get(j.id) ?? j.handle, String(j.comparisons), fig(j.residual, 3), fig(j.scale, 2), String(j.cycles), j.bestFit ?? '–']);
        const handleOf = new Map(report.jurors.map((j) => [j.id, handles.get(j.id) ?? j.handle]));
        const flagged = flaggedJurors(result.round, report).map((f) => `${handleOf.get(f.id)}: ${f.why.join('; ')}`);
        return privateReply(
          text(`Jurors of round ${row.key} (residual: against the fit of everyone else; scale above 1 exaggerates):`),
          pre(renderTable({ head: ['juror', 'compared', 'residual', 'scale', 'cycles', 'best fit'], rows, align: ['left', 'right', 'right', 'right', 'right', 'left'] })),
          text(flagged.length ? `Flagged:\n${flagged.join('\n')}\n/jurors exclude member:… takes a juror's comparisons out (recorded in the audit log).` : 'No juror is flagged.'),
        );
      },
    }),
    exclude: defineAction({
      description: "Take a juror's comparisons out of the round (recorded in the audit log)",
      access: 'moderator',
      options: options({ member: opt.member, reason: z.string().trim().max(300).optional().describe('Why, for the audit log'), round: pairwiseOption }),
      async run(ctx, o) {
        const row = await resolvePairwise(ctx, o.round);
        if (row.phase === 'closed') throw new UserError('wrong_phase', `Pairwise round ${row.key} is closed; its results stay as published.`);
        const juror = await resolveMember(ctx, o.member);
        const moderator = await ctx.member();
        const excluded = await ctx.db.transaction().execute(async (trx) => {
          const excluded = await excludeJuror(trx, row.id, juror.id, o.reason ?? null, ctx.now().toISOString());
          if (excluded) await auditPairwise(trx, ctx, row, 'juror.excluded', { juror: juror.key, reason: o.reason ?? null }, moderator);
          return excluded;
        });
        if (!excluded) throw new UserError('invalid_options', `${juror.handle}'s comparisons are out of round ${row.key} already.`);
        return reply(text(`${juror.handle}'s comparisons no longer count in round ${row.key}${o.reason ? ` (${o.reason})` : ''}.`));
      },
    }),
  },
});
