import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { consoleHarness } from '../helpers/console.ts';
import { approvalAndRankedScenario } from './types-scenario.ts';

let harness: Awaited<ReturnType<typeof consoleHarness>>;
afterEach(() => harness?.close());

describe('approval and ranked polls in the console', () => {
  it('GIVEN an approval and a ranked poll voted by typing option:1,3 and by the buttons THEN the posted final tallies are replay\'s of the exported file', async () => {
    harness = await consoleHarness('2025-01-01T00:00:00Z');
    const { say } = harness;
    /** The last reply's buttons, as the console shows them: `[label]  command`. */
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
  });
});
