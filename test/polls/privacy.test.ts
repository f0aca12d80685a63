import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { computeReport } from '../../src/core/report.ts';
import { ballotCommitment } from '../../src/core/secret.ts';
import { renderTally } from '../../src/format/report.ts';
import { parseRoundFileText } from '../../src/roundfile/schema.ts';
import { consoleHarness } from '../helpers/console.ts';

let harness: Awaited<ReturnType<typeof consoleHarness>>;
afterEach(() => harness?.close());

const voters = ['alice', 'bob', 'carol'];
const address = (i: number) => `0x${(i + 1).toString(16).padStart(40, '0')}`;

/** Three members with 100, 400 and 900 tokens; a poll of the given privacy; alice and carol vote 1, bob votes 2. */
async function pollOf(privacy: 'hidden' | 'secret') {
  harness = await consoleHarness('2025-01-01T00:00:00Z');
  const { say } = harness;
  await say('/round create id:r1 name:R');
  for (const m of voters) await say(`/as ${m}`, '/reputation');
  await say('/as mod --moderator', ...voters.map((m, i) => `/wallet add member:${m} address:${address(i)} tokens:${(i + 1) ** 2 * 100} unverified:true`));
  const opened = await say(`/poll open question:"Fund it?" options:"Yes|No" closes:2025-01-02T00:00:00Z privacy:${privacy}`);
  const receipts = new Map<string, string>();
  for (const [i, m] of voters.entries()) receipts.set(m, await say(`/as ${m}`, `/vote poll:q1 option:${i === 1 ? 2 : 1}`));
  return { opened, receipts };
}

const exported = async () => {
  await harness.say('/as mod --moderator', '/export round');
  return readFileSync(join(harness.services.exportDir, 'r1.json'), 'utf8');
};

describe('poll privacy in the console', () => {
  it('GIVEN a hidden poll THEN no standings are shown to anyone, moderators included, until it closes; then the tally is posted and replays', async () => {
    const { opened } = await pollOf('hidden');
    expect(opened).toContain('Hidden poll: no standings are shown to anyone until it closes.');
    const tally = await harness.say('/as mod --moderator', '/tally');
    expect(tally).toMatch(/q1: Fund it\? — its standings stay hidden until it closes \(2025-01-02 00:00 UTC.*\); 3 members have voted so far\./);
    expect(tally).not.toMatch(/Winner|voters?,|%/);
    const closed = await harness.advanceTo('2025-01-02T00:00:00Z');
    const report = computeReport(parseRoundFileText(await exported()));
    expect(closed).toContain(renderTally(report.questions[0]!, report.token));
    expect(report.questions[0]!.options.map((o) => o.voters)).toEqual([2, 1]);
    expect(harness.errors).toEqual([]);
  });

  it('GIVEN a secret poll THEN the receipt holds the salt of a commitment found in the exported file, which carries no choice and replays to the posted tally', async () => {
    const { opened, receipts } = await pollOf('secret');
    expect(opened).toContain('Secret ballot');
    expect(await harness.say('/as mod --moderator', '/tally poll:q1')).toContain('stay hidden until it closes');
    const closed = await harness.advanceTo('2025-01-02T00:00:00Z');
    expect(closed).toContain('Secret ballot: 3 voters; who chose what is never published.');
    const text = await exported();
    const file = JSON.parse(text);
    expect(file.votes).toEqual([]);
    expect(file.secretTallies[0].voters).toHaveLength(3);
    const report = computeReport(parseRoundFileText(text));
    expect(closed).toContain(renderTally(report.questions[0]!, report.token));
    // 10 + 30 for Yes, 20 for No
    expect(report.questions[0]!.options.map((o) => o.quadraticVotes)).toEqual([40, 20]);
    for (const [i, m] of voters.entries()) {
      const salt = /salt\s+([0-9a-f]{64})/.exec(receipts.get(m)!)![1]!;
      const key = file.members.find((x: { handle: string }) => x.handle === m).id;
      expect(file.secretTallies[0].commitments).toContain(ballotCommitment(key, i === 1 ? 1 : 0, salt));
    }
    expect(harness.errors).toEqual([]);
  });
});
