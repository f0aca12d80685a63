import type { z } from 'zod';
import { actionsOf, innermost, optionKind, type Action, type Command } from '../../commands/framework.ts';
import { SUGGESTED_OPTIONS } from '../../commands/suggest.ts';
import { clip } from '../../format/cut.ts';

/** Discord's application command option types (https://discord.com/developers/docs/interactions/application-commands). */
export const OptionType = { Subcommand: 1, String: 3, Integer: 4, Boolean: 5, User: 6, Role: 8, Number: 10, Attachment: 11 } as const;

/** A file option `csv` is also an ATTACHMENT option `csv_file`, whose file's text becomes the value of `csv`. */
export const FILE_SUFFIX = '_file';

export interface OptionJson {
  type: number;
  name: string;
  description: string;
  required?: boolean;
  choices?: { name: string; value: string }[];
  min_length?: number;
  max_length?: number;
  min_value?: number;
  max_value?: number;
  autocomplete?: boolean;
  options?: OptionJson[];
}

export interface CommandJson {
  name: string;
  description: string;
  type: 1;
  options: OptionJson[];
  /** Manage Server, for commands only moderators may use; Discord hides them from others by default. */
  default_member_permissions: string | null;
  /** Guilds only: a round lives in a server. */
  contexts: number[];
}

/** Discord's documented limits on a chat input command. */
export const LIMITS = { name: 32, description: 100, options: 25, choices: 25, stringLength: 6000, commandChars: 4000 } as const;
const MANAGE_GUILD = String(1 << 5);
const NAME = /^[-_\p{Ll}\p{N}]{1,32}$/u;

const describe = (text: string | undefined, fallback: string) => clip(text || fallback, LIMITS.description, { ellipsis: '…' });

/**
 * The Discord options of one zod option: a member is picked with Discord's user picker (USER), a role with its role
 * picker (ROLE); a file option is a
 * string beside an ATTACHMENT, either of which may be given.
 */
export function optionsJson(name: string, outer: z.ZodType, form: readonly string[] = []): OptionJson[] {
  const kind = optionKind(outer);
  const description = describe(outer.description, name);
  if (kind === 'member') return [{ name, type: OptionType.User, description, required: innermost(outer).required && !form.includes(name) }];
  if (kind === 'role') return [{ name, type: OptionType.Role, description, required: innermost(outer).required && !form.includes(name) }];
  if (kind === 'file')
    return [
      { ...optionJson(name, outer, form), required: false },
      { name: `${name}${FILE_SUFFIX}`, type: OptionType.Attachment, description: describe(`The same as an attached text file (instead of ${name})`, name), required: false },
    ];
  return [optionJson(name, outer, form)];
}

/** One option, typed from its zod schema: numbers, yes/no, fixed choices, bounded strings. */
export function optionJson(name: string, outer: z.ZodType, form: readonly string[] = []): OptionJson {
  const { schema, required } = innermost(outer);
  const s = schema as z.ZodType & { _zod: { def: { type: string } }; isInt?: boolean; minValue?: number | null; maxValue?: number | null; minLength?: number | null; maxLength?: number | null; options?: unknown[] };
  const base = { name, description: describe(outer.description, name), required: required && !form.includes(name) };
  const bounded = (v: number | null | undefined) => (typeof v === 'number' && Number.isSafeInteger(v) ? v : undefined);
  switch (s._zod.def.type) {
    case 'number':
      return { ...base, type: s.isInt ? OptionType.Integer : OptionType.Number, ...(bounded(s.minValue) !== undefined && { min_value: s.minValue! }), ...(bounded(s.maxValue) !== undefined && { max_value: s.maxValue! }), ...(SUGGESTED_OPTIONS.has(name) && { autocomplete: true }) };
    case 'boolean':
      return { ...base, type: OptionType.Boolean };
    case 'literal':
    case 'union':
      // a confirmation (`true`) is a yes/no; a union such as `latest | block number` or `auto | address` is typed text
      return { ...base, type: isConfirmation(s) ? OptionType.Boolean : OptionType.String };
    case 'enum':
      return { ...base, type: OptionType.String, choices: (s.options as string[]).slice(0, LIMITS.choices).map((v) => ({ name: v, value: v })) };
    default: {
      const min = bounded(s.minLength);
      const max = bounded(s.maxLength);
      return {
        ...base,
        type: OptionType.String,
        ...(min !== undefined && min > 0 && { min_length: Math.min(min, LIMITS.stringLength) }),
        ...(max !== undefined ? { max_length: Math.min(max, LIMITS.stringLength) } : {}),
        ...(SUGGESTED_OPTIONS.has(name) && { autocomplete: true }),
      };
    }
  }
}

/** A literal that only ever means yes (`true`, 'true'), or a union with a boolean among its forms (a yes/no flag). */
function isConfirmation(schema: z.ZodType): boolean {
  const def = (schema as unknown as { _zod: { def: { type: string; values?: unknown[]; options?: z.ZodType[] } } })._zod.def;
  if (def.type === 'boolean') return true;
  if (def.type === 'literal') return (def.values ?? []).every((v) => v === true || v === 'true');
  if (def.type === 'union') return (def.options ?? []).some(isConfirmation);
  return false;
}

/** Discord wants required options first. */
const optionsOf = (action: Action): OptionJson[] =>
  Object.entries(action.options.shape)
    .flatMap(([name, schema]) => optionsJson(name, schema as z.ZodType, action.form))
    .sort((a, b) => Number(b.required) - Number(a.required));

/** The slash commands, built from the same zod schemas every platform validates with. */
export function slashCommands(commands: readonly Command[]): CommandJson[] {
  return commands.map((command) => ({
    name: command.name,
    description: describe(command.description, command.name),
    type: 1,
    options: command.action
      ? optionsOf(command.action)
      : Object.entries(command.subcommands).map(([sub, action]) => ({ type: OptionType.Subcommand, name: sub, description: describe(action.description, sub), options: optionsOf(action) })),
    default_member_permissions: actionsOf(command).every((a) => a.access === 'moderator') ? MANAGE_GUILD : null,
    contexts: [0],
  }));
}

/** What Discord counts against a command's 4000 characters: every name, description and choice. */
function countChars(o: { name: string; description: string; options?: OptionJson[] | undefined; choices?: { name: string; value: string }[] | undefined }): number {
  return o.name.length + o.description.length + (o.choices ?? []).reduce((n, c) => n + c.name.length + c.value.length, 0) + (o.options ?? []).reduce((n, x) => n + countChars(x), 0);
}

/** What in the commands Discord would refuse: names, lengths, counts, order. Empty when all is well. */
export function limitProblems(commands: readonly CommandJson[]): string[] {
  const problems: string[] = [];
  const check = (path: string, o: { name: string; description: string; options?: OptionJson[] | undefined; choices?: unknown[] | undefined }) => {
    if (!NAME.test(o.name)) problems.push(`${path}: name "${o.name}" is not 1–32 lowercase letters, digits, - or _`);
    if (o.description.length < 1 || o.description.length > LIMITS.description) problems.push(`${path}: description is ${o.description.length} characters (1–100)`);
    if ((o.options?.length ?? 0) > LIMITS.options) problems.push(`${path}: ${o.options!.length} options (at most 25)`);
    if ((o.choices?.length ?? 0) > LIMITS.choices) problems.push(`${path}: ${o.choices!.length} choices (at most 25)`);
    const opts = o.options ?? [];
    const firstOptional = opts.findIndex((x) => x.type !== OptionType.Subcommand && !x.required);
    if (firstOptional >= 0 && opts.slice(firstOptional).some((x) => x.required)) problems.push(`${path}: a required option comes after an optional one`);
    for (const x of opts) {
      check(`${path} ${x.name}`, x);
      if ((x.max_length ?? 0) > LIMITS.stringLength) problems.push(`${path} ${x.name}: max_length above 6000`);
    }
  };
  for (const c of commands) {
    check(`/${c.name}`, c);
    const chars = countChars(c);
    if (chars > LIMITS.commandChars) problems.push(`/${c.name}: ${chars} characters of names, descriptions and choices (at most 4000)`);
  }
  if (new Set(commands.map((c) => c.name)).size !== commands.length) problems.push('two commands share a name');
  return problems;
}
