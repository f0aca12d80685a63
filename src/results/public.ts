import { createHash } from 'node:crypto';
import { computeReport, type RoundReport } from '../core/report.ts';
import type { RoundData } from '../core/types.ts';
import type { Executor } from '../db/repositories.ts';
import { countedSalts, loadRoundData } from '../db/repositories.ts';
import { sealSecretPolls } from '../core/secret.ts';
import type { RoundRow } from '../db/schema.ts';
import { publishedRewards, type PublishedRewards } from '../db/rewards.ts';

/** A stable pseudonym for a member key: the same on every page and in every file, and not the key. */
export const pseudonym = (key: string): string => `member-${createHash('sha256').update(key).digest('hex').slice(0, 6)}`;

/** Who a member is in chat, for taking it out of what the public sees. */
export interface ChatIdentity {
  /** The member's key in round files. */
  key: string;
  handle: string;
  /** The member lets the public see their handle (/privacy handle:shown). */
  shown: boolean;
  /** Their user ids on the chat platforms. */
  platformIds: readonly string[];
}

// `@name` as members type it; Discord's `<@123>` and `<@!123>`; a bare number as long as a platform user id
const HANDLE_MENTION = /@([\p{L}\p{N}_.]+)/gu;
const ID_MENTION = /<@!?(\d+)>/g;
const BARE_NUMBER = /(?<![\p{L}\p{N}])\d{5,}(?![\p{L}\p{N}])/gu;

/**
 * Text members wrote, as the public sees it: a mention of a member who did not allow their handle to be shown, and
 * any platform user id, become the member's key (which names them in the round file and nowhere else). The look-ups
 * are built once for all the texts of a round: built per text, they made a round's page quadratic in its members.
 */
export function publicTextOf(identities: readonly ChatIdentity[]): (text: string) => string {
  const byHandle = new Map(identities.filter((m) => !m.shown).map((m) => [m.handle.toLowerCase(), m.key]));
  const byId = new Map(identities.flatMap((m) => m.platformIds.map((id) => [id, m.shown ? m.handle : m.key] as const)));
  return (text) => text
    .replace(ID_MENTION, (mention, id: string) => (byId.has(id) ? `@${byId.get(id)}` : mention))
    .replace(HANDLE_MENTION, (mention, handle: string) => (byHandle.has(handle.toLowerCase()) ? `@${byHandle.get(handle.toLowerCase())}` : mention))
    .replace(BARE_NUMBER, (number) => byId.get(number) ?? number);
}

/**
 * A round as the public sees it: handles only of members who allowed it (/privacy handle:shown), pseudonyms for the
 * rest, and no handle of theirs or platform user id inside the texts either (publicText). Keys are kept, so the public
 * round file replays to exactly the public report; chat members' keys are already keyed hashes, never chat user ids.
 */
export function publicRoundData(data: RoundData, identities: readonly ChatIdentity[]): RoundData {
  const shown = new Set(identities.filter((m) => m.shown).map((m) => m.key));
  const scrub = publicTextOf(identities);
  return {
    ...data,
    round: { ...data.round, name: scrub(data.round.name) },
    members: data.members.map((m) => ({ ...m, handle: shown.has(m.id) ? m.handle : pseudonym(m.id) })),
    proposals: data.proposals.map((p) => ({ ...p, title: scrub(p.title), ...(p.text !== undefined && { text: scrub(p.text) }) })),
    questions: data.questions.map((q) => ({ ...q, text: scrub(q.text), options: q.options.map(scrub) })),
  };
}

export interface PublicRound {
  data: RoundData;
  /** Exactly what `govbot replay` gives on the public round file. */
  report: RoundReport;
  /** The reward split as published (final), which pages show in place of the current one. */
  published: PublishedRewards | undefined;
  nameOf: (key: string) => string;
}

/**
 * The public round: polls still open are left out, with their votes, until they close (a running tally invites
 * voting with the crowd); what is shown replays to exactly the report shown.
 */
export async function loadPublicRound(db: Executor, round: RoundRow): Promise<PublicRound & { openPolls: string[] }> {
  const [members, accounts, open] = await Promise.all([
    db.selectFrom('members').select(['id', 'key', 'handle', 'public_handle']).where('community_id', '=', round.community_id).execute(),
    db.selectFrom('member_accounts').select(['member_id', 'platform_user_id']).where('community_id', '=', round.community_id).execute(),
    db.selectFrom('questions').select('key').where('round_id', '=', round.id).where('status', '=', 'open').orderBy('position').execute(),
  ]);
  const idsOf = new Map<string, string[]>();
  for (const a of accounts) idsOf.set(a.member_id, [...(idsOf.get(a.member_id) ?? []), a.platform_user_id]);
  const identities = members.map((m) => ({ key: m.key, handle: m.handle, shown: m.public_handle === 1, platformIds: idsOf.get(m.id) ?? [] }));
  const openPolls = open.map((q) => q.key);
  const full = await loadRoundData(db, round);
  const closed = { ...full, questions: full.questions.filter((q) => !openPolls.includes(q.id)), votes: full.votes.filter((v) => !openPolls.includes(v.question)) };
  const data = publicRoundData(sealSecretPolls(closed, await countedSalts(db, round.id)), identities);
  const published = await publishedRewards(db, round.id);
  const report = computeReport(data);
  const names = new Map(data.members.map((m) => [m.id, m.handle]));
  return { data, report, published, nameOf: (key) => names.get(key) ?? pseudonym(key), openPolls };
}
