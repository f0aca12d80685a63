import { z } from 'zod';
import { DEFAULT_DATABASE_URL } from './db/errors.ts';
import { DEFAULT_REACTION_EMOJI, reactionEmojiSchema } from './platforms/reactions.ts';

const httpUrl = z.url({ protocol: /^https?$/, error: 'write a full http(s) URL, such as https://example.org' });

/** A Discord id: 17 to 20 digits. */
const snowflake = (what: string) => z.string().regex(/^\d{17,20}$/, `write ${what}`);

/** JSON text holding a value of the schema. */
const json = <T extends z.ZodType>(schema: T, example: string) =>
  z.string().transform((text, ctx) => {
    try {
      return JSON.parse(text) as unknown;
    } catch {
      ctx.addIssue({ code: 'custom', message: `not JSON; write it like ${example}` });
      return z.NEVER;
    }
  }).pipe(schema);

const databaseUrl = z
  .string()
  .refine((u) => /^(postgres(ql)?:\/\/|file:|:memory:$)/.test(u) || !u.includes('://'), {
    message: 'use file:PATH (or a path) for SQLite, or postgres://user:pass@host/db for PostgreSQL',
  });

/** A whole number of milliseconds from 0 to `max`. */
const milliseconds = (name: string, max: number) => {
  const help = `${name} is a whole number of milliseconds from 0 to ${max}, such as 2000`;
  return z.coerce.number({ error: help }).int(help).min(0, help).max(max, help);
};

const SHARDS_HELP = 'write auto, or the total number of shards (1 to 4096)';

/** Every setting read from the environment; .env.example lists them all. */
export const envSchema = z.object({
  DATABASE_URL: databaseUrl.default(DEFAULT_DATABASE_URL),
  LOG_LEVEL: z.enum(['debug', 'info', 'warn', 'error', 'silent']).default('info'),
  /** Where the console chat writes exported files. */
  EXPORT_DIR: z.string().min(1).default('./data/exports'),
  /** From @BotFather; when set, the bot runs in Telegram instead of the console. */
  TELEGRAM_TOKEN: z.string().regex(/^\d+:[A-Za-z0-9_-]{20,}$/, 'a bot token looks like 123456789:AAE… (ask @BotFather)').optional(),
  /** Telegram's Bot API, or a self-hosted Bot API server. */
  TELEGRAM_API_ROOT: httpUrl.default('https://api.telegram.org'),
  /** The public URL Telegram posts updates to; without it, the bot long-polls. */
  TELEGRAM_WEBHOOK_URL: httpUrl.optional(),
  /**
   * How long after a tap arrives its answer may wait for the tap's commit (and carry its receipt's first line); past it
   * the tap is answered at once with a short "counting" text, and the receipt follows by message. Telegram shows a
   * spinner on the button until the answer, and takes none some seconds after the tap.
   */
  TELEGRAM_ANSWER_DEADLINE_MS: milliseconds('TELEGRAM_ANSWER_DEADLINE_MS', 10_000).default(600),
  /** Where people reach the bot's web server (results pages); default http://localhost:PORT. */
  PUBLIC_URL: httpUrl.transform((u) => u.replace(/\/+$/, '')).optional(),
  /** The port of the bot's web server (results pages, webhook). */
  PORT: z.coerce.number({ error: 'PORT is a number' }).int().min(0).max(65535, 'PORT is at most 65535').default(8080),
  /** From the Discord developer portal (Bot → Token); when set with DISCORD_APP_ID, the bot runs in Discord. */
  DISCORD_TOKEN: z.string().regex(/^[\w-]{20,}\.[\w-]{4,}\.[\w-]{10,}$/, 'a bot token has three parts separated by dots (Developer Portal → Bot → Reset Token)').optional(),
  DISCORD_APP_ID: snowflake('the Application ID (Developer Portal → General Information)').optional(),
  /** Register commands in this server only: they update at once while setting up. */
  DISCORD_GUILD_ID: snowflake('a server id (Developer Mode on, right-click the server → Copy Server ID)').optional(),
  /** Discord's API root; a REST proxy in front of a large bot, or the tests' fake. */
  DISCORD_API_URL: httpUrl.default('https://discord.com/api'),
  /**
   * Discord's sharding: `auto` runs the number of shards Discord recommends, all in this process; a number N is the
   * total number of shards of all processes, of which this one runs DISCORD_SHARD_IDS (all N when not set).
   */
  DISCORD_SHARDS: z
    .union([z.literal('auto'), z.coerce.number().int(SHARDS_HELP).min(1, SHARDS_HELP).max(4096, SHARDS_HELP)], { error: SHARDS_HELP })
    .optional(),
  /** The shards this process runs, by id (0 to DISCORD_SHARDS − 1): `0,1` or `0-3` or `0-3,8`. */
  DISCORD_SHARD_IDS: z
    .string()
    .regex(/^\s*\d+(\s*-\s*\d+)?(\s*,\s*\d+(\s*-\s*\d+)?)*\s*$/, 'write shard ids and ranges separated by commas, such as 0,1 or 0-3')
    .transform((text, ctx) => {
      const ids = text.split(',').flatMap((part) => {
        const [from, to = from] = part.split('-').map((n) => Number(n.trim())) as [number, number?];
        if (to < from) ctx.addIssue({ code: 'custom', message: `${part.trim()} is an empty range; write the lower id first` });
        return Array.from({ length: Math.max(0, to - from + 1) }, (_, i) => from + i);
      });
      const repeated = ids.filter((id, i) => ids.indexOf(id) !== i);
      if (repeated.length) ctx.addIssue({ code: 'custom', message: `shard ${repeated[0]} is named twice` });
      return ids.sort((a, b) => a - b);
    })
    .optional(),
  /** Members with this role are moderators, besides those who may Manage Server. */
  DISCORD_MODERATOR_ROLE: snowflake('a role id (Server Settings → Roles → Copy Role ID)').optional(),
  /** Tier roles are synced this long after a server's last event (reputation moves in bursts, such as a thread of comments). */
  DISCORD_TIER_ROLE_DEBOUNCE_MS: milliseconds('DISCORD_TIER_ROLE_DEBOUNCE_MS', 600_000).default(2000),
  /** Pause between two tier-role changes, to stay below Discord's rate limit on member edits. */
  DISCORD_TIER_ROLE_GAP_MS: milliseconds('DISCORD_TIER_ROLE_GAP_MS', 60_000).default(250),
  /** An EVM JSON-RPC node: token metadata, balance snapshots, contract-wallet (EIP-1271) signatures. */
  ETH_RPC_URL: httpUrl.optional(),
  /** A Koios-compatible Cardano API (its /api/v1 root): Cardano balance snapshots. */
  CARDANO_API_URL: httpUrl.optional(),
  /**
   * Several processes on one PostgreSQL lease scheduled jobs and communities' outboxes for this long; a process that
   * dies holds its leases this long before another takes the work over.
   */
  LEASE_SECONDS: z.coerce.number({ error: 'LEASE_SECONDS is a number' }).positive().max(3600).default(60),
  /** Which emoji count as upvote, positive and negative feedback on comments. */
  REACTION_EMOJI: json(reactionEmojiSchema, '{"upvote":["👍"],"positive":["🔥"],"negative":["👎"]}').default(DEFAULT_REACTION_EMOJI),
});

export type Config = z.output<typeof envSchema>;

/** Settings that only make sense together. */
const consistent = envSchema.superRefine((c, ctx) => {
  if (c.DISCORD_TOKEN && !c.DISCORD_APP_ID) ctx.addIssue({ code: 'custom', path: ['DISCORD_APP_ID'], message: 'set it too when DISCORD_TOKEN is set (Developer Portal → General Information → Application ID)' });
  // Checked only once both values parsed (zod runs this even when a field failed its own checks).
  const { DISCORD_SHARDS: total, DISCORD_SHARD_IDS: ids } = c;
  if (!Array.isArray(ids)) return;
  if (total === undefined || total === 'auto')
    ctx.addIssue({ code: 'custom', path: ['DISCORD_SHARD_IDS'], message: `set DISCORD_SHARDS to the total number of shards of all processes too (${total === 'auto' ? 'auto runs every shard in one process' : 'it is not set'})` });
  const beyond = typeof total === 'number' ? ids.find((id) => id >= total) : undefined;
  if (beyond !== undefined) ctx.addIssue({ code: 'custom', path: ['DISCORD_SHARD_IDS'], message: `shard ${beyond} does not exist: with DISCORD_SHARDS=${total} the ids are 0 to ${Number(total) - 1}` });
});

export class ConfigError extends Error {}

/** Reads the configuration; an unusable value is reported by name with what it should look like. */
export function createConfig(env: Record<string, string | undefined>): Config {
  // An empty variable (`FOO=` in .env) means "not set".
  const present = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ''));
  const result = consistent.safeParse(present);
  if (result.success) return result.data;
  const lines = result.error.issues.map((i) => `  ${i.path.join('.')}: ${i.message}`);
  throw new ConfigError(`the configuration is not valid:\n${lines.join('\n')}\nSee .env.example for every setting.`);
}
