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
      const entries = commands.flatMap((c) =>
        c.action ? [line(`/${c.name}`, c.action)] : Object.entries(c.subcommands).map(([sub, a]) => line(`/${c.name} ${sub}`, a)),
      );
      return privateReply(
        text('Options are written name:value; quote values with spaces: title:"A pool for ideas".'),
        pre(entries.join('\n')),
        ...(ctx.actor.isModerator ? [] : [text('Commands marked (moderators) are for the community moderators.')]),
      );
    },
  }),
});
