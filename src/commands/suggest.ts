import { findRound, type Executor } from '../db/repositories.ts';
import type { Community } from '../db/schema.ts';

export interface Suggestion {
  name: string;
  value: string | number;
}

/** Platforms show at most this many suggestions (Discord's autocomplete limit). */
const MAX = 25;

/**
 * What a member may mean while typing an option: rounds, open polls, the options of the chosen poll, proposals,
 * comments, members. Filtered by what was typed so far; for autocomplete where the platform has it.
 */
export async function suggest(db: Executor, community: Community, option: string, typed: string, given: Record<string, unknown>): Promise<Suggestion[]> {
  const needle = typed.trim().toLowerCase();
  const keep = (s: Suggestion[]) => s.filter((x) => x.name.toLowerCase().includes(needle) || String(x.value).toLowerCase().includes(needle)).slice(0, MAX);
  const cut = (s: string) => (s.length > 100 ? `${s.slice(0, 99)}…` : s);
  if (option === 'round') {
    const rounds = await db.selectFrom('rounds').select(['key', 'name', 'phase']).where('community_id', '=', community.id).orderBy('created_at', 'desc').limit(200).execute();
    return keep(rounds.map((r) => ({ name: cut(`${r.key}: ${r.name} (${r.phase})`), value: r.key })));
  }
  if (option === 'member') {
    const members = await db.selectFrom('members').select(['key', 'handle']).where('community_id', '=', community.id).orderBy('handle').orderBy('key').limit(500).execute();
    // The value is the id, which names one member even when several share a handle; the shared ones show it.
    const shared = new Set(members.filter((m, i) => members[i - 1]?.handle === m.handle).map((m) => m.handle));
    return keep(members.map((m) => ({ name: cut(shared.has(m.handle) ? `${m.handle} (${m.key})` : m.handle), value: m.key })));
  }
  const round = await findRound(db, community.id, typeof given['round'] === 'string' && given['round'] ? given['round'] : undefined);
  if (!round) return [];
  if (option === 'poll') {
    const polls = await db.selectFrom('questions').select(['key', 'text', 'status']).where('round_id', '=', round.id).orderBy('status', 'desc').orderBy('position').execute();
    return keep(polls.map((p) => ({ name: cut(`${p.key}: ${p.text}${p.status === 'open' ? '' : ' (closed)'}`), value: p.key })));
  }
  if (option === 'option' && typeof given['poll'] === 'string') {
    const options = await db
      .selectFrom('question_options')
      .innerJoin('questions', 'questions.id', 'question_options.question_id')
      .select(['question_options.idx', 'question_options.label'])
      .where('questions.round_id', '=', round.id)
      .where('questions.key', '=', given['poll'])
      .orderBy('question_options.idx')
      .execute();
    return keep(options.map((o) => ({ name: cut(`${o.idx + 1}. ${o.label}`), value: o.idx + 1 })));
  }
  if (option === 'proposal') {
    const proposals = await db.selectFrom('proposals').select(['key', 'title']).where('round_id', '=', round.id).orderBy('position').execute();
    return keep(proposals.map((p) => ({ name: cut(`${p.key}: ${p.title}`), value: p.key })));
  }
  if (option === 'comment') {
    const comments = await db.selectFrom('comments').select(['key']).where('round_id', '=', round.id).where('retracted_at', 'is', null).orderBy('position', 'desc').limit(200).execute();
    return keep(comments.map((c) => ({ name: c.key, value: c.key })));
  }
  return [];
}

/** The options that have suggestions. */
export const SUGGESTED_OPTIONS = new Set(['round', 'member', 'poll', 'option', 'proposal', 'comment']);
