import { createHash } from 'node:crypto';
import { computeReport, type RoundReport } from '../core/report.ts';
import type { RoundData } from '../core/types.ts';
import type { Executor } from '../db/repositories.ts';
import { loadRoundData } from '../db/repositories.ts';
import type { RoundRow } from '../db/schema.ts';

/** A stable pseudonym for a member key: the same on every page and in every file, and not the key. */
export const pseudonym = (key: string): string => `member-${createHash('sha256').update(key).digest('hex').slice(0, 6)}`;

/**
 * A round as the public sees it: handles only of members who allowed it (/privacy handle:shown), pseudonyms for the
 * rest. Keys are kept, so the public round file replays to exactly the public report; chat members' keys are already
 * keyed hashes, never chat user ids.
 */
export function publicRoundData(data: RoundData, shown: ReadonlySet<string>): RoundData {
  return { ...data, members: data.members.map((m) => ({ ...m, handle: shown.has(m.id) ? m.handle : pseudonym(m.id) })) };
}

export interface PublicRound {
  data: RoundData;
  report: RoundReport;
  nameOf: (key: string) => string;
}

/**
 * The public round: polls still open are left out, with their votes, until they close (a running tally invites
 * voting with the crowd); what is shown replays to exactly the report shown.
 */
export async function loadPublicRound(db: Executor, round: RoundRow): Promise<PublicRound & { openPolls: string[] }> {
  const [shown, open] = await Promise.all([
    db.selectFrom('members').select('key').where('community_id', '=', round.community_id).where('public_handle', '=', 1).execute(),
    db.selectFrom('questions').select('key').where('round_id', '=', round.id).where('status', '=', 'open').orderBy('position').execute(),
  ]);
  const openPolls = open.map((q) => q.key);
  const full = await loadRoundData(db, round);
  const closed = { ...full, questions: full.questions.filter((q) => !openPolls.includes(q.id)), votes: full.votes.filter((v) => !openPolls.includes(v.question)) };
  const data = publicRoundData(closed, new Set(shown.map((m) => m.key)));
  const report = computeReport(data);
  const names = new Map(data.members.map((m) => [m.id, m.handle]));
  return { data, report, nameOf: (key) => names.get(key) ?? pseudonym(key), openPolls };
}
