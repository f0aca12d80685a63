import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { recountThread } from '../../src/db/standings.ts';
import { consoleHarness } from '../helpers/console.ts';
import { tempDatabaseUrl } from '../helpers/db.ts';
import { approvalAndRankedScenario } from './types-scenario.ts';

let harness: Awaited<ReturnType<typeof consoleHarness>>;
const { minMembers } = recountThread;
afterEach(async () => {
  recountThread.minMembers = minMembers;
  await harness?.close();
});

/** The scenario in the console: a tap is the command its button shows (`[label]  command`). */
async function inConsole(url: string) {
  harness = await consoleHarness('2025-01-01T00:00:00Z', url);
  const { say } = harness;
  let last = '';
  const run = async (handle: string, line: string) => (last = await say(`/as ${handle}`, line));
  await approvalAndRankedScenario({
    mod: (line) => say('/as mod --moderator', line),
    join: async (handle) => void (await say(`/as ${handle}`, '/reputation')),
    say: run,
    tap: (handle, label) => {
      const button = last.split('\n').map((l) => /^\s*\[(.*)\]\s+(\/vote .*)$/.exec(l)).find((m) => m && (typeof label === 'string' ? m[1] === label : label.test(m[1]!)));
      if (!button) throw new Error(`no button ${label} in:\n${last}`);
      return run(handle, button[2]!);
    },
    advanceTo: (iso) => harness.advanceTo(iso),
    exported: async () => readFileSync(join(harness.services.exportDir, 'r1.json'), 'utf8'),
  });
  expect(harness.errors).toEqual([]);
}

describe('approval and ranked polls in the console', () => {
  it('GIVEN an approval and a ranked poll voted by typing option:1,3 and by the buttons THEN the posted final tallies are replay\'s of the exported file', () => inConsole(':memory:'));

  // the maintained report read by the standings thread: fed the counts (a database in memory), or reading an SQLite
  // file itself and bringing its state up by the rows changed since
  for (const [where, url] of [['fed by the bot', ':memory:'], ['reading the file', tempDatabaseUrl()]] as const)
    it(`GIVEN every recount in the standings thread, ${where}, THEN the posted final tallies are still replay's of the exported file`, () => {
      recountThread.minMembers = 0;
      return inConsole(url);
    });
});
