import { createHash } from 'node:crypto';
import { setImmediate as pause } from 'node:timers/promises';
import { roundConfigSchema, serializeRoundConfig, type RoundConfig } from '../core/config.ts';
import type { PackedSplit, PublishedAmounts } from '../core/standings-state.ts';
import { packStrings, unpackStrings } from '../core/standings-transfer.ts';
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

/** A publication without its amounts: who published which version when, under which rules, and its totals. */
export type Publication = Omit<PublishedRewards, 'amounts'> & { id: string };

/** The latest publication of a round, without its amounts; undefined when none was published. */
export async function latestPublication(db: Executor, roundId: string): Promise<Publication | undefined> {
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
  return {
    id: publication.id,
    version: publication.version,
    publishedAt: publication.published_at,
    publishedBy: publication.publisher_key ? { key: publication.publisher_key, handle: publication.publisher_handle! } : null,
    config: roundConfigSchema.parse(JSON.parse(publication.config)),
    rulesHash: publication.rules_hash,
    pool: BigInt(publication.pool),
    contribution: BigInt(publication.contribution),
    participation: BigInt(publication.participation),
    undistributed: BigInt(publication.undistributed),
  };
}

/** The split published for a round (its latest version), read from storage whole; undefined when none was published. */
export async function publishedRewards(db: Executor, roundId: string): Promise<PublishedRewards | undefined> {
  const publication = await latestPublication(db, roundId);
  if (!publication) return undefined;
  const amounts = await db
    .selectFrom('published_rewards')
    .innerJoin('members', 'members.id', 'published_rewards.member_id')
    .select(['members.key', 'members.handle', 'published_rewards.tier', 'published_rewards.amount'])
    .where('published_rewards.publication_id', '=', publication.id)
    .orderBy('published_rewards.position')
    .execute();
  const { id: _, ...published } = publication;
  return { ...published, amounts: amounts.map((a) => ({ member: a.key, handle: a.handle, tier: a.tier, amount: BigInt(a.amount) })) };
}

/** A publication's recipients in its order: keys, amounts (base units, decimal) and tiers. */
interface PublishedLines {
  members: string[];
  amounts: string[];
  tiers: (string | null)[];
  /** As the standings thread compares them with the split as it stands; packed on the first ask. */
  packed?: PublishedAmounts;
}

/**
 * The lines of the publications read last, by publication id: a publication never changes, so it is read once (and
 * not at all after this process stored it), a few rounds' worth at most.
 */
const linesCache = new Map<string, PublishedLines>();
const CACHED_PUBLICATIONS = 8;

function rememberLines(publicationId: string, lines: PublishedLines): PublishedLines {
  linesCache.set(publicationId, lines);
  if (linesCache.size > CACHED_PUBLICATIONS) linesCache.delete(linesCache.keys().next().value!);
  return lines;
}

/**
 * Rows read between two pauses. Without an index on the position, the rows are read in the primary key's order (by
 * member id, from where the last read stopped) and put in place: reading the first rows by position sorted all
 * 100,000 rows of a publication each time (140 ms on this machine), a read of 1,024 by member id takes a few ms.
 */
const LINES_READ = 1024;

async function publishedLines(db: Executor, publicationId: string): Promise<PublishedLines> {
  const hit = linesCache.get(publicationId);
  if (hit) return hit;
  const lines: PublishedLines = { members: [], amounts: [], tiers: [] };
  for (let after: string | undefined; ; await pause()) {
    let query = db
      .selectFrom('published_rewards')
      .innerJoin('members', 'members.id', 'published_rewards.member_id')
      .select(['published_rewards.member_id', 'members.key', 'published_rewards.position', 'published_rewards.amount', 'published_rewards.tier'])
      .where('published_rewards.publication_id', '=', publicationId)
      .orderBy('published_rewards.member_id')
      .limit(LINES_READ);
    if (after !== undefined) query = query.where('published_rewards.member_id', '>', after);
    const rows = await query.execute();
    for (const row of rows) {
      lines.members[row.position] = row.key;
      lines.amounts[row.position] = row.amount;
      lines.tiers[row.position] = row.tier;
    }
    if (rows.length < LINES_READ) return rememberLines(publicationId, lines);
    after = rows.at(-1)!.member_id;
  }
}

/** A publication's amounts as the standings thread compares them with the split as it stands (rewardsAgainst). */
export async function publishedAmounts(db: Executor, publication: Publication): Promise<PublishedAmounts> {
  const lines = await publishedLines(db, publication.id);
  return (lines.packed ??= { members: packStrings(lines.members), amounts: packStrings(lines.amounts), undistributed: publication.undistributed });
}

/** A publication's totals and its first `limit` recipients by their handles as they are now, and how many it pays. */
export async function publishedHead(db: Executor, communityId: string, publication: Publication, limit: number) {
  const lines = await publishedLines(db, publication.id);
  const members = lines.members.slice(0, limit);
  const handles = await handlesOf(db, communityId, members);
  const amounts = members.map((member, i) => ({ member, handle: handles.get(member) ?? member, tier: lines.tiers[i]!, amount: BigInt(lines.amounts[i]!) }));
  return { ...publication, amounts, recipients: lines.members.length };
}

/** The handles of a few members of a community, by key. */
export async function handlesOf(db: Executor, communityId: string, keys: readonly string[]): Promise<Map<string, string>> {
  if (keys.length === 0) return new Map();
  const rows = await db.selectFrom('members').select(['key', 'handle']).where('community_id', '=', communityId).where('key', 'in', [...keys]).execute();
  return new Map(rows.map((r) => [r.key, r.handle]));
}

/** Rows stored a statement: SQLite binds at most 32,766 values a statement, 500 rows of 5 and their 500 keys stay far below. */
const ROWS_STORED = 500;

/**
 * Stores a split (the totals and every recipient's amount and tier, as the standings thread sends it), computed under
 * `config`, as the round's next published version, in the caller's transaction; returns the version. The members'
 * ids are looked up ROWS_STORED keys at a time (a round's 100,000 keys in one statement passed SQLite's limit), with a
 * pause between, so that storing a large round's split leaves the event loop free.
 */
export async function storePublishedRewards(
  db: Executor,
  round: { id: string; community_id: string },
  split: { totals: { pool: bigint; contribution: bigint; participation: bigint; undistributed: bigint }; whole: PackedSplit; config: RoundConfig },
  by: { memberId: string; at: Date },
): Promise<number> {
  const { totals, whole } = split;
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
      pool: totals.pool.toString(),
      contribution: totals.contribution.toString(),
      participation: totals.participation.toString(),
      undistributed: totals.undistributed.toString(),
    })
    .execute();
  const lines: PublishedLines = { members: unpackStrings(whole.members), amounts: unpackStrings(whole.amounts), tiers: Array.from(whole.tiers, (t) => whole.tierNames[t] ?? null) };
  for (let i = 0; i < lines.members.length; i += ROWS_STORED) {
    if (i > 0) await pause();
    const keys = lines.members.slice(i, i + ROWS_STORED);
    const members = await db.selectFrom('members').select(['id', 'key']).where('community_id', '=', round.community_id).where('key', 'in', keys).execute();
    const idOf = new Map(members.map((m) => [m.key, m.id]));
    await db
      .insertInto('published_rewards')
      .values(keys.map((key, j) => ({ publication_id: id, member_id: idOf.get(key)!, position: i + j, amount: lines.amounts[i + j]!, tier: lines.tiers[i + j]! })))
      .execute();
  }
  // the id is new: if the transaction is rolled back, no publication will have it
  rememberLines(id, lines);
  return version;
}
