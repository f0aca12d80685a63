import { defineAction, defineCommand, options } from '../src/commands/framework.ts';
import { UserError } from '../src/commands/errors.ts';
import { pre, privateReply, reply, text } from '../src/commands/reply.ts';
import { audit, opt, resolveRound } from '../src/commands/support.ts';
import { renderSplit } from '../src/format/report.ts';
import { formatInstant } from '../src/format/time.ts';
import { formatTokens } from '../src/format/units.ts';
import { rewardsViewChart } from '../src/charts/attachments.ts';
import { timeZoneOf } from '../src/core/config.ts';
import type { RewardChanges, RewardsView } from '../src/core/standings-state.ts';
import { rewardsAgainst } from '../src/db/standings.ts';
import { roundConfigOf, type Executor } from '../src/db/repositories.ts';
import { handlesOf, latestPublication, publishedAmounts, publishedHead, storePublishedRewards, type Publication } from '../src/db/rewards.ts';
import type { RoundRow } from '../src/db/schema.ts';

/** Members shown by name in a summary of changes; the rest are counted. */
const SHOWN_CHANGES = 10;

/** Recipients a split shows in chat (as many as its chart shows); /export rewards has all. */
const SHOWN_RECIPIENTS = 40;

/**
 * How the split as it stands differs from the published one, as the standings thread counted it: the first
 * SHOWN_CHANGES members named, the undistributed rest, and how many changes there are in all (0: the same split).
 */
async function changesSince(round: RoundRow, db: Executor, changes: RewardChanges, decimals: number): Promise<{ count: number; shown: string[] }> {
  // a member the split as it stands pays nothing is named here (a few at most)
  const named = await handlesOf(db, round.community_id, changes.shown.filter((c) => c.handle === undefined).map((c) => c.member));
  const shown = changes.shown.map((c) => `${c.handle ?? named.get(c.member) ?? c.member} ${formatTokens(c.before, decimals)} → ${formatTokens(c.after, decimals)}`);
  if (changes.undistributed) shown.push(`undistributed ${formatTokens(changes.undistributed.before, decimals)} → ${formatTokens(changes.undistributed.after, decimals)}`);
  return { count: changes.members + (changes.undistributed ? 1 : 0), shown };
}

const summary = ({ count, shown }: { count: number; shown: string[] }) => shown.slice(0, SHOWN_CHANGES).join(', ') + (count > SHOWN_CHANGES ? ` and ${count - SHOWN_CHANGES} more` : '');

/** The line under a split that shows only its first recipients. */
function moreRecipients(recipients: number, shown: number): string[] {
  const more = recipients - shown;
  return more > 0 ? [`… and ${more} more recipient${more === 1 ? '' : 's'}; /export rewards lists every amount.`] : [];
}

/** The split as the standings thread sends it: the totals, the first recipients, and the asking member's line. */
function renderRewardsView(view: RewardsView): string {
  const lines = [renderSplit({ ...view, amounts: view.top }, view.token), ...moreRecipients(view.recipients, view.top.length)];
  if (view.own && view.own.place > view.top.length) lines.push(`You: ${view.own.place}. of ${view.recipients}, ${formatTokens(view.own.amount, view.token.decimals)} ${view.token.symbol}.`);
  return lines.join('\n');
}

/** The published split's totals and first recipients, as it was published. */
async function renderPublished(db: Executor, round: RoundRow, published: Publication): Promise<string> {
  const head = await publishedHead(db, round.community_id, published, SHOWN_RECIPIENTS);
  return [renderSplit(head, published.config.token), ...moreRecipients(head.recipients, head.amounts.length)].join('\n');
}

function publishedHeading(round: RoundRow, published: Publication): string {
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
        const published = await latestPublication(ctx.db, round.id);
        const member = (await ctx.member()).key;
        const title = `Reward preview of round ${round.key}`;
        // only what is shown is sent by the standings thread, which splits the pool once per version and compares it
        // with the published split there
        const view = await rewardsAgainst(ctx.db, round.id, { limit: SHOWN_RECIPIENTS, member, ...(published && { since: await publishedAmounts(ctx.db, published) }) });
        const attachments = [await rewardsViewChart(view)];
        if (!published) return { ...privateReply(text('Not published yet.'), pre(renderRewardsView(view))), title, attachments };
        const changes = await changesSince(round, ctx.db, view.changes!, view.token.decimals);
        return {
          ...privateReply(
            text('As it stands now:'),
            pre(renderRewardsView(view)),
            text(publishedHeading(round, published)),
            pre(await renderPublished(ctx.db, round, published)),
            text(
              changes.count
                ? `The split has changed since it was published (${summary(changes)}); the published split stays until a moderator replaces it with /rewards publish republish:true.`
                : 'The split as it stands is the published one.',
            ),
          ),
          title,
          attachments,
        };
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
        const previous = await latestPublication(ctx.db, round.id);
        // the whole split comes too: it is the record stored; the post shows its totals and first recipients
        const view = await rewardsAgainst(ctx.db, round.id, { limit: SHOWN_RECIPIENTS, whole: true, ...(previous && { since: await publishedAmounts(ctx.db, previous) }) });
        const changes = view.changes ? await changesSince(round, ctx.db, view.changes, view.token.decimals) : undefined;
        if (previous && changes?.count === 0)
          return privateReply(text(`${publishedHeading(round, previous)} unchanged, so there is nothing to publish again.`), pre(await renderPublished(ctx.db, round, previous)));
        if (previous && !o.republish)
          throw new UserError(
            'rewards_published',
            `The rewards of round ${round.key} are published (version ${previous.version}), and the split has changed since: ${summary(changes!)}. Published means final; to replace it, /rewards publish republish:true (recorded and announced).`,
          );
        const moderator = await ctx.member();
        const config = roundConfigOf(round);
        const { pool, contribution, participation, undistributed } = view;
        const version = await ctx.db.transaction().execute(async (trx) => {
          const version = await storePublishedRewards(trx, round, { totals: { pool, contribution, participation, undistributed }, whole: view.whole!, config }, { memberId: moderator.id, at: ctx.now() });
          // every amount is in the publication stored under this version; the log says which, and what changed
          await audit(trx, ctx, round, previous ? 'rewards.republished' : 'rewards.published', {
            version,
            ...(previous && { replaces: previous.version, changed: changes!.count, changes: changes!.shown.slice(0, SHOWN_CHANGES) }),
            pool: pool.toString(),
            undistributed: undistributed.toString(),
            recipients: view.recipients,
          }, moderator.id);
          return version;
        });
        const title = previous ? `Rewards of round ${round.key}, republished` : `Rewards of round ${round.key}, published (final)`;
        const note = previous ? [text(`By ${moderator.handle}: version ${version}, replacing version ${previous.version}; changed: ${summary(changes!)}.`)] : [];
        return { ...reply(...note, pre(renderRewardsView(view))), title, attachments: [await rewardsViewChart(view)] };
      },
    }),
  },
});
