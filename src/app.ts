import { createInterface } from 'node:readline';
import { commands } from '../commands/index.ts';
import type { Services } from './commands/context.ts';
import { createLogger, type Logger } from './log.ts';
import type { Config } from './config.ts';
import { isPostgres, migrateToLatest, openDatabase } from './db/database.ts';
import { VoteWriter } from './db/votes.ts';
import { CONSOLE_HELP, ConsoleChat } from './platforms/console/chat.ts';
import { runDueJobs, startScheduler, type SchedulerDeps } from './scheduler.ts';
import { ChatRuntime } from './platforms/runtime.ts';
import { forgetHandledEvents } from './db/chat.ts';
import { TelegramChat } from './platforms/telegram/bot.ts';
import { DiscordChat } from './platforms/discord/bot.ts';
import { judgingMemory } from './db/pairwise.ts';
import type { Reply } from './commands/reply.ts';
import { healthRoute, WebServer, type HealthReport } from './web/server.ts';
import { sql } from 'kysely';
import { encodeReply } from './commands/reply.ts';
import { oweMessages } from './db/outbox.ts';
import { resultsRoutes } from './web/results.ts';
import { pairwiseRoutes } from './web/pairwise.ts';
import { proposalRoutes } from './web/proposal.ts';
import { verifyRoutes } from './web/verify.ts';
import { ChainReader } from './chain/erc20.ts';
import { CardanoReader } from './chain/cardano/koios.ts';
import type { Db } from './db/database.ts';
import { forgetLeases, workerName } from './db/chat.ts';
import { Outbox } from './platforms/outbox.ts';
import { warmUp } from './commands/warm.ts';

export interface RunIo {
  input: NodeJS.ReadableStream & { isTTY?: boolean };
  write: (text: string) => void;
  now?: () => Date;
  /** Where log lines go; pino to stderr at LOG_LEVEL by default. */
  logger?: Logger;
}

/** How each chat platform of this process is connected, for /healthz. */
type PlatformHealth = () => Record<string, { connected: boolean }>;

/**
 * /healthz of this process: its database (a trivial query's round trip: no table is read, so it stays quick under
 * load) and each platform's connection; ok only when all are up.
 */
async function healthOf(db: Db, platforms: PlatformHealth): Promise<HealthReport> {
  const started = performance.now();
  const database = await sql`select 1`.execute(db).then(
    () => ({ ok: true, latencyMs: Math.round((performance.now() - started) * 10) / 10 }),
    (error: unknown) => ({ ok: false, error: error instanceof Error ? error.message : String(error) }),
  );
  const connections = platforms();
  return { ok: database.ok && Object.values(connections).every((p) => p.connected), db: database, ...connections };
}

/** The bot's web server on PORT with the public results pages and /healthz; its public address is PUBLIC_URL or localhost. */
async function startWeb(config: Config, db: Db, logger: Logger, platforms: PlatformHealth = () => ({})): Promise<{ web: WebServer; publicUrl: string }> {
  const web = new WebServer((error) => logger.error('web request failed', { error }));
  healthRoute(web, () => healthOf(db, platforms));
  resultsRoutes(web, db, { publicUrl: config.PUBLIC_URL });
  pairwiseRoutes(web, db);
  proposalRoutes(web, db, { publicUrl: config.PUBLIC_URL });
  const { port } = await web.listen(config.PORT);
  return { web, publicUrl: config.PUBLIC_URL ?? `http://localhost:${port}` };
}

/** What every command gets: the database, the vote writer, the clock, and the EVM node when ETH_RPC_URL is set. */
function servicesFor(config: Config, db: Db, now: () => Date, publicUrl: string | undefined): Services {
  const chain = config.ETH_RPC_URL ? new ChainReader(config.ETH_RPC_URL) : undefined;
  const cardano = config.CARDANO_API_URL ? new CardanoReader(config.CARDANO_API_URL) : undefined;
  return { db, votes: new VoteWriter(db), now, exportDir: config.EXPORT_DIR, publicUrl, chain, cardano, judging: judgingMemory() };
}

/** The composition root: config → database → migrations → services → scheduler → the console chat. */
export async function runConsole(config: Config, io: RunIo): Promise<void> {
  const db = await openDatabase(config.DATABASE_URL);
  await migrateToLatest(db);
  const warm = warmUp(commands);
  const logger = io.logger ?? createLogger({ level: config.LOG_LEVEL });
  // The console works without its web server: a port in use costs the results pages, not the chat.
  const site = await startWeb(config, db, logger).catch((error: Error) => {
    io.write(`(no results pages: port ${config.PORT} could not be opened: ${error.message}; set PORT to another one)\n`);
    return undefined;
  });
  const services = servicesFor(config, db, io.now ?? (() => new Date()), site?.publicUrl);
  const { chain } = services;
  const chat = await ConsoleChat.open(services, commands, logger, io.write);
  if (site)
    verifyRoutes(site.web, { db, publicUrl: site.publicUrl, now: services.now, provider: chain?.provider, tell: async (_c, _m, reply) => chat.announce(reply) });
  const scheduler = startScheduler({
    db,
    now: services.now,
    owed: () => chat.outbox.kick(),
    logger: logger.child({ component: 'scheduler' }),
  });
  await Promise.all([scheduler.ready, warm]);
  const interactive = io.input.isTTY === true;
  if (interactive) io.write(`${CONSOLE_HELP}\n${site ? `Results pages and the wallet page are served at ${site.publicUrl}.\n` : ''}`);
  const lines = createInterface({ input: io.input, terminal: interactive });
  if (interactive) {
    lines.setPrompt(`${chat.actor.handle}> `);
    lines.prompt();
  }
  // One line at a time, in order: a scripted round runs exactly as typed.
  for await (const line of lines) {
    if (line.trim() === '/quit') break;
    if (!interactive && line.trim()) io.write(`> ${line}\n`);
    await chat.handle(line);
    if (interactive) {
      lines.setPrompt(`${chat.actor.handle}> `);
      lines.prompt();
    }
  }
  lines.close();
  await site?.web.close();
  chain?.destroy();
  await scheduler.stop();
  await chat.outbox.stop();
  await services.votes.idle();
  await db.destroy();
}

/** A chat platform the bot runs in; it posts what is owed to its communities through the outbox it registers with. */
interface Platform {
  start(): Promise<void>;
  stop(): Promise<void>;
}

/** Owes a private message to a member, by their account on the platform of the community. */
function tellMember(db: Db, outbox: Outbox) {
  return async (communityId: string, memberId: string, reply: Reply) => {
    const community = await db.selectFrom('communities').selectAll().where('id', '=', communityId).executeTakeFirstOrThrow();
    const account = await db.selectFrom('member_accounts').select('platform_user_id').where('member_id', '=', memberId).where('platform', '=', community.platform).executeTakeFirst();
    if (!account) return;
    await oweMessages(db, [{ communityId, platform: community.platform, target: JSON.stringify({ kind: 'tell', userId: account.platform_user_id }), reply: encodeReply(reply) }], new Date());
    outbox.kick();
  };
}

export interface RunningBot {
  telegram: TelegramChat | undefined;
  discord: DiscordChat | undefined;
  web: WebServer;
  publicUrl: string;
  /** Fires the scheduled jobs that are due now, as the scheduler does every ten seconds. */
  runDueJobs(): Promise<number>;
  stop(): Promise<void>;
}

/** The composition root for chat platforms: the same services and commands, Telegram and Discord in front of them. */
export async function startBot(config: Config, options: { now?: () => Date; logger: Logger; scheduleEvery?: 'ten seconds' | 'never'; discordDeferAfterMs?: number }): Promise<RunningBot> {
  const db = await openDatabase(config.DATABASE_URL);
  await migrateToLatest(db);
  // done before any platform hands in a command (see warmUp)
  const warm = warmUp(commands);
  const connections: Record<string, () => { connected: boolean }> = {};
  const { web, publicUrl } = await startWeb(config, db, options.logger, () => Object.fromEntries(Object.entries(connections).map(([name, health]) => [name, health()])));
  const services = servicesFor(config, db, options.now ?? (() => new Date()), publicUrl);
  const { chain } = services;
  // Platforms redeliver an event for at most a day; a week of handled ids is plenty.
  await forgetHandledEvents(db, new Date(services.now().getTime() - 7 * 24 * 3600_000));
  // SQLite serves one process: a lease found at start is that of a process that died (kill -9), and waiting for it to
  // run out would hold back what it owed for LEASE_SECONDS. On PostgreSQL the others may be alive: their leases stand.
  if (!isPostgres(db)) await forgetLeases(db);
  // One name for this process in the leases it takes, so its scheduler and outbox are known as one worker.
  const worker = workerName();
  const leaseMs = config.LEASE_SECONDS * 1000;
  const outbox = new Outbox(db, options.logger.child({ component: 'outbox' }), { worker, leaseMs });
  const runtime = new ChatRuntime(services, commands, options.logger, { outbox });
  const telegram = config.TELEGRAM_TOKEN
    ? new TelegramChat(runtime, {
        token: config.TELEGRAM_TOKEN,
        apiRoot: config.TELEGRAM_API_ROOT,
        reactions: config.REACTION_EMOJI,
        answerDeadlineMs: config.TELEGRAM_ANSWER_DEADLINE_MS,
        ...(config.TELEGRAM_WEBHOOK_URL && { webhook: { url: config.TELEGRAM_WEBHOOK_URL, server: web } }),
      })
    : undefined;
  const discord =
    config.DISCORD_TOKEN && config.DISCORD_APP_ID
      ? new DiscordChat(runtime, {
          token: config.DISCORD_TOKEN,
          appId: config.DISCORD_APP_ID,
          guildId: config.DISCORD_GUILD_ID,
          apiUrl: config.DISCORD_API_URL,
          moderatorRole: config.DISCORD_MODERATOR_ROLE,
          reactions: config.REACTION_EMOJI,
          tierRoles: { debounceMs: config.DISCORD_TIER_ROLE_DEBOUNCE_MS, gapMs: config.DISCORD_TIER_ROLE_GAP_MS },
          ...(config.DISCORD_SHARDS !== undefined && { shards: config.DISCORD_SHARDS === 'auto' ? 'auto' : { count: config.DISCORD_SHARDS, ids: config.DISCORD_SHARD_IDS } }),
          ...(options.discordDeferAfterMs !== undefined && { deferAfterMs: options.discordDeferAfterMs }),
        })
      : undefined;
  const platforms: Platform[] = [telegram, discord].filter((chat) => chat !== undefined);
  if (telegram) connections['telegram'] = () => ({ connected: telegram.connected });
  if (discord) connections['discord'] = () => discord.health();
  // A node that does not answer is said at start; the bot runs on, and snapshots say it again when asked for.
  chain?.chain().catch((error: unknown) => options.logger.error('ETH_RPC_URL does not answer', { error: String(error) }));
  await warm;
  for (const platform of platforms) await platform.start();
  // What was owed before a stop or a crash is posted now.
  outbox.kick();
  verifyRoutes(web, { db, publicUrl, now: services.now, provider: chain?.provider, tell: tellMember(db, outbox) });
  const deps: SchedulerDeps = {
    db,
    now: services.now,
    owed: () => outbox.kick(),
    logger: options.logger.child({ component: 'scheduler' }),
    worker,
    leaseMs,
    publicUrl,
  };
  const scheduler = options.scheduleEvery === 'never' ? undefined : startScheduler(deps);
  // What a process that died had owed is nobody's to post until its lease runs out, and then only a process that looks
  // again notices it: on PostgreSQL each process looks once a lease, so a quiet process takes such work over too.
  const sweep = isPostgres(db) ? setInterval(() => outbox.kick(), leaseMs).unref() : undefined;
  await scheduler?.ready;
  return {
    telegram,
    discord,
    web,
    publicUrl,
    runDueJobs: async () => {
      const fired = await runDueJobs(deps);
      await outbox.idle();
      return fired;
    },
    async stop() {
      clearInterval(sweep);
      await scheduler?.stop();
      await outbox.stop();
      for (const platform of platforms) await platform.stop();
      await web.close();
      chain?.destroy();
      await services.votes.idle();
      await db.destroy();
    },
  };
}

/** Runs the bot until the process is asked to stop (Ctrl-C, or SIGTERM from a service manager). */
export async function runUntilSignal(config: Config, io: RunIo): Promise<void> {
  // Listening first: a signal that comes while the bot starts stops it once started.
  const signalled = new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  const bot = await startBot(config, { logger: io.logger ?? createLogger({ level: config.LOG_LEVEL }) });
  const where = [
    bot.telegram && `Telegram${config.TELEGRAM_WEBHOOK_URL ? ` (webhook ${config.TELEGRAM_WEBHOOK_URL})` : ' (long polling)'}`,
    bot.discord && `Discord${config.DISCORD_GUILD_ID ? ` (commands in server ${config.DISCORD_GUILD_ID})` : ''}${config.DISCORD_SHARDS ? ` (shards ${bot.discord.health().shards.map((s) => s.id).join(',')} of ${bot.discord.client.options.shardCount})` : ''}`,
  ].filter(Boolean);
  io.write(`govbot is running in ${where.join(' and ')}; results pages at ${bot.publicUrl}/rounds/…. Ctrl-C stops it.\n`);
  await signalled;
  await bot.stop();
}
