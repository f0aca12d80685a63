import { z } from 'zod';
import { UserError } from '../src/commands/errors.ts';
import type { Actor, CommandContext } from '../src/commands/context.ts';
import { chatErrorMap, defineAction, defineCommand, issueLines, options } from '../src/commands/framework.ts';
import { pre, privateReply, reply, text, type Attachment, type Block, type Reply } from '../src/commands/reply.ts';
import { opt, resolveMember, TIME_HELP } from '../src/commands/support.ts';
import { holdoutOf } from '../src/core/pairwise/holdout.ts';
import { computePairwiseReport, type PairwiseReport } from '../src/core/pairwise/report.ts';
import { projectTree } from '../src/core/pairwise/tree.ts';
import { PairwiseError, type PairwiseConfig, type PairwiseRound } from '../src/core/pairwise/types.ts';
import { parseWhen } from '../src/core/when.ts';
import {
  addNamedJuror,
  addProjects,
  countedAnswers,
  eligibilityOf,
  exportPairwiseRound,
  findPairwiseRound,
  freezeHoldout,
  pairwiseConfigOf,
  projectsOf,
  schedulePairwise,
  settleScheduled,
  storedPairwiseConfig,
  type Eligibility,
  type ProjectRow,
} from '../src/db/pairwise.ts';
import { appendAudit, findRound, newId, roundConfigOf, type Executor } from '../src/db/repositories.ts';
import { memberStanding } from '../src/db/standings.ts';
import type { MemberRow, PairwiseRoundRow } from '../src/db/schema.ts';
import { clip } from '../src/format/cut.ts';
import { renderTable } from '../src/format/table.ts';
import { formatInstant } from '../src/format/time.ts';
import { formatUnits } from '../src/format/units.ts';
import { PayoutError, payoutCsv, safeBatch } from '../src/results/payout.ts';
import { weightsChart } from '../src/charts/pairwise.ts';
import { pairwiseConfigSchema, parsePairwiseRound } from '../src/roundfile/pairwise.ts';
import { ID_PATTERN, RoundFileError } from '../src/roundfile/schema.ts';

/** The pairwise round named, or the community's latest one. */
export async function resolvePairwise(ctx: CommandContext, key?: string): Promise<PairwiseRoundRow> {
  const row = await findPairwiseRound(ctx.db, ctx.community.id, key);
  if (!row)
    throw key
      ? new UserError('unknown_round', `There is no pairwise round "${key}" here. /pairwise show lists the latest.`)
      : new UserError('no_round', 'There is no pairwise round yet. A moderator starts one with /pairwise create.');
  return row;
}

export const pairwiseOption = z.string().regex(ID_PATTERN, 'a round id is letters, digits or . _ : -').optional().describe('Pairwise round id (default: the latest)');

/** Writes one accepted action on a pairwise round to the audit log, in the caller's transaction. */
export async function auditPairwise(db: Executor, ctx: CommandContext, row: PairwiseRoundRow, action: string, detail: unknown, actor: MemberRow | null): Promise<void> {
  await appendAudit(db, { community_id: row.community_id, round_id: row.id, actor_id: actor?.id ?? null, action: `pairwise.${action}`, detail, at: ctx.now().toISOString() });
}

/** The report of the round as its file replays, or what keeps it from having weights yet (a group not yet connected). */
export async function pairwiseReportOf(db: Executor, row: PairwiseRoundRow): Promise<{ report: PairwiseReport; round: PairwiseRound; file: string } | { problem: string; round: PairwiseRound; file: string }> {
  const { round, file } = await exportPairwiseRound(db, row);
  try {
    return { report: computePairwiseReport(round), round, file };
  } catch (error) {
    if (error instanceof PairwiseError) return { problem: error.message, round, file };
    throw error;
  }
}

const percent = (x: number) => `${(x * 100).toFixed(2)}%`;
const BAR_WIDTH = 16;
const EIGHTHS = ['', '▏', '▎', '▍', '▌', '▋', '▊', '▉'];
/** A bar of `share` of the width, to the eighth of a character. */
function bar(share: number): string {
  const eighths = Math.round(Math.max(0, Math.min(1, share)) * BAR_WIDTH * 8);
  return '█'.repeat(Math.floor(eighths / 8)) + EIGHTHS[eighths % 8]!;
}
const nameIn = (report: PairwiseReport, p: PairwiseReport['projects'][number]) => {
  const parent = p.parent === null ? undefined : report.projects.find((q) => q.id === p.parent);
  return clip(parent ? `${p.name} (${parent.name})` : p.name, 32, { ellipsis: '…' });
};

/** The weights as a bar chart and a list, largest first; projects funded through sub-projects are shown beside them. */
export function renderWeights(report: PairwiseReport, limit = 12): string {
  const sorted = [...report.projects].sort((x, y) => y.weight - x.weight || (x.id < y.id ? -1 : 1));
  const top = sorted[0]?.weight ?? 1;
  const shown = sorted.slice(0, limit);
  const rows = shown.map((p) => [nameIn(report, p), bar(top > 0 ? p.weight / top : 0), percent(p.weight), `${percent(p.interval[0])}–${percent(p.interval[1])}`]);
  const more = sorted.length - shown.length;
  return renderTable({ head: ['project', '', 'weight', '90% interval'], rows, align: ['left', 'left', 'right', 'right'] }) + (more > 0 ? `\n… and ${more} more (the results page lists all)` : '');
}

/** The funding split: each project without sub-projects, in tokens. */
export function renderFunding(report: PairwiseReport): string {
  const { symbol, decimals } = report.token;
  const rows = report.projects
    .filter((p) => p.funding !== null)
    .sort((x, y) => (y.funding! > x.funding! ? 1 : y.funding! < x.funding! ? -1 : x.id < y.id ? -1 : 1))
    .map((p) => [nameIn(report, p), percent(p.weight), formatUnits(p.funding!, decimals, 6)]);
  const head = `Pool ${formatUnits(report.pool, decimals)} ${symbol}${report.undistributed > 0n ? `, ${formatUnits(report.undistributed, decimals)} undistributed` : ''}`;
  return `${head}\n${renderTable({ head: ['project', 'weight', symbol], rows, align: ['left', 'right', 'right'] })}`;
}

/** The submissions ranked by their score on the holdout (lower is better). */
export function renderLeaderboard(report: PairwiseReport): string {
  if (report.submissions.length === 0) return 'No submissions.';
  const rows = [...report.submissions]
    .sort((x, y) => (x.rank ?? Infinity) - (y.rank ?? Infinity) || (x.id < y.id ? -1 : 1))
    .map((s) => [s.rank === null ? '–' : String(s.rank), `${s.id} (${clip(s.author, 20, { ellipsis: '…' })})`, s.score === null ? '–' : s.score.toFixed(6)]);
  if (report.fitScore) rows.push(['', "the round's own weights", (report.fitScore.squaredError ?? report.fitScore.logLoss).toFixed(6)]);
  return `Scored on ${report.holdout.length} held-out comparisons (lower is better):\n${renderTable({ head: ['rank', 'submission', 'score'], rows, align: ['right', 'left', 'right'] })}`;
}

export const pairwisePageUrl = (publicUrl: string, row: PairwiseRoundRow) => `${publicUrl}/pairwise/${row.id}`;

/** The funding as the governance payout's CSV and Safe batch: one line per funded project, paid to its address. */
function fundingFiles(row: PairwiseRoundRow, report: PairwiseReport, projects: readonly ProjectRow[], now: Date): { files: Attachment[]; note: string } {
  const address = new Map(projects.map((p) => [p.key, p.address ?? '']));
  const token: { address?: string; chainId?: number } = row.payout_token ? JSON.parse(row.payout_token) : {};
  const payout = report.projects
    .filter((p) => p.funding !== null && p.funding > 0n)
    .map((p) => {
      const to = address.get(p.id) ?? '';
      return { member: p.id, handle: p.name, chain: to && token.chainId ? `eip155:${token.chainId}` : '', address: to, tier: '', points: p.weight, amount: p.funding!, ...(to ? {} : { unpaid: 'no address given (/pairwise project address:…)' }) };
    });
  const files: Attachment[] = [{ name: `${row.key}-funding.csv`, contentType: 'text/csv', content: payoutCsv(payout, report.token) }];
  try {
    files.push({ name: `${row.key}-safe-batch.json`, contentType: 'application/json', content: `${JSON.stringify(safeBatch(payout, report, token, now), null, 2)}\n` });
    return { files, note: 'Load the Safe batch in Safe{Wallet} → Apps → Transaction Builder.' };
  } catch (error) {
    if (!(error instanceof PayoutError)) throw error;
    return { files, note: `No Safe batch: ${error.message.replace('/round config (e.g. key:token.address value:0x…)', '/pairwise config key:payout.address and key:payout.chainId')}` };
  }
}

/** Opens a round for judging; shared by /pairwise open and the scheduler. False when it was not in its draft. */
export async function openPairwise(db: Executor, row: PairwiseRoundRow, now: Date): Promise<Reply | null> {
  const changed = await db.updateTable('pairwise_rounds').set({ phase: 'open' }).where('id', '=', row.id).where('phase', '=', 'draft').executeTakeFirst();
  await settleScheduled(db, row.id, 'open', now.toISOString());
  if (changed.numUpdatedRows === 0n) return null;
  return {
    blocks: [text(`Pairwise round ${row.key} "${row.name}" is open: which projects mattered more to ${row.root}? Type /judge, or tap below, to compare them pair by pair (privately).`)],
    choices: [{ label: 'Start judging', command: `/judge round:${row.key}` }],
  };
}

/**
 * Closes a round: freezes the holdout drawn from the final comparisons, and returns the announcement of the final
 * weights, the funding split (CSV and Safe batch), the leaderboard and the results page. Shared by /pairwise close and
 * the scheduler; null when the round was not open.
 */
export async function closePairwise(db: Executor, row: PairwiseRoundRow, now: Date, publicUrl: string | undefined): Promise<Reply | null> {
  const changed = await db.updateTable('pairwise_rounds').set({ phase: 'closed', closed_at: now.toISOString() }).where('id', '=', row.id).where('phase', '=', 'open').executeTakeFirst();
  await settleScheduled(db, row.id, 'closed', now.toISOString());
  if (changed.numUpdatedRows === 0n) return null;
  await db.deleteFrom('pairwise_pending').where('round_id', '=', row.id).execute();
  const { round, comparisonIds } = await exportPairwiseRound(db, row);
  await freezeHoldout(db, row.id, holdoutOf(round, projectTree(round.projects)).map((k) => comparisonIds[k]!));
  const closed = { ...row, phase: 'closed' };
  const result = await pairwiseReportOf(db, closed);
  const link = publicUrl ? [text(`Results page, with the round file and the command that recomputes it: ${pairwisePageUrl(publicUrl, closed)}`)] : [];
  if ('problem' in result) return reply(text(`Pairwise round ${row.key} is closed, without weights: ${result.problem}`), ...link);
  const { report } = result;
  const { files, note } = fundingFiles(closed, report, await projectsOf(db, row.id), now);
  return {
    blocks: [
      text(`Pairwise round ${row.key} is closed: ${report.fitted + report.holdout.length} comparisons, ${report.jurors.length} jurors. Final weights (${report.aggregation}):`),
      pre(renderWeights(report)),
      text('Funding split:'),
      pre(renderFunding(report)),
      text(note),
      text('Leaderboard:'),
      pre(renderLeaderboard(report)),
      ...link,
    ],
    attachments: [await weightsChart(report), ...files],
  };
}

/** Comparisons the round wants: as set, else five per project (each project in ten comparisons). */
export const wantedOf = (row: Pick<PairwiseRoundRow, 'wanted'>, projects: number) => row.wanted || 5 * projects;

/** Whether a member may judge the round, and if not why, in words they can act on. */
export async function judgingRefusal(db: Executor, row: PairwiseRoundRow, member: MemberRow, actor: Actor): Promise<string | null> {
  const rule = eligibilityOf(row);
  switch (rule.kind) {
    case 'anyone':
      return null;
    case 'role':
      // The roles come with the event (a Discord interaction carries the member's role ids), so they are never stale.
      if (actor.roles === undefined) return `Round ${row.key} is judged by members with a Discord role, and ${actor.platform} has no roles: role eligibility works on Discord only.`;
      return actor.roles.includes(rule.role) ? null : `Round ${row.key} is judged by members with the role <@&${rule.role}>, which you do not have; ask a moderator for it.`;
    case 'named': {
      const named = await db.selectFrom('pairwise_jurors').select('member_id').where('round_id', '=', row.id).where('member_id', '=', member.id).executeTakeFirst();
      return named ? null : `Round ${row.key} is judged by the jurors the moderators named; ask them to add you.`;
    }
    case 'wallet': {
      const wallet = await db.selectFrom('wallets').select('id').where('member_id', '=', member.id).where('verification', '!=', 'unverified').executeTakeFirst();
      return wallet ? null : `Round ${row.key} is judged by members with a verified wallet: link one with /verify first.`;
    }
    case 'tier': {
      const governance = await findRound(db, row.community_id, rule.round);
      if (!governance) return `Round ${row.key} is judged by tier ${rule.tier} or better of round ${rule.round}, which no longer exists; ask a moderator.`;
      // the member's tier alone, as a vote's receipt reads it: asked of the standings thread, not the round's report
      const levels = roundConfigOf(governance).tiers.levels.map((l) => l.name);
      const tier = (await memberStanding(db, governance.id, member.key))?.tier ?? null;
      return tier !== null && levels.indexOf(tier) <= levels.indexOf(rule.tier) ? null : `Round ${row.key} is judged by members of tier ${rule.tier} or better in round ${rule.round}; you are ${tier === null ? 'without a tier' : `in tier ${tier}`} there.`;
    }
  }
}

/** A time option, read in UTC unless it carries an offset; one that has passed is refused. */
function pairwiseTime(option: string, value: string, now: Date): Date {
  const when = parseWhen(value, now, 'UTC');
  if (!when.ok) throw new UserError('invalid_options', `${option}: ${when.error}; write 2025-03-01T18:00Z, 2025-03-01 18:00 (UTC) or a duration such as 24h.`);
  if (when.at <= now) throw new UserError('invalid_options', `${option}: ${value} is ${formatInstant(when.at, 'UTC')}, which has passed; give a time in the future.`);
  return when.at;
}

/** Projects checked as the round file checks them (ids, parents, no cycle, URLs), each problem named. */
function checkProjects(row: PairwiseRoundRow, projects: readonly ProjectRow[]): void {
  try {
    parsePairwiseRound({
      version: 1,
      kind: 'pairwise',
      round: { id: row.key, name: row.name, root: row.root },
      projects: projects.map((p) => ({ id: p.key, name: p.name, ...(p.url ? { url: p.url } : {}), parent: p.parent_key })),
      jurors: [],
    });
  } catch (error) {
    if (error instanceof RoundFileError) throw new UserError('invalid_options', `Nothing was added:\n${error.problems.map((p) => p.replace(/^projects\[(\d+)\]/, (_, k: string) => `project ${projects[Number(k)]?.name ?? k}`)).join('\n')}`);
    throw error;
  }
}

/** An id from a name: letters, digits and - only, as the round file allows. */
const idFrom = (name: string) =>
  name
    .normalize('NFKD')
    .toLowerCase()
    .replace(/[^a-z0-9._:-]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 64) || 'project';

/** One CSV line's fields (RFC 4180: quoted fields may hold commas, doubled quotes). */
function csvFields(line: string): string[] {
  const fields: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const ch = line[i]!;
    if (quoted && ch === '"' && line[i + 1] === '"') (field += '"'), i++;
    else if (ch === '"') quoted = !quoted;
    else if (ch === ',' && !quoted) fields.push(field.trim()), (field = '');
    else field += ch;
  }
  return [...fields, field.trim()];
}

const listedProject = z.strictObject({
  id: z.string().optional(),
  name: z.string().trim().min(1, 'a project needs a name').max(200),
  url: z.string().trim().optional(),
  parent: z.string().trim().nullable().optional(),
  address: z.string().trim().optional(),
});
type ListedProject = z.output<typeof listedProject>;

/** Projects from an attached JSON list or a CSV with a header naming name, url and parent (id and address optional). */
function listedProjects(content: string): ListedProject[] {
  const trimmed = content.replace(/^\uFEFF/, '').trim();
  let items: unknown[];
  if (trimmed.startsWith('[') || trimmed.startsWith('{')) {
    let json: unknown;
    try {
      json = JSON.parse(trimmed);
    } catch (error) {
      throw new UserError('invalid_options', `file: not valid JSON (${(error as Error).message}).`);
    }
    items = Array.isArray(json) ? json : Array.isArray((json as { projects?: unknown }).projects) ? (json as { projects: unknown[] }).projects : [json];
  } else {
    const [head = '', ...lines] = trimmed.split(/\r?\n/).filter((l) => l.trim() !== '');
    const columns = csvFields(head).map((c) => c.toLowerCase());
    if (!columns.includes('name')) throw new UserError('invalid_options', 'file: the first line names the columns: name,url,parent (and optionally id, address).');
    const unknown = columns.filter((c) => !['id', 'name', 'url', 'parent', 'address'].includes(c));
    if (unknown.length) throw new UserError('invalid_options', `file: there is no column ${unknown.map((c) => JSON.stringify(c)).join(', ')}; the columns are name, url, parent, id, address.`);
    items = lines.map((line) => Object.fromEntries(csvFields(line).flatMap((v, k) => (columns[k] && v !== '' ? [[columns[k], v]] : []))));
  }
  return items.map((item, k) => {
    const parsed = listedProject.safeParse(item, { error: chatErrorMap() });
    if (!parsed.success) throw new UserError('invalid_options', `file, project ${k + 1}: ${issueLines(parsed.error).join('; ')}`);
    return parsed.data;
  });
}

/** Listed projects as rows: ids from names where none is given, parents named by id or by name. */
function projectRows(existing: readonly ProjectRow[], listed: readonly ListedProject[]): ProjectRow[] {
  const rows = listed.map((p) => ({ key: p.id ?? idFrom(p.name), name: p.name, url: p.url || null, parent_key: p.parent || null, address: p.address || null }));
  const all = [...existing, ...rows];
  const byName = new Map(all.map((p) => [p.name.toLowerCase(), p.key]));
  const ids = new Set(all.map((p) => p.key));
  return rows.map((r) => (r.parent_key === null || ids.has(r.parent_key) ? r : { ...r, parent_key: byName.get(r.parent_key.toLowerCase()) ?? r.parent_key }));
}

async function storeProjects(ctx: CommandContext, row: PairwiseRoundRow, listed: readonly ListedProject[]): Promise<ProjectRow[]> {
  if (row.phase === 'closed') throw new UserError('wrong_phase', `Pairwise round ${row.key} is closed; its projects stay as they were judged.`);
  const existing = await projectsOf(ctx.db, row.id);
  const rows = projectRows(existing, listed);
  checkProjects(row, [...existing, ...rows]);
  const moderator = await ctx.member();
  await ctx.db.transaction().execute(async (trx) => {
    await addProjects(trx, row.id, rows);
    await auditPairwise(trx, ctx, row, 'projects.added', { projects: rows.map((r) => r.key) }, moderator);
  });
  return rows;
}

/** Keys of the round file's config, and of what only the chat uses. */
/**
 * What the bot proposes for a round created in chat (a round file without `aggregation` still means l2log, DESIGN.md):
 * huber, because jurors' errors are heavy-tailed — most answers a little off, a few wildly — and in the simulation with
 * such jurors (bench MIXTURE_NOISE, the model matching both of issue 14's orientation figures) sampler + huber reaches
 * 10 % in 1,350 / 2,100 comparisons (5 seeds) where sampler + l2log needed 6,600 / 3,310 (3 seeds); juror weighting
 * stays off, as it did not help huber there.
 */
const NEW_ROUND_RULES = { aggregation: 'huber' } as const;

const FILE_KEYS = ['aggregation', 'elicitation', 'ratios', 'typedRatios', 'holdoutPercent', 'jurorWeighting', 'seed', 'token.symbol', 'token.decimals', 'pool', 'minWeight'] as const;
const CHAT_KEYS = ['wanted', 'weights', 'liveScoring', 'payout.address', 'payout.chainId'] as const;
/** What may change once jurors have answered: nothing that changes what an answer means. */
const LATE_KEYS = new Set<string>(['aggregation', 'jurorWeighting', 'pool', 'minWeight', 'token.symbol', 'token.decimals', ...CHAT_KEYS]);

function withFileKey(config: PairwiseConfig, key: (typeof FILE_KEYS)[number], value: unknown): PairwiseConfig {
  const stored = JSON.parse(storedPairwiseConfig(config)) as Record<string, unknown> & { token: Record<string, unknown> };
  if (key === 'token.symbol' || key === 'token.decimals') stored.token = { ...stored.token, [key.slice(6)]: value };
  else stored[key] = key === 'pool' && typeof value === 'number' ? String(value) : value;
  const parsed = pairwiseConfigSchema.safeParse(stored, { error: chatErrorMap() });
  if (!parsed.success) throw new UserError('invalid_config', issueLines(parsed.error).join('\n'));
  return parsed.data as PairwiseConfig;
}

/**
 * The role of `/pairwise jurors who:role role:…`, as Discord's role picker gives it (`<@&id>`) or its id. Only Discord
 * tells the bot a member's roles; @everyone is everyone (who:anyone).
 */
function jurorRole(ctx: CommandContext, given: string | undefined): string {
  if (ctx.community.platform !== 'discord') throw new UserError('invalid_options', `who:role: ${ctx.community.platform} has no roles the bot can see: role eligibility works on Discord only. Choose who:named, who:tier or who:wallet here.`);
  if (given === undefined) throw new UserError('invalid_options', 'who:role needs role: (pick the role, such as @Jurors).');
  const id = /^(?:<@&)?(\d{17,20})>?$/.exec(given)?.[1];
  if (!id) throw new UserError('invalid_options', `role: "${given}" is not a role; pick it from the list Discord offers (such as @Jurors).`);
  if (id === ctx.community.platform_chat_id) throw new UserError('invalid_options', 'role: @everyone is every member; choose who:anyone for that.');
  return id;
}

const describeEligibility = (rule: Eligibility) =>
  rule.kind === 'role' ? `members with the role <@&${rule.role}>` : rule.kind === 'anyone' ? 'anyone in the community' : rule.kind === 'named' ? 'the jurors named with /pairwise jurors member:…' : rule.kind === 'wallet' ? 'members with a verified wallet' : `members of tier ${rule.tier} or better in round ${rule.round}`;

async function showRound(db: Executor, row: PairwiseRoundRow): Promise<Block[]> {
  const config = pairwiseConfigOf(row);
  const projects = await projectsOf(db, row.id);
  const jobs = await db.selectFrom('pairwise_jobs').select(['target', 'due_at']).where('round_id', '=', row.id).where('done_at', 'is', null).orderBy('due_at').execute();
  const named = await db.selectFrom('pairwise_jurors').select((eb) => eb.fn.countAll<number>().as('n')).where('round_id', '=', row.id).executeTakeFirstOrThrow();
  const counted = await countedAnswers(db, row.id);
  const rule = eligibilityOf(row);
  const children = (parent: string | null, depth: number): string[] =>
    projects.filter((p) => p.parent_key === parent).flatMap((p) => [`${'  '.repeat(depth)}${p.key}  ${p.name}${p.url ? `  ${p.url}` : ''}`, ...children(p.key, depth + 1)]);
  return [
    text(`Pairwise round ${row.key} "${row.name}" (${row.phase}): what mattered to ${row.root}?`),
    pre(
      [
        // a role is named outside the block, where Discord shows <@&id> as the role's name
        `judged by    ${rule.kind === 'role' ? 'members with a Discord role (below)' : describeEligibility(rule)}${rule.kind === 'named' ? ` (${Number(named.n)} named)` : ''}`,
        `asks         ${config.elicitation === 'ratio' ? `which mattered more, and how many times (${config.ratios.join(', ')})` : 'which mattered more'}`,
        `aggregation  ${config.aggregation}, juror weighting ${config.jurorWeighting}, holdout ${config.holdoutPercent}%, seed ${config.seed}`,
        `pool         ${formatUnits(config.pool, config.token.decimals)} ${config.token.symbol}${config.minWeight > 0 ? `, none below weight ${config.minWeight}` : ''}`,
        `weights      ${row.weights_before_close ? 'shown while open' : 'hidden until close'}; submissions scored ${row.live_scoring ? 'live' : 'at close'}`,
        `comparisons  ${counted} of ${wantedOf(row, projects.length)} wanted`,
        ...jobs.map((j) => `scheduled    ${j.target === 'open' ? 'opens' : 'closes'} ${formatInstant(new Date(j.due_at), 'UTC')}`),
      ].join('\n'),
    ),
    ...(rule.kind === 'role' ? [text(`Judged by ${describeEligibility(rule)}.`)] : []),
    projects.length ? pre(children(null, 0).join('\n')) : text('No projects yet: /pairwise project, or /pairwise projects with a CSV or JSON file.'),
  ];
}

export default defineCommand({
  name: 'pairwise',
  description: 'Deep Funding rounds: jurors compare projects pair by pair, the comparisons set the weights that split a pool',
  subcommands: {
    create: defineAction({
      description: 'Start a pairwise round (in its draft until it opens)',
      access: 'moderator',
      options: options({
        id: z.string().regex(ID_PATTERN, 'a round id is 1 to 64 letters, digits or . _ : -').describe('Short id, such as df1'),
        name: z.string().trim().min(1).max(200).describe('Name shown to members'),
        root: z.string().trim().min(1).max(200).describe('What is funded, such as Ethereum: jurors are asked what mattered more to it'),
      }),
      async run(ctx, o) {
        const moderator = await ctx.member();
        const config = pairwiseConfigSchema.parse(NEW_ROUND_RULES) as PairwiseConfig;
        const row: PairwiseRoundRow = {
          id: newId(),
          community_id: ctx.community.id,
          key: o.id,
          name: o.name,
          root: o.root,
          config: storedPairwiseConfig(config),
          phase: 'draft',
          eligibility: JSON.stringify({ kind: 'anyone' } satisfies Eligibility),
          wanted: 0,
          weights_before_close: 1,
          live_scoring: 0,
          payout_token: null,
          created_at: ctx.now().toISOString(),
          closed_at: null,
        };
        await ctx.db.transaction().execute(async (trx) => {
          if (await findPairwiseRound(trx, ctx.community.id, o.id)) throw new UserError('round_exists', `Pairwise round ${o.id} already exists; pick another id.`);
          await trx.insertInto('pairwise_rounds').values(row).execute();
          await auditPairwise(trx, ctx, row, 'created', { key: o.id, name: o.name, root: o.root }, moderator);
        });
        return reply(text(`Pairwise round ${o.id} "${o.name}" is created: jurors will be asked what mattered more to ${o.root}. Next: /pairwise projects (a CSV or JSON file), /pairwise jurors, /pairwise config, /pairwise schedule or /pairwise open.`));
      },
    }),

    project: defineAction({
      description: 'Add one project',
      access: 'moderator',
      options: options({
        name: z.string().trim().min(1).max(200).describe('Project name, such as go-ethereum'),
        url: z.string().trim().max(500).optional().describe('Its page, such as https://github.com/ethereum/go-ethereum'),
        parent: z.string().trim().max(200).optional().describe('The project it is part of (id or name); none: directly under the root'),
        id: z.string().regex(ID_PATTERN, 'an id is 1 to 64 letters, digits or . _ : -').optional().describe('Short id (default: from the name)'),
        address: opt.address.optional().describe('Where its funding is paid (for the Safe batch)'),
        round: pairwiseOption,
      }),
      async run(ctx, o) {
        const row = await resolvePairwise(ctx, o.round);
        const [added] = await storeProjects(ctx, row, [{ name: o.name, url: o.url, parent: o.parent ?? null, id: o.id, address: o.address }]);
        return reply(text(`Project ${added!.key} "${added!.name}" is in round ${row.key}${added!.parent_key ? `, under ${added!.parent_key}` : `, directly under ${row.root}`}.`));
      },
    }),

    projects: defineAction({
      description: 'Add projects from a CSV (name,url,parent) or JSON file',
      access: 'moderator',
      options: options({
        file: z.string().min(1).max(200_000).describe('The projects: CSV lines name,url,parent after a header, or a JSON list').meta({ chat: 'file' }),
        round: pairwiseOption,
      }),
      async run(ctx, o) {
        const row = await resolvePairwise(ctx, o.round);
        const added = await storeProjects(ctx, row, listedProjects(o.file));
        const groups = new Set(added.map((p) => p.parent_key ?? ''));
        return reply(text(`${added.length} projects added to round ${row.key}, in ${groups.size} sibling group${groups.size === 1 ? '' : 's'}. /pairwise show lists them.`));
      },
    }),

    jurors: defineAction({
      description: 'Choose who judges: anyone, named members, a Discord role, a governance tier, or a verified wallet',
      access: 'moderator',
      options: options({
        who: z.enum(['anyone', 'named', 'role', 'tier', 'wallet']).optional().describe('anyone, named (members you add), role (with role:), tier (with tier: and of:), wallet (verified)'),
        role: z.string().trim().min(1).max(40).meta({ chat: 'role' }).optional().describe('With who:role, the Discord role whose members judge'),
        member: opt.member.optional().describe('Add this member to the named jurors, such as alice'),
        tier: z.string().trim().min(1).max(32).optional().describe('With who:tier, the lowest tier that judges, such as C'),
        of: z.string().regex(ID_PATTERN).optional().describe('With who:tier, the governance round whose tiers count, such as r1'),
        round: pairwiseOption,
      }).refine((o) => o.who !== undefined || o.member !== undefined, 'give who: or member:'),
      async run(ctx, o) {
        const row = await resolvePairwise(ctx, o.round);
        const moderator = await ctx.member();
        let rule = eligibilityOf(row);
        if (o.role !== undefined && o.who !== 'role') throw new UserError('invalid_options', 'role: goes with who:role.');
        if (o.who === 'role') rule = { kind: 'role', role: jurorRole(ctx, o.role) };
        else if (o.who === 'tier') {
          if (!o.tier || !o.of) throw new UserError('invalid_options', 'who:tier needs tier: (such as C) and of: (the governance round, such as r1).');
          const governance = await findRound(ctx.db, ctx.community.id, o.of);
          if (!governance) throw new UserError('unknown_round', `There is no governance round "${o.of}" here.`);
          const levels = roundConfigOf(governance).tiers.levels.map((l) => l.name);
          if (!levels.includes(o.tier)) throw new UserError('invalid_options', `tier: round ${o.of} has the tiers ${levels.join(', ')}.`);
          rule = { kind: 'tier', round: o.of, tier: o.tier };
        } else if (o.who) rule = { kind: o.who };
        else if (o.member) rule = { kind: 'named' };
        const named = o.member ? await resolveMember(ctx, o.member) : undefined;
        await ctx.db.transaction().execute(async (trx) => {
          await trx.updateTable('pairwise_rounds').set({ eligibility: JSON.stringify(rule) }).where('id', '=', row.id).execute();
          if (named) await addNamedJuror(trx, row.id, named.id, ctx.now().toISOString());
          await auditPairwise(trx, ctx, row, 'jurors', { rule, added: named?.key ?? null }, moderator);
        });
        return reply(text(`Round ${row.key} is judged by ${describeEligibility(rule)}${named ? `; ${named.handle} is one of them` : ''}.`));
      },
    }),

    config: defineAction({
      description: 'Set one rule, such as key:aggregation value:huber or key:pool value:1000000000000000000',
      access: 'moderator',
      options: options({
        key: z.enum([...FILE_KEYS, ...CHAT_KEYS]).describe(`The rule: ${[...FILE_KEYS, ...CHAT_KEYS].join(', ')}`),
        value: z.string().trim().min(1).max(2000).describe('New value: a number, text, or JSON (ratios: [1.5,2,3])'),
        round: pairwiseOption,
      }),
      async run(ctx, o) {
        const row = await resolvePairwise(ctx, o.round);
        if (row.phase === 'closed') throw new UserError('wrong_phase', `Pairwise round ${row.key} is closed; its rules stay as they were.`);
        if (!LATE_KEYS.has(o.key) && (await countedAnswers(ctx.db, row.id)) > 0) throw new UserError('wrong_phase', `Jurors have answered already: ${o.key} would change what their answers mean.`);
        let value: unknown;
        try {
          value = JSON.parse(o.value);
        } catch {
          value = o.value;
        }
        const change: Partial<PairwiseRoundRow> = {};
        if (o.key === 'wanted') {
          if (!Number.isInteger(value) || (value as number) < 0 || (value as number) > 10_000_000) throw new UserError('invalid_config', 'wanted: a whole number of comparisons, such as 300.');
          change.wanted = value as number;
        } else if (o.key === 'weights') {
          if (value !== 'live' && value !== 'close') throw new UserError('invalid_config', 'weights: live (shown while the round is open) or close (hidden until it closes).');
          change.weights_before_close = value === 'live' ? 1 : 0;
        } else if (o.key === 'liveScoring') {
          if (typeof value !== 'boolean') throw new UserError('invalid_config', 'liveScoring: true (scored as submitted) or false (at close).');
          change.live_scoring = value ? 1 : 0;
        } else if (o.key === 'payout.address' || o.key === 'payout.chainId') {
          const token = row.payout_token ? (JSON.parse(row.payout_token) as Record<string, unknown>) : {};
          if (o.key === 'payout.address' && !opt.address.safeParse(o.value).success) throw new UserError('invalid_config', 'payout.address: the ERC-20 contract, 0x and 40 hex digits.');
          if (o.key === 'payout.chainId' && !(Number.isInteger(value) && (value as number) > 0)) throw new UserError('invalid_config', 'payout.chainId: a chain id such as 1.');
          change.payout_token = JSON.stringify({ ...token, [o.key.slice(7)]: o.key === 'payout.address' ? o.value.toLowerCase() : value });
        } else change.config = storedPairwiseConfig(withFileKey(pairwiseConfigOf(row), o.key, value));
        const moderator = await ctx.member();
        await ctx.db.transaction().execute(async (trx) => {
          await trx.updateTable('pairwise_rounds').set(change).where('id', '=', row.id).execute();
          await auditPairwise(trx, ctx, row, 'configured', { key: o.key, value }, moderator);
        });
        return reply(text(`Round ${row.key}: ${o.key} is now ${JSON.stringify(value)}.`));
      },
    }),

    schedule: defineAction({
      description: 'Schedule when judging opens and when the round closes',
      access: 'moderator',
      options: options({
        open: opt.time.optional().describe(TIME_HELP('When judging opens')),
        close: opt.time.optional().describe(TIME_HELP('When the round closes')),
        round: pairwiseOption,
      }).refine((o) => o.open || o.close, 'give open:, close: or both'),
      async run(ctx, o) {
        const row = await resolvePairwise(ctx, o.round);
        if (row.phase === 'closed') throw new UserError('wrong_phase', `Pairwise round ${row.key} is closed already.`);
        const open = o.open === undefined ? undefined : pairwiseTime('open', o.open, ctx.now());
        const close = o.close === undefined ? undefined : pairwiseTime('close', o.close, ctx.now());
        if (open && row.phase !== 'draft') throw new UserError('wrong_phase', `Pairwise round ${row.key} is open already; schedule only its close.`);
        if (open && close && close <= open) throw new UserError('invalid_options', `close: ${formatInstant(close, 'UTC')} is not after open: ${formatInstant(open, 'UTC')}.`);
        const changes = [...(open ? [{ phase: 'open' as const, at: open }] : []), ...(close ? [{ phase: 'closed' as const, at: close }] : [])];
        const moderator = await ctx.member();
        await ctx.db.transaction().execute(async (trx) => {
          await schedulePairwise(trx, row.id, changes);
          await auditPairwise(trx, ctx, row, 'scheduled', Object.fromEntries(changes.map((c) => [c.phase, c.at.toISOString()])), moderator);
        });
        return reply(text(`Round ${row.key} scheduled: ${changes.map((c) => `${c.phase === 'open' ? 'opens' : 'closes'} ${formatInstant(c.at, 'UTC')}`).join(', ')}.`));
      },
    }),

    open: defineAction({
      description: 'Open judging now',
      access: 'moderator',
      options: options({ round: pairwiseOption }),
      async run(ctx, o) {
        const row = await resolvePairwise(ctx, o.round);
        const projects = await projectsOf(ctx.db, row.id);
        if (projects.length < 2) throw new UserError('wrong_phase', `Round ${row.key} has ${projects.length} project${projects.length === 1 ? '' : 's'}: add at least two to compare.`);
        const moderator = await ctx.member();
        const post = await ctx.db.transaction().execute(async (trx) => {
          const post = await openPairwise(trx, row, ctx.now());
          if (post) await auditPairwise(trx, ctx, row, 'opened', {}, moderator);
          return post;
        });
        if (!post) throw new UserError('wrong_phase', `Pairwise round ${row.key} is ${row.phase}, not in its draft.`);
        return post;
      },
    }),

    close: defineAction({
      description: 'Close the round now and post its final weights, funding and leaderboard',
      access: 'moderator',
      options: options({ round: pairwiseOption }),
      async run(ctx, o) {
        const row = await resolvePairwise(ctx, o.round);
        const moderator = await ctx.member();
        const post = await ctx.db.transaction().execute(async (trx) => {
          const post = await closePairwise(trx, row, ctx.now(), ctx.publicUrl);
          if (post) await auditPairwise(trx, ctx, row, 'closed', {}, moderator);
          return post;
        });
        if (!post) throw new UserError('wrong_phase', `Pairwise round ${row.key} is ${row.phase}, not open.`);
        return post;
      },
    }),

    show: defineAction({
      description: 'Show a pairwise round: its rules, who judges, its projects',
      access: 'member',
      options: options({ round: pairwiseOption }),
      async run(ctx, o) {
        return reply(...(await showRound(ctx.db, await resolvePairwise(ctx, o.round))));
      },
    }),

    leaderboard: defineAction({
      description: 'The submissions ranked by their score on the held-out comparisons',
      access: 'member',
      options: options({ round: pairwiseOption }),
      async run(ctx, o) {
        const row = await resolvePairwise(ctx, o.round);
        if (row.phase !== 'closed' && !row.live_scoring) return reply(text(`Submissions to round ${row.key} are scored when it closes.`));
        const result = await pairwiseReportOf(ctx.db, row);
        if ('problem' in result) return reply(text(`No scores yet: ${result.problem}`));
        return reply(text(`Leaderboard of round ${row.key}:`), pre(renderLeaderboard(result.report)));
      },
    }),

    export: defineAction({
      description: 'The round file (jurors by key and public name), which govbot replay recomputes',
      access: 'member',
      options: options({ round: pairwiseOption }),
      async run(ctx, o) {
        const row = await resolvePairwise(ctx, o.round);
        const { file } = await exportPairwiseRound(ctx.db, row);
        return {
          ...privateReply(text(`Round file of ${row.key}; recompute every number with: npx govbot replay ${row.key}.json`)),
          attachments: [{ name: `${row.key}.json`, contentType: 'application/json', content: file }],
        };
      },
    }),
  },
});
