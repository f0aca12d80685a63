import { z } from 'zod';
import { actionsOf, defineAction, defineCommand, innermost, optionsHelp, options, usage, type Action, type Command } from '../src/commands/framework.ts';
import { UserError } from '../src/commands/errors.ts';
import { pre, privateReply, text } from '../src/commands/reply.ts';
import { commands } from './index.ts';

/** Commands by what a member comes for; a command in no group is listed under "Other", so none is ever hidden. */
export const HELP_GROUPS: readonly { name: string; commands: readonly string[] }[] = [
  { name: 'Round', commands: ['round', 'demo', 'exclude', 'include'] },
  { name: 'Polls', commands: ['poll', 'vote', 'delegate', 'notify', 'tally'] },
  { name: 'Proposals', commands: ['proposal', 'comment', 'rate', 'react', 'retract'] },
  { name: 'Wallets', commands: ['verify', 'wallet', 'wallets', 'privacy'] },
  { name: 'Results', commands: ['reputation', 'leaderboard', 'rewards', 'export'] },
  { name: 'Deep Funding', commands: ['pairwise', 'judge', 'weights', 'jurors', 'submit'] },
  { name: 'Help', commands: ['help'] },
];

type Entry = { name: string; sub?: string; action: Action };

const entriesOf = (command: Command): Entry[] =>
  command.action ? [{ name: command.name, action: command.action }] : Object.entries(command.subcommands).map(([sub, action]) => ({ name: command.name, sub, action }));

const lineOf = ({ name, sub, action }: Entry) => `/${[name, sub].filter(Boolean).join(' ')} — ${action.description}`;

/** A value to show in an example: the "such as …" of the option's help, 1 for a number, the first of its choices, else a placeholder. */
function exampleValue(schema: z.ZodType): string {
  const such = /such as ("[^"]+"|[^\s,;()]+)/.exec(schema.description ?? '')?.[1];
  if (such) return such;
  const inner = innermost(schema).schema as z.ZodType & { options?: unknown[]; _zod: { def: { type: string } } };
  if (inner._zod.def.type === 'number') return '1';
  return Array.isArray(inner.options) && typeof inner.options[0] === 'string' ? inner.options[0] : '…';
}

/** One command in full: what it does, its options (required first), and an example built from their own help. */
function commandHelp(command: Command, entries: Entry[]): string[] {
  return entries.flatMap(({ name, sub, action }) => {
    const opts = optionsHelp(action.options);
    const shape = action.options.shape as Record<string, z.ZodType>;
    const example = ['/' + name, sub, ...opts.filter((o) => o.required).map((o) => `${o.name}:${exampleValue(shape[o.name]!)}`)].filter(Boolean).join(' ');
    return [
      `${usage(command, sub)}${action.access === 'moderator' ? '   (moderators)' : ''}`,
      `  ${action.description}`,
      ...opts.map((o) => `  ${o.name}${o.required ? '' : ' (optional)'}: ${o.description || '…'}`),
      `  Example: ${example}`,
      '',
    ];
  });
}

export default defineCommand({
  name: 'help',
  description: 'List the commands, or show one with its options and an example',
  action: defineAction({
    description: 'List the commands, or show one (/help vote)',
    access: 'member',
    positional: 'command',
    options: options({ command: z.string().max(64).optional().describe('One command, such as vote') }),
    async run(ctx, o) {
      // Members see what they may run; the moderators' tools (and their testing shortcuts) are listed to moderators.
      const mayRun = (a: Action) => a.access === 'member' || ctx.actor.isModerator;
      if (o.command !== undefined) {
        const name = o.command.replace(/^\//, '').trim().split(/\s+/)[0]!;
        const command = commands.find((c) => c.name === name);
        if (!command) throw new UserError('unknown_command', `There is no /${name}. /help lists the commands.`);
        const entries = entriesOf(command).filter((e) => mayRun(e.action));
        if (entries.length === 0) throw new UserError('not_moderator', `/${name} is for moderators.`);
        return { ...privateReply(pre(commandHelp(command, entries).join('\n').trimEnd())), title: `/${name}: ${command.description}` };
      }
      const grouped = new Set(HELP_GROUPS.flatMap((g) => g.commands));
      const groups = [...HELP_GROUPS, { name: 'Other', commands: commands.filter((c) => !grouped.has(c.name)).map((c) => c.name) }];
      const sections = groups.flatMap((group) => {
        const lines = group.commands
          .flatMap((n) => commands.filter((c) => c.name === n))
          .flatMap((c) => entriesOf(c).filter((e) => mayRun(e.action)))
          .map(lineOf);
        return lines.length ? [`${group.name}\n${lines.join('\n')}`] : [];
      });
      const shown = commands.filter((c) => actionsOf(c).some(mayRun)).length;
      return {
        ...privateReply(
          text(sections.join('\n\n')),
          text(`/help vote (or any of these ${shown}) shows its options and an example. Options are written name:value; quote values with spaces: title:"A pool for ideas".`),
          ...(ctx.actor.isModerator ? [] : [text('Moderators have more commands, to run rounds.')]),
        ),
        title: ctx.actor.isModerator ? 'Commands (you are a moderator: all of them)' : 'Commands',
      };
    },
  }),
});
