import { z } from 'zod';
import { evmAddress } from '../chain/address.ts';
import { isTimeZone } from './when.ts';

/** An Ethereum address, in any case (the checksum casing is a display matter). */
export const EVM_ADDRESS_PATTERN = /^0x[0-9a-fA-F]{40}$/;

/** A moment written with its offset, to the minute or finer: 2025-03-01T18:00Z, 2025-03-01T18:00:00.5+02:00. */
const SNAPSHOT_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2})$/;

/** A non-negative amount of token base units, written as a decimal string (never a float). */
export const baseUnits = z
  .string()
  .regex(/^\d+$/, { error: (issue) => `${JSON.stringify(issue.input)} is not an integer amount of base units` })
  .transform((s) => BigInt(s));

const tierName = z.string().min(1).max(16);
const factor = z.number().positive().max(1000);

const percentileLevel = z.strictObject({
  name: tierName,
  percent: z.number().int().min(1).max(100),
  factor,
});
const pointsLevel = z.strictObject({
  name: tierName,
  minPoints: z.number().positive(),
  factor,
});

const uniqueNames = (levels: { name: string }[]) => new Set(levels.map((l) => l.name)).size === levels.length;

const tiersSchema = z.discriminatedUnion('by', [
  z.strictObject({
    by: z.literal('percentile'),
    levels: z
      .array(percentileLevel)
      .min(1)
      .max(26)
      .refine(uniqueNames, 'tier names must be unique')
      .refine((ls) => ls.reduce((s, l) => s + l.percent, 0) <= 100, 'the percents of the levels add up to more than 100'),
  }),
  z.strictObject({
    by: z.literal('points'),
    levels: z
      .array(pointsLevel)
      .min(1)
      .max(26)
      .refine(uniqueNames, 'tier names must be unique')
      .refine(
        (ls) => ls.every((l, i) => i === 0 || l.minPoints < ls[i - 1]!.minPoints),
        'levels must be listed best first, each with a lower minPoints than the one before',
      ),
  }),
]);

export const defaultTiers = {
  by: 'percentile' as const,
  levels: [
    { name: 'A', percent: 10, factor: 5 },
    { name: 'B', percent: 20, factor: 3 },
    { name: 'C', percent: 30, factor: 2 },
    { name: 'D', percent: 40, factor: 1.5 },
  ],
};

/** The rules of a round; every key is optional and takes the DESIGN.md default. */
export const roundConfigSchema = z.strictObject({
  token: z
    .strictObject({
      symbol: z.string().min(1).max(16).default('AGIX'),
      decimals: z.number().int().min(0).max(36).default(18),
      /** The ERC-20 contract the rewards are paid in, for the multisig payout batch. */
      address: evmAddress('a token address is 0x followed by 40 hex digits').optional(),
      /** EIP-155 chain id of the token. */
      chainId: z.number().int().positive().optional(),
      /** The same token as a Cardano native asset; its balances are converted exactly to `decimals` above. */
      cardano: z
        .strictObject({
          chain: z.string().regex(/^cip34:[01]-\d{1,10}$/, 'a Cardano chain is a CAIP-2 id such as cip34:1-764824073'),
          policyId: z.string().regex(/^[0-9a-f]{56}$/, 'a policy id is 56 lower-case hex digits'),
          assetName: z.string().regex(/^([0-9a-f]{2}){0,32}$/, 'an asset name is up to 64 lower-case hex digits'),
          decimals: z.number().int().min(0).max(36),
        })
        .optional(),
    })
    .prefault({}),
  reputation: z
    .strictObject({
      proposalShare: z.number().min(0).lt(1).default(0.2),
      creationShare: z.number().min(0).max(1).default(0.25),
      commentPoints: z.number().min(0).max(1e6).default(1),
      upvotePoints: z.number().min(0).max(1e6).default(1),
      positiveReactionPoints: z.number().min(0).max(1e6).default(0.5),
      negativeReactionPoints: z.number().min(-1e6).max(1e6).default(0),
      fallbackProposalPoints: z.number().min(0).max(1e6).default(10),
    })
    .prefault({}),
  tiers: tiersSchema.default(defaultTiers),
  voting: z
    .strictObject({
      /** f in `weight = f(tokens) × factor(tier)`: square root, identity, or one per member. */
      weight: z.enum(['sqrt', 'linear', 'one']).default('sqrt'),
      /** `member` adds a member's wallets before f; `wallet` applies f per wallet, as the seed did. */
      quadraticUnit: z.enum(['member', 'wallet']).default('member'),
      /**
       * When the tiers that weight votes are frozen: when voting opens (the default, also when not set), when the round
       * closes, or at a time. Until it falls, weights follow the standings; a poll closing earlier makes it fall then,
       * so no posted tally moves. Not set, it is not written, so the files of older rounds keep their bytes.
       */
      reputationSnapshot: z
        .string()
        .refine((v) => v === 'voting' || v === 'close' || (SNAPSHOT_TIME.test(v) && !Number.isNaN(Date.parse(v))), {
          error: (issue) => `${JSON.stringify(issue.input)} is not "voting", "close" or an ISO 8601 time such as 2025-03-01T18:00Z`,
        })
        .optional(),
      /**
       * How many hours before a poll closes the members who have not voted are reminded privately, and the channel once;
       * 0: no reminders. Not set, it is 24 and is not written, so the files of older rounds keep their bytes.
       */
      reminderHours: z.number({ error: 'reminderHours is a number of hours, such as 24' }).min(0).max(720).optional(),
    })
    .prefault({}),
  rewards: z
    .strictObject({
      pool: baseUnits.default(0n),
      contributionPercent: z.number().int().min(0).max(100).default(90),
      capPercent: z.number().int().min(1).max(100).nullable().default(null),
    })
    .prefault({}),
  /** The IANA zone in which times typed without an offset (`2025-03-01 18:00`) are read; UTC when not set. */
  timezone: z
    .string()
    .max(64)
    .refine(isTimeZone, { error: (issue) => `${JSON.stringify(issue.input)} is not an IANA time zone such as Europe/Berlin, America/New_York or UTC` })
    .optional(),
});

export type RoundConfigInput = z.input<typeof roundConfigSchema>;
export type RoundConfig = z.output<typeof roundConfigSchema>;
export type TierConfig = RoundConfig['tiers'];

/** The zone a round reads and shows times in. */
export const timeZoneOf = (config: Pick<RoundConfig, 'timezone'>): string => config.timezone ?? 'UTC';

export const defaultRoundConfig = (): RoundConfig => roundConfigSchema.parse({});

/** What votingPower weighs a member by: the round's voting rules, with the token's decimals. */
export const votingRulesOf = (config: Pick<RoundConfig, 'voting' | 'token'>) => ({ ...config.voting, decimals: config.token.decimals });

/** The config as it is written in files: amounts back to decimal strings. */
export function serializeRoundConfig(config: RoundConfig): RoundConfigInput {
  return { ...config, rewards: { ...config.rewards, pool: config.rewards.pool.toString() } };
}

/** Names that lead from any object to its prototype: a rule path never walks through them. */
const PROTOTYPE_NAMES = new Set(['__proto__', 'constructor', 'prototype']);

type SchemaDef = { type: string; innerType?: z.ZodType; shape?: Record<string, z.ZodType>; options?: z.ZodType[] };
const defOf = (schema: z.ZodType) => (schema as unknown as { _zod: { def: SchemaDef } })._zod.def;

/** The object shapes a schema accepts, through its optional and default wrappers; none for a single value. */
function shapesOf(schema: z.ZodType): Record<string, z.ZodType>[] {
  const def = defOf(schema);
  if (def.innerType) return shapesOf(def.innerType);
  if (def.type === 'object' && def.shape) return [def.shape];
  if (def.type === 'union' && def.options) return def.options.flatMap(shapesOf);
  return [];
}

/**
 * Why a dotted rule path is not a rule of the round config, or null when it is. Each name must be one of the schema's
 * own keys at its level (walked through the schema, never through a config object), so no path reaches a prototype.
 */
export function ruleKeyProblem(path: readonly string[]): string | null {
  let shapes = shapesOf(roundConfigSchema);
  for (const [i, name] of path.entries()) {
    const at = path.slice(0, i).join('.');
    if (PROTOTYPE_NAMES.has(name)) return `"${name}" is never the name of a rule`;
    if (shapes.length === 0) return `${at} is a single value: set ${at} as a whole`;
    const schema = shapes.find((s) => Object.hasOwn(s, name))?.[name];
    if (!schema) {
      const known = [...new Set(shapes.flatMap((s) => Object.keys(s)))].join(', ');
      return `there is no rule ${JSON.stringify(at ? `${at}.${name}` : name)}; the rules${at ? ` of ${at}` : ''} are ${known}`;
    }
    shapes = shapesOf(schema);
  }
  return null;
}

/** A copy of the config with the value at a path checked by ruleKeyProblem; only own properties are read or written. */
export function withRule(config: Record<string, unknown>, path: readonly string[], value: unknown): Record<string, unknown> {
  const [name, ...rest] = path;
  if (name === undefined) throw new Error('a rule path has at least one name');
  if (PROTOTYPE_NAMES.has(name)) throw new Error(`"${name}" is never the name of a rule`);
  const current = Object.hasOwn(config, name) ? config[name] : undefined;
  const inner = typeof current === 'object' && current !== null && !Array.isArray(current) ? (current as Record<string, unknown>) : {};
  return { ...config, [name]: rest.length ? withRule(inner, rest, value) : value };
}
