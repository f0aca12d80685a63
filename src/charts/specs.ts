import type { TopLevelSpec } from 'vega-lite';
import type { RoundReport } from '../core/report.ts';
import { VIEWS, type QuestionTally, type View } from '../core/voting.ts';
import { formatNumber, formatUnits } from '../format/units.ts';

/**
 * The charts, as vega-lite specs built from a report: the same specs become PNGs in chat and interactive charts on
 * the results page. Pure functions of the report, so a chart shows exactly the numbers the tables show.
 */

export const VIEW_NAMES: Record<View, string> = {
  tokenVotes: '1 token 1 vote',
  quadraticVotes: 'quadratic',
  qualifiedVotes: 'quadratic + reputation',
};

/** Fixed colours per tier, so that a tier looks the same in every chart. */
const TIER_COLOURS = ['#1b7837', '#5aae61', '#a6dba0', '#d9f0d3', '#c2a5cf', '#9970ab', '#762a83'];
const NO_TIER = 'no tier';

const BASE = {
  $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
  background: 'white',
  config: { font: 'DejaVu Sans', view: { stroke: null }, axis: { labelFontSize: 11, titleFontSize: 12 }, title: { fontSize: 14, subtitleFontSize: 11 } },
} as const;

const viewValue = (q: QuestionTally, i: number, view: View) => {
  const o = q.options[i]!;
  return view === 'tokenVotes' ? Number(o.tokenVotes) : view === 'quadraticVotes' ? o.quadraticVotes : o.qualifiedVotes;
};

/** Splits a sentence into lines of at most `width` characters, at spaces. */
function wrap(sentence: string, width: number): string[] {
  const lines: string[] = [];
  let line = '';
  for (const word of sentence.split(' ')) {
    if (line && line.length + 1 + word.length > width) {
      lines.push(line);
      line = word;
    } else line = line ? `${line} ${word}` : word;
  }
  return line ? [...lines, line] : lines;
}

/** One row per option and view: its share of the view's total, and whether it wins that view. */
export function tallyRows(q: QuestionTally): { option: string; view: string; share: number; winner: boolean }[] {
  return VIEWS.flatMap((view) => {
    const total = q.options.reduce((s, _, i) => s + viewValue(q, i, view), 0);
    return q.options.map((o, i) => ({
      option: `${i + 1}. ${o.label}`,
      view: VIEW_NAMES[view],
      share: total > 0 ? viewValue(q, i, view) / total : 0,
      winner: q.winners[view] === i,
    }));
  });
}

/** Per option, the three views side by side as shares; ★ marks each view's winner; the caption says where they disagree. */
export function tallySpec(q: QuestionTally): TopLevelSpec {
  const subtitle = (q.changes.length ? q.changes : ['All three views agree.']).flatMap((sentence) => wrap(sentence, 100));
  const x = { field: 'option', type: 'nominal', title: null, sort: null, axis: { labelAngle: 0, labelLimit: 140 } } as const;
  const xOffset = { field: 'view', sort: Object.values(VIEW_NAMES) } as const;
  return {
    ...BASE,
    title: { text: `${q.id}: ${q.text}`.slice(0, 120), subtitle, anchor: 'start' },
    width: Math.max(480, q.options.length * 150),
    height: 220,
    data: { values: tallyRows(q) },
    encoding: { x, xOffset, y: { field: 'share', type: 'quantitative', title: 'share of the votes', axis: { format: '.0%' }, scale: { domain: [0, 1] } } },
    layer: [
      {
        mark: { type: 'bar', tooltip: true },
        encoding: {
          color: { field: 'view', type: 'nominal', sort: Object.values(VIEW_NAMES), title: 'view', scale: { range: ['#4c78a8', '#f58518', '#54a24b'] }, legend: { orient: 'bottom', labelLimit: 240 } },
          tooltip: [
            { field: 'option', title: 'option' },
            { field: 'view', title: 'view' },
            { field: 'share', title: 'share', format: '.1%' },
          ],
        },
      },
      { transform: [{ filter: 'datum.winner' }], mark: { type: 'text', dy: -8, fontSize: 14, text: '★' } },
    ],
  } as TopLevelSpec;
}

/** Names as the chart shows them (handles where allowed, else pseudonyms), by member key. */
export type NameOf = (memberKey: string) => string;

/** The split of the pool by member, coloured by tier; the largest first. */
export function rewardsSpec(report: RoundReport, nameOf: NameOf, limit = 40): TopLevelSpec {
  const tierOf = new Map(report.members.map((m) => [m.id, m.tier ?? NO_TIER]));
  const scale = 10 ** report.token.decimals;
  const rows = report.rewards.amounts.slice(0, limit).map((a) => ({ member: nameOf(a.member), tier: tierOf.get(a.member) ?? NO_TIER, tokens: Number(a.amount) / scale, amount: formatUnits(a.amount, report.token.decimals, 2) }));
  const shown = report.rewards.amounts.length > limit ? ` (largest ${limit} of ${report.rewards.amounts.length})` : '';
  return {
    ...BASE,
    title: { text: `Rewards of round ${report.round}${shown}`, subtitle: `${formatUnits(report.rewards.pool, report.token.decimals, 2)} ${report.token.symbol} in all`, anchor: 'start' },
    width: 420,
    height: { step: 16 },
    data: { values: rows },
    mark: { type: 'bar', tooltip: true },
    encoding: {
      y: { field: 'member', type: 'nominal', sort: null, title: null },
      x: { field: 'tokens', type: 'quantitative', title: report.token.symbol },
      color: tierColour(report),
      tooltip: [
        { field: 'member', title: 'member' },
        { field: 'tier', title: 'tier' },
        { field: 'amount', title: report.token.symbol },
      ],
    },
  } as TopLevelSpec;
}

function tierColour(report: RoundReport) {
  const tiers = [...new Set(report.members.map((m) => m.tier ?? NO_TIER))].sort((a, b) => (a === NO_TIER ? 1 : b === NO_TIER ? -1 : a < b ? -1 : 1));
  return { field: 'tier', type: 'nominal', title: 'tier', scale: { domain: tiers, range: tiers.map((t, i) => (t === NO_TIER ? '#bbbbbb' : TIER_COLOURS[i % TIER_COLOURS.length]!)) } } as const;
}

/** The voters of a question with the answer each chose, ordered by weight, heaviest first. */
/** The voting event shows at most this many voters, the heaviest: beyond that a chart is a smear, and a page megabytes. */
export const EVENT_VOTERS = 300;

export function voterRows(report: RoundReport, questionId: string, nameOf: NameOf, limit = EVENT_VOTERS) {
  const q = report.questions.find((x) => x.id === questionId)!;
  const choices = report.choicesOf(questionId);
  const tierOf = new Map(report.members.map((m) => [m.id, m.tier ?? NO_TIER]));
  const rows = [...choices]
    .map(([member, option]) => ({ member, option, power: report.powerOf(member) }))
    .filter((r) => r.power && r.power.tokens > 0n)
    .sort((a, b) => b.power!.weight - a.power!.weight || (a.member < b.member ? -1 : 1))
    .slice(0, limit);
  return rows.map((r, rank) => ({
    voter: nameOf(r.member),
    rank,
    tier: tierOf.get(r.member) ?? NO_TIER,
    tokens: formatUnits(r.power!.tokens, report.token.decimals, 2),
    weight: formatNumber(r.power!.weight, 4),
    size: r.power!.weight,
    answer: `${r.option + 1}. ${q.options[r.option]!.label}`,
    answerY: ((r.option + 0.5) / q.options.length) * Math.max(1, rows.length - 1),
  }));
}

/**
 * The voting event, as in the seed's picture: voters on the left ordered by weight and coloured by tier, a line to
 * the answer each chose on the right. Hovering a voter shows its tokens, tier and weight.
 */
export function votingEventSpec(report: RoundReport, questionId: string, nameOf: NameOf): TopLevelSpec {
  const q = report.questions.find((x) => x.id === questionId)!;
  const rows = voterRows(report, questionId, nameOf);
  const voters = q.options.reduce((n, o) => n + o.voters, 0);
  const shown = voters > rows.length ? ` The ${rows.length} heaviest of ${voters} voters.` : '';
  const answers = q.options.map((o, i) => ({ answer: `${i + 1}. ${o.label}`, answerY: ((i + 0.5) / q.options.length) * Math.max(1, rows.length - 1) }));
  const y = { type: 'quantitative' as const, axis: null, scale: { reverse: true, domain: [0, Math.max(1, rows.length - 1)] } };
  return {
    ...BASE,
    title: { text: `${q.id}: who voted for what`, subtitle: `Voters by weight (left), coloured by tier; each line goes to the answer chosen.${shown}`, anchor: 'start' },
    width: 360,
    height: Math.max(160, Math.min(900, rows.length * 9)),
    layer: [
      {
        data: { values: rows },
        mark: { type: 'rule', opacity: 0.35 },
        encoding: { x: { datum: 0, type: 'quantitative', axis: null, scale: { domain: [-0.1, 1.6] } }, x2: { datum: 1 }, y: { ...y, field: 'rank' }, y2: { field: 'answerY' }, color: tierColour(report), strokeWidth: { field: 'size', type: 'quantitative', legend: null, scale: { range: [0.5, 4] } } },
      },
      {
        data: { values: rows },
        mark: { type: 'point', filled: true, opacity: 1 },
        encoding: {
          x: { datum: 0, type: 'quantitative' },
          y: { ...y, field: 'rank' },
          color: tierColour(report),
          size: { field: 'size', type: 'quantitative', legend: null, scale: { range: [20, 300] } },
          tooltip: [
            { field: 'voter', title: 'voter' },
            { field: 'tokens', title: `${report.token.symbol} at snapshot` },
            { field: 'tier', title: 'tier' },
            { field: 'weight', title: 'weight' },
            { field: 'answer', title: 'answer' },
          ],
        },
      },
      {
        data: { values: answers },
        mark: { type: 'text', align: 'left', dx: 6, fontSize: 12, fontWeight: 'bold' },
        encoding: { x: { datum: 1, type: 'quantitative' }, y: { ...y, field: 'answerY' }, text: { field: 'answer' } },
      },
    ],
  } as TopLevelSpec;
}
