import type { Positions } from './indexed.ts';
import { instantOf, type Instant } from './instant.ts';

/** A member lending their weight to another (DESIGN.md "Poll types, privacy, delegation"); `until` null: not revoked. */
export interface Delegation {
  from: string;
  to: string;
  since: string;
  until: string | null;
}

/** A delegation with its members as positions and its times as instants; `until` null: still in force. */
export interface IndexedDelegation {
  from: number;
  to: number;
  since: Instant;
  until: Instant | null;
}

type Problem = (path: (string | number)[], message: string) => void;

const before = (a: Instant, b: Instant) => a.ms < b.ms || (a.ms === b.ms && a.nanos < b.nanos);
/** since ≤ t < until: a delegation is in force from its start up to, not including, its end. */
const inForce = (d: IndexedDelegation, t: Instant) => !before(t, d.since) && (d.until === null || before(t, d.until));

/**
 * The delegations of a round by member position, each checked: both members known, not to oneself, its end after its
 * start, and no two of one member in force at once (so at any moment a member has one delegate at most).
 */
export function indexDelegations(delegations: readonly Delegation[], members: Positions, problem: Problem): IndexedDelegation[] {
  const indexed = delegations.map((d, i): IndexedDelegation => {
    const position = (field: 'from' | 'to') => {
      const at = members.get(d[field]);
      if (at === undefined) problem(['delegations', i, field], `"${d[field]}" is not the id of any member`);
      return at ?? -1;
    };
    const from = position('from');
    const to = position('to');
    if (d.from === d.to) problem(['delegations', i, 'to'], `${d.from} cannot delegate to themselves`);
    const since = instantOf(d.since);
    const until = d.until === null ? null : instantOf(d.until);
    if (until && !before(since, until)) problem(['delegations', i, 'until'], `${d.until} is not after since (${d.since})`);
    return { from, to, since, until };
  });
  indexed.forEach((d, i) => {
    const earlier = indexed.findIndex((e, j) => j < i && e.from === d.from && d.from >= 0 && overlap(e, d));
    if (earlier >= 0) problem(['delegations', i, 'since'], `${delegations[i]!.from} already delegates to ${delegations[earlier]!.to} at that time (delegations[${earlier}])`);
  });
  return indexed;
}

const overlap = (a: IndexedDelegation, b: IndexedDelegation) => (a.until === null || before(b.since, a.until)) && (b.until === null || before(a.since, b.until));

/**
 * The moment each poll's delegations are taken at: its latest vote (undefined for a poll without votes). That is the
 * poll's close as far as the file can tell, so an auditor finds it by reading the file alone.
 */
export function pollTimes(votes: { question: Int32Array; at: Float64Array; nanos: Int32Array }, questionCount: number): (Instant | undefined)[] {
  const latest = new Array<Instant | undefined>(questionCount);
  for (let i = 0; i < votes.question.length; i++) {
    const q = votes.question[i]!;
    const t = { ms: votes.at[i]!, nanos: votes.nanos[i]! };
    if (!latest[q] || before(latest[q], t)) latest[q] = t;
  }
  return latest;
}

/**
 * Who carries whom, by question then member position (-1: nobody): a member who did not vote on a poll is carried by
 * the delegate of their delegation in force at the poll's time (pollTimes), when that delegate voted on it. A
 * delegator who votes overrides the delegation for that poll, and delegations are never followed further: a delegate
 * who did not vote carries nobody, whoever they themselves delegated to.
 */
export function carriers(delegations: readonly IndexedDelegation[], choices: readonly Int32Array[], times: readonly (Instant | undefined)[]): Int32Array[] {
  return choices.map((chosen, q) => {
    const carriedBy = new Int32Array(chosen.length).fill(-1);
    const t = times[q];
    if (t === undefined) return carriedBy;
    for (const d of delegations)
      if (d.from >= 0 && d.to >= 0 && chosen[d.from]! < 0 && chosen[d.to]! >= 0 && inForce(d, t)) carriedBy[d.from] = d.to;
    return carriedBy;
  });
}
