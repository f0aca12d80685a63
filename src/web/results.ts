import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { promisify } from 'node:util';
import { gzip } from 'node:zlib';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { projectFile } from '../paths.ts';
import { toVega } from '../charts/render.ts';
import { rewardsSpec, tallySpec, VIEW_NAMES, votingEventSpec } from '../charts/specs.ts';
import { reportJson } from '../core/report.ts';
import { VIEWS } from '../core/voting.ts';
import type { Db } from '../db/database.ts';
import { roundVersion } from '../db/standings.ts';
import { formatNumber, formatUnits } from '../format/units.ts';
import { loadPublicRound, type PublicRound } from '../results/public.ts';
import { publishedTiers, rewardsStatus, withPublishedRewards } from '../results/published.ts';
import { serializeRoundFile } from '../roundfile/schema.ts';
import type { RoundRow } from '../db/schema.ts';
import { html, pageDocument, trusted, type Html, type Page } from './html.ts';
import { send, type WebServer } from './server.ts';

const VEGA = join(dirname(createRequire(import.meta.url).resolve('vega/vega-schema.json')), 'vega.min.js');
const SCRIPT = projectFile('assets/web/results.js');
const gzipAsync = promisify(gzip);

/**
 * vega's expression interpreter, so that the charts draw without `eval` (the page's Content-Security-Policy allows
 * none). The package ships only as an ES module importing vega-util by name; vega's browser build, already on the
 * page, carries those functions, so the module is served as a plain script taking them from it: no bundler needed.
 */
function interpreterScript(): string {
  const source = readFileSync(createRequire(import.meta.url).resolve('vega-interpreter'), 'utf8');
  const imports = /^import \{([^}]*)\} from 'vega-util';$/m;
  const exported = /^export \{ expression as expressionInterpreter \};$/m;
  if (!imports.test(source) || !exported.test(source)) throw new Error('vega-interpreter changed shape: its import of vega-util or its export is not where the results page expects it');
  return `(function () {\n${source.replace(imports, 'var {$1} = vega;').replace(exported, 'window.vegaExpressionInterpreter = expression;')}\n})();\n`;
}
const ROUND_ID = /^[0-9a-f-]{36}$/;

/** JSON inside a <script> element, which the browser does not unescape: nothing in it may close the element. */
const scriptJson = (value: unknown) => JSON.stringify(value).replace(/</g, '\\u003c');

/**
 * The public results page of a round (`/rounds/ID`), with its round file and report JSON beside it: no login, no chat
 * user ids, handles only of members who allowed it. Charts are the chat's vega-lite specs, drawn by vega in the page.
 */
export function resultsRoutes(server: WebServer, db: Db): void {
  const vega = readFileSync(VEGA, 'utf8');
  const interpreter = interpreterScript();
  const script = readFileSync(SCRIPT, 'utf8');
  server.route('/assets/vega.min.js', (_req, res) => send(res, 200, 'text/javascript; charset=utf-8', vega, { 'cache-control': 'public, max-age=86400' }));
  server.route('/assets/vega-interpreter.js', (_req, res) => send(res, 200, 'text/javascript; charset=utf-8', interpreter, { 'cache-control': 'public, max-age=86400' }));
  server.route('/assets/results.js', (_req, res) => send(res, 200, 'text/javascript; charset=utf-8', script));
  const built = new BuiltPages();
  server.routePrefix('/rounds/', async (req, res) => {
    const [id, file = '', ...rest] = new URL(req.url ?? '/', 'http://localhost').pathname.slice('/rounds/'.length).split('/');
    const round = id && ROUND_ID.test(id) && rest.length === 0 ? await db.selectFrom('rounds').selectAll().where('id', '=', id).executeTakeFirst() : undefined;
    if (!round) return send(res, 404, 'text/plain; charset=utf-8', 'There is no such round.\n');
    if (!Object.hasOwn(FILES, file)) return send(res, 404, 'text/plain; charset=utf-8', 'Not found.\n');
    const body = await built.get(db, round, file as keyof typeof FILES);
    // The ETag names the round's state: a client that has it is told nothing changed, without a byte of the page.
    if (req.headers['if-none-match'] === body.etag) {
      res.writeHead(304, { etag: body.etag, 'last-modified': body.lastModified, 'cache-control': 'no-cache' });
      return void res.end();
    }
    const gzip = /\bgzip\b/.test(String(req.headers['accept-encoding'] ?? ''));
    const bytes = gzip ? body.gzip : body.raw;
    res.writeHead(200, {
      ...body.headers,
      'content-length': bytes.length,
      etag: body.etag,
      'last-modified': body.lastModified,
      // Always asked again (cheaply, by ETag): a poll that closes shows its results at once.
      'cache-control': 'no-cache',
      vary: 'accept-encoding',
      'x-content-type-options': 'nosniff',
      ...(gzip && { 'content-encoding': 'gzip' }),
    });
    res.end(bytes);
  });
}

/** What a round's address serves, by the name after `/rounds/ID/`. */
const FILES = {
  '': async (round: RoundRow, pub: PublicRound & { openPolls: string[] }) => {
    const { markup, csp } = pageDocument(await resultsPage(round, pub));
    return { text: markup, headers: { 'content-type': 'text/html; charset=utf-8', 'content-security-policy': csp } };
  },
  'round.json': async (round: RoundRow, pub: PublicRound) => ({ text: serializeRoundFile(pub.data), headers: { 'content-type': 'application/json', 'content-disposition': `attachment; filename="${round.key}.json"` } }),
  'report.json': async (_round: RoundRow, pub: PublicRound) => ({ text: reportJson(pub.report), headers: { 'content-type': 'application/json' } }),
};

interface Body {
  raw: Buffer;
  gzip: Buffer;
  headers: Record<string, string>;
  etag: string;
  lastModified: string;
}

/** Rounds whose built files are kept; the least recently asked for is dropped first. */
const KEPT_ROUNDS = 16;

/**
 * Pages and files built once per state of a round, compressed once, and kept until the round changes. The state is
 * the round's version (moved on by every write its results depend on, see migrations/0009_standings.ts), its phase,
 * its latest published split and the community's members (whose mentions the public texts hide): a page is never
 * served from before a change, and a round nobody changes costs one small query per request.
 */
class BuiltPages {
  readonly #rounds = new Map<string, { key: string; at: string; files: Map<string, Promise<Body>> }>();

  async get(db: Db, round: RoundRow, file: keyof typeof FILES): Promise<Body> {
    const key = await stateOf(db, round);
    let entry = this.#rounds.get(round.id);
    if (entry?.key !== key) entry = { key, at: new Date().toUTCString(), files: new Map() };
    this.#rounds.delete(round.id);
    this.#rounds.set(round.id, entry);
    for (const old of [...this.#rounds.keys()].slice(0, Math.max(0, this.#rounds.size - KEPT_ROUNDS))) this.#rounds.delete(old);
    let body = entry.files.get(file);
    if (!body) {
      const { at } = entry;
      body = (async () => {
        const { text, headers } = await FILES[file](round, await loadPublicRound(db, round));
        const raw = Buffer.from(text, 'utf8');
        return { raw, gzip: await gzipAsync(raw), headers, etag: `"${createHash('sha256').update(key).update(file).digest('base64url').slice(0, 27)}"`, lastModified: at };
      })();
      entry.files.set(file, body);
      // A build that fails is not kept: the next request tries again.
      body.catch(() => entry.files.delete(file));
    }
    return body;
  }
}

async function stateOf(db: Db, round: RoundRow): Promise<string> {
  const [version, publication, members] = await Promise.all([
    roundVersion(db, round.id),
    db.selectFrom('reward_publications').select((eb) => eb.fn.max('version').as('version')).where('round_id', '=', round.id).executeTakeFirst(),
    db.selectFrom('members').select((eb) => eb.fn.countAll().as('count')).where('community_id', '=', round.community_id).executeTakeFirst(),
  ]);
  return [version?.version, round.phase, publication?.version ?? 0, members?.count ?? 0].join(' ');
}

const CSS = `body{font-family:system-ui,-apple-system,"Segoe UI",sans-serif;margin:0;color:#1d1d1f;background:#fafafa;line-height:1.45}
main{max-width:900px;margin:0 auto;padding:16px}
h1{font-size:1.6rem;margin:.5rem 0}h2{font-size:1.2rem;margin-top:2rem}h3{font-size:1rem}
section{background:#fff;border-radius:10px;padding:12px 16px;margin:16px 0;box-shadow:0 1px 3px rgba(0,0,0,.08)}
.scroll{overflow-x:auto}table{border-collapse:collapse;width:100%;font-size:.9rem}
th,td{padding:4px 8px;border-bottom:1px solid #eee;text-align:left;white-space:nowrap}td.n{text-align:right;font-variant-numeric:tabular-nums}
.chart{overflow-x:auto;max-width:100%;-webkit-overflow-scrolling:touch}
.change{font-weight:600}.hint{color:#666;font-size:.85rem}
pre{background:#f0f0f0;padding:8px;border-radius:6px;overflow-x:auto}
#tooltip{position:fixed;pointer-events:none;background:#222;color:#fff;padding:6px 8px;border-radius:6px;font-size:.85rem;white-space:pre;z-index:10}`;

/** A table shows the first rows; a large round's page stays small, and the report JSON it links has every member. */
const TABLE_ROWS = 200;
const more = (rows: number) => (rows > TABLE_ROWS ? html`<p class="hint">The first ${TABLE_ROWS} of ${rows} members; the report JSON below has every one.</p>` : '');

/** The page itself: tables carry the exact report values (data-value), charts their vega specs. */
export async function resultsPage(round: RoundRow, { data, report, published, nameOf, openPolls }: PublicRound & { openPolls: string[] }): Promise<Page> {
  const { token } = report;
  // the name as the public round has it: mentions in it name members by key
  const { name } = data.round;
  const specs: Record<string, unknown> = {};
  const questions: Html[] = [];
  for (const q of report.questions) {
    specs[`tally-${q.id}`] = await toVega(tallySpec(q));
    specs[`event-${q.id}`] = await toVega(votingEventSpec(report, q.id, nameOf));
    const rows = q.options.map((o, i) => {
      const mark = (view: (typeof VIEWS)[number]) => (q.winners[view] === i ? ' ★' : '');
      return html`<tr data-option="${i + 1}"><td>${i + 1}. ${o.label}</td><td class="n" data-field="voters" data-value="${o.voters}">${o.voters}</td><td class="n" data-field="tokenVotes" data-value="${o.tokenVotes}">${formatUnits(o.tokenVotes, token.decimals, 2)}${mark('tokenVotes')}</td><td class="n" data-field="quadraticVotes" data-value="${o.quadraticVotes}">${formatNumber(o.quadraticVotes)}${mark('quadraticVotes')}</td><td class="n" data-field="qualifiedVotes" data-value="${o.qualifiedVotes}">${formatNumber(o.qualifiedVotes)}${mark('qualifiedVotes')}</td></tr>`;
    });
    questions.push(html`<section class="question" data-question="${q.id}">
<h2>${q.id}: ${q.text}</h2>
<div class="chart" data-spec="tally-${q.id}"></div>
<div class="scroll"><table class="tally"><thead><tr><th>option</th><th>voters</th><th>${VIEW_NAMES.tokenVotes} (${token.symbol})</th><th>${VIEW_NAMES.quadraticVotes}</th><th>${VIEW_NAMES.qualifiedVotes}</th></tr></thead><tbody>${rows}</tbody></table></div>
${(q.changes.length ? q.changes : ['All three views agree.']).map((c) => html`<p class="change">${c}</p>`)}
<h3>The voting event</h3>
<p class="hint">Hover or tap a voter to see its tokens, tier and weight.</p>
<div class="chart event" data-spec="event-${q.id}"></div>
</section>
`);
  }
  // The split shown is the published one once there is one: final, even if the rules changed since.
  const shown = withPublishedRewards(report, published);
  specs['rewards'] = await toVega(rewardsSpec(shown, nameOf));
  const ranked = report.members.filter((m) => m.points !== 0);
  const reputation = ranked
    .slice(0, TABLE_ROWS)
    .map((m) => html`<tr data-member="${nameOf(m.id)}"><td>${nameOf(m.id)}${m.excluded ? ' (staff)' : ''}</td><td class="n" data-field="points" data-value="${m.points}">${formatNumber(m.points)}</td><td>${m.tier ?? '–'}</td><td class="n">${m.factor}</td></tr>`);
  const tierOf = published ? publishedTiers(published) : new Map(report.members.map((m) => [m.id, m.tier]));
  const rewards = shown.rewards.amounts.slice(0, TABLE_ROWS).map(
    (a) => html`<tr data-member="${nameOf(a.member)}"><td>${nameOf(a.member)}</td><td>${tierOf.get(a.member) ?? '–'}</td><td class="n" data-field="amount" data-value="${a.amount}">${formatUnits(a.amount, token.decimals, 2)}</td></tr>`,
  );
  const body = html`<body>
<main>
<h1>${name}</h1>
<p>Round <b>${round.key}</b>, ${round.phase} phase. Votes are weighted by ${token.symbol} held at the snapshot: one token one vote, quadratic (the square root), and quadratic times the voter's reputation tier factor.</p>
${openPolls.length ? html`<section class="open"><p>Voting is open on ${openPolls.join(', ')}: results appear here when ${openPolls.length > 1 ? 'they close' : 'it closes'}.</p></section>` : ''}
${questions.length ? questions : openPolls.length ? '' : html`<section><p>No polls yet.</p></section>`}
<section>
<h2>Reputation</h2>
<div class="scroll"><table class="reputation"><thead><tr><th>member</th><th>points</th><th>tier</th><th>factor</th></tr></thead><tbody>${reputation}</tbody></table></div>
${more(ranked.length)}
</section>
<section>
<h2>Rewards</h2>
<p class="status">${rewardsStatus(published)}</p>
<p>${formatUnits(shown.rewards.pool, token.decimals, 2)} ${token.symbol} in all${shown.rewards.undistributed > 0n ? `; ${formatUnits(shown.rewards.undistributed, token.decimals, 2)} undistributed` : ''}.</p>
<div class="chart" data-spec="rewards"></div>
<div class="scroll"><table class="rewards"><thead><tr><th>member</th><th>tier</th><th>${token.symbol}</th></tr></thead><tbody>${rewards}</tbody></table></div>
${more(shown.rewards.amounts.length)}
</section>
<section>
<h2>Check it yourself</h2>
<p>Download the <a href="${round.id}/round.json" download>round file</a> and the <a href="${round.id}/report.json">report JSON</a>. Every number on this page comes out of the round file again:</p>
<pre>npx govbot replay ${round.key}.json --json</pre>
</section>
</main>
<div id="tooltip" role="tooltip" hidden></div>
<script type="application/json" id="specs">${trusted(scriptJson(specs))}</script>
<script src="/assets/vega.min.js"></script>
<script src="/assets/vega-interpreter.js"></script>
<script src="/assets/results.js"></script>
</body>`;
  return { title: `${name}: results`, css: CSS, body };
}
