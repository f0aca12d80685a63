import { defineAction, defineCommand, options } from '../src/commands/framework.ts';
import { UserError } from '../src/commands/errors.ts';
import { pre, privateReply, reply, text } from '../src/commands/reply.ts';
import { audit, opt, resolveRound, roundReport } from '../src/commands/support.ts';
import { renderRewards, renderSplit } from '../src/format/report.ts';
import { formatInstant } from '../src/format/time.ts';
import { formatTokens } from '../src/format/units.ts';
import { rewardsChart, rewardsViewChart } from '../src/charts/attachments.ts';
import { timeZoneOf } from '../src/core/config.ts';
import type { RoundReport } from '../src/core/report.ts';
import type { RewardsView } from '../src/core/standings-state.ts';
import { rewardsOf } from '../src/db/standings.ts';
import { roundConfigOf } from '../src/db/repositories.ts';
import { publishedRewards, storePublishedRewards, type PublishedRewards } from '../src/db/rewards.ts';
import type { RoundRow } from '../src/db/schema.ts';

/** Members shown by name in a summary of changes; the rest are counted. */
const SHOWN_CHANGES = 10;

/** How the split as it stands differs from the published one, member by member; empty when it is the same. */
function changesSince(published: PublishedRewards, report: RoundReport): string[] {
  const before = new Map(published.amounts.map((a) => [a.member, a.amount]));
  const now = new Map(report.rewards.amounts.map((a) => [a.member, a.amount]));
  const handle = new Map([...published.amounts.map((a) => [a.member, a.handle] as const), ...report.members.map((m) => [m.id, m.handle] as const)]);
  const { decimals } = report.token;
  const changes = [...new Set([...before.keys(), ...now.keys()])]
    .filter((member) => (before.get(member) ?? 0n) !== (now.get(member) ?? 0n))
    .map((member) => `${handle.get(member) ?? member} ${formatTokens(before.get(member) ?? 0n, decimals)} → ${formatTokens(now.get(member) ?? 0n, decimals)}`);
  if (published.undistributed !== report.rewards.undistributed) changes.push(`undistributed ${formatTokens(published.undistributed, decimals)} → ${formatTokens(report.rewards.undistributed, decimals)}`);
  return changes;
}

/** Recipients /rewards preview lists before the split is published (as many as its chart shows); /export rewards has all. */
const SHOWN_RECIPIENTS = 40;

/** The split as the standings thread sends it: the totals, the first recipients, and the asking member's line. */
function renderRewardsView(view: RewardsView): string {
  const lines = [renderSplit({ ...view, amounts: view.top }, view.token)];
  const more = view.recipients - view.top.length;
  if (more > 0) lines.push(`… and ${more} more recipient${more === 1 ? '' : 's'}; /export rewards lists every amount.`);
  if (view.own && view.own.place > view.top.length) lines.push(`You: ${view.own.place}. of ${view.recipients}, ${formatTokens(view.own.amount, view.token.decimals)} ${view.token.symbol}.`);
  return lines.join('\n');
}

const summary = (changes: string[]) => changes.slice(0, SHOWN_CHANGES).join(', ') + (changes.length > SHOWN_CHANGES ? ` and ${changes.length - SHOWN_CHANGES} more` : '');

function publishedHeading(round: RoundRow, published: PublishedRewards): string {
  const by = published.publishedBy ? ` by ${published.publishedBy.handle}` : '';
  return `Published rewards of round ${round.key} (version ${published.version}, ${formatInstant(new Date(published.publishedAt), timeZoneOf(roundConfigOf(round)))}${by}; rules ${published.rulesHash.slice(0, 12)}):`;
}

export default defineCommand({
  name: 'rewards',
  description: 'Preview or publish the split of the reward pool',
  subcommands: {
    preview: defineAction({
      description: 'See the split as it stands, privately, and the published one if there is one',
      access: 'moderator',
      options: options({ round: opt.round }),
      async run(ctx, o) {
        const round = await resolveRound(ctx, o.round);
        const published = await publishedRewards(ctx.db, round.id);
        if (!published) {
          // only what is shown is sent by the standings thread, which splits the pool once per version
          const view = await rewardsOf(ctx.db, round.id, SHOWN_RECIPIENTS, (await ctx.member()).key);
          return { ...privateReply(text('Not published yet.'), pre(renderRewardsView(view))), title: `Reward preview of round ${round.key}`, attachments: [await rewardsViewChart(view)] };
        }
        // set against the published split member by member: the whole split
        const report = await roundReport(ctx.db, round);
        const changes = changesSince(published, report);
        const blocks = [text('As it stands now:'), pre(renderRewards(report)), text(publishedHeading(round, published)), pre(renderSplit(published, published.config.token))];
        blocks.push(
          text(
            changes.length
              ? `The split has changed since it was published (${summary(changes)}); the published split stays until a moderator replaces it with /rewards publish republish:true.`
              : 'The split as it stands is the published one.',
          ),
        );
        return { ...privateReply(...blocks), title: `Reward preview of round ${round.key}`, attachments: [await rewardsChart(report)] };
      },
    }),
    publish: defineAction({
      description: 'Publish the split to the community and record it; published means final',
      access: 'moderator',
      options: options({
        republish: opt.flag.describe('Replace a split published before with the split as it stands (recorded and announced)'),
        round: opt.round,
      }),
      async run(ctx, o) {
        const round = await resolveRound(ctx, o.round);
        const report = await roundReport(ctx.db, round);
        const previous = await publishedRewards(ctx.db, round.id);
        const changes = previous ? changesSince(previous, report) : [];
        if (previous && changes.length === 0)
          return privateReply(text(`${publishedHeading(round, previous)} unchanged, so there is nothing to publish again.`), pre(renderSplit(previous, previous.config.token)));
        if (previous && !o.republish)
          throw new UserError(
            'rewards_published',
            `The rewards of round ${round.key} are published (version ${previous.version}), and the split has changed since: ${summary(changes)}. Published means final; to replace it, /rewards publish republish:true (recorded and announced).`,
          );
        const moderator = await ctx.member();
        const config = roundConfigOf(round);
        const version = await ctx.db.transaction().execute(async (trx) => {
          const version = await storePublishedRewards(trx, round, { report, config }, { memberId: moderator.id, at: ctx.now() });
          await audit(trx, ctx, round, previous ? 'rewards.republished' : 'rewards.published', {
            version,
            ...(previous && { replaces: previous.version, changes }),
            pool: report.rewards.pool.toString(),
            amounts: report.rewards.amounts.map((a) => ({ member: a.member, amount: a.amount.toString() })),
          }, moderator.id);
          return version;
        });
        const title = previous ? `Rewards of round ${round.key}, republished` : `Rewards of round ${round.key}, published (final)`;
        const note = previous ? [text(`By ${moderator.handle}: version ${version}, replacing version ${previous.version}; changed: ${summary(changes)}.`)] : [];
        return { ...reply(...note, pre(renderRewards(report))), title, attachments: [await rewardsChart(report)] };
      },
    }),
  },
});
