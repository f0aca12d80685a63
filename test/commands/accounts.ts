import { commands } from '../../commands/index.ts';
import type { Actor } from '../../src/commands/context.ts';
import { parseCommandLine } from '../../src/commands/parse.ts';
import { ensureCommunity } from '../../src/db/repositories.ts';
import type { Community } from '../../src/db/schema.ts';
import { ChatRuntime } from '../../src/platforms/runtime.ts';
import { renderForConsole } from '../../src/platforms/console/render.ts';
import { memoryLogger } from '../helpers/log.ts';
import type { consoleHarness } from '../helpers/console.ts';

type Harness = Awaited<ReturnType<typeof consoleHarness>>;

/**
 * Chat accounts the console cannot be (names with spaces, platform user ids, other communities): commands run for
 * them through the same runtime the adapters use, on the harness's database and clock.
 */
export function accounts(harness: Harness) {
  const runtime = new ChatRuntime(harness.services, commands, memoryLogger().logger);
  const hooks = { announce: async () => {}, chatProblems: async () => [] };
  return {
    community: (chatId: string): Promise<Community> => ensureCommunity(harness.db, { platform: 'telegram', chatId, name: chatId }),
    /** Runs one command line as the actor and returns the reply as console text. */
    async say(community: Community, actor: Actor, line: string): Promise<string> {
      const parsed = parseCommandLine(line);
      if (!parsed.ok) return parsed.error;
      return renderForConsole(await runtime.run(community, actor, parsed.invocation, hooks));
    },
  };
}

export const telegramUser = (userId: string, handle: string, isModerator = false): Actor => ({ platform: 'telegram', userId, handle, isModerator });
