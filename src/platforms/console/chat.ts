import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Actor, Services } from '../../commands/context.ts';
import type { Command, Logger } from '../../commands/framework.ts';
import type { Reply } from '../../commands/reply.ts';
import { ensureCommunity } from '../../db/repositories.ts';
import type { Outbox } from '../outbox.ts';
import { ChatRuntime } from '../runtime.ts';
import type { Community } from '../../db/schema.ts';
import { parseCommandLine, parseLine } from '../../commands/parse.ts';
import { renderForConsole } from './render.ts';

export const CONSOLE_HELP = `Console chat. You are "you", a moderator. /help lists the commands; /demo loads a sample round.
/as NAME acts as a member, /as NAME --moderator as a moderator; /quit leaves.`;

/** A terminal chat: one community, one person typing, acting as any member. */
export class ConsoleChat {
  actor: Actor = { platform: 'console', userId: 'you', handle: 'you', isModerator: true };

  private readonly runtime: ChatRuntime;

  private constructor(
    private readonly services: Services,
    readonly community: Community,
    private readonly commands: readonly Command[],
    private readonly logger: Logger,
    private readonly write: (text: string) => void,
  ) {
    // The console acts as members of an imported round by their handles.
    this.runtime = new ChatRuntime(services, commands, logger, { adoptHandle: true });
    // What the scheduler owes the console (a poll closed on schedule) is shown as posted; a private one as told.
    this.outbox.register('console', async ({ reply }) => this.announce(reply));
  }

  /** Where scheduled announcements wait until they are shown. */
  get outbox(): Outbox {
    return this.runtime.outbox;
  }

  private readonly hooks = { announce: (reply: Reply) => this.announce(reply), chatProblems: async () => [], status: (text: string) => this.write(`… ${text}\n`) };

  static async open(services: Services, commands: readonly Command[], logger: Logger, write: (text: string) => void): Promise<ConsoleChat> {
    const community = await ensureCommunity(services.db, { platform: 'console', chatId: 'default', name: 'Console' });
    return new ConsoleChat(services, community, commands, logger, write);
  }

  /** Posts to the community: on the console, everyone reads the same screen. */
  async announce(reply: Reply): Promise<void> {
    this.write(`[posted in the community]\n${renderForConsole(reply)}\n`);
  }

  /** Handles one typed line and writes the answer. */
  async handle(line: string): Promise<void> {
    if (line.trim() === '' || line.trim().startsWith('#')) return;
    const parsed = parseLine(line);
    if (!parsed.ok) return this.write(`${parsed.error}\n`);
    const { invocation, words } = parsed;
    if (invocation.name === 'as') {
      const name = invocation.subcommand ?? words[0];
      if (!name || !/^[A-Za-z0-9_.-]{1,64}$/.test(name)) return this.write('Usage: /as NAME [--moderator]\n');
      this.actor = { platform: 'console', userId: name, handle: name, isModerator: invocation.options['moderator'] === true };
      return this.write(`You are now ${name}${this.actor.isModerator ? ', a moderator' : ''}.\n`);
    }
    const command = parseCommandLine(line);
    if (!command.ok) return this.write(`(only you see this)\n${command.error}\n`);
    const reply = await this.runtime.run(this.community, this.actor, command.invocation, this.hooks);
    this.write(`${renderForConsole(reply)}\n`);
    for (const file of reply.attachments ?? []) {
      await mkdir(this.services.exportDir, { recursive: true });
      const path = join(this.services.exportDir, file.name);
      await writeFile(path, file.content);
      this.write(`(attachment written to ${path})\n`);
    }
  }
}
