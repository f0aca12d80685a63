import { createHash } from 'node:crypto';
import { setImmediate as pause } from 'node:timers/promises';
import { roundConfigSchema, serializeRoundConfig, type RoundConfig } from '../core/config.ts';
import type { PackedSplit, PublishedAmounts } from '../core/standings-state.ts';
import { stringAt } from '../core/standings-transfer.ts';
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

/**
 * The split published for a round (its latest version), read from storage whole (publicationRows); undefined when none
 * was published.
 */
export async function publishedRewards(db: Executor, roundId: string): Promise<PublishedRewards | undefined> {
  const publication = await latestPublication(db, roundId);
  if (!publication) return undefined;
  const amounts: PublishedRewards['amounts'] = [];
  for await (const rows of publicationRows(db, publication.id))
    for (const row of rows) amounts[row.position] = { member: row.key, handle: row.handle, tier: row.tier, amount: BigInt(row.amount) };
  const { id: _, ...published } = publication;
  return { ...published, amounts };
}

/** The recipients of a publication kept for showing it: its first PUBLISHED_HEAD, in its order. */
const PUBLISHED_HEAD = 100;

/** A publication's amounts as the standings thread compares them, and its first recipients. */
interface PublishedLines {
  amounts: PublishedAmounts;
  head: { member: string; amount: bigint; tier: string | null }[];
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
 * Rows read between two pauses. With no index on the position, rows are read in the primary key's order (by member
 * id, from where the last read stopped), each with its place, and packed as they come: reading the first rows by
 * position sorted all 100,000 rows of a publication each time (140 ms on this machine), and packing 100,000 keys at
 * once held the event loop 70 ms.
 */
const LINES_READ = 512;

/** A publication's rows, LINES_READ at a time with a pause between, in no particular order: each row has its place. */
async function* publicationRows(db: Executor, publicationId: string) {
  for (let after: string | undefined; ; await pause()) {
    let query = db
      .selectFrom('published_rewards')
      .innerJoin('members', 'members.id', 'published_rewards.member_id')
      .select(['published_rewards.member_id', 'members.key', 'members.handle', 'published_rewards.position', 'published_rewards.amount', 'published_rewards.tier'])
      .where('published_rewards.publication_id', '=', publicationId)
      .orderBy('published_rewards.member_id')
      .limit(LINES_READ);
    if (after !== undefined) query = query.where('published_rewards.member_id', '>', after);
    const rows = await query.execute();
    yield rows;
    if (rows.length < LINES_READ) return;
    after = rows.at(-1)!.member_id;
  }
}

async function publishedLines(db: Executor, publication: Publication): Promise<PublishedLines> {
  const hit = linesCache.get(publication.id);
  if (hit) return hit;
  // each read's strings joined once: a string grown by each of 100,000 keys took the thread 65 ms to copy to the standings thread
  const members = { texts: [] as string[], ends: [] as number[], length: 0 };
  const amounts = { texts: [] as string[], ends: [] as number[], length: 0 };
  const places: number[] = [];
  const head: PublishedLines['head'] = [];
  const pack = (into: typeof members, values: string[]) => {
    for (const value of values) into.ends.push((into.length += value.length));
    into.texts.push(values.join(''));
  };
  for await (const rows of publicationRows(db, publication.id)) {
    pack(members, rows.map((r) => r.key));
    pack(amounts, rows.map((r) => r.amount));
    for (const row of rows) {
      places.push(row.position);
      if (row.position < PUBLISHED_HEAD) head[row.position] = { member: row.key, amount: BigInt(row.amount), tier: row.tier };
    }
  }
  const packed = (p: typeof members) => ({ text: p.texts.join(''), ends: Uint32Array.from(p.ends) });
  return rememberLines(publication.id, { amounts: { members: packed(members), amounts: packed(amounts), places: Uint32Array.from(places), undistributed: publication.undistributed }, head });
}

/** A publication's amounts as the standings thread compares them with the split as it stands (rewardsAgainst). */
export async function publishedAmounts(db: Executor, publication: Publication): Promise<PublishedAmounts> {
  return (await publishedLines(db, publication)).amounts;
}

/**
 * A publication's totals and its first `limit` recipients (PUBLISHED_HEAD at most) by their handles as they are now,
 * and how many it pays.
 */
export async function publishedHead(db: Executor, communityId: string, publication: Publication, limit: number) {
  const lines = await publishedLines(db, publication);
  const head = lines.head.slice(0, Math.min(limit, PUBLISHED_HEAD));
  const handles = await handlesOf(db, communityId, head.map((l) => l.member));
  return { ...publication, amounts: head.map((l) => ({ ...l, handle: handles.get(l.member) ?? l.member })), recipients: lines.amounts.places.length };
}

/** The handles of a few members of a community, by key. */
export async function handlesOf(db: Executor, communityId: string, keys: readonly string[]): Promise<Map<string, string>> {
  if (keys.length === 0) return new Map();
  const rows = await db.selectFrom('members').select(['key', 'handle']).where('community_id', '=', communityId).where('key', 'in', [...keys]).execute();
  return new Map(rows.map((r) => [r.key, r.handle]));
}

/**
 * Rows stored a statement, and between two pauses: SQLite binds at most 32,766 values a statement; a statement of 500
 * rows (and the look-up of their members) held the event loop up to 60 ms on this machine under load.
 */
const ROWS_STORED = 200;

/**
 * Stores a split (the totals and every recipient's amount and tier, as the standings thread sends it), computed under
 * `config`, as the round's next published version, in the caller's transaction; returns the version. The members'
 * ids are looked up ROWS_STORED keys at a time (a round's 100,000 keys in one statement passed SQLite's limit), with a
 * pause between, so that storing a large round's split leaves the event loop free (but for the commit).
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
  const recipients = whole.members.ends.length;
  const tierAt = (i: number) => whole.tierNames[whole.tiers[i]!] ?? null;
  for (let from = 0; from < recipients; from += ROWS_STORED) {
    if (from > 0) await pause();
    const rows = Array.from({ length: Math.min(ROWS_STORED, recipients - from) }, (_, j) => from + j);
    const keys = rows.map((i) => stringAt(whole.members, i));
    const members = await db.selectFrom('members').select(['id', 'key']).where('community_id', '=', round.community_id).where('key', 'in', keys).execute();
    const idOf = new Map(members.map((m) => [m.key, m.id]));
    await db
      .insertInto('published_rewards')
      .values(rows.map((i, j) => ({ publication_id: id, member_id: idOf.get(keys[j]!)!, position: i, amount: stringAt(whole.amounts, i), tier: tierAt(i) })))
      .execute();
  }
  // the id is new: if the transaction is rolled back, no publication will have it
  const head = Array.from({ length: Math.min(PUBLISHED_HEAD, recipients) }, (_, i) => ({ member: stringAt(whole.members, i), amount: BigInt(stringAt(whole.amounts, i)), tier: tierAt(i) }));
  rememberLines(id, { amounts: { members: whole.members, amounts: whole.amounts, places: Uint32Array.from({ length: recipients }, (_, i) => i), undistributed: totals.undistributed }, head });
  return version;
}
