import { z } from 'zod';
import type { CommandContext } from './context.ts';
import { UserError } from './errors.ts';
import { privateReply, text, type Reply } from './reply.ts';
import type { Logger } from '../log.ts';
import { clip } from '../format/cut.ts';

export type { Logger };

export type Access = 'member' | 'moderator';
type Options = z.ZodObject;

export interface Action<S extends Options = Options> {
  description: string;
  /** Option schemas; `.describe()` texts become the help on every platform. */
  options: S;
  access: Access;
  /** Long-text options a platform with forms asks for in one (a Discord modal) when they are not given. */
  form?: readonly string[];
  /** The option a bare word after the command gives, for commands read like a sentence (`/help vote`). */
  positional?: string;
  run(ctx: CommandContext, options: z.output<S>): Promise<Reply>;
}

/** A chat command: one action, or a group of subcommands (`/poll open`, `/poll close`). */
export type Command = { name: string; description: string } & (
  | { action: Action; subcommands?: undefined }
  | { action?: undefined; subcommands: Record<string, Action> }
);

/** Names valid on Discord and Telegram alike. */
const NAME = /^[a-z0-9_]{1,32}$/;

export function defineAction<S extends Options>(action: Action<S>): Action {
  return action as unknown as Action;
}

export const actionsOf = (command: Command): Action[] => (command.action ? [command.action] : Object.values(command.subcommands));

export function defineCommand(command: Command): Command {
  const names = [command.name, ...Object.keys(command.subcommands ?? {}), ...actionsOf(command).flatMap((a) => Object.keys(a.options.shape))];
  for (const n of names) if (!NAME.test(n)) throw new Error(`command ${command.name}: "${n}" is not a valid name`);
  return command;
}

/** What a platform hands over: the command typed or tapped, with its raw option values. */
export interface Invocation {
  name: string;
  subcommand?: string | undefined;
  options: Record<string, unknown>;
}

export interface OptionHelp {
  name: string;
  description: string;
  required: boolean;
}

export function optionsHelp(schema: Options): OptionHelp[] {
  return Object.entries(schema.shape).map(([name, s]) => ({
    name,
    description: (s as z.ZodType).description ?? '',
    required: !(s as z.ZodType).safeParse(undefined).success,
  }));
}

export function usage(command: Command, sub?: string): string {
  const action = sub ? command.subcommands?.[sub] : command.action;
  const opts = action ? optionsHelp(action.options).map((o) => (o.required ? `${o.name}:…` : `[${o.name}:…]`)) : [];
  return ['/' + command.name, sub, ...opts].filter(Boolean).join(' ');
}

/** The action an invocation names, if any: for platforms that shape their questions to it (forms, defaults). */
export function actionFor(commands: readonly Command[], inv: Invocation): Action | undefined {
  const command = commands.find((c) => c.name === inv.name);
  return command?.action ?? (inv.subcommand ? command?.subcommands?.[inv.subcommand] : undefined);
}

/** Finds the action, checks who may run it and validates its options; a refusal is a UserError. */
export function resolve(commands: readonly Command[], inv: Invocation, isModerator: boolean): { action: Action; options: unknown } {
  const command = commands.find((c) => c.name === inv.name);
  if (!command) throw new UserError('unknown_command', `There is no /${inv.name}. Type /help for the list of commands.`);
  const positional = command.action?.positional;
  if (positional !== undefined && inv.subcommand !== undefined && inv.options[positional] === undefined) inv = { ...inv, subcommand: undefined, options: { ...inv.options, [positional]: inv.subcommand } };
  let action = command.action;
  if (command.action && inv.subcommand !== undefined)
    throw new UserError('invalid_options', `Unexpected "${inv.subcommand}": /${command.name} takes options written name:value.\nUsage: ${usage(command)}`);
  if (!command.action) {
    const subs = Object.keys(command.subcommands);
    action = inv.subcommand ? command.subcommands[inv.subcommand] : undefined;
    if (!action)
      throw new UserError(
        'unknown_command',
        `/${command.name} needs one of: ${subs.join(', ')}${inv.subcommand ? ` (not "${inv.subcommand}")` : ''}.`,
      );
  }
  if (!action) throw new Error(`command ${command.name} has no action`);
  if (action.access === 'moderator' && !isModerator)
    throw new UserError('not_moderator', `Only moderators may use /${[command.name, inv.subcommand].filter(Boolean).join(' ')}.`);
  const shape = action.options.shape as Record<string, z.ZodType>;
  const parsed = action.options.safeParse(inv.options, {
    error: chatErrorMap({ example: (name) => exampleOf(shape[name]), known: `/${[command.name, inv.subcommand].filter(Boolean).join(' ')} takes ${Object.keys(shape).map((k) => `${k}:`).join(' ') || 'no options'}` }),
  });
  if (!parsed.success) throw new UserError('invalid_options', `${issueLines(parsed.error).join('\n')}\nUsage: ${usage(command, inv.subcommand)}`);
  return { action, options: parsed.data };
}

/** An example value of an option: the "such as …" of its help text. */
function exampleOf(schema: z.ZodType | undefined): string {
  return /such as ([^\s,;()]+)/.exec(schema?.description ?? '')?.[1] ?? '…';
}

const shown = (value: unknown) => (typeof value === 'string' || (typeof value === 'object' && value !== null) ? clip(JSON.stringify(value), 80, { ellipsis: '…' }) : String(value));
const TYPE_NAMES: Record<string, string> = { number: 'a number', int: 'a whole number', boolean: 'true or false', string: 'text', bigint: 'a whole number', date: 'a date-time', array: 'a list', object: 'a JSON object' };

/**
 * zod's own texts ("Invalid input: expected string, received undefined") said as what to type instead. Passed to
 * safeParse, it only words the issues whose schema says nothing itself; schemas keep their own messages.
 */
export function chatErrorMap(hints: { example?: (name: string) => string; known?: string } = {}): z.core.$ZodErrorMap {
  // The texts worded here, so that a union can prefer what its alternatives' schemas say themselves.
  const worded = new Set<string>();
  const word = (text: string) => (worded.add(text), text);
  return (issue) => word(wordIssue(issue));

  function wordIssue(issue: z.core.$ZodRawIssue): string {
    const name = String(issue.path?.at(-1) ?? 'value');
    const write = `write ${name}:${hints.example?.(name) ?? '…'}`;
    const input: unknown = issue.input;
    const length = typeof input === 'string' || Array.isArray(input) ? input.length : undefined;
    const items = issue.code === 'too_small' || issue.code === 'too_big' ? (issue.origin === 'string' ? 'characters' : 'items') : '';
    switch (issue.code) {
      case 'invalid_type':
        if (input === undefined) return `missing; ${write}`;
        // A number option reads text first: what could not be read is no longer at hand.
        if (Number.isNaN(input)) return `not a number; ${write}`;
        return `${shown(input)} is not ${TYPE_NAMES[issue.expected] ?? issue.expected}`;
      case 'too_small':
        if (length === 0) return `empty; ${write}`;
        if (length !== undefined) return `at least ${issue.minimum} ${items} (you wrote ${length})`;
        return `${issue.inclusive === false ? 'more than' : 'at least'} ${issue.minimum} (you wrote ${shown(input)})`;
      case 'too_big':
        if (length !== undefined) return `at most ${issue.maximum} ${items} (you wrote ${length})`;
        return `${issue.inclusive === false ? 'less than' : 'at most'} ${issue.maximum} (you wrote ${shown(input)})`;
      case 'invalid_format':
        return `${shown(input)} is not ${issue.format === 'regex' ? 'written as expected' : `a valid ${issue.format}`}`;
      case 'invalid_value':
        return `write ${issue.values.map((v) => String(v)).join(' or ')}${input === undefined ? '' : ` (not ${shown(input)})`}`;
      case 'unrecognized_keys':
        return `there is no ${issue.keys.map((k) => JSON.stringify(k)).join(', ')}${hints.known ? `; ${hints.known}` : ''}`;
      case 'invalid_union': {
        // A union told apart by one field (tiers.by) names the values that field may take.
        const kinds = (issue as { options?: unknown[] }).options;
        if (kinds?.length) return `write ${kinds.map(String).join(' or ')}`;
        // What the alternatives' schemas say themselves, else the alternatives worded here.
        const said = [...new Set(issue.errors.flat().map((i) => i.message))];
        const own = said.filter((m) => !worded.has(m));
        return (own.length ? own : said).join('; ') || `${shown(input)} is not valid here`;
      }
      case 'not_multiple_of':
        return `${shown(input)} is not a multiple of ${issue.divisor}`;
      default:
        return `${shown(input)} is not valid here`;
    }
  }
}

/** One line per issue, each led by the option (or rule) it is about. */
export function issueLines(error: z.ZodError): string[] {
  return error.issues.map((i) => (i.path.length ? `${i.path.map(String).join('.')}: ${i.message}` : i.message));
}

/** Runs one invocation: a member's mistake becomes a private reply, anything else is logged and apologised for. */
export async function dispatch(commands: readonly Command[], ctx: CommandContext, inv: Invocation, logger: Logger): Promise<Reply> {
  try {
    const { action, options } = resolve(commands, inv, ctx.actor.isModerator);
    return await action.run(ctx, options as never);
  } catch (error) {
    if (error instanceof UserError) return { ...privateReply(text(error.message)), refused: error.code };
    logger.error('command failed', { command: inv.name, subcommand: inv.subcommand, actor: `${ctx.actor.platform}:${ctx.actor.userId}`, error });
    return privateReply(text('Something went wrong on our side; it has been logged for the moderators.'));
  }
}

/** Looks through optional, default and pipe wrappers to the schema that reads the raw value. */
export function innermost(schema: z.ZodType): { schema: z.ZodType; required: boolean } {
  let inner = schema as z.ZodType & { _zod: { def: { type: string; innerType?: z.ZodType; in?: z.ZodType } } };
  let required = true;
  for (;;) {
    const def = inner._zod.def;
    if ((def.type === 'optional' || def.type === 'default' || def.type === 'nullable') && def.innerType) {
      required = false;
      inner = def.innerType as typeof inner;
    } else if (def.type === 'pipe' && def.in) inner = def.in as typeof inner;
    else return { schema: inner, required };
  }
}

/**
 * Options a platform may fill in its own way, marked with zod's `.meta({ chat })`: `member` from the platform's user
 * picker or a mention (the value is then `<@platform user id>`), `file` from an attached file (the value is its text),
 * `role` from the platform's role picker (Discord; the value is then `<@&role id>`).
 */
export type OptionKind = 'member' | 'file' | 'role';

export function optionKind(schema: z.ZodType): OptionKind | undefined {
  const kind = (innermost(schema).schema.meta() as { chat?: unknown } | undefined)?.chat;
  return kind === 'member' || kind === 'file' || kind === 'role' ? kind : undefined;
}

/** Strict objects, so that a misspelt option is named instead of ignored. */
export const options = <T extends z.ZodRawShape>(shape: T) => z.strictObject(shape);
