import { defineAction, defineCommand, optionsHelp, options, type Action } from '../src/commands/framework.ts';
import { pre, privateReply, text } from '../src/commands/reply.ts';
import { commands } from './index.ts';

const line = (name: string, a: Action) =>
  `${name}${optionsHelp(a.options).map((o) => ` ${o.required ? '' : '['}${o.name}:…${o.required ? '' : ']'}`).join('')}\n    ${a.description}${a.access === 'moderator' ? ' (moderators)' : ''}`;

export default defineCommand({
  name: 'help',
  description: 'List the commands and their options',
  action: defineAction({
    description: 'List the commands',
    access: 'member',
    options: options({}),
    async run(ctx) {
      // Members see what they may run; the moderators' tools (and their testing shortcuts) are listed to moderators.
      const mayRun = (a: Action) => a.access === 'member' || ctx.actor.isModerator;
      const entries = commands.flatMap((c) =>
        c.action ? (mayRun(c.action) ? [line(`/${c.name}`, c.action)] : []) : Object.entries(c.subcommands).filter(([, a]) => mayRun(a)).map(([sub, a]) => line(`/${c.name} ${sub}`, a)),
      );
      return privateReply(
        text('Options are written name:value; quote values with spaces: title:"A pool for ideas".'),
        pre(entries.join('\n')),
        ...(ctx.actor.isModerator ? [] : [text('The moderators have more commands, to run rounds.')]),
      );
    },
  }),
});
