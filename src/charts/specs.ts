import type { TopLevelSpec } from 'vega-lite';
import type { RoundReport } from '../core/report.ts';
import { VIEWS, type QuestionTally, type View } from '../core/voting.ts';
import { formatNumber, formatUnits } from '../format/units.ts';
import { textWidth, wrapText } from './fonts.ts';

/**
 * The charts, as vega-lite specs built from a report: the same specs become PNGs in chat and interactive charts on
 * the results page. Pure functions of the report, so a chart shows exactly the numbers the tables show.
 *
 * Most members look at them on a phone: a chart is CHART_WIDTH pixels wide, so that it fits a 390-pixel screen beside
 * the page's margins without shrinking, and fitted to that screen as a PNG its smallest text (TEXT_SMALL) still shows
 * at 12 pixels or more; text is wrapped to that width, never cut.
 */

export const VIEW_NAMES: Record<View, string> = {
  tokenVotes: '1 token 1 vote',
  quadraticVotes: 'quadratic',
  qualifiedVotes: 'quadratic + reputation',
};
const VIEW_COLOURS: Record<View, string> = { tokenVotes: '#4c78a8', quadraticVotes: '#f58518', qualifiedVotes: '#54a24b' };

export const CHART_WIDTH = 340;
const TITLE = 16;
const TEXT = 14;
export const TEXT_SMALL = 13;

/** Each default tier keeps its colour whichever tiers a round has; other names get one from their name. */
const TIER_COLOURS: Record<string, string> = { A: '#1b7837', B: '#5aae61', C: '#a6dba0', D: '#c2a5cf' };
const OTHER_TIER_COLOURS = ['#762a83', '#e08214', '#2166ac', '#b2182b', '#35978f', '#8c510a'];
const NO_TIER = 'no tier';
const NO_TIER_COLOUR = '#bbbbbb';

export function tierColour(tier: string): string {
  if (tier === NO_TIER) return NO_TIER_COLOUR;
  if (Object.hasOwn(TIER_COLOURS, tier)) return TIER_COLOURS[tier]!;
  let hash = 0;
  for (const char of tier) hash = (hash * 31 + char.codePointAt(0)!) >>> 0;
  return OTHER_TIER_COLOURS[hash % OTHER_TIER_COLOURS.length]!;
}

const BASE = {
  $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
  // no background of its own: resvg paints the PNG white around the ink it crops to, pages are white already
  background: 'transparent',
  // the chart is its own width on a page; PNGs get their margin when they are cut to their ink
  padding: 0,
  config: {
    font: 'DejaVu Sans',
    view: { stroke: null },
    axis: { labelFontSize: TEXT_SMALL, titleFontSize: TEXT_SMALL },
    legend: { labelFontSize: TEXT_SMALL, titleFontSize: TEXT_SMALL, symbolSize: 120 },
    title: { fontSize: TITLE, subtitleFontSize: TEXT, anchor: 'start', subtitlePadding: 4, offset: 12 },
  },
} as const;

/** A title and its subtitle, wrapped to the chart's width. */
const titleOf = (text: string, subtitle: string[]) => ({
  text: wrapText(text, CHART_WIDTH, TITLE, 'bold'),
  subtitle: subtitle.flatMap((s) => wrapText(s, CHART_WIDTH, TEXT)),
});

const viewValue = (q: QuestionTally, i: number, view: View) => {
  const o = q.options[i]!;
  return view === 'tokenVotes' ? Number(o.tokenVotes) : view === 'quadraticVotes' ? o.quadraticVotes : o.qualifiedVotes;
};

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

const BAR = 15;
const BAR_GAP = 3;
const LINE = 18;
const OPTION_GAP = 12;
/** A position in pixels: the charts laid out here (not by vega-lite) give their coordinates as data. */
const pixels = (field: string) => ({ field, type: 'quantitative', scale: null, axis: null }) as const;
const percent = (share: number) => `${(share * 100).toFixed(1)}%`;

/**
 * Per option, its full label (wrapped) and a bar per view with its share; ★ marks each view's winner; the title is
 * the question and the caption says where the views disagree. Laid out here, in pixels, because vega-lite does not
 * wrap text: the labels are rows of their own above their bars. `titled: false` leaves out the question and the
 * caption, for a page that shows them as text.
 */
export function tallySpec(q: QuestionTally, { titled = true } = {}): TopLevelSpec {
  const rows = tallyRows(q);
  const longest = Math.max(...rows.map((r) => textWidth(`${percent(r.share)}${r.winner ? ' ★' : ''}`, TEXT_SMALL)));
  const barLength = CHART_WIDTH - longest - 6;
  const labels: { x: number; y: number; text: string }[] = [];
  const bars: { x: number; x2: number; y: number; y2: number; colour: string; option: string; view: string; share: string; value: string; valueX: number }[] = [];
  let y = 0;
  q.options.forEach((o, i) => {
    for (const line of wrapText(`${i + 1}. ${o.label}`, CHART_WIDTH, TEXT, 'bold')) {
      labels.push({ x: 0, y, text: line });
      y += LINE;
    }
    y += 2;
    for (const view of VIEWS) {
      const row = rows.find((r) => r.view === VIEW_NAMES[view] && r.option === `${i + 1}. ${o.label}`)!;
      const end = Math.max(1, row.share * barLength);
      bars.push({ x: 0, x2: end, y, y2: y + BAR, colour: VIEW_COLOURS[view], option: row.option, view: row.view, share: percent(row.share), value: `${percent(row.share)}${row.winner ? ' ★' : ''}`, valueX: end + 4 });
      y += BAR + BAR_GAP;
    }
    y += OPTION_GAP;
  });
  // The legend, as rows of swatches that wrap like text.
  const legend: { x: number; x2: number; y: number; y2: number; colour: string; text: string }[] = [];
  let x = 0;
  for (const view of VIEWS) {
    const width = 18 + textWidth(VIEW_NAMES[view], TEXT_SMALL) + 14;
    if (x > 0 && x + width > CHART_WIDTH) (x = 0), (y += LINE);
    legend.push({ x, x2: x + 13, y: y + 2, y2: y + 15, colour: VIEW_COLOURS[view], text: VIEW_NAMES[view] });
    x += width;
  }
  const text = (values: { x: number; y: number; text: string }[], mark: Record<string, unknown>, dx = 0) => ({
    data: { values },
    mark: { type: 'text', align: 'left', baseline: 'top', dx, ...mark },
    encoding: { x: pixels('x'), y: pixels('y'), text: { field: 'text' } },
  });
  const rects = (values: object[], tooltip?: object) => ({
    data: { values },
    mark: { type: 'rect', ...(tooltip && { tooltip: true }) },
    encoding: { x: pixels('x'), x2: { field: 'x2' }, y: pixels('y'), y2: { field: 'y2' }, color: { field: 'colour', type: 'nominal', scale: null }, ...(tooltip && { tooltip }) },
  });
  return {
    ...BASE,
    ...(titled && { title: titleOf(`${q.id}: ${q.text}`, q.changes.length ? q.changes : ['All three views agree.']) }),
    width: CHART_WIDTH,
    height: y + LINE,
    layer: [
      text(labels, { fontSize: TEXT, fontWeight: 'bold' }),
      rects(bars, [
        { field: 'option', title: 'option' },
        { field: 'view', title: 'view' },
        { field: 'share', title: 'share' },
      ]),
      {
        data: { values: bars },
        mark: { type: 'text', align: 'left', baseline: 'middle', fontSize: TEXT_SMALL, dy: BAR / 2 },
        encoding: { x: pixels('valueX'), y: pixels('y'), text: { field: 'value' } },
      },
      rects(legend),
      text(legend, { fontSize: TEXT_SMALL }, 18),
    ],
  } as TopLevelSpec;
}

/** Names as the chart shows them (handles where allowed, else pseudonyms), by member key. */
export type NameOf = (memberKey: string) => string;

/** The colour scale of the tiers in `shown` only, so the legend lists what the chart shows; A–D, then others, no tier last. */
function tierScale(shown: Iterable<string>) {
  const order = (t: string) => (t === NO_TIER ? 2 : Object.hasOwn(TIER_COLOURS, t) ? 0 : 1);
  const tiers = [...new Set(shown)].sort((a, b) => order(a) - order(b) || (a < b ? -1 : a > b ? 1 : 0));
  return { field: 'tier', type: 'nominal', title: 'tier', scale: { domain: tiers, range: tiers.map(tierColour) } } as const;
}

/** Longest a member's name is shown beside its bar before it is cut with an ellipsis (the tooltip has it whole). */
const NAME_LIMIT = 120;

/** What the reward chart shows: the recipients in the split's order (all, or the first of them), and how many there are. */
export interface RewardsChartInput {
  round: string;
  token: { symbol: string; decimals: number };
  pool: bigint;
  top: readonly { member: string; tier: string | null; amount: bigint }[];
  recipients: number;
}

/** A report's split as the reward chart takes it: every recipient, with their tier. */
export function rewardsChartInput(report: RoundReport): RewardsChartInput {
  const tierOf = new Map(report.members.map((m) => [m.id, m.tier]));
  const paid = report.rewards.amounts.filter((a) => a.amount > 0n);
  return { round: report.round, token: report.token, pool: report.rewards.pool, top: paid.map((a) => ({ ...a, tier: tierOf.get(a.member) ?? null })), recipients: paid.length };
}

/** The split of the pool by member, coloured by tier; the largest first; members who get nothing are left out. */
export function rewardsSpec(split: RewardsChartInput, nameOf: NameOf, limit = 40): TopLevelSpec {
  const scale = 10 ** split.token.decimals;
  const rows = split.top
    .filter((a) => a.amount > 0n)
    .slice(0, limit)
    .map((a) => ({ member: nameOf(a.member), tier: a.tier ?? NO_TIER, tokens: Number(a.amount) / scale, amount: formatUnits(a.amount, split.token.decimals, 2) }));
  const shown = split.recipients > limit ? ` (largest ${limit} of ${split.recipients})` : '';
  const names = Math.min(NAME_LIMIT, Math.max(0, ...rows.map((r) => textWidth(r.member, TEXT_SMALL))));
  return {
    ...BASE,
    title: titleOf(`Rewards of round ${split.round}${shown}`, [`${formatUnits(split.pool, split.token.decimals, 2)} ${split.token.symbol} in all`]),
    // the names, their ticks and the axis' last label take the rest of the width
    width: CHART_WIDTH - names - 36,
    height: { step: 18 },
    data: { values: rows },
    mark: { type: 'bar', tooltip: true },
    encoding: {
      y: { field: 'member', type: 'nominal', sort: null, title: null, axis: { labelLimit: NAME_LIMIT } },
      x: { field: 'tokens', type: 'quantitative', title: split.token.symbol, axis: { tickCount: 4, format: '~s' } },
      color: { ...tierScale(rows.map((r) => r.tier)), legend: { orient: 'top', direction: 'horizontal', title: null } },
      tooltip: [
        { field: 'member', title: 'member' },
        { field: 'tier', title: 'tier' },
        { field: 'amount', title: split.token.symbol },
      ],
    },
  } as TopLevelSpec;
}

/** The voting event shows at most this many voters, the heaviest: beyond that a chart is a smear, and a page megabytes. */
export const EVENT_VOTERS = 300;

/**
 * The voters of a question with the answers each chose, ordered by weight, heaviest first: a row per answer, so an
 * approval ballot has a row for every option it ticks (each gets the voter's full weight); a ranked ballot's row is
 * its first preference, which the poll's option figures count.
 */
export function voterRows(report: RoundReport, questionId: string, nameOf: NameOf, limit = EVENT_VOTERS) {
  const q = report.questions.find((x) => x.id === questionId)!;
  const choices = report.choicesOf(questionId);
  const ticked = q.type === 'approval' ? report.ballotsOf(questionId) : undefined;
  const tierOf = new Map(report.members.map((m) => [m.id, m.tier ?? NO_TIER]));
  return [...choices]
    .map(([member, option]) => ({ member, options: ticked?.get(member) ?? [option], power: report.powerOf(member) }))
    .filter((r) => r.power && r.power.tokens > 0n)
    .sort((a, b) => b.power!.weight - a.power!.weight || (a.member < b.member ? -1 : 1))
    .slice(0, limit)
    .flatMap((r, rank) =>
      r.options.map((option) => ({
        voter: nameOf(r.member),
        rank,
        option,
        tier: tierOf.get(r.member) ?? NO_TIER,
        tokens: formatUnits(r.power!.tokens, report.token.decimals, 2),
        weight: formatNumber(r.power!.weight, 4),
        size: r.power!.weight,
        answer: `${option + 1}. ${q.options[option]!.label}`,
      })),
    );
}

/** Where the voting event puts its voters (a column on the left) and its answers (wrapped, from ANSWER_X). */
const VOTER_X = 10;
const ANSWER_X = 150;

/**
 * The voting event, as in the seed's picture: voters on the left ordered by weight and coloured by tier, a line to
 * the answer each chose on the right. Hovering a voter shows its tokens, tier and weight.
 */
export function votingEventSpec(report: RoundReport, questionId: string, nameOf: NameOf): TopLevelSpec {
  const q = report.questions.find((x) => x.id === questionId)!;
  const voters = voterRows(report, questionId, nameOf);
  // an approval ballot has a row per ticked option and counts in the voters of each: voters are counted once here
  const drawn = voters.length === 0 ? 0 : voters[voters.length - 1]!.rank + 1;
  const everyone = q.type === 'approval' ? [...report.choicesOf(questionId).keys()].filter((m) => (report.powerOf(m)?.tokens ?? 0n) > 0n).length : q.options.reduce((n, o) => n + o.voters, 0);
  const shown = everyone > drawn ? ` The ${drawn} heaviest of ${everyone} voters.` : '';
  const height = Math.max(160, Math.min(900, drawn * 9));
  const voterY = (rank: number) => 8 + (rank / Math.max(1, drawn - 1)) * (height - 16);
  const answerY = (option: number) => ((option + 0.5) / q.options.length) * height;
  const rows = voters.map((v) => ({ ...v, x: VOTER_X, y: voterY(v.rank), x2: ANSWER_X - 4, y2: answerY(v.option) }));
  const answers = q.options.map((o, i) => {
    const lines = wrapText(`${i + 1}. ${o.label}`, CHART_WIDTH - ANSWER_X, TEXT_SMALL, 'bold');
    return { x: ANSWER_X, y: answerY(i) - ((lines.length - 1) * LINE) / 2, text: lines };
  });
  const colour = { ...tierScale(rows.map((r) => r.tier)), legend: { orient: 'bottom', direction: 'horizontal', title: 'voter tier', symbolOpacity: 1 } };
  return {
    ...BASE,
    title: titleOf(`${q.id}: who voted for what`, [`Voters by weight (left), coloured by tier; each line goes to the answer chosen.${shown}`]),
    width: CHART_WIDTH,
    height,
    layer: [
      {
        data: { values: rows },
        mark: { type: 'rule', opacity: 0.35 },
        encoding: { x: pixels('x'), x2: { field: 'x2' }, y: pixels('y'), y2: { field: 'y2' }, color: colour, strokeWidth: { field: 'size', type: 'quantitative', legend: null, scale: { range: [0.5, 4] } } },
      },
      {
        data: { values: rows },
        mark: { type: 'point', filled: true, opacity: 1 },
        encoding: {
          x: pixels('x'),
          y: pixels('y'),
          color: colour,
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
        mark: { type: 'text', align: 'left', baseline: 'top', fontSize: TEXT_SMALL, fontWeight: 'bold', lineHeight: LINE },
        encoding: { x: pixels('x'), y: pixels('y'), text: { field: 'text' } },
      },
    ],
  } as TopLevelSpec;
}
