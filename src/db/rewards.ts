import { createHash } from 'node:crypto';
import { roundConfigSchema, serializeRoundConfig, type RoundConfig } from '../core/config.ts';
import type { RoundReport } from '../core/report.ts';
import { newId, type Executor } from './repositories.ts';

/** A reward split as it was published: final, whatever changes in the round afterwards. */
export interface PublishedRewards {
  /** 1 for the first publication; each republish adds one. */
  version: number;
  publishedAt: string;
  /** The member key and handle of the moderator who published it. */
  publishedBy: { key: string; handle: string } | null;
  /** The round config the split was computed under, and the SHA-256 of its JSON. */
  config: RoundConfig;
  rulesHash: string;
  pool: bigint;
  contribution: bigint;
  participation: bigint;
  undistributed: bigint;
  /** Best first, as published; members by key, as in round files and reports. */
  amounts: { member: string; handle: string; tier: string | null; amount: bigint }[];
}

/** The SHA-256 of a config's JSON: what a publication names the rules by. */
export const rulesHash = (configJson: string): string => createHash('sha256').update(configJson).digest('hex');

/** The split published for a round (its latest version), read from storage; undefined when none was published. */
export async function publishedRewards(db: Executor, roundId: string): Promise<PublishedRewards | undefined> {
  const publication = await db
    .selectFrom('reward_publications')
    .leftJoin('members', 'members.id', 'reward_publications.published_by')
    .selectAll('reward_publications')
    .select(['members.key as publisher_key', 'members.handle as publisher_handle'])
    .where('reward_publications.round_id', '=', roundId)
    .orderBy('reward_publications.version', 'desc')
    .limit(1)
    .executeTakeFirst();
  if (!publication) return undefined;
  const amounts = await db
    .selectFrom('published_rewards')
    .innerJoin('members', 'members.id', 'published_rewards.member_id')
    .select(['members.key', 'members.handle', 'published_rewards.tier', 'published_rewards.amount'])
    .where('published_rewards.publication_id', '=', publication.id)
    .orderBy('published_rewards.position')
    .execute();
  return {
    version: publication.version,
    publishedAt: publication.published_at,
    publishedBy: publication.publisher_key ? { key: publication.publisher_key, handle: publication.publisher_handle! } : null,
    config: roundConfigSchema.parse(JSON.parse(publication.config)),
    rulesHash: publication.rules_hash,
    pool: BigInt(publication.pool),
    contribution: BigInt(publication.contribution),
    participation: BigInt(publication.participation),
    undistributed: BigInt(publication.undistributed),
    amounts: amounts.map((a) => ({ member: a.key, handle: a.handle, tier: a.tier, amount: BigInt(a.amount) })),
  };
}

/**
 * Stores the split of a report, computed under `config`, as the round's next published version, in the caller's
 * transaction; returns the version.
 */
export async function storePublishedRewards(
  db: Executor,
  round: { id: string; community_id: string },
  split: { report: RoundReport; config: RoundConfig },
  by: { memberId: string; at: Date },
): Promise<number> {
  const { report } = split;
  const latest = await db.selectFrom('reward_publications').select('version').where('round_id', '=', round.id).orderBy('version', 'desc').limit(1).executeTakeFirst();
  const version = (latest?.version ?? 0) + 1;
  const config = JSON.stringify(serializeRoundConfig(split.config));
  const id = newId();
  await db
    .insertInto('reward_publications')
    .values({
      id,
      round_id: round.id,
      version,
      published_at: by.at.toISOString(),
      published_by: by.memberId,
      config,
      rules_hash: rulesHash(config),
      pool: report.rewards.pool.toString(),
      contribution: report.rewards.contribution.toString(),
      participation: report.rewards.participation.toString(),
      undistributed: report.rewards.undistributed.toString(),
    })
    .execute();
  const { amounts } = report.rewards;
  if (amounts.length) {
    const members = await db.selectFrom('members').select(['id', 'key']).where('community_id', '=', round.community_id).where('key', 'in', amounts.map((a) => a.member)).execute();
    const idOf = new Map(members.map((m) => [m.key, m.id]));
    const tierOf = new Map(report.members.map((m) => [m.id, m.tier]));
    // SQLite binds at most 32,766 values a statement: 500 rows of 5 stay far below.
    for (let i = 0; i < amounts.length; i += 500)
      await db
        .insertInto('published_rewards')
        .values(amounts.slice(i, i + 500).map((a, j) => ({ publication_id: id, member_id: idOf.get(a.member)!, position: i + j, amount: a.amount.toString(), tier: tierOf.get(a.member) ?? null })))
        .execute();
  }
  return version;
}
