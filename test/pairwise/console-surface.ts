import { expect } from 'vitest';
import type { consoleHarness } from '../helpers/console.ts';
import type { Question, Surface } from './scenario.ts';

type Harness = Awaited<ReturnType<typeof consoleHarness>>;

/** The console as a surface of the scenario: private replies print their buttons as `[label]  command`; a tap runs the command. */
export function consoleSurface(c: Harness): Surface {
  const lastTap = new Map<string, string>();
  const question = (handle: string, output: string): Question => {
    const buttons = [...output.matchAll(/^ {2}\[(.+?)\] {2}(\/.+)$/gm)].map((m) => ({ label: m[1]!, command: m[2]! }));
    return {
      text: output,
      labels: buttons.map((b) => b.label),
      tap: async (index) => {
        lastTap.set(handle, buttons[index]!.command);
        return question(handle, await c.say(`/as ${handle}`, buttons[index]!.command));
      },
    };
  };
  const asMod = (line: string) => c.say('/as mod --moderator', line);
  const quoted = (content: string) => `"${content.replace(/"/g, '\\"')}"`;
  return {
    name: 'console',
    db: async () => c.db,
    mod: asMod,
    modWithFile: (line, option, file) => asMod(`${line} ${option}:${quoted(file.content)}`),
    member: (handle) => c.say(`/as ${handle}`, '/pairwise show'),
    say: async (handle, line) => question(handle, await c.say(`/as ${handle}`, line)),
    sayWithFile: (handle, line, option, file) => c.say(`/as ${handle}`, `${line} ${option}:${quoted(file.content)}`),
    // the console has no event ids: the same tap again is the same answer again, counted once
    redeliverLastTap: async (handle) => expect(await c.say(`/as ${handle}`, lastTap.get(handle)!)).toContain('Already recorded:'),
    advanceTo: (iso) => c.advanceTo(iso),
    keyOf: async (handle) => `console:${handle}`,
  };
}
