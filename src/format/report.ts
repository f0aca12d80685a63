import type { RoundReport } from '../core/report.ts';
import { VIEWS, type QuestionTally } from '../core/voting.ts';
import { renderTable } from './table.ts';
import { formatNumber, formatUnits } from './units.ts';

type Token = RoundReport['token'];

/** One question: the three views side by side, the winner of each marked, and what changed the outcome. */
export function renderTally(q: QuestionTally, token: Token): string {
  const mark = (view: (typeof VIEWS)[number], i: number) => (q.winners[view] === i ? ' *' : '');
  const table = renderTable({
    head: ['#', 'option', 'voters', `${token.symbol} (1 token 1 vote)`, 'quadratic', 'with reputation'],
    align: ['right', 'left', 'right', 'right', 'right', 'right'],
    rows: q.options.map((o, i) => [
      String(i + 1),
      o.label,
      String(o.voters),
      formatUnits(o.tokenVotes, token.decimals, 2) + mark('tokenVotes', i),
      formatNumber(o.quadraticVotes) + mark('quadraticVotes', i),
      formatNumber(o.qualifiedVotes) + mark('qualifiedVotes', i),
    ]),
  });
  const winner = q.winners.qualifiedVotes;
  const verdict = winner === null ? 'No single winner.' : `Winner: ${winner + 1}. ${q.options[winner]!.label}`;
  return [`${q.id}: ${q.text}`, table, '* marks the winner of each view.', verdict, ...q.changes].join('\n');
}

export function renderReputation(report: RoundReport, limit = Infinity): string {
  const shown = report.members.filter((m) => m.points !== 0).slice(0, limit);
  return renderTable({
    head: ['member', 'points', 'tier', 'factor', 'proposals', 'ratings', 'comments', 'feedback'],
    align: ['left', 'right', 'left', 'right', 'right', 'right', 'right', 'right'],
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

/** A split of the pool as chat shows it, whether computed now or read back as it was published. */
export interface SplitView {
  pool: bigint;
  contribution: bigint;
  participation: bigint;
  undistributed: bigint;
  amounts: readonly { handle: string; tier: string | null; amount: bigint }[];
}

export function renderSplit(split: SplitView, token: Token): string {
  const amount = (a: bigint) => formatUnits(a, token.decimals);
  const table = renderTable({
    head: ['member', 'tier', `${token.symbol}`],
    align: ['left', 'left', 'right'],
    rows: split.amounts.map((r) => [r.handle, r.tier ?? '-', amount(r.amount)]),
  });
  const lines = [
    `Pool ${amount(split.pool)} ${token.symbol}: ${amount(split.contribution)} for contribution, ${amount(split.participation)} for participation.`,
    table,
  ];
  if (split.undistributed > 0n) lines.push(`Not distributed: ${amount(split.undistributed)} ${token.symbol} (nobody eligible, or the cap).`);
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
