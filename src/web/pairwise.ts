import { computePairwiseReport, type PairwiseReport } from '../core/pairwise/report.ts';
import { projectTree } from '../core/pairwise/tree.ts';
import { PairwiseError, type PairwiseRound } from '../core/pairwise/types.ts';
import type { Db } from '../db/database.ts';
import { exportPairwiseRound } from '../db/pairwise.ts';
import type { PairwiseRoundRow } from '../db/schema.ts';
import { formatUnits } from '../format/units.ts';
import { html, sendPage, type Html, type Page } from './html.ts';
import { send, type WebServer } from './server.ts';

const ROUND_ID = /^[0-9a-f-]{36}$/;
const percent = (x: number) => `${(x * 100).toFixed(2)}%`;
const figure = (x: number | null, digits: number) => (x === null ? '–' : x.toFixed(digits));

/** On a phone the bars and the secondary columns (win rate, compared, cycles, best fit, log-loss) give way; the desktop shows all. */
const CSS = `body{font:16px/1.45 system-ui,sans-serif;margin:0;color:#1b1f24;background:#fff}
main{max-width:64rem;margin:0 auto;padding:1rem}
h1{font-size:1.4rem;margin:.2rem 0}h2{font-size:1.15rem;margin:1.6rem 0 .4rem}
p{margin:.4rem 0}.muted{color:#57606a}
.scroll{overflow-x:auto;max-width:100%}
table{border-collapse:collapse;font-variant-numeric:tabular-nums}
th,td{padding:.3rem .5rem;border-bottom:1px solid #d0d7de;text-align:right;white-space:nowrap}
th:first-child,td:first-child{text-align:left;white-space:normal;overflow-wrap:anywhere;min-width:7rem}
svg.bar{width:5rem;height:.6rem}svg.bar rect{fill:#0969da}
.graphs{display:flex;flex-wrap:wrap;gap:1rem}
figure{margin:0;width:20rem;max-width:100%}figure svg{width:100%;height:auto}figcaption{font-weight:600}
svg.graph line{stroke:#0969da;stroke-opacity:.55}svg.graph circle{fill:#fff;stroke:#1b1f24}svg.graph text{font-size:11px;fill:#1b1f24}
code{background:#f6f8fa;padding:.1rem .3rem;border-radius:3px;overflow-wrap:anywhere}
a{color:#0969da;overflow-wrap:anywhere}
@media (max-width:600px){main{padding:.6rem}table{font-size:.8rem;width:100%}th,td{padding:.25rem .2rem;white-space:normal}th:first-child,td:first-child{min-width:0;overflow-wrap:normal}.bar-cell,.opt{display:none}.in{display:block}}`;

function weightsTable(report: PairwiseReport): Html {
  const { decimals, symbol } = report.token;
  const top = Math.max(...report.projects.map((p) => p.weight), 1e-12);
  const name = new Map(report.projects.map((p) => [p.id, p.name]));
  const rows = [...report.projects].sort((x, y) => y.weight - x.weight || (x.id < y.id ? -1 : 1));
  return html`<div class="scroll"><table class="weights"><thead><tr><th>project</th><th>weight</th><th>90% interval</th><th class="bar-cell"></th><th class="opt">win rate</th><th class="opt">compared</th><th>funding (${symbol})</th></tr></thead><tbody>
${rows.map(
  (p) =>
    html`<tr><td>${p.name}${p.parent === null ? '' : html` <span class="muted in">in ${name.get(p.parent) ?? p.parent}</span>`}</td><td>${percent(p.weight)}</td><td>${percent(p.interval[0])}–<wbr>${percent(p.interval[1])}</td><td class="bar-cell"><svg class="bar" viewBox="0 0 100 8" preserveAspectRatio="none" role="img" aria-label="${percent(p.weight)}"><rect width="${((p.weight / top) * 100).toFixed(2)}" height="8"></rect></svg></td><td class="opt">${p.winRate === null ? '–' : percent(p.winRate)}</td><td class="opt">${p.comparisons}</td><td>${p.funding === null ? 'via its parts' : formatUnits(p.funding, decimals, 6)}</td></tr>\n`,
)}</tbody></table></div>`;
}

/** Each sibling group's comparison graph: its projects on a circle, a line per compared pair, thicker the more often. */
function comparisonGraphs(round: PairwiseRound): Html {
  const tree = projectTree(round.projects);
  const counts = new Map<string, number>();
  for (const c of round.comparisons) {
    const k = c.a < c.b ? `${c.a}\u0000${c.b}` : `${c.b}\u0000${c.a}`;
    counts.set(k, (counts.get(k) ?? 0) + 1);
  }
  const most = Math.max(1, ...counts.values());
  const name = new Map(round.projects.map((p) => [p.id, p.name]));
  return html`<div class="graphs">${tree.groups.map((g) => {
    if (g.members.length < 2) return '';
    const ids = g.members.map((m) => round.projects[m]!.id);
    const at = ids.map((_, k) => {
      const angle = (2 * Math.PI * k) / ids.length - Math.PI / 2;
      return { x: 160 + 95 * Math.cos(angle), y: 130 + 95 * Math.sin(angle) };
    });
    const lines = ids.flatMap((a, i) =>
      ids.slice(i + 1).flatMap((b, d) => {
        const n = counts.get(a < b ? `${a}\u0000${b}` : `${b}\u0000${a}`) ?? 0;
        const j = i + 1 + d;
        return n === 0 ? [] : [html`<line x1="${at[i]!.x.toFixed(1)}" y1="${at[i]!.y.toFixed(1)}" x2="${at[j]!.x.toFixed(1)}" y2="${at[j]!.y.toFixed(1)}" stroke-width="${(1 + (5 * n) / most).toFixed(1)}"><title>${name.get(a)} – ${name.get(b)}: ${n}</title></line>`];
      }),
    );
    const labels = ids.map((id, k) => {
      const anchor = at[k]!.x < 150 ? 'end' : at[k]!.x > 170 ? 'start' : 'middle';
      const dx = anchor === 'end' ? -8 : anchor === 'start' ? 8 : 0;
      const dy = at[k]!.y < 130 ? -8 : 16;
      return html`<circle cx="${at[k]!.x.toFixed(1)}" cy="${at[k]!.y.toFixed(1)}" r="5"></circle><text x="${(at[k]!.x + dx).toFixed(1)}" y="${(at[k]!.y + dy).toFixed(1)}" text-anchor="${anchor}">${(name.get(id) ?? id).slice(0, 18)}</text>`;
    });
    return html`<figure><figcaption>${g.parent === null ? round.root : name.get(g.parent)}</figcaption><svg class="graph" viewBox="0 0 320 260" role="img" aria-label="comparisons among the projects of ${g.parent === null ? round.root : name.get(g.parent)}">${lines}${labels}</svg></figure>`;
  })}</div>`;
}

function jurorsTable(report: PairwiseReport): Html {
  return html`<div class="scroll"><table class="jurors"><thead><tr><th>juror</th><th>compared</th><th>residual</th><th>scale</th><th class="opt">cycles</th><th class="opt">best fit</th>${report.jurorWeighting === 'reliability' ? html`<th>weight</th>` : ''}</tr></thead><tbody>
${report.jurors.map((j) => html`<tr><td>${j.handle}</td><td>${j.comparisons}</td><td>${figure(j.residual, 3)}</td><td>${figure(j.scale, 2)}</td><td class="opt">${j.cycles}</td><td class="opt">${j.bestFit ?? '–'}</td>${report.jurorWeighting === 'reliability' ? html`<td>${j.weight.toFixed(3)}</td>` : ''}</tr>\n`)}</tbody></table></div>`;
}

function leaderboard(report: PairwiseReport): Html {
  if (report.submissions.length === 0) return html`<p class="muted">No submissions.</p>`;
  const rows = [...report.submissions].sort((x, y) => (x.rank ?? Infinity) - (y.rank ?? Infinity) || (x.id < y.id ? -1 : 1));
  return html`<div class="scroll"><table class="leaderboard"><thead><tr><th>submission</th><th>rank</th><th>score</th><th class="opt">log-loss</th><th class="opt">winners right</th></tr></thead><tbody>
${rows.map((s) => html`<tr><td>${s.id} <span class="muted">${s.author}</span></td><td>${s.rank ?? '–'}</td><td>${figure(s.score, 6)}</td><td class="opt">${figure(s.logLoss, 6)}</td><td class="opt">${s.winnersRight === null ? '–' : percent(s.winnersRight)}</td></tr>\n`)}</tbody></table></div>`;
}

/** The public page of a pairwise round: weights with intervals and win rates, the comparison graph, jurors, leaderboard, the file. */
export function pairwisePage(row: PairwiseRoundRow, round: PairwiseRound, report: PairwiseReport | { problem: string }): Page {
  const hidden = row.phase !== 'closed' && !row.weights_before_close;
  const file = `${row.key}.json`;
  const results =
    'problem' in report
      ? html`<p>No weights yet: ${report.problem}</p>`
      : hidden
        ? html`<p>The weights are shown when the round closes, so that jurors judge without them.</p>`
        : html`<h2>Weights</h2><p class="muted">${report.aggregation} aggregation, juror weighting ${report.jurorWeighting}; ${report.fitted} comparisons fitted${report.holdout.length ? `, ${report.holdout.length} held out for scoring` : ''}. Pool ${formatUnits(report.pool, report.token.decimals)} ${report.token.symbol}.</p>${weightsTable(report)}
<h2>Jurors</h2><p class="muted">Pseudonymous. Residual: against the fit of everyone else's comparisons; scale above 1 exaggerates; cycles: own answers on a cycle.</p>${jurorsTable(report)}
<h2>Submissions</h2>${leaderboard(report)}`;
  return {
    title: `${row.name} — what mattered to ${row.root}`,
    css: CSS,
    body: html`<body><main>
<h1>${row.name}</h1>
<p>What mattered to ${row.root}? Jurors compared ${round.projects.length} projects pair by pair: ${round.comparisons.length} comparisons by ${round.jurors.length} jurors. The round is ${row.phase}.</p>
${results}
<h2>Comparisons</h2>${comparisonGraphs(round)}
<h2>Recompute it</h2><p><a href="${`/pairwise/${row.id}/${file}`}" download="${file}">Download the round file (${file})</a>, then run <code>npx govbot replay ${file}</code> (add <code>--json</code> for every figure; <code>npx govbot pairwise next ${file} --juror ID</code> gives the pairs the bot would ask next).</p>
</main></body>`,
  };
}

/** `/pairwise/ID` (the page) and `/pairwise/ID/KEY.json` (the round file) of every pairwise round. */
export function pairwiseRoutes(server: WebServer, db: Db): void {
  server.routePrefix('/pairwise/', async (req, res) => {
    const [id, file = '', ...rest] = new URL(req.url ?? '/', 'http://localhost').pathname.slice('/pairwise/'.length).split('/');
    const row = id && ROUND_ID.test(id) && rest.length === 0 ? await db.selectFrom('pairwise_rounds').selectAll().where('id', '=', id).executeTakeFirst() : undefined;
    if (!row || (file !== '' && file !== `${row.key}.json`)) return send(res, 404, 'text/plain; charset=utf-8', 'There is no such round.\n');
    const exported = await exportPairwiseRound(db, row);
    if (file) return send(res, 200, 'application/json; charset=utf-8', exported.file, { 'content-disposition': `attachment; filename="${row.key}.json"`, 'x-content-type-options': 'nosniff' });
    let report: PairwiseReport | { problem: string };
    try {
      report = computePairwiseReport(exported.round);
    } catch (error) {
      if (!(error instanceof PairwiseError)) throw error;
      report = { problem: error.message };
    }
    sendPage(res, 200, pairwisePage(row, exported.round, report), { 'cache-control': 'no-cache' });
  });
}
