import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ballotCommitment } from '../../src/core/secret.ts';
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

  it('GIVEN a secret approval poll THEN the receipt\'s commitment covers the ballot as cast (indices joined by commas) and is in the public file, which names no choice', async () => {
    harness = await consoleHarness('2025-01-01T00:00:00Z');
    const { say } = harness;
    await say('/as mod --moderator', '/round create id:r1 name:R');
    await say('/as alice', '/reputation');
    await say('/as mod --moderator', `/wallet add member:alice address:0x${'1'.padStart(40, '0')} tokens:100 unverified:true`);
    await say('/as mod --moderator', '/poll open question:"Which?" options:"A|B|C" type:approval privacy:secret closes:2025-01-02T00:00:00Z');
    expect(await say('/as alice', '/vote poll:q1 option:3 draft:true')).toContain('(only you see this)');
    const receipt = await say('/as alice', '/vote poll:q1 option:3,1');
    expect(receipt).toContain('your choice 2,0 and the salt');
    const salt = /salt\s+([0-9a-f]{64})/.exec(receipt)![1]!;
    await harness.advanceTo('2025-01-02T00:00:00Z');
    await say('/as mod --moderator', '/export round');
    const file = JSON.parse(readFileSync(join(harness.services.exportDir, 'r1.json'), 'utf8'));
    expect(file.votes).toEqual([]);
    expect(file.secretTallies[0].commitments).toEqual([ballotCommitment(file.members.find((m: { handle: string }) => m.handle === 'alice').id, [2, 0], salt)]);
    expect(file.secretTallies[0].options.map((o: { quadraticVotes: number }) => o.quadraticVotes)).toEqual([10, 0, 10]);
    expect(await say('/as mod --moderator', '/poll open question:"Order?" options:"A|B" type:ranked privacy:secret')).toContain('A ranked poll cannot be secret');
    expect(harness.errors).toEqual([]);
  });
});
