import { z } from 'zod';
import { EVM_ADDRESS_PATTERN, roundConfigSchema, serializeRoundConfig } from '../core/config.ts';
import { indexRound, type IndexedRound, type Positions } from '../core/indexed.ts';
import { POLL_PRIVACIES, POLL_TYPES, REACTION_KINDS, type Member, type RoundData, type Wallet } from '../core/types.ts';
import { addressProblem } from '../chain/address.ts';
import { cardanoWalletProblem } from '../chain/cardano/address.ts';
import { clip } from '../format/cut.ts';
import { checkDepth, checkUtf8, syntaxError } from './bytes.ts';

/** The ids a round file and its commands use: rounds, members, proposals, comments, polls. */
export const ID_PATTERN = /^[A-Za-z0-9_.:-]{1,64}$/;
const id = z.string().regex(ID_PATTERN, 'an id is 1 to 64 letters, digits or . _ : -');
/** A value as a problem quotes it: a string shortened, a list or an object by its kind, never walked. */
const shown = (input: unknown) =>
  typeof input === 'string' ? JSON.stringify(clip(input, 40, { ellipsis: '…' })) : Array.isArray(input) ? 'a list' : typeof input === 'object' && input !== null ? 'an object' : String(input);
const isoTime = z.iso.datetime({ offset: true, error: (i) => `${shown(i.input)} is not an ISO 8601 date-time` });

export const CHAIN_PATTERN = /^[-a-z0-9]{3,8}:[-_a-zA-Z0-9]{1,32}$/;
const BALANCE_PATTERN = /^\d{1,78}$/;

/** Why an address is refused on its chain: Ethereum's checksum, Cardano's bech32 and network; other chains are taken as given. */
function walletProblem(chain: string, address: string): string | undefined {
  if (chain.startsWith('eip155:')) return EVM_ADDRESS_PATTERN.test(address) ? addressProblem(address) : 'an Ethereum address is 0x followed by 40 hex digits';
  if (chain.startsWith('cip34:')) return cardanoWalletProblem(chain, address);
  return undefined;
}

const wallet = z
  .strictObject({
    chain: z.string().regex(CHAIN_PATTERN, 'a chain is a CAIP-2 id such as "eip155:1"'),
    address: z.string().min(1).max(128),
    balance: z
      .string()
      .regex(BALANCE_PATTERN, { error: (i) => `${shown(i.input)} is not an integer` })
      .transform(BigInt),
  })
  .superRefine((w, ctx) => {
    const problem = walletProblem(w.chain, w.address);
    if (problem) ctx.addIssue({ code: 'custom', path: ['address'], message: problem });
  })
  // Once a mixed-case address has passed its checksum, the casing is a display matter.
  .transform((w) => (w.chain.startsWith('eip155:') ? { ...w, address: w.address.toLowerCase() } : w));

export const memberSchema = z.strictObject({
  id,
  handle: z.string().min(1).max(100),
  excluded: z.boolean().default(false),
  wallets: z.array(wallet).max(100).default([]),
});

/**
 * The member the schema makes of `m` (defaults filled in, balances as bigints, Ethereum addresses in lower case),
 * built directly: a hundred thousand members skip zod. Undefined when it does not vouch for `m`; the schema then
 * says what is wrong. A property test pins that the two agree.
 */
export function quickMember(m: unknown): Member | undefined {
  if (keyCount(m, ['id', 'handle', 'excluded', 'wallets']) < 2) return undefined;
  const { id, handle, excluded = false, wallets = [] } = m as Item;
  if (!Array.isArray(wallets)) return undefined;
  const parsed: Wallet[] = [];
  for (const w of wallets) {
    if (keyCount(w, ['chain', 'address', 'balance']) !== 3) return undefined;
    const { chain, address, balance } = w as Item;
    const wallet = quickWallet(chain, address, balance);
    if (!wallet) return undefined;
    parsed.push(wallet);
  }
  return quickMemberOf(id, handle, excluded, parsed);
}

/** quickMember's member of its fields, the wallets already made: for a reader that finds the fields itself. */
export function quickMemberOf(id: unknown, handle: unknown, excluded: unknown, wallets: Wallet[]): Member | undefined {
  if (!isId(id) || typeof handle !== 'string' || handle.length < 1 || handle.length > 100) return undefined;
  if (typeof excluded !== 'boolean' || wallets.length > 100) return undefined;
  return { id, handle, excluded, wallets };
}

/** An Ethereum address as round files write it, in lower case: valid, with no checksum to check and none to drop. */
const LOWER_EVM_ADDRESS = /^0x[0-9a-f]{40}$/;

/** quickMember's wallet of its three fields. */
export function quickWallet(chain: unknown, address: unknown, balance: unknown): Wallet | undefined {
  if (typeof chain !== 'string' || !CHAIN_PATTERN.test(chain) || typeof balance !== 'string' || !BALANCE_PATTERN.test(balance)) return undefined;
  if (typeof address !== 'string' || address.length < 1 || address.length > 128) return undefined;
  const evm = chain.startsWith('eip155:');
  // one pattern, and no string made, for 100,000 members' addresses in lower case
  if (evm && LOWER_EVM_ADDRESS.test(address)) return { chain, address, balance: BigInt(balance) };
  if (walletProblem(chain, address) !== undefined) return undefined;
  return { chain, address: evm ? address.toLowerCase() : address, balance: BigInt(balance) };
}

const ratingSchema = z.strictObject({ proposal: id, rater: id, stars: z.number().int().min(1).max(5), createdAt: isoTime.optional() });
const commentSchema = z.strictObject({ id, author: id, proposal: id, createdAt: isoTime.optional() });
const reactionSchema = z.strictObject({ comment: id, reactor: id, kind: z.enum(REACTION_KINDS), createdAt: isoTime.optional() });
/** Option indices of an approval or ranked ballot; that they are options of the poll, once each, is checked with the poll (core/ballots.ts). */
const optionIndices = z.array(z.number().int().min(0)).min(1, 'a ballot lists at least one option').max(25);
// a single-choice vote gives `option`, an approval vote `options`, a ranked vote `ranking`: which one the poll's type says
const voteSchema = z
  .strictObject({ question: id, member: id, option: z.number().int().min(0).optional(), options: optionIndices.optional(), ranking: optionIndices.optional(), castAt: isoTime })
  .refine((v) => [v.option, v.options, v.ranking].filter((a) => a !== undefined).length === 1, { message: 'a vote gives one of option, options (approval) or ranking (ranked)', path: ['option'] });

/**
 * The long lists of a round (hundreds of thousands of items) hold no defaults or transforms, so each item is
 * checked against its schema and the parsed item itself is kept: no copy of a million objects for the GC to move.
 */
export const LONG_LISTS = { ratings: ratingSchema, comments: commentSchema, reactions: reactionSchema, votes: voteSchema } as const;

// zod's own pattern for the date-times, so the quick check and the schema cannot disagree on them.
export const ISO_PATTERN = (isoTime as unknown as { _zod: { def: { pattern: RegExp } } })._zod.def.pattern;
const isId = (v: unknown): v is string => typeof v === 'string' && ID_PATTERN.test(v);
const isTime = (v: unknown) => typeof v === 'string' && ISO_PATTERN.test(v);
/** A plain object whose keys are all among `allowed`, counting how many there are. */
function keyCount(o: unknown, allowed: readonly string[]): number {
  if (typeof o !== 'object' || o === null || Array.isArray(o)) return -1;
  let n = 0;
  for (const k in o) {
    if (!allowed.includes(k)) return -1;
    n++;
  }
  return n;
}
type Item = Record<string, unknown>;
/** An item of `required` keys, or of those and a valid `createdAt`; `n` is its key count. */
const optionalTime = (item: unknown, n: number, required: number) => {
  const t = (item as Item)?.['createdAt'];
  return n >= required && (t === undefined ? n === required : n === required + 1 && isTime(t));
};

/**
 * A quick yes for items the schema accepts, so that a million valid items skip zod; any item it does not vouch for
 * goes through the schema, which says what is wrong. A property test pins that the two agree.
 */
export const QUICK_CHECKS: { [K in keyof typeof LONG_LISTS]: (item: unknown) => boolean } = {
  ratings: (r) => {
    const n = keyCount(r, ['proposal', 'rater', 'stars', 'createdAt']);
    return optionalTime(r, n, 3) && isId((r as Item)['proposal']) && isId((r as Item)['rater']) && Number.isSafeInteger((r as Item)['stars']) && ((r as Item)['stars'] as number) >= 1 && ((r as Item)['stars'] as number) <= 5;
  },
  comments: (c) => optionalTime(c, keyCount(c, ['id', 'author', 'proposal', 'createdAt']), 3) && isId((c as Item)['id']) && isId((c as Item)['author']) && isId((c as Item)['proposal']),
  reactions: (r) =>
    optionalTime(r, keyCount(r, ['comment', 'reactor', 'kind', 'createdAt']), 3) && isId((r as Item)['comment']) && isId((r as Item)['reactor']) && (REACTION_KINDS as readonly unknown[]).includes((r as Item)['kind']),
  votes: (v) => keyCount(v, ['question', 'member', 'option', 'castAt']) === 4 && isId((v as Item)['question']) && isId((v as Item)['member']) && Number.isSafeInteger((v as Item)['option']) && ((v as Item)['option'] as number) >= 0 && isTime((v as Item)['castAt']),
};
type LongLists = { [K in keyof typeof LONG_LISTS]: z.output<(typeof LONG_LISTS)[K]>[] };

const roundFileShape = z.strictObject({
  version: z.literal(1, { error: 'this govbot reads round files of version 1' }),
  round: z.strictObject({
    id,
    name: z.string().min(1).max(200),
    config: roundConfigSchema.prefault({}),
    reputationSnapshotAt: isoTime.optional(),
  }),
  members: z.array(z.unknown()),
  proposals: z
    .array(
      z.strictObject({
        id,
        author: id,
        title: z.string().min(1).max(300),
        text: z.string().max(20_000).optional(),
        createdAt: isoTime.optional(),
      }),
    )
    .default([]),
  questions: z
    .array(
      z.strictObject({
        id,
        text: z.string().min(1).max(1000),
        options: z.array(z.string().min(1).max(200)).min(2).max(25),
        type: z.enum(POLL_TYPES).optional(),
        privacy: z.enum(POLL_PRIVACIES).optional(),
      }),
    )
    .default([]),
  secretTallies: z
    .array(
      z.strictObject({
        question: id,
        voters: z.array(id),
        options: z.array(z.strictObject({ tokenVotes: z.string().regex(BALANCE_PATTERN, 'tokenVotes is an integer amount of base units').transform(BigInt), quadraticVotes: z.number().min(0), qualifiedVotes: z.number().min(0) })),
        commitments: z.array(z.string().regex(/^[0-9a-f]{64}$/, 'a commitment is a sha256 in 64 lower-case hex digits')),
      }),
    )
    .optional(),
  delegations: z.array(z.strictObject({ from: id, to: id, since: isoTime, until: isoTime.nullable() })).optional(),
  ...(Object.fromEntries(Object.keys(LONG_LISTS).map((k) => [k, z.array(z.unknown()).default([])])) as {
    [K in keyof typeof LONG_LISTS]: z.ZodDefault<z.ZodArray<z.ZodUnknown>>;
  }),
});

type Issue = { path: (string | number)[]; message: string };

export type RoundFileInput = Omit<z.input<typeof roundFileShape>, keyof typeof LONG_LISTS | 'members'> & {
  members: z.input<typeof memberSchema>[];
} & {
  [K in keyof typeof LONG_LISTS]?: z.input<(typeof LONG_LISTS)[K]>[];
};

/** Members a reader made itself through quickMemberOf and quickWallet, in place of the file's, each id listed once. */
export interface KnownMembers {
  members: Member[];
  memberPositions: Positions;
}

/** Validates the shape, then every item of the long lists, then the references between lists. */
function validate(json: unknown, known?: KnownMembers): { data: RoundData; index: IndexedRound } | { issues: Issue[] } {
  let members = known?.members;
  const shape = roundFileShape.safeParse(members ? { ...(json as object), members: [] } : json);
  const issues: Issue[] = shape.success ? [] : shape.error.issues.map((i) => ({ path: i.path as Issue['path'], message: i.message }));
  const lists = (typeof json === 'object' && json !== null ? json : {}) as Record<string, unknown>;
  /** Each item of a list through its quick path, or through its schema, which names what is wrong. */
  const checkItems = <T>(list: string, quick: (item: unknown) => T | undefined, schema: z.ZodType<T>): T[] => {
    const items = lists[list];
    const checked: T[] = [];
    if (Array.isArray(items))
      items.forEach((item: unknown, i) => {
        const fast = quick(item);
        if (fast !== undefined) return checked.push(fast);
        const result = schema.safeParse(item);
        if (result.success) checked.push(result.data);
        else for (const issue of result.error.issues) issues.push({ path: [list, i, ...(issue.path as Issue['path'])], message: issue.message });
      });
    return checked;
  };
  members ??= checkItems('members', quickMember, memberSchema as z.ZodType<Member>);
  const longLists = Object.fromEntries(
    (Object.keys(LONG_LISTS) as (keyof LongLists)[]).map((list) => [
      list,
      checkItems(list, (item) => (QUICK_CHECKS[list](item) ? item : undefined), LONG_LISTS[list] as z.ZodType),
    ]),
  );
  if (!shape.success || issues.length > 0) return { issues };
  const data = { ...shape.data, members, ...longLists } as unknown as RoundData;
  const index = indexRound(data, (path, message) => issues.push({ path, message }), known?.memberPositions);
  return issues.length > 0 ? { issues } : { data, index };
}

/** `votes[12].option` */
export function formatPath(path: readonly PropertyKey[]): string {
  return path.map((p, i) => (typeof p === 'number' ? `[${p}]` : i === 0 ? String(p) : `.${String(p)}`)).join('') || '(the file)';
}

export class RoundFileError extends Error {
  constructor(readonly problems: string[]) {
    super(`the round file is not valid:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'RoundFileError';
  }
}

const MAX_PROBLEMS_SHOWN = 20;

/** A valid round and its index, or undefined: for a reader that takes another path when a file is not valid. */
export function checkRoundFile(json: unknown, known?: KnownMembers): { data: RoundData; index: IndexedRound } | undefined {
  const result = validate(json, known);
  return 'data' in result ? result : undefined;
}

/** A valid round and its index; a RoundFileError naming the path of each bad field otherwise. */
function checked(json: unknown): { data: RoundData; index: IndexedRound } {
  const result = validate(json);
  if ('data' in result) return result;
  const problems = result.issues.map((i) => `${formatPath(i.path)}: ${i.message}`);
  const more = problems.length - MAX_PROBLEMS_SHOWN;
  throw new RoundFileError(more > 0 ? [...problems.slice(0, MAX_PROBLEMS_SHOWN), `… and ${more} more`] : problems);
}

/** Bytes that are not UTF-8, nested too deep or not JSON are reported like any other problem, with where they are. */
export function jsonOf(bytes: Uint8Array): unknown {
  const refused = checkUtf8(bytes) ?? checkDepth(bytes);
  if (refused) throw new RoundFileError([`(the file): ${refused}`]);
  const text = new TextDecoder().decode(bytes);
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new RoundFileError([`(the file): ${syntaxError(bytes, text, e as SyntaxError)}`]);
  }
}

/** Validates a parsed round file; throws a RoundFileError naming the path of each bad field. */
export const parseRoundFile = (json: unknown): RoundData => checked(json).data;

/** Parses and validates the bytes of a round file. */
export const parseRoundFileBytes = (bytes: Uint8Array): RoundData => checked(jsonOf(bytes)).data;

/** Parses and validates round-file text. */
export const parseRoundFileText = (text: string): RoundData => parseRoundFileBytes(Buffer.from(text));

/** Round-file bytes straight to the indexed form the rules compute on, for a replay. */
export const indexRoundFileBytes = (bytes: Uint8Array): IndexedRound => checked(jsonOf(bytes)).index;

/** The round file of a round, in a stable order of keys: amounts as decimal strings. */
export function serializeRoundFile(data: RoundData): string {
  const file = {
    version: 1,
    round: {
      id: data.round.id,
      name: data.round.name,
      config: serializeRoundConfig(data.round.config),
      ...(data.round.reputationSnapshotAt !== undefined && { reputationSnapshotAt: data.round.reputationSnapshotAt }),
    },
    members: data.members.map((m) => ({
      id: m.id,
      handle: m.handle,
      excluded: m.excluded,
      wallets: m.wallets.map((w) => ({ chain: w.chain, address: w.address, balance: w.balance.toString() })),
    })),
    proposals: data.proposals,
    ratings: data.ratings,
    comments: data.comments,
    reactions: data.reactions,
    questions: data.questions,
    votes: data.votes,
    ...(data.secretTallies && { secretTallies: data.secretTallies.map((t) => ({ ...t, options: t.options.map((o) => ({ ...o, tokenVotes: o.tokenVotes.toString() })) })) }),
    ...(data.delegations && { delegations: data.delegations.map((d) => ({ from: d.from, to: d.to, since: d.since, until: d.until })) }),
  };
  return JSON.stringify(file, null, 2) + '\n';
}
