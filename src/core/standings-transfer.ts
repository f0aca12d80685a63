// A round's counts and its report, moved between threads (src/workers/standings.ts). Copying a report of a hundred
// thousand members as objects costs the receiving thread more than computing it (structured clone builds every
// object in one go), so both travel as columns: typed arrays whose buffers are moved, strings packed into one.
// The report is rebuilt in chunks, with a pause between them, so the receiving event loop stays free.
import type { RoundConfig } from './config.ts';
import { lookups, type MemberReport, type ReportInput, type RoundReport } from './report.ts';
import type { Contributions } from './reputation.ts';
import type { RewardSplit } from './rewards.ts';
import { NO_TIER_FACTOR } from './tiers.ts';
import type { Question } from './types.ts';
import type { QuestionTally, VotingPower } from './voting.ts';

/** Strings as one string and where each ends. */
export interface PackedStrings {
  text: string;
  ends: Uint32Array;
}

export function packStrings(strings: readonly string[]): PackedStrings {
  const ends = new Uint32Array(strings.length);
  let end = 0;
  strings.forEach((s, i) => (ends[i] = end += s.length));
  return { text: strings.join(''), ends };
}

export const stringAt = (p: PackedStrings, i: number) => p.text.slice(i === 0 ? 0 : p.ends[i - 1]!, p.ends[i]!);
export const unpackStrings = (p: PackedStrings): string[] => Array.from(p.ends, (_, i) => stringAt(p, i));

/** The buffers of typed arrays, to move instead of copy. */
const buffers = (...arrays: ArrayBufferView[]) => [...new Set(arrays.map((a) => a.buffer as ArrayBuffer))];

/** A round's maintained counts (MaintainedRound of src/db/standings.ts), as columns. */
export interface PackedRound {
  round: { id: string; name: string; config: RoundConfig };
  questions: Question[];
  ids: PackedStrings;
  handles: PackedStrings;
  excluded: Uint8Array;
  /** Where each member's balances end in `balances`. */
  walletEnds: Uint32Array;
  balances: PackedStrings;
  contributions: Contributions;
  choices: Int32Array[];
  /** The counted ballots of approval and ranked polls (report.ts ReportInput), copied: a few polls' worth. */
  ballots?: ReportInput['ballots'];
  carried?: Int32Array[];
}

export function packRound(r: ReportInput & { contributions: Contributions; choices: Int32Array[] }): { packed: PackedRound; transfer: ArrayBuffer[] } {
  const walletEnds = new Uint32Array(r.members.length);
  let end = 0;
  r.members.forEach((m, i) => (walletEnds[i] = end += m.wallets.length));
  const packed: PackedRound = {
    round: r.round,
    questions: [...r.questions],
    ids: packStrings(r.members.map((m) => m.id)),
    handles: packStrings(r.members.map((m) => m.handle)),
    excluded: Uint8Array.from(r.members, (m) => (m.excluded ? 1 : 0)),
    walletEnds,
    balances: packStrings(r.members.flatMap((m) => m.wallets.map((w) => w.balance.toString()))),
    contributions: r.contributions,
    choices: r.choices,
    ...(r.ballots && { ballots: r.ballots }),
    ...(r.carried && { carried: [...r.carried] }),
  };
  const { proposals, stars, comments, received } = r.contributions;
  return { packed, transfer: buffers(packed.ids.ends, packed.handles.ends, packed.excluded, walletEnds, packed.balances.ends, proposals, stars, comments, received, ...r.choices) };
}

export function unpackRound(p: PackedRound): ReportInput & { contributions: Contributions; choices: Int32Array[] } {
  const ids = unpackStrings(p.ids);
  const handles = unpackStrings(p.handles);
  const balances = unpackStrings(p.balances).map(BigInt);
  return {
    round: p.round,
    questions: p.questions,
    members: ids.map((id, i) => ({
      id,
      handle: handles[i]!,
      excluded: p.excluded[i] === 1,
      wallets: balances.slice(i === 0 ? 0 : p.walletEnds[i - 1]!, p.walletEnds[i]!).map((balance) => ({ balance })),
    })),
    contributions: p.contributions,
    choices: p.choices,
    ...(p.ballots && { ballots: p.ballots }),
    ...(p.carried && { carried: p.carried }),
  };
}

/** A report as columns, members by their position in the round it was computed from. */
export interface PackedReport {
  round: string;
  name: string;
  token: RoundReport['token'];
  questions: QuestionTally[];
  /** Undefined in a report of standings only (packReport's `rewards: false`), which then has no reward split. */
  rewards: Omit<RoundReport['rewards'], 'amounts'> | undefined;
  ids: PackedStrings;
  handles: PackedStrings;
  excluded: Uint8Array;
  /** Positions in the report's order (best first). */
  order: Int32Array;
  /** Per position: points, then the breakdown's proposalCreation, proposalRating, comments, feedback. */
  points: Float64Array;
  levels: { name: string; factor: number }[];
  /** Per position: index in `levels`, -1 for no tier. */
  tierOf: Int16Array;
  /** Per position: tokens in base units, '' for a member without wallets (no voting power). */
  tokens: PackedStrings;
  quadratic: Float64Array;
  weight: Float64Array;
  choices: Int32Array[];
  /** The counted ballots of approval and ranked polls, for the voting event: a few polls' worth, copied. */
  ballots?: ReportInput['ballots'];
  /** The reward amounts in their order: whose (position) and how much. */
  paid: Int32Array;
  amounts: PackedStrings;
}

const POINT_FIELDS = 5;

/** `rewards: false` leaves the reward split out (and uncomputed: reportOf splits on first use), for standings only. */
export function packReport(report: RoundReport, input: ReportInput, choices: Int32Array[], { rewards: withRewards = true } = {}): { packed: PackedReport; transfer: ArrayBuffer[] } {
  const n = input.members.length;
  const ids = input.members.map((m) => m.id);
  const position = new Map(ids.map((id, i) => [id, i]));
  const order = new Int32Array(n);
  const points = new Float64Array(POINT_FIELDS * n);
  const levels: PackedReport['levels'] = [];
  const tierOf = new Int16Array(n).fill(-1);
  report.members.forEach((m, k) => {
    const at = position.get(m.id)!;
    order[k] = at;
    const b = m.breakdown;
    points.set([m.points, b.proposalCreation, b.proposalRating, b.comments, b.feedback], POINT_FIELDS * at);
    if (m.tier === null) return;
    let level = levels.findIndex((l) => l.name === m.tier && l.factor === m.factor);
    if (level < 0) level = levels.push({ name: m.tier, factor: m.factor }) - 1;
    tierOf[at] = level;
  });
  const quadratic = new Float64Array(n);
  const weight = new Float64Array(n);
  const tokens = packStrings(
    ids.map((id, i) => {
      const power = report.powerOf(id);
      if (!power) return '';
      quadratic[i] = power.quadratic;
      weight[i] = power.weight;
      return power.tokens.toString();
    }),
  );
  const split = withRewards ? report.rewards : undefined;
  const amounts = split?.amounts ?? [];
  const paid = Int32Array.from(amounts, (a) => position.get(a.member)!);
  const packed: PackedReport = {
    round: report.round,
    name: report.name,
    token: report.token,
    questions: report.questions,
    rewards: split && { pool: split.pool, contribution: split.contribution, participation: split.participation, undistributed: split.undistributed },
    ids: packStrings(ids),
    handles: packStrings(input.members.map((m) => m.handle)),
    excluded: Uint8Array.from(input.members, (m) => (m.excluded ? 1 : 0)),
    order,
    points,
    levels,
    tierOf,
    tokens,
    quadratic,
    weight,
    choices,
    ...(input.ballots && { ballots: input.ballots }),
    paid,
    amounts: packStrings(amounts.map((a) => a.amount.toString())),
  };
  return {
    packed,
    transfer: buffers(packed.ids.ends, packed.handles.ends, packed.excluded, order, points, tierOf, tokens.ends, quadratic, weight, paid, packed.amounts.ends, ...choices),
  };
}

/** Members rebuilt between two pauses: a few milliseconds of work. */
const CHUNK = 1024;

/** The report again, built `CHUNK` members at a time with `pause()` between, so that no stretch of it is long. */
export async function unpackReport(p: PackedReport, pause: () => Promise<void>): Promise<RoundReport> {
  const n = p.order.length;
  const ids: string[] = new Array(n);
  const handles: string[] = new Array(n);
  for (let at = 0; at < n; at++) {
    if (at % CHUNK === CHUNK - 1) await pause();
    ids[at] = stringAt(p.ids, at);
    handles[at] = stringAt(p.handles, at);
  }
  const members: MemberReport[] = new Array(n);
  for (let k = 0; k < n; k++) {
    if (k % CHUNK === CHUNK - 1) await pause();
    const at = p.order[k]!;
    const level = p.levels[p.tierOf[at]!];
    const f = POINT_FIELDS * at;
    members[k] = {
      id: ids[at]!,
      handle: handles[at]!,
      excluded: p.excluded[at] === 1,
      points: p.points[f]!,
      tier: level?.name ?? null,
      factor: level?.factor ?? NO_TIER_FACTOR,
      breakdown: { proposalCreation: p.points[f + 1]!, proposalRating: p.points[f + 2]!, comments: p.points[f + 3]!, feedback: p.points[f + 4]! },
    };
  }
  const amounts: RewardSplit['amounts'] = new Array(p.paid.length);
  for (let k = 0; k < amounts.length; k++) {
    if (k % CHUNK === CHUNK - 1) await pause();
    amounts[k] = { member: ids[p.paid[k]!]!, amount: BigInt(stringAt(p.amounts, k)) };
  }
  // voting power is rebuilt for the members asked about only: charts ask for the voters of one poll
  const powerAt = (at: number): VotingPower | undefined => {
    const tokens = stringAt(p.tokens, at);
    return tokens === '' ? undefined : { tokens: BigInt(tokens), quadratic: p.quadratic[at]!, factor: p.levels[p.tierOf[at]!]?.factor ?? NO_TIER_FACTOR, weight: p.weight[at]! };
  };
  const split = p.rewards && { ...p.rewards, amounts };
  return {
    round: p.round,
    name: p.name,
    token: p.token,
    members,
    questions: p.questions,
    get rewards() {
      if (!split) throw new Error('a report of standings only has no reward split: ask maintainedReport for one');
      return split;
    },
    ...lookups(ids, p.questions, powerAt, p.choices, p.ballots),
  };
}
