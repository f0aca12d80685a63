import type { Command } from '../../commands/framework.ts';
import { actionsOf } from '../../commands/framework.ts';
import { clip } from '../../format/cut.ts';

export interface BotCommand {
  command: string;
  description: string;
}

/** Telegram's limits on a command menu entry. */
const DESCRIPTION_LIMIT = 256;

const entry = (c: Command): BotCommand => ({ command: c.name, description: clip(c.description, DESCRIPTION_LIMIT, { ellipsis: '…' }) });

/** The command menus: members see what they can run; group admins see everything. */
export function commandMenus(commands: readonly Command[]): { members: BotCommand[]; moderators: BotCommand[] } {
  return {
    members: commands.filter((c) => actionsOf(c).some((a) => a.access === 'member')).map(entry),
    moderators: commands.map(entry),
  };
}
