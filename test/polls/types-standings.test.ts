import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { computeReport, reportJson } from '../../src/core/report.ts';
import { maintainedReport } from '../../src/db/standings.ts';
import { parseRoundFileText } from '../../src/roundfile/schema.ts';
import { consoleHarness } from '../helpers/console.ts';
import { postgresForTheseTests } from '../helpers/postgres.ts';

const MEMBERS = ['m0', 'm1', 'm2', 'm3'];

/** A ballot of `count` options: a non-empty subset, in some order (approval reads it as a set, ranked as an order). */
const ballot = (count: number) => fc.shuffledSubarray(Array.from({ length: count }, (_, i) => i + 1), { minLength: 1 });

/** After random ballots through the commands on a database at `url()`, the maintained report is replay's of the export. */
async function maintainedIsReplay(url: () => Promise<string>, numRuns: number) {
  await fc.assert(
    fc.asyncProperty(
      fc.array(fc.integer({ min: 1, max: 2000 }), { minLength: 4, maxLength: 4 }),
      fc.integer({ min: 2, max: 4 }),
      fc.array(fc.record({ member: fc.constantFrom(...MEMBERS), poll: fc.constantFrom('q1', 'q2'), ballot: ballot(4) }), { maxLength: 12 }),
      async (balances, optionCount, votes) => {
        const harness = await consoleHarness('2025-01-01T00:00:00Z', await url());
        try {
          const { say } = harness;
          await say('/as mod --moderator', '/round create id:r1 name:R');
          for (const m of MEMBERS) await say(`/as ${m}`, '/reputation');
          for (const [i, m] of MEMBERS.entries()) await say('/as mod --moderator', `/wallet add member:${m} address:0x${(i + 1).toString(16).padStart(40, '0')} tokens:${balances[i]} unverified:true`);
          const options = Array.from({ length: optionCount }, (_, i) => `O${i + 1}`).join('|');
          await say('/as mod --moderator', `/poll open question:"Which?" options:"${options}" type:approval`, `/poll open question:"Order?" options:"${options}" type:ranked`);
          for (const v of votes) {
            const fitting = v.ballot.filter((o) => o <= optionCount);
            if (fitting.length > 0) expect(await say(`/as ${v.member}`, `/vote poll:${v.poll} option:${fitting.join(',')}`)).toContain('is recorded');
          }
          const round = await harness.services.db.selectFrom('rounds').select('id').where('key', '=', 'r1').executeTakeFirstOrThrow();
          const maintained = reportJson(await maintainedReport(harness.services.db, round.id));
          await say('/as mod --moderator', '/export round');
          const replayed = reportJson(computeReport(parseRoundFileText(readFileSync(join(harness.services.exportDir, 'r1.json'), 'utf8'))));
          expect(maintained).toBe(replayed);
          expect(harness.errors).toEqual([]);
        } finally {
          await harness.close();
        }
      },
    ),
    { numRuns },
  );
}

describe('the maintained report of approval and ranked polls', () => {
  it('PROPERTY after random ballots, changed ballots included, the maintained report is byte for byte the replay of the exported file', () => maintainedIsReplay(async () => ':memory:', 8));
});

describe('the maintained report of approval and ranked polls on PostgreSQL', () => {
  const server = postgresForTheseTests();
  it('PROPERTY after random ballots, changed ballots included, the maintained report is byte for byte the replay of the exported file (PostgreSQL)', () => maintainedIsReplay(() => server.freshDatabase(), 3), 120_000);
});
