import { afterEach, describe, expect, it } from 'vitest';
import { consoleHarness } from '../helpers/console.ts';
import { deepFundingRound, type Question, type Surface } from './scenario.ts';

let h: Awaited<ReturnType<typeof consoleHarness>> | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

/** The console prints a private reply's buttons as `[label]  command`; a tap runs the command. */
const lastTap = new Map<string, string>();
function consoleQuestion(chat: NonNullable<typeof h>, handle: string, output: string): Question {
  const buttons = [...output.matchAll(/^ {2}\[(.+?)\] {2}(\/.+)$/gm)].map((m) => ({ label: m[1]!, command: m[2]! }));
  return {
    text: output,
    labels: buttons.map((b) => b.label),
    tap: async (index) => {
      lastTap.set(handle, buttons[index]!.command);
      return consoleQuestion(chat, handle, await chat.say(`/as ${handle}`, buttons[index]!.command));
    },
  };
}

describe('a Deep Funding round on the console', () => {
  it('GIVEN a moderator, six jurors and a random one judging through buttons, and two modelers THEN every posted number is the replay of the export and every next pair is govbot pairwise next', async () => {
    const c = (h = await consoleHarness('2025-01-01T00:00:00Z', ':memory:', { publicUrl: 'https://govbot.example' }));
    const asMod = (line: string) => c.say('/as mod --moderator', line);
    const surface: Surface = {
      name: 'console',
      db: async () => c.db,
      mod: asMod,
      modWithFile: (line, option, file) => asMod(`${line} ${option}:"${file.content.replace(/"/g, '\\"')}"`),
      member: (handle) => c.say(`/as ${handle}`, '/pairwise show'),
      say: async (handle, line) => consoleQuestion(c, handle, await c.say(`/as ${handle}`, line)),
      sayWithFile: (handle, line, option, file) => c.say(`/as ${handle}`, `${line} ${option}:"${file.content.replace(/"/g, '\\"')}"`),
      // the console has no event ids: the same tap again is the same answer again, counted once
      redeliverLastTap: async (handle) => expect(await c.say(`/as ${handle}`, lastTap.get(handle)!)).toContain('Already recorded:'),
      advanceTo: (iso) => c.advanceTo(iso),
      keyOf: async (handle) => `console:${handle}`,
    };
    const { report, latencyP99 } = await deepFundingRound(surface);
    if (process.env.SHOW) console.log(await c.say('/as mod --moderator', '/jurors show', '/weights'), latencyP99);
    expect(report.projects).toHaveLength(12);
    expect(latencyP99).toBeLessThan(1000);
  });
});
