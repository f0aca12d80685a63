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

export function renderRewards(report: RoundReport): string {
  const { rewards, token } = report;
  const handle = new Map(report.members.map((m) => [m.id, m.handle]));
  const tier = new Map(report.members.map((m) => [m.id, m.tier ?? '-']));
  const amount = (a: bigint) => formatUnits(a, token.decimals);
  const table = renderTable({
    head: ['member', 'tier', `${token.symbol}`],
    align: ['left', 'left', 'right'],
    rows: rewards.amounts.map((r) => [handle.get(r.member) ?? r.member, tier.get(r.member)!, amount(r.amount)]),
  });
  const lines = [
    `Pool ${amount(rewards.pool)} ${token.symbol}: ${amount(rewards.contribution)} for contribution, ${amount(rewards.participation)} for participation.`,
    table,
  ];
  if (rewards.undistributed > 0n) lines.push(`Not distributed: ${amount(rewards.undistributed)} ${token.symbol} (nobody eligible, or the cap).`);
  return lines.join('\n');
}

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
