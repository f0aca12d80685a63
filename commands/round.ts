import { z } from 'zod';
import { roundConfigSchema, ruleKeyProblem, serializeRoundConfig, timeZoneOf, withRule, type RoundConfig } from '../src/core/config.ts';
import { roundConfigOf, storedConfig } from '../src/db/repositories.ts';
import { UserError } from '../src/commands/errors.ts';
import { chatErrorMap, defineAction, defineCommand, issueLines, options } from '../src/commands/framework.ts';
import { reply, text, type Reply } from '../src/commands/reply.ts';
import type { CommandContext } from '../src/commands/context.ts';
import type { RoundRow } from '../src/db/schema.ts';
import { audit, newId, opt, resolveMember, resolveRound, resolveTime, resultsUrl, TIME_HELP } from '../src/commands/support.ts';
import { formatInstant } from '../src/format/time.ts';
import { formatPath, ID_PATTERN } from '../src/roundfile/schema.ts';
import { ChainReadError, type ChainReader } from '../src/chain/erc20.ts';
import { takeCardanoSnapshot, takeSnapshot } from '../src/chain/wallets.ts';
import { convertUnits, LossyConversionError } from '../src/chain/units.ts';
import { parseCardanoAddress } from '../src/chain/cardano/address.ts';
import { CARDANO_NETWORKS } from '../src/chain/cardano/network.ts';
import { formatTokens, formatUnits, parseTokenAmount } from '../src/format/units.ts';
import { parseBalancesCsv } from '../src/format/balances.ts';
import { chatProgress, formatDuration } from '../src/format/progress.ts';
import { reputationSnapshotConfigured } from '../src/db/reputation-snapshot.ts';

/** voting.weight in words, for /round show. */
const WEIGHT_WORDS: Record<RoundConfig['voting']['weight'], string> = { sqrt: 'quadratic (√ of tokens)', linear: 'one token one vote', one: 'one member one vote' };

/** Rules that are amounts of the round's token: typed in tokens, stored in base units. */
const AMOUNT_KEYS = new Set(['rewards.pool']);

/** The phases a schedule sets, in the order they come, with the option that sets each. */
const SCHEDULED_PHASES = [
  { phase: 'proposals', option: 'proposals' },
  { phase: 'voting', option: 'voting' },
  { phase: 'closed', option: 'close' },
] as const;

/** A whole round config, checked; what is wrong is said per rule. */
function parseConfig(config: unknown): RoundConfig {
  const parsed = roundConfigSchema.safeParse(config, { error: chatErrorMap() });
  if (!parsed.success) throw new UserError('invalid_config', issueLines(parsed.error).join('\n'));
  return parsed.data;
}

/**
 * `/round balances chain:cardano` lines: stake or payment addresses, balances in the Cardano asset's decimals,
 * converted exactly to the round token's base unit; a balance that would lose digits is a problem on its line.
 */
function cardanoBalancesCsv(text: string, assetDecimals: number, roundDecimals: number) {
  const csv = parseBalancesCsv(text, assetDecimals, (address) => (parseCardanoAddress(address) ? { key: address } : { problem: `${JSON.stringify(address.slice(0, 60))} is not a Cardano address (stake1…, addr1…)` }));
  const rows = [];
  const problems = [...csv.problems];
  for (const row of csv.rows) {
    try {
      rows.push({ ...row, balance: convertUnits(row.balance, assetDecimals, roundDecimals) });
    } catch (error) {
      if (!(error instanceof LossyConversionError)) throw error;
      problems.push(`line ${row.line}: ${error.message}`);
    }
  }
  return { ...csv, rows, problems };
}

/**
 * Discord roles per tier are the server's, not a rule of the round (a replay never sees them): `tiers.roles` is kept
 * beside the config, per community, and the Discord adapter keeps members' roles in step with their tiers.
 */
const TIER_ROLES_KEY = 'tiers.roles';
const ROLE_ID = /^(?:<@&)?(\d{17,20})>?$/;

async function setTierRoles(ctx: CommandContext, round: RoundRow, value: string): Promise<Reply> {
  if (ctx.community.platform !== 'discord')
    throw new UserError('invalid_config', `${TIER_ROLES_KEY}: tier roles are Discord roles; here /reputation and /leaderboard show each member's tier.`);
  const tiers = roundConfigOf(round).tiers.levels.map((l) => l.name);
  let asked: Record<string, unknown>;
  if (value === 'create' || value === 'none') asked = Object.fromEntries(tiers.map((t) => [t, value]));
  else
    try {
      asked = JSON.parse(value) as Record<string, unknown>;
      if (asked === null || typeof asked !== 'object' || Array.isArray(asked)) throw new Error('not an object');
    } catch {
      throw new UserError('invalid_config', `${TIER_ROLES_KEY}: write create (a new role per tier), none, or JSON such as {"A":"<@&role id>","B":"create"}.`);
    }
  const rows: { tier: string; role_id: string | null }[] = [];
  for (const [tier, role] of Object.entries(asked)) {
    if (!tiers.includes(tier)) throw new UserError('invalid_config', `${TIER_ROLES_KEY}: round ${round.key} has no tier ${JSON.stringify(tier)}; its tiers are ${tiers.join(', ')}.`);
    const id = typeof role === 'string' ? ROLE_ID.exec(role)?.[1] : undefined;
    if (role === 'none') continue;
    if (role !== 'create' && id === undefined) throw new UserError('invalid_config', `${TIER_ROLES_KEY}.${tier}: ${JSON.stringify(role)} is not a role (pick it as @role, or write create).`);
    rows.push({ tier, role_id: id ?? null });
  }
  const moderator = await ctx.member();
  await ctx.db.transaction().execute(async (trx) => {
    await trx.deleteFrom('tier_roles').where('community_id', '=', ctx.community.id).where('tier', 'in', Object.keys(asked)).execute();
    if (rows.length) await trx.insertInto('tier_roles').values(rows.map((r) => ({ community_id: ctx.community.id, ...r }))).execute();
    await audit(trx, ctx, round, 'tier_roles.set', Object.fromEntries(rows.map((r) => [r.tier, r.role_id ?? 'create'])), moderator.id);
  });
  const shown = rows.map((r) => `${r.tier} → ${r.role_id ? `<@&${r.role_id}>` : `a new role "Tier ${r.tier}"`}`);
  return reply(
    text(`Tier roles of this server: ${shown.join(', ') || 'none'}. Members get the role of their tier in round ${round.key} within a few seconds, and lose it when their tier changes. My own role must sit above these roles, with Manage Roles.`),
  );
}

/** Snapshots and token metadata need the bot's EVM node. */
function requireChain(chain: ChainReader | undefined): ChainReader {
  if (!chain) throw new UserError('no_chain', 'The bot has no EVM node (ETH_RPC_URL): ask the operator to set one, or import balances with /round balances.');
  return chain;
}

/** A read the node refused becomes a clear answer; nothing was stored. */
async function readChain<T>(read: () => Promise<T>): Promise<T> {
  try {
    return await read();
  } catch (error) {
    if (error instanceof ChainReadError) throw new UserError('chain_read', error.message);
    throw error;
  }
}

export default defineCommand({
  name: 'round',
  description: 'Create, configure, schedule and show governance rounds',
  subcommands: {
    create: defineAction({
      description: 'Start a new round (it begins in its draft phase)',
      access: 'moderator',
      options: options({
        id: z.string().regex(ID_PATTERN, 'a round id is 1 to 64 letters, digits or . _ : -').describe('Short id, such as r2'),
        name: z.string().min(1).max(200).describe('Name shown to members'),
        timezone: z.string().max(64).optional().describe('Time zone of times written without an offset, such as Europe/Berlin (default UTC)'),
      }),
      async run(ctx, o) {
        const config = parseConfig({ ...(o.timezone !== undefined && { timezone: o.timezone }) });
        const moderator = await ctx.member();
        await ctx.db.transaction().execute(async (trx) => {
          const exists = await trx.selectFrom('rounds').select('id').where('community_id', '=', ctx.community.id).where('key', '=', o.id).executeTakeFirst();
          if (exists) throw new UserError('round_exists', `Round ${o.id} already exists; pick another id.`);
          const round = {
            id: newId(),
            community_id: ctx.community.id,
            key: o.id,
            name: o.name,
            config: storedConfig(config),
            phase: 'draft',
            snapshot_block: null,
            created_at: ctx.now().toISOString(),
          };
          await trx.insertInto('rounds').values(round).execute();
          await audit(trx, ctx, round, 'round.created', { key: o.id, name: o.name, timezone: timeZoneOf(config) }, moderator.id);
        });
        return {
          ...reply(text(`Round ${o.id} "${o.name}" is created, in its draft phase; times without an offset are read in ${timeZoneOf(config)}. Next: /round config, /round schedule, /poll open.`)),
          about: { kind: 'round', round: o.id, key: o.id },
        };
      },
    }),

    config: defineAction({
      description: 'Set one rule of the round, e.g. key:rewards.pool value:100000 (tokens)',
      access: 'moderator',
      options: options({
        key: z.string().regex(/^[a-zA-Z_]+(\.[a-zA-Z_]+)*$/, 'a key is a dotted path such as reputation.proposalShare').describe('Dotted path of the rule, such as reputation.proposalShare'),
        value: z.string().min(1).max(2000).describe('New value: a number, text, or JSON; amounts in tokens, such as 100000'),
        unit: z.enum(['token', 'base'], { error: 'unit is token or base' }).optional().describe('Amounts: token (whole tokens, the default) or base (base units)'),
        round: opt.round,
      }),
      async run(ctx, o) {
        if (o.key === TIER_ROLES_KEY) return setTierRoles(ctx, await resolveRound(ctx, o.round), o.value);
        const path = o.key.split('.');
        const problem = ruleKeyProblem(path);
        if (problem) throw new UserError('invalid_config', `key: ${problem}.`);
        const round = await resolveRound(ctx, o.round);
        const current = roundConfigOf(round);
        const amount = AMOUNT_KEYS.has(o.key);
        if (o.unit !== undefined && !amount) throw new UserError('invalid_options', `unit: only amounts take a unit (${[...AMOUNT_KEYS].join(', ')}); ${o.key} is not one.`);
        let value: unknown;
        if (amount) {
          // Amounts are typed in tokens; stored, as every amount, in base units as a decimal string.
          const parsed = parseTokenAmount(o.value, current.token, o.unit);
          if ('problem' in parsed) throw new UserError('invalid_config', `value: ${parsed.problem}; or give base units with unit:base.`);
          value = parsed.amount.toString();
        } else
          try {
            value = JSON.parse(o.value);
          } catch {
            value = o.value;
          }
        const config = parseConfig(withRule({ ...serializeRoundConfig(current) }, path, value));
        const moderator = await ctx.member();
        await ctx.db.transaction().execute(async (trx) => {
          if (path[0] === 'voting' && roundConfigOf(round).voting.reputationSnapshot !== config.voting.reputationSnapshot)
            await reputationSnapshotConfigured(trx, round.id, config, ctx.now());
          await trx.updateTable('rounds').set({ config: storedConfig(config) }).where('id', '=', round.id).execute();
          await audit(trx, ctx, round, 'round.configured', { key: o.key, value }, moderator.id);
        });
        const shown = amount ? `${formatTokens(BigInt(value as string), config.token.decimals)} ${config.token.symbol} (${String(value)} base units)` : JSON.stringify(value);
        return reply(text(`Round ${round.key}: ${o.key} is now ${shown}.`));
      },
    }),

    schedule: defineAction({
      description: 'Schedule the phases: proposals open, voting opens, round closes',
      access: 'moderator',
      options: options({
        proposals: opt.time.optional().describe(TIME_HELP('When proposals open')),
        voting: opt.time.optional().describe(TIME_HELP('When voting opens')),
        close: opt.time.optional().describe(TIME_HELP('When the round closes')),
        round: opt.round,
      }).refine((o) => o.proposals || o.voting || o.close, 'give at least one of proposals:, voting:, close:'),
      async run(ctx, o) {
        const round = await resolveRound(ctx, o.round);
        const zone = timeZoneOf(roundConfigOf(round));
        const phases = SCHEDULED_PHASES.flatMap(({ phase, option }) => {
          const value = o[option];
          return value === undefined ? [] : [{ phase, option, at: resolveTime(round, option, value, ctx.now()) }];
        });
        // A phase not given keeps the time it is already due at, so a new close is checked against the voting planned.
        const pending = await ctx.db.selectFrom('jobs').select(['target', 'due_at']).where('round_id', '=', round.id).where('kind', '=', 'phase').where('done_at', 'is', null).execute();
        const timeline = SCHEDULED_PHASES.flatMap(({ phase, option }) => {
          const given = phases.find((p) => p.phase === phase);
          const due = pending.find((j) => j.target === phase);
          return given ? [given] : due ? [{ phase, option, at: new Date(due.due_at) }] : [];
        });
        for (const [i, later] of timeline.entries()) {
          const earlier = timeline[i - 1];
          if (earlier && later.at <= earlier.at)
            throw new UserError(
              'invalid_options',
              `${later.option}: ${formatInstant(later.at, zone)} is not after ${earlier.option} at ${formatInstant(earlier.at, zone)}; the phases come in order: proposals, voting, close.`,
            );
        }
        const moderator = await ctx.member();
        await ctx.db.transaction().execute(async (trx) => {
          // A new schedule replaces what was pending for the same phases.
          await trx.deleteFrom('jobs').where('round_id', '=', round.id).where('kind', '=', 'phase').where('target', 'in', phases.map((p) => p.phase)).where('done_at', 'is', null).execute();
          await trx
            .insertInto('jobs')
            .values(phases.map(({ phase, at }) => ({ id: newId(), round_id: round.id, kind: 'phase', target: phase, due_at: at.toISOString(), done_at: null })))
            .execute();
          await audit(trx, ctx, round, 'round.scheduled', Object.fromEntries(phases.map(({ phase, at }) => [phase, at.toISOString()])), moderator.id);
        });
        return reply(text(`Round ${round.key} scheduled: ${phases.map(({ phase, at }) => `${phase} at ${formatInstant(at, zone)}`).join(', ')}.`));
      },
    }),

    token: defineAction({
      description: 'Set the token the round counts: an ERC-20 (decimals and symbol read from the contract), or the same token on Cardano',
      access: 'moderator',
      options: options({
        address: opt.address.optional().describe('ERC-20 contract address'),
        chain: z
          .union([z.enum(['cardano', 'cardano-preprod', 'cardano-preview']), z.coerce.number({ error: 'chain is a chain id such as 1, or cardano' }).int().positive()])
          .describe('Chain id (1 for Ethereum mainnet), or cardano (cardano-preprod, cardano-preview)'),
        policy: z.string().regex(/^[0-9a-fA-F]{56}$/, 'a policy id is 56 hex digits').optional().describe('Cardano: the asset\'s policy id'),
        asset: z.string().regex(/^([0-9a-fA-F]{2}){0,32}$/, 'an asset name is up to 64 hex digits').optional().describe('Cardano: the asset name, in hex'),
        decimals: z.coerce.number({ error: 'decimals is a whole number' }).int().min(0).max(36).optional().describe('Cardano: the asset\'s decimals'),
        round: opt.round,
      }).superRefine((o, issue) => {
        const cardano = typeof o.chain === 'string';
        if (cardano && (o.policy === undefined || o.decimals === undefined)) issue.addIssue({ code: 'custom', path: ['policy'], message: 'a Cardano token needs policy:, asset: (hex, may be empty) and decimals:' });
        if (!cardano && !o.address) issue.addIssue({ code: 'custom', path: ['address'], message: 'an ERC-20 token needs its contract address:' });
      }),
      async run(ctx, o) {
        const round = await resolveRound(ctx, o.round);
        const current = roundConfigOf(round).token;
        const moderator = await ctx.member();
        const save = async (token: RoundConfig['token']) => {
          const config = roundConfigSchema.parse({ ...serializeRoundConfig(roundConfigOf(round)), token });
          await ctx.db.transaction().execute(async (trx) => {
            await trx.updateTable('rounds').set({ config: storedConfig(config) }).where('id', '=', round.id).execute();
            await audit(trx, ctx, round, 'round.token', token, moderator.id);
          });
        };
        if (typeof o.chain === 'string') {
          const network = CARDANO_NETWORKS[o.chain === 'cardano' ? 'mainnet' : o.chain === 'cardano-preprod' ? 'preprod' : 'preview'];
          const cardano = { chain: network.chain, policyId: o.policy!.toLowerCase(), assetName: (o.asset ?? '').toLowerCase(), decimals: o.decimals! };
          await save({ ...current, cardano });
          const { decimals } = current;
          const exact = cardano.decimals <= decimals ? '' : ` Its ${cardano.decimals} decimals are more than the round's ${decimals}: a balance that does not convert exactly is refused at the snapshot.`;
          return reply(text(`Round ${round.key} also counts ${current.symbol} on ${network.chain} as asset ${cardano.policyId}${cardano.assetName ? `.${cardano.assetName}` : ''} (${cardano.decimals} decimals), in base units of ${decimals} decimals.${exact} Next: /round snapshot.`));
        }
        const reader = requireChain(ctx.chain);
        const chainId = await readChain(() => reader.chain());
        if (chainId !== o.chain) throw new UserError('no_chain', `The bot's node (ETH_RPC_URL) is on chain ${chainId}, not ${o.chain}. For a chain it cannot read, import balances with /round balances.`);
        const { decimals, symbol } = await readChain(() => reader.token(o.address!));
        const token = { ...current, address: o.address!.toLowerCase(), chainId, decimals, symbol: symbol.slice(0, 16) || 'TOKEN' };
        await save(token);
        return reply(text(`Round ${round.key} counts ${token.symbol} (${decimals} decimals) at ${token.address} on chain ${chainId}. Next: /round snapshot block:N (or latest).`));
      },
    }),

    snapshot: defineAction({
      description: 'Read every verified wallet\'s token balance at a block (and Cardano\'s at its tip); votes count these, never live balances',
      access: 'moderator',
      options: options({
        block: z.union([z.literal('latest'), z.coerce.number({ error: 'block is a block number or latest' }).int().nonnegative()]).optional().describe('EVM block number, or latest (the default)'),
        round: opt.round,
      }),
      async run(ctx, o) {
        const round = await resolveRound(ctx, o.round);
        const { token } = roundConfigOf(round);
        // Without a Cardano token, the snapshot is an EVM one: no node means none at all, whatever the token.
        if (!token.cardano) requireChain(ctx.chain);
        if (!(token.address && token.chainId) && !token.cardano) throw new UserError('invalid_config', `Round ${round.key} has no token yet: /round token address:0x… chain:N (or chain:cardano policy:… asset:… decimals:…) first.`);
        const moderator = await ctx.member();
        const lines: string[] = [];
        // Reading thousands of wallets takes a while: the chat sees how far it has come, and the answer how long it took.
        const startedAt = performance.now();
        const progress = chatProgress((status) => ctx.status?.(status));
        if (token.address && token.chainId) {
          const reader = requireChain(ctx.chain);
          const block = o.block === undefined || o.block === 'latest' ? await readChain(() => reader.head()) : o.block;
          const taken = await readChain(() => takeSnapshot(ctx.db, reader, round, { address: token.address!, chainId: token.chainId! }, block, moderator.id, ctx.now(), progress(`Reading balances on eip155:${token.chainId} at block ${block}`)));
          lines.push(`at block ${block}: ${taken.wallets} verified wallets hold ${formatUnits(taken.total, token.decimals)} ${token.symbol}.`);
        }
        if (token.cardano) {
          if (!ctx.cardano) throw new UserError('no_chain', 'The bot reads no Cardano API (CARDANO_API_URL): ask the operator to set one, or import Cardano balances with /round balances chain:cardano.');
          const taken = await readChain(() => takeCardanoSnapshot(ctx.db, ctx.cardano!, round, { cardano: token.cardano!, decimals: token.decimals }, moderator.id, ctx.now(), progress(`Reading balances on ${token.cardano!.chain}`)));
          lines.push(`on ${token.cardano.chain} at slot ${taken.tip.slot} (block ${taken.tip.block}): ${taken.wallets} verified wallets hold ${formatUnits(taken.total, token.decimals)} ${token.symbol}.`);
        }
        return reply(text(`Snapshot of round ${round.key} ${lines.join(' And ')} Read in ${formatDuration(performance.now() - startedAt)}.`));
      },
    }),

    balances: defineAction({
      description: 'Import snapshot balances as CSV lines "address,balance", for a token on a chain the bot cannot read',
      access: 'moderator',
      options: options({
        csv: z.string().min(1).max(200_000).describe('Lines of address,balance (base units, or tokens with a decimal point)').meta({ chat: 'file' }),
        chain: z.enum(['ethereum', 'cardano'], { error: 'chain is ethereum or cardano' }).optional().describe('cardano: stake1…/addr1… lines, in the Cardano asset\'s decimals (default ethereum)'),
        round: opt.round,
      }),
      async run(ctx, o) {
        const round = await resolveRound(ctx, o.round);
        const { token } = roundConfigOf(round);
        const cardano = o.chain === 'cardano' ? token.cardano : undefined;
        if (o.chain === 'cardano' && !cardano) throw new UserError('invalid_config', `Round ${round.key} has no Cardano token yet: /round token chain:cardano policy:… asset:… decimals:… first.`);
        const csv = cardano ? cardanoBalancesCsv(o.csv, cardano.decimals, token.decimals) : parseBalancesCsv(o.csv, token.decimals);
        if (csv.problems.length)
          throw new UserError('invalid_options', `csv: nothing imported; ${csv.problems.length === 1 ? '1 line needs' : `${csv.problems.length} lines need`} fixing (each line is address,balance):\n${csv.problems.join('\n')}`);
        if (csv.rows.length === 0) throw new UserError('invalid_options', 'csv: there is no address,balance line in it.');
        const { rows } = csv;
        const wallets = await ctx.db
          .selectFrom('wallets')
          .select(['id', 'address'])
          .where('community_id', '=', ctx.community.id)
          .where('address', 'in', rows.map((r) => r.address))
          .$if(cardano !== undefined, (q) => q.where('chain', '=', cardano!.chain))
          .execute();
        const walletOf = new Map(wallets.map((w) => [w.address, w.id]));
        const unknown = rows.filter((r) => !walletOf.has(r.address)).map((r) => r.address);
        const moderator = await ctx.member();
        await ctx.db.transaction().execute(async (trx) => {
          for (const r of rows.filter((x) => walletOf.has(x.address)))
            await trx.insertInto('balances').values({ round_id: round.id, wallet_id: walletOf.get(r.address)!, balance: r.balance.toString() }).onConflict((oc) => oc.columns(['round_id', 'wallet_id']).doUpdateSet({ balance: r.balance.toString() })).execute();
          await audit(trx, ctx, round, 'snapshot.imported', { rows: rows.length, unknown }, moderator.id);
        });
        const skipped = [...(csv.header ? [`the header on line ${csv.header}`] : []), ...(csv.blank ? [`${csv.blank} blank line${csv.blank > 1 ? 's' : ''}`] : [])];
        return reply(
          text(`Imported ${rows.length - unknown.length} balances into round ${round.key}${skipped.length ? ` (skipped ${skipped.join(' and ')})` : ''}.`),
          ...(unknown.length ? [text(`Not linked by any member, so skipped: ${unknown.join(', ')}`)] : []),
        );
      },
    }),

    moderator: defineAction({
      description: 'Name a member a moderator of the round (besides the chat\'s admins), or remove them',
      access: 'moderator',
      options: options({ member: opt.member, remove: opt.flag.describe('Remove instead of add'), round: opt.round }),
      async run(ctx, o) {
        const round = await resolveRound(ctx, o.round);
        const target = await resolveMember(ctx, o.member);
        const moderator = await ctx.member();
        await ctx.db.transaction().execute(async (trx) => {
          if (o.remove) await trx.deleteFrom('round_moderators').where('round_id', '=', round.id).where('member_id', '=', target.id).execute();
          else
            await trx
              .insertInto('round_moderators')
              .values({ round_id: round.id, member_id: target.id, added_at: ctx.now().toISOString() })
              .onConflict((oc) => oc.columns(['round_id', 'member_id']).doNothing())
              .execute();
          await audit(trx, ctx, round, o.remove ? 'moderator.removed' : 'moderator.added', { member: target.key }, moderator.id);
        });
        return reply(text(o.remove ? `${target.handle} is no longer a moderator of round ${round.key}.` : `${target.handle} is now a moderator of round ${round.key}.`));
      },
    }),

    show: defineAction({
      description: 'Show a round: phase, schedule, polls and rules',
      access: 'member',
      options: options({ round: opt.round }),
      async run(ctx, o) {
        const round = await resolveRound(ctx, o.round);
        const config = roundConfigOf(round);
        const zone = timeZoneOf(config);
        const [jobs, polls, members] = await Promise.all([
          ctx.db.selectFrom('jobs').selectAll().where('round_id', '=', round.id).orderBy('due_at').execute(),
          ctx.db.selectFrom('questions').select(['key', 'text', 'status', 'closes_at']).where('round_id', '=', round.id).orderBy('position').execute(),
          ctx.db.selectFrom('round_members').select((eb) => eb.fn.countAll<number>().as('n')).where('round_id', '=', round.id).executeTakeFirst(),
        ]);
        // Lines of text, not a code block: they wrap on a phone, and Discord shows each time in the reader's zone.
        const schedule = jobs.map((j) => `${j.done_at ? '✓' : '•'} ${j.kind === 'phase' ? `phase → ${j.target}` : 'poll closes'}: ${formatInstant(new Date(j.due_at), zone)}`);
        const pollLines = polls.map((p) => `• ${p.key} (${p.status}${p.closes_at ? `, closes ${formatInstant(new Date(p.closes_at), zone)}` : ''}): ${p.text}`);
        const { token, rewards, tiers, voting } = config;
        const rules = [
          `Token: ${token.symbol}, ${token.decimals} decimals${token.address ? ` at ${token.address} on chain ${token.chainId}` : ''}${round.snapshot_block !== null ? `; snapshot at block ${round.snapshot_block}` : ''}.`,
          `Votes: ${WEIGHT_WORDS[voting.weight]}, per ${voting.quadraticUnit}, times the tier factor (${tiers.levels.map((l) => `${l.name} ×${l.factor}`).join(', ')}).`,
          `Rewards: a pool of ${formatTokens(rewards.pool, token.decimals)} ${token.symbol}, ${rewards.contributionPercent}% for contribution${rewards.capPercent ? `, at most ${rewards.capPercent}% each` : ''}.`,
          `Times in ${zone}.`,
        ];
        const problems = await ctx.chatProblems();
        const page = ctx.publicUrl ? [text(`Results page: ${resultsUrl(ctx.publicUrl, round)}`)] : [];
        return {
          ...reply(
            text(`Phase: ${round.phase}; ${Number(members?.n ?? 0)} members taking part.`),
            ...(schedule.length ? [text(`Schedule:\n${schedule.join('\n')}`)] : []),
            ...(pollLines.length ? [text(`Polls:\n${pollLines.join('\n')}`)] : []),
            text(rules.join('\n')),
            ...page,
            ...problems.map((p) => text(`⚠ ${p}`)),
          ),
          title: `Round ${round.key}: ${round.name}`,
        };
      },
    }),
  },
});
