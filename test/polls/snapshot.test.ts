import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { computeReport } from '../../src/core/report.ts';
import { renderTally } from '../../src/format/report.ts';
import { parseRoundFileText } from '../../src/roundfile/schema.ts';
import { consoleHarness } from '../helpers/console.ts';

let harness: Awaited<ReturnType<typeof consoleHarness>>;
afterEach(() => harness?.close());

const address = (i: number) => `0x${(i + 1).toString(16).padStart(40, '0')}`;

/** A round where alice has earned a tier before voting opens and bob (same tokens) has not. */
async function roundWithEarlyReputation(start = '2025-01-01T00:00:00Z') {
  harness = await consoleHarness(start);
  const { say } = harness;
  await say('/round create id:r1 name:R', '/proposal submit title:"An idea" text:"x"');
  for (const m of ['alice', 'bob', 'carol']) await say(`/as ${m}`, '/reputation');
  await say('/as mod --moderator', ...['alice', 'bob'].map((m, i) => `/wallet add member:${m} address:${address(i)} tokens:100 unverified:true`));
  await say('/as alice', '/comment proposal:p1 text:"early"');
  return harness;
}

const exportedReport = async () => {
  await harness.say('/as mod --moderator', '/export round');
  return computeReport(parseRoundFileText(readFileSync(join(harness.services.exportDir, 'r1.json'), 'utf8')));
};

describe('the reputation snapshot in chat', () => {
  it('GIVEN the default snapshot (voting opens) THEN activity after it earns points but never moves the weights, a closed poll\'s posted tally, or replay of the export', async () => {
    const { say, advanceTo } = await roundWithEarlyReputation();
    await advanceTo('2025-01-01T01:00:00Z');
    expect(await say('/as mod --moderator', '/poll open question:"Q?" options:"Yes|No" closes:2025-01-02T00:00:00Z')).toContain('Poll q1');
    for (let i = 0; i < 5; i++) await say('/as bob', `/comment proposal:p1 text:"late ${i}"`);
    expect(await say('/as alice', '/vote poll:q1 option:1')).toMatch(/tier\s+A \(factor 5\)/);
    // bob has the most points now, but the tiers that weight votes were frozen when the poll opened
    expect(await say('/as bob', '/vote poll:q1 option:2')).toMatch(/tier\s+none \(factor 1\)/);
    const closed = await advanceTo('2025-01-02T00:00:00Z');
    expect(closed).toContain('Final tally');

    for (let i = 0; i < 5; i++) await say('/as carol', `/comment proposal:p1 text:"after close ${i}"`);
    await say('/as bob', '/react comment:c7 kind:upvote');
    const report = await exportedReport();
    const q1 = report.questions[0]!;
    expect(q1.options.map((o) => o.qualifiedVotes)).toEqual([50, 10]);
    expect(closed).toContain(renderTally(q1, report.token));
    expect(await say('/tally poll:q1')).toContain(renderTally(q1, report.token));
    expect(report.members.find((m) => m.id === 'console:bob')!.points).toBeGreaterThan(report.members.find((m) => m.id === 'console:alice')!.points);
    expect(harness.errors).toEqual([]);
  });

  it('GIVEN a snapshot time THEN it falls at that time even when the job runs late, and it cannot be moved once it fell or set in the past', async () => {
    const { say, advanceTo } = await roundWithEarlyReputation();
    expect(await say('/as mod --moderator', '/round config key:voting.reputationSnapshot value:2024-12-31T00:00Z')).toContain('is not in the future');
    expect(await say('/round config key:voting.reputationSnapshot value:soon')).toContain('is not "voting", "close" or an ISO 8601 time');
    expect(await say('/round config key:voting.reputationSnapshot value:2025-01-01T12:00Z')).toContain('is now "2025-01-01T12:00Z"');
    // the bot was down from 12:00 to 18:00; bob's comment at 11:00 counts, the ones after the time do not
    await advanceTo('2025-01-01T11:00:00Z');
    await say('/as bob', '/comment proposal:p1 text:"before the time"');
    expect(await advanceTo('2025-01-01T18:00:00Z')).toContain('The reputation snapshot of round r1 fell');
    for (let i = 0; i < 5; i++) await say('/as bob', `/comment proposal:p1 text:"late ${i}"`);
    expect(await say('/as mod --moderator', '/round config key:voting.reputationSnapshot value:close')).toContain('fell at 2025-01-01T12:00:00.000Z');
    await say('/poll open question:"Q?" options:"Yes|No"', '/as alice', '/vote poll:q1 option:1', '/as bob', '/vote poll:q1 option:2');
    const closed = await say('/as mod --moderator', '/poll close poll:q1');
    const report = await exportedReport();
    // alice and bob each had one comment at the snapshot: equal points, both in tier A
    expect(report.questions[0]!.options.map((o) => o.qualifiedVotes)).toEqual([50, 50]);
    expect(closed).toContain(renderTally(report.questions[0]!, report.token));
    expect(harness.errors).toEqual([]);
  });
});
