import type { RoundReport } from '../core/report.ts';
import type { PublishedRewards } from '../db/rewards.ts';

/**
 * The report with the reward split that was published in place of the one the rules give now: a split announced as
 * final is what every page and export shows until a moderator republishes, whatever changed in the round since.
 */
export function withPublishedRewards(report: RoundReport, published: PublishedRewards | undefined): RoundReport {
  if (!published) return report;
  const { pool, contribution, participation, undistributed } = published;
  return { ...report, rewards: { pool, contribution, participation, undistributed, amounts: published.amounts.map(({ member, amount }) => ({ member, amount })) } };
}

/** The tier each member had in the published split (the split names it; tiers may have moved since). */
export const publishedTiers = (published: PublishedRewards): Map<string, string | null> => new Map(published.amounts.map((a) => [a.member, a.tier]));

/** One sentence on where the split shown comes from. */
export function rewardsStatus(published: PublishedRewards | undefined): string {
  if (!published) return 'Not published yet: the split below is a preview and changes with the round.';
  const version = published.version > 1 ? `, version ${published.version}` : '';
  return `Published ${published.publishedAt.slice(0, 16).replace('T', ' ')} UTC${version}: final. Rules sha256 ${published.rulesHash.slice(0, 12)}….`;
}
