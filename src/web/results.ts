import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { promisify } from 'node:util';
import { gzip } from 'node:zlib';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { projectFile } from '../paths.ts';
import { toVega } from '../charts/render.ts';
import { tallyChart } from '../charts/attachments.ts';
import { rewardsChartInput, rewardsSpec, tallySpec, VIEW_NAMES, votingEventSpec } from '../charts/specs.ts';
import { timeZoneOf } from '../core/config.ts';
import { reportJson, type RoundReport } from '../core/report.ts';
import { VIEWS } from '../core/voting.ts';
import { postgresUrl, type Db } from '../db/database.ts';
import type { Executor } from '../db/repositories.ts';
import { roundVersion, sqliteFile } from '../db/standings.ts';
import { formatInstant } from '../format/time.ts';
import { formatNumber, formatUnits } from '../format/units.ts';
import { loadPublicRound, type PublicRound } from '../results/public.ts';
import { publishedTiers, rewardsStatus, withPublishedRewards } from '../results/published.ts';
import { serializeRoundFile } from '../roundfile/schema.ts';
import type { RoundRow } from '../db/schema.ts';
import type { PageRequest } from '../workers/pages.ts';
import { WorkerThread } from '../workers/thread.ts';
import { html, pageDocument, trusted, type Html, type Page } from './html.ts';
import { send, type WebServer } from './server.ts';
import { loadVerifier, VERIFIER_PATH, verifierRoute, type Verifier } from './verifier.ts';

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
export interface ResultsOptions {
  /** The bot's public address (PUBLIC_URL): link previews need absolute URLs, so without it a page has no preview image. */
  publicUrl?: string | undefined;
  /** verify.mjs as built by `npm run build`; undefined: the page says how to build it. */
  verifier?: Verifier | undefined;
}

export function resultsRoutes(server: WebServer, db: Db, { publicUrl, verifier = loadVerifier() }: ResultsOptions = {}): void {
  const site: Site = { db, publicUrl, verifier: verifier && { sha256: verifier.sha256, commit: verifier.commit, modified: verifier.modified } };
  if (verifier) verifierRoute(server, verifier);
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
    if (!fileOf(file)) return send(res, 404, 'text/plain; charset=utf-8', 'Not found.\n');
    const body = await built.get(site, round, file);
    if (!body) return send(res, 404, 'text/plain; charset=utf-8', 'Not found.\n');
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

/**
 * What a page shows of the server besides the round: its public address, and verify.mjs by its hash and commit (its
 * bytes are served apart), plain data that a page thread is handed.
 */
export interface SiteFacts {
  publicUrl: string | undefined;
  verifier: Omit<Verifier, 'bytes'> | undefined;
}

/** What the pages need besides a round: the database and the facts of the server. */
interface Site extends SiteFacts {
  db: Db;
}

type Built = { body: string | Uint8Array; headers: Record<string, string> } | undefined;
type PublicRoundShown = PublicRound & { openPolls: string[] };
type Builder = (round: RoundRow, pub: PublicRoundShown, db: Executor, site: SiteFacts) => Promise<Built>;

/** What a round's address serves, by the name after `/rounds/ID/`. */
const FILES: Record<string, Builder> = {
  '': async (round, pub, db, site) => {
    const { markup, csp } = pageDocument(await resultsPage(round, pub, { ...site, ...(await roundFacts(db, round)) }));
    return { body: markup, headers: { 'content-type': 'text/html; charset=utf-8', 'content-security-policy': csp } };
  },
  'round.json': async (round, pub) => ({ body: serializeRoundFile(pub.data), headers: { 'content-type': 'application/json', 'content-disposition': `attachment; filename="${round.key}.json"` } }),
  'report.json': async (_round, pub) => ({ body: reportJson(pub.report), headers: { 'content-type': 'application/json' } }),
};

/** `tally-Q.png`: the chat's PNG of a closed poll's tally, the page's preview image in Telegram, Discord and elsewhere. */
const TALLY_PNG = /^tally-([A-Za-z0-9_-]{1,64})\.png$/;

function fileOf(name: string): Builder | undefined {
  if (Object.hasOwn(FILES, name)) return FILES[name];
  const question = TALLY_PNG.exec(name)?.[1];
  if (!question) return undefined;
  return async (_round, pub) => {
    const q = pub.report.questions.find((x) => x.id === question);
    return q && { body: (await tallyChart(pub.report, q)).content as Uint8Array, headers: { 'content-type': 'image/png' } };
  };
}

/** A file of a round as built, and gzip-compressed once. */
export interface BuiltFile {
  raw: Uint8Array;
  gzip: Uint8Array;
  headers: Record<string, string>;
}

interface Body extends BuiltFile {
  etag: string;
  lastModified: string;
}

/**
 * A file of a round (see fileOf), or undefined when the round has no such file (a poll that is not closed). `pub`:
 * the public round at the state the file is built for, when the caller has it already.
 */
export async function buildFile(db: Executor, round: RoundRow, name: string, site: SiteFacts, pub?: Promise<PublicRoundShown>): Promise<BuiltFile | undefined> {
  const built = await fileOf(name)!(round, await (pub ?? loadPublicRound(db, round)), db, site);
  if (!built) return undefined;
  const { body, headers } = built;
  const raw = typeof body === 'string' ? Buffer.from(body, 'utf8') : body;
  return { raw, gzip: await gzipAsync(raw), headers };
}

/**
 * The files of a large round are built in a thread of their own (src/workers/pages.ts), which reads the SQLite file
 * or PostgreSQL itself: reading every event of a round of 100,000 members and computing its public report holds a
 * thread for seconds, which the bot's event loop must not spend (issue 13). Smaller rounds and databases in memory
 * are built here: a few milliseconds, less than handing them over.
 */
export const pageThread = { minMembers: 100 };
const pages = new WorkerThread<PageRequest, BuiltFile | undefined>('pages');

/** Rounds whose built files are kept; the least recently asked for is dropped first. */
const KEPT_ROUNDS = 16;

/**
 * Pages and files built once per state of a round, compressed once, and kept until the round changes. The state is
 * the round's version (moved on by every write its results depend on, see migrations/0009_standings.ts), its phase,
 * its latest published split and the community's members (whose mentions the public texts hide): a page is never
 * served from before a change, and a round nobody changes costs one small query per request.
 */
class BuiltPages {
  readonly #rounds = new Map<string, { key: string; at: string; files: Map<string, Promise<Body | undefined>> }>();

  /** A file of the round (see fileOf), or undefined when the round has no such file (a poll that is not closed). */
  async get(site: Site, round: RoundRow, file: string): Promise<Body | undefined> {
    const { db, publicUrl, verifier } = site;
    const { key, members } = await stateOf(db, round);
    let entry = this.#rounds.get(round.id);
    if (entry?.key !== key) entry = { key, at: new Date().toUTCString(), files: new Map() };
    this.#rounds.delete(round.id);
    this.#rounds.set(round.id, entry);
    for (const old of [...this.#rounds.keys()].slice(0, Math.max(0, this.#rounds.size - KEPT_ROUNDS))) this.#rounds.delete(old);
    let body = entry.files.get(file);
    if (!body) {
      const { at } = entry;
      body = (async () => {
        const source = members >= pageThread.minMembers ? ((await sqliteFile(db)) ?? postgresUrl(db)) : undefined;
        // the thread reads after the state was read here: what it builds is at least as new as the key it is kept under
        const built = source ? await pages.request({ source, roundId: round.id, name: file, key, site: { publicUrl, verifier } }) : await buildFile(db, round, file, site);
        if (!built) return undefined;
        return { ...built, etag: `"${createHash('sha256').update(key).update(file).digest('base64url').slice(0, 27)}"`, lastModified: at };
      })();
      entry.files.set(file, body);
      // A build that fails is not kept: the next request tries again.
      body.catch(() => entry.files.delete(file));
    }
    return body;
  }
}

/** The state of a round its pages show, as a key, and the members of its community. */
async function stateOf(db: Db, round: RoundRow): Promise<{ key: string; members: number }> {
  const [version, publication, members, schedule] = await Promise.all([
    roundVersion(db, round.id),
    db.selectFrom('reward_publications').select((eb) => eb.fn.max('version').as('version')).where('round_id', '=', round.id).executeTakeFirst(),
    db.selectFrom('members').select((eb) => eb.fn.countAll().as('count')).where('community_id', '=', round.community_id).executeTakeFirst(),
    // the page shows the schedule, which moves no version
    db.selectFrom('jobs').select((eb) => [eb.fn.countAll().as('count'), eb.fn.max('due_at').as('due'), eb.fn.max('done_at').as('done')]).where('round_id', '=', round.id).executeTakeFirst(),
  ]);
  const key = [version?.version, round.phase, publication?.version ?? 0, members?.count ?? 0, schedule?.count ?? 0, schedule?.due ?? '', schedule?.done ?? ''].join(' ');
  return { key, members: Number(members?.count ?? 0) };
}

/** The round's facts the public report does not carry: its schedule, open polls with their turnout. */
interface RoundFacts {
  phases: { phase: string; at: string; done: boolean }[];
  open: { key: string; closesAt: string | null; voters: number }[];
}

async function roundFacts(db: Executor, round: RoundRow): Promise<RoundFacts> {
  const [phases, open] = await Promise.all([
    db.selectFrom('jobs').select(['target', 'due_at', 'done_at']).where('round_id', '=', round.id).where('kind', '=', 'phase').orderBy('due_at').execute(),
    db
      .selectFrom('questions')
      .leftJoin('vote_choices', 'vote_choices.question_id', 'questions.id')
      .select((eb) => ['questions.key', 'questions.closes_at', eb.fn.count('vote_choices.member_id').as('voters')])
      .where('questions.round_id', '=', round.id)
      .where('questions.status', '=', 'open')
      .groupBy(['questions.id', 'questions.key', 'questions.closes_at', 'questions.position'])
      .orderBy('questions.position')
      .execute(),
  ]);
  return {
    phases: phases.map((j) => ({ phase: j.target, at: j.done_at ?? j.due_at, done: j.done_at !== null })),
    open: open.map((q) => ({ key: q.key, closesAt: q.closes_at, voters: Number(q.voters) })),
  };
}

// Phone first: at 390 px a section's inside is 350 px, room for a chart (CHART_WIDTH) at its own size; nothing may
// be wider than its box (a test walks every element), so long words wrap and tables are made to fit, not to scroll.
const CSS = `*{box-sizing:border-box}
body{font-family:system-ui,-apple-system,"Segoe UI",sans-serif;margin:0;color:#1d1d1f;background:#fafafa;line-height:1.45;overflow-wrap:break-word}
main{max-width:1040px;margin:0 auto;padding:8px}
@media (min-width:600px){main{padding:16px}}
h1{font-size:1.5rem;margin:.5rem 0}h2{font-size:1.15rem;margin:.25rem 0 .5rem}h3{font-size:1rem;margin:1rem 0 .25rem}
section{background:#fff;border-radius:10px;padding:10px 12px;margin:12px 0;box-shadow:0 1px 3px rgba(0,0,0,.08)}
dl.facts{margin:0}dl.facts dt{color:#555;font-size:.85rem}dl.facts dd{margin:0 0 6px}
@media (min-width:600px){dl.facts{display:grid;grid-template-columns:auto minmax(0,1fr);gap:2px 12px}dl.facts dt{font-size:1rem}dl.facts dd{margin:0}}
.views{display:grid;grid-template-columns:minmax(0,1fr);gap:12px;align-items:start}
@media (min-width:800px){.views{grid-template-columns:340px minmax(0,1fr)}}
table{border-collapse:collapse;width:100%;font-size:.9rem}
th,td{padding:4px 6px;border-bottom:1px solid #eee;text-align:left;vertical-align:top}
thead th{font-size:.8rem;color:#555;font-weight:600}
th.n{text-align:right}td.n{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
table.tally tr.label th{border-bottom:0;padding-top:8px;font-weight:600}
table.tally td small{display:block;color:#666}
table.tally .deciding{font-weight:700}
.chart{max-width:100%}.chart svg{max-width:100%;height:auto;display:block}
.change{border-left:3px solid #f58518;padding-left:8px}.hint{color:#666;font-size:.85rem}
code,pre{font-family:ui-monospace,"DejaVu Sans Mono",monospace;font-size:.85rem;word-break:break-all}
pre{background:#f0f0f0;padding:8px;border-radius:6px;white-space:pre-wrap}
#tooltip{position:fixed;pointer-events:none;background:#222;color:#fff;padding:6px 8px;border-radius:6px;font-size:.85rem;white-space:pre;z-index:10}`;

/** A table shows the first rows; a large round's page stays small, and the report JSON it links has every member. */
const TABLE_ROWS = 200;
const more = (rows: number) => (rows > TABLE_ROWS ? html`<p class="hint">The first ${TABLE_ROWS} of ${rows} members; the report JSON below has every one.</p>` : '');

const compactNumber = new Intl.NumberFormat('en', { notation: 'compact', maximumSignificantDigits: 3 });
/** A number short enough for a phone's table column; the cell's title and data-value hold it exactly. */
const short = (x: number) => (Math.abs(x) >= 10_000 ? compactNumber.format(x) : formatNumber(x));

/** The three views of a poll: a row of numbers per option under its label (which may be long), shares beneath. */
function tallyTable(q: RoundReport['questions'][number], token: RoundReport['token']): Html {
  const totals = Object.fromEntries(VIEWS.map((view) => [view, q.options.reduce((s, o) => s + viewNumber(o, view, token), 0)]));
  const rows = q.options.map((o, i) => {
    const cell = (view: (typeof VIEWS)[number], exact: string) => {
      const value = viewNumber(o, view, token);
      const share = totals[view]! > 0 ? `${((value / totals[view]!) * 100).toFixed(1)}%` : '–';
      return html`<td class="n${view === 'qualifiedVotes' ? ' deciding' : ''}" data-field="${view}" data-value="${exact}" title="${view === 'tokenVotes' ? `${formatUnits(o.tokenVotes, token.decimals)} ${token.symbol}` : exact}">${short(value)}${q.winners[view] === i ? ' ★' : ''}<small>${share}</small></td>`;
    };
    return html`<tbody data-option="${i + 1}"><tr class="label"><th colspan="4" scope="rowgroup">${i + 1}. ${o.label}</th></tr><tr class="numbers" data-option="${i + 1}"><td class="n" data-field="voters" data-value="${o.voters}">${o.voters}</td>${cell('tokenVotes', String(o.tokenVotes))}${cell('quadraticVotes', String(o.quadraticVotes))}${cell('qualifiedVotes', String(o.qualifiedVotes))}</tr></tbody>`;
  });
  return html`<table class="tally"><thead><tr><th class="n" scope="col">voters</th><th class="n" scope="col">${VIEW_NAMES.tokenVotes} (${token.symbol})</th><th class="n" scope="col">${VIEW_NAMES.quadraticVotes}</th><th class="n deciding" scope="col">${VIEW_NAMES.qualifiedVotes}</th></tr></thead>${rows}</table>`;
}

/** An option's votes under a view as a number to show (tokens in whole tokens); the exact value stays in the cell's data-value. */
const viewNumber = (o: RoundReport['questions'][number]['options'][number], view: (typeof VIEWS)[number], token: RoundReport['token']) =>
  view === 'tokenVotes' ? Number(o.tokenVotes) / 10 ** token.decimals : view === 'quadraticVotes' ? o.quadraticVotes : o.qualifiedVotes;

/** The round's dates, token and snapshots, as a list of facts. */
function factsList(round: RoundRow, data: PublicRound['data'], facts: RoundFacts): Html {
  const { config } = data.round;
  const zone = timeZoneOf(config);
  const when = (at: string) => formatInstant(new Date(at), zone);
  const phases = [html`created ${when(round.created_at)}`, ...facts.phases.map((p) => html`; ${p.phase} ${p.done ? 'from' : 'due'} ${when(p.at)}`)];
  const { token } = config;
  const contract = token.address ? html`ERC-20 <code>${token.address}</code> on <code>eip155:${token.chainId ?? 1}</code>` : html`contract not set`;
  const cardano = token.cardano ? html`; Cardano asset <code>${token.cardano.policyId}.${token.cardano.assetName}</code> on <code>${token.cardano.chain}</code> (${token.cardano.decimals} decimals)` : '';
  // DESIGN.md's reputation snapshot, which round files carry once the bot records it
  const reputationAt = (data.round as { reputationSnapshotAt?: string }).reputationSnapshotAt;
  return html`<dl class="facts">
<dt>Dates</dt><dd>${phases}</dd>
<dt>Token</dt><dd>${token.symbol} (${token.decimals} decimals): ${contract}${cardano}</dd>
<dt>Token snapshot</dt><dd>${round.snapshot_block ? html`balances at block <b>${round.snapshot_block}</b>` : 'not taken yet (/round snapshot)'}</dd>
<dt>Reputation snapshot</dt><dd>${reputationAt ? html`tiers count what happened before ${when(reputationAt)}` : 'none recorded: tiers count every contribution in the round file'}</dd>
</dl>`;
}

/** What a page shows besides the public round; a page built without it has no schedule, open polls or verify.mjs. */
type PageContext = SiteFacts & RoundFacts;
const NO_CONTEXT: PageContext = { publicUrl: undefined, verifier: undefined, phases: [], open: [] };

/** The page itself: tables carry the exact report values (data-value), charts their vega specs. */
export async function resultsPage(round: RoundRow, { data, report, published, nameOf }: PublicRound, site: PageContext = NO_CONTEXT): Promise<Page> {
  const { token } = report;
  // the name as the public round has it: mentions in it name members by key
  const { name } = data.round;
  const specs: Record<string, unknown> = {};
  const questions: Html[] = [];
  for (const q of report.questions) {
    specs[`tally-${q.id}`] = await toVega(tallySpec(q, { titled: false }));
    specs[`event-${q.id}`] = await toVega(votingEventSpec(report, q.id, nameOf));
    questions.push(html`<section class="question" data-question="${q.id}">
<h2>${q.id}: ${q.text}</h2>
${(q.changes.length ? q.changes : ['All three views agree.']).map((c) => html`<p class="change">${c}</p>`)}
<div class="views"><div class="chart" data-spec="tally-${q.id}"></div>${tallyTable(q, token)}</div>
<h3>The voting event</h3>
<p class="hint">Hover or tap a voter to see its tokens, tier and weight.</p>
<div class="chart event" data-spec="event-${q.id}"></div>
</section>
`);
  }
  const holders = report.members.filter((m) => (report.powerOf(m.id)?.tokens ?? 0n) > 0n).length;
  const open = site.open.map(
    (q) => html`<li><b>${q.key}</b>: ${q.voters} of ${holders} members with ${token.symbol} have voted${holders ? ` (${Math.round((q.voters / holders) * 100)}%)` : ''}; ${q.closesAt ? `closes ${formatInstant(new Date(q.closesAt), timeZoneOf(data.round.config))}` : 'closes when a moderator closes it'}.</li>`,
  );
  // The split shown is the published one once there is one: final, even if the rules changed since.
  const shown = withPublishedRewards(report, published);
  const paid = shown.rewards.amounts.filter((a) => a.amount > 0n);
  if (paid.length) specs['rewards'] = await toVega(rewardsSpec(rewardsChartInput(shown), nameOf));
  const ranked = report.members.filter((m) => m.points !== 0);
  const reputation = ranked
    .slice(0, TABLE_ROWS)
    .map((m) => html`<tr data-member="${nameOf(m.id)}"><td>${nameOf(m.id)}${m.excluded ? ' (staff)' : ''}</td><td class="n" data-field="points" data-value="${m.points}">${formatNumber(m.points)}</td><td>${m.tier ?? '–'}</td><td class="n">${m.factor}</td></tr>`);
  const tierOf = published ? publishedTiers(published) : new Map(report.members.map((m) => [m.id, m.tier]));
  const rewards = shown.rewards.amounts.slice(0, TABLE_ROWS).map(
    (a) => html`<tr data-member="${nameOf(a.member)}"><td>${nameOf(a.member)}</td><td>${tierOf.get(a.member) ?? '–'}</td><td class="n" data-field="amount" data-value="${a.amount}">${formatUnits(a.amount, token.decimals, 2)}</td></tr>`,
  );
  const pool = `${formatUnits(shown.rewards.pool, token.decimals, 2)} ${token.symbol}`;
  const body = html`<body>
<main>
<h1>${name}</h1>
<p>Round <b>${round.key}</b>, ${round.phase} phase. Votes are weighted by ${token.symbol} held at the snapshot: one token one vote, quadratic (the square root), and quadratic times the voter's reputation tier factor, which decides.</p>
<section class="about">${factsList(round, data, site)}</section>
${open.length ? html`<section class="open"><h2>Voting now</h2><ul>${open}</ul><p class="hint">Results appear here when ${open.length > 1 ? 'each poll closes' : 'it closes'}.</p></section>` : ''}
${questions.length ? questions : open.length ? '' : html`<section><p>No polls yet.</p></section>`}
<section>
<h2>Reputation</h2>
${ranked.length ? html`<table class="reputation"><thead><tr><th>member</th><th class="n">points</th><th>tier</th><th class="n">factor</th></tr></thead><tbody>${reputation}</tbody></table>${more(ranked.length)}` : html`<p class="empty">No reputation points yet: proposals, ratings, comments and reactions earn them.</p>`}
</section>
<section>
<h2>Rewards</h2>
<p class="status">${rewardsStatus(published)}</p>
${
  paid.length
    ? html`<p>${pool} in all${shown.rewards.undistributed > 0n ? `; ${formatUnits(shown.rewards.undistributed, token.decimals, 2)} undistributed` : ''}.</p>
<div class="chart" data-spec="rewards"></div>
<table class="rewards"><thead><tr><th>member</th><th>tier</th><th class="n">${token.symbol}</th></tr></thead><tbody>${rewards}</tbody></table>
${more(shown.rewards.amounts.length)}`
    : html`<p class="empty">${shown.rewards.pool > 0n ? `Nobody has earned a share of the ${pool} yet.` : 'No reward pool is set for this round.'}</p>`
}
</section>
<section class="check">
<h2>Check it yourself</h2>
<p>Download the <a href="${round.id}/round.json" download>round file</a> and the <a href="${round.id}/report.json">report JSON</a>. Every number on this page comes out of the round file again, on your own machine, with one file that needs only Node 20 or newer (no package to install):</p>
${verifierBlock(site.verifier, round.key)}
</section>
</main>
<div id="tooltip" role="tooltip" hidden></div>
<script type="application/json" id="specs">${trusted(scriptJson(specs))}</script>
<script src="/assets/vega.min.js"></script>
<script src="/assets/vega-interpreter.js"></script>
<script src="/assets/results.js"></script>
</body>`;
  return { title: `${name}: results`, css: CSS, body, meta: previewTags(round, name, report, site, pool, holders) };
}

/** verify.mjs: the download with its SHA-256 and commit, or how to build it when this server has not. */
function verifierBlock(verifier: SiteFacts['verifier'], key: string): Html {
  const build = html`<code>git clone</code> the govbot repository${verifier?.commit ? html` at commit <code>${verifier.commit}</code>` : ''}, then <code>npm ci &amp;&amp; npm run build</code> writes <code>dist/verify.mjs</code>`;
  if (!verifier) return html`<p>This server has not built verify.mjs. Build it yourself: ${build}, and run</p><pre>node dist/verify.mjs ${key}.json</pre><p class="hint">It prints exactly the report JSON.</p>`;
  return html`<p><a class="verifier" href="${VERIFIER_PATH}" download>verify.mjs</a>, SHA-256 <code class="sha256">${verifier.sha256}</code>${verifier.commit ? html`, built from govbot commit <code class="commit">${verifier.commit}</code>${verifier.modified ? ' with local changes' : ''}` : ''}.</p>
<pre>node verify.mjs ${key}.json</pre>
<p class="hint">It prints exactly the report JSON. To check verify.mjs itself: ${build} with the same SHA-256 (<code>sha256sum dist/verify.mjs</code>).</p>`;
}

/** Open Graph and Twitter-card tags, so a link posted in Telegram or Discord shows the round and its first tally. */
function previewTags(round: RoundRow, name: string, report: RoundReport, site: PageContext, pool: string, holders: number): Page['meta'] {
  const closed = report.questions.length;
  const description = [
    `Round ${round.key}, ${round.phase} phase`,
    closed ? `${closed} poll${closed > 1 ? 's' : ''} with results` : undefined,
    site.open.length ? `${site.open.length} open` : undefined,
    `${holders} members with ${report.token.symbol}`,
    report.rewards.pool > 0n ? `${pool} pool` : undefined,
  ].filter(Boolean).join(' · ');
  const page = site.publicUrl && `${site.publicUrl}/rounds/${round.id}`;
  const first = report.questions[0];
  const image = page && first ? `${page}/tally-${first.id}.png` : undefined;
  return [
    { property: 'og:type', content: 'website' },
    { property: 'og:title', content: `${name}: results` },
    { property: 'og:description', content: description },
    ...(page ? [{ property: 'og:url', content: page }] : []),
    ...(image ? [{ property: 'og:image', content: image }, { property: 'og:image:type', content: 'image/png' }, { property: 'og:image:alt', content: `${first!.id}: ${first!.text}, under the three views` }] : []),
    { name: 'twitter:card', content: image ? 'summary_large_image' : 'summary' },
    { name: 'twitter:title', content: `${name}: results` },
    { name: 'twitter:description', content: description },
    ...(image ? [{ name: 'twitter:image', content: image }] : []),
  ];
}
