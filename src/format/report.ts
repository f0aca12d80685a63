import type { MemberReport, RoundReport } from '../core/report.ts';
import { VIEWS, type QuestionTally } from '../core/voting.ts';
import { renderTable } from './table.ts';
import { clip } from './cut.ts';
import { formatNumber, formatTokens, SHOWN_DECIMALS, shownExactly } from './units.ts';

type Token = RoundReport['token'];

const percent = (share: number | null) => (share === null ? '–' : `${(share * 100).toFixed(1)}%`);

/**
 * One question as a phone shows it: each option on its line with its voters and tokens (labels whole, they wrap), then
 * the three views as shares in a table under 40 columns, decimals aligned, the winner of each view marked, and what
 * changed the outcome.
 */
export function renderTally(q: QuestionTally, token: Token): string {
  const totalTokens = q.options.reduce((s, o) => s + o.tokenVotes, 0n);
  const total = (view: 'quadraticVotes' | 'qualifiedVotes') => q.options.reduce((s, o) => s + o[view], 0);
  const shares = {
    tokenVotes: (i: number) => (totalTokens === 0n ? null : Number((q.options[i]!.tokenVotes * 100_000n) / totalTokens) / 100_000),
    quadraticVotes: (i: number) => (total('quadraticVotes') === 0 ? null : q.options[i]!.quadraticVotes / total('quadraticVotes')),
    qualifiedVotes: (i: number) => (total('qualifiedVotes') === 0 ? null : q.options[i]!.qualifiedVotes / total('qualifiedVotes')),
  };
  const cell = (view: (typeof VIEWS)[number], i: number) => percent(shares[view](i)) + (q.winners[view] === i ? '*' : ' ');
  // a secret poll publishes its turnout, not how many chose each option
  const voters = (n: number) => `${n} voter${n === 1 ? '' : 's'}`;
  const options = q.options.map((o, i) => `${i + 1}. ${o.label} — ${q.secretVoters === undefined ? `${voters(o.voters)}, ` : ''}${formatTokens(o.tokenVotes, token.decimals)} ${token.symbol}`);
  const table = renderTable({
    head: ['#', 'tokens', 'quadratic', '+reputation'],
    align: ['right', 'decimal', 'decimal', 'decimal'],
    rows: q.options.map((_, i) => [String(i + 1), ...VIEWS.map((view) => cell(view, i))]),
  });
  const winner = q.winners.qualifiedVotes;
  const verdict = winner === null ? 'No single winner.' : `Winner: ${winner + 1}. ${q.options[winner]!.label}`;
  return [
    `${q.id}: ${q.text}`,
    ...(q.secretVoters === undefined ? [] : [`Secret ballot: ${voters(q.secretVoters)}; who chose what is never published.`]),
    ...(q.type === 'approval' ? ['Approval poll: each ticked option counts the voter\'s full weight.'] : []),
    ...(q.runoff ? [`Ranked poll: shares of first preferences; the instant runoff (+reputation) dropped ${q.runoff.qualifiedVotes.map((o) => `${o + 1}`).join(', ')}.`] : []),
    ...options,
    '',
    table,
    // The legend in lines that fit a phone's code block too.
    'Shares; tokens = 1 token 1 vote,',
    '* = the winner of each view,',
    '+reputation = quadratic × tier factor.',
    verdict,
    ...q.changes,
  ].join('\n');
}

/** The reputation table with every member's breakdown, for terminals (`govbot replay`). */
export function renderReputation(report: RoundReport, limit = Infinity): string {
  const shown = report.members.filter((m) => m.points !== 0).slice(0, limit);
  return renderTable({
    head: ['member', 'points', 'tier', 'factor', 'proposals', 'ratings', 'comments', 'feedback'],
    align: ['left', 'decimal', 'left', 'decimal', 'decimal', 'decimal', 'decimal', 'decimal'],
    rows: shown.map((m) => [
      m.handle + (m.excluded ? ' (staff)' : ''),
      formatNumber(m.points),
      m.tier ?? '-',
      String(m.factor),
      formatNumber(m.breakdown.proposalCreation),
      formatNumber(m.breakdown.proposalRating),
      formatNumber(m.breakdown.comments),
      formatNumber(m.breakdown.feedback),
    ]),
  });
}

/** Handles are cut in chat tables so that a row fits a phone. */
const HANDLE_WIDTH = 16;
const handleCell = (handle: string) => clip(handle, HANDLE_WIDTH, { ellipsis: '…' });

/** The leaderboard as a phone shows it: rank, member, points (decimals aligned) and tier, under 40 columns. */
export function renderLeaderboard(members: readonly MemberReport[], limit = Infinity): string {
  const shown = members.filter((m) => m.points !== 0).slice(0, limit);
  return renderTable({
    head: ['#', 'member', 'points', 'tier'],
    align: ['right', 'left', 'decimal', 'left'],
    rows: shown.map((m, i) => [String(i + 1), handleCell(m.handle) + (m.excluded ? '†' : ''), formatNumber(m.points), m.tier ?? '-']),
  }) + (shown.some((m) => m.excluded) ? '\n† staff: keeps points and tier, gets no rewards' : '');
}

/** A split of the pool as chat shows it, whether computed now or read back as it was published. */
export interface SplitView {
  pool: bigint;
  contribution: bigint;
  participation: bigint;
  undistributed: bigint;
  amounts: readonly { handle: string; tier: string | null; amount: bigint }[];
}

export function renderSplit(split: SplitView, token: Token): string {
  const amount = (a: bigint) => formatTokens(a, token.decimals);
  const table = renderTable({
    head: ['member', 'tier', `${token.symbol}`],
    align: ['left', 'left', 'decimal'],
    rows: split.amounts.map((r) => [handleCell(r.handle), r.tier ?? '-', amount(r.amount)]),
  });
  const lines = [
    `Pool ${amount(split.pool)} ${token.symbol}: ${amount(split.contribution)} for contribution, ${amount(split.participation)} for participation.`,
    table,
  ];
  if (split.undistributed > 0n) lines.push(`Not distributed: ${amount(split.undistributed)} ${token.symbol} (nobody eligible, or the cap).`);
  if (![split.pool, ...split.amounts.map((r) => r.amount)].every((a) => shownExactly(a, token.decimals)))
    lines.push(`Rounded to ${SHOWN_DECIMALS} decimals; /export rewards gives every amount exactly, in base units.`);
  return lines.join('\n');
}

/** The split of a report, members by handle. */
export function splitOf(report: RoundReport): SplitView {
  const member = new Map(report.members.map((m) => [m.id, m]));
  return { ...report.rewards, amounts: report.rewards.amounts.map((r) => ({ handle: member.get(r.member)?.handle ?? r.member, tier: member.get(r.member)?.tier ?? null, amount: r.amount })) };
}

export const renderRewards = (report: RoundReport): string => renderSplit(splitOf(report), report.token);

/** The whole readable report of a round, as `govbot replay` prints it. */
export function renderReport(report: RoundReport): string {
  return [
    `Round ${report.round}: ${report.name}`,
    '',
    ...report.questions.flatMap((q) => [renderTally(q, report.token), '']),
    `Reputation (${report.members.filter((m) => m.points > 0).length} members with points)`,
    renderReputation(report),
    '',
    'Rewards',
    renderRewards(report),
    '',
  ].join('\n');
}
