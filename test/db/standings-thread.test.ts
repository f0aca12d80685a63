import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { writeBenchRound } from '../../bench/generate.ts';
import { reportJson, reportOf } from '../../src/core/report.ts';
import { ensureCommunity, importRound } from '../../src/db/repositories.ts';
import { maintainedReport, readMaintainedRound } from '../../src/db/standings.ts';
import { parseRoundFileText } from '../../src/roundfile/schema.ts';
import { freshDb } from '../helpers/db.ts';

/** The longest the event loop was held while `work` ran, seen by a 1 ms interval (how late its ticks come). */
async function longestHold(work: () => Promise<unknown>): Promise<number> {
  let longest = 0;
  let last = performance.now();
  const timer = setInterval(() => {
    const now = performance.now();
    longest = Math.max(longest, now - last - 1);
    last = now;
  }, 1);
  await new Promise((resolve) => setTimeout(resolve, 5));
  await work();
  // the tick that notices the last stretch
  await new Promise((resolve) => setTimeout(resolve, 5));
  clearInterval(timer);
  return longest;
}

describe('the cold recount off the event loop', () => {
  it('GIVEN a round of 3,000 members with 30,000 comments and reactions in an SQLite file THEN recounting it after a write never holds the event loop 50 ms, and gives the report of a recount in place', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'govbot-'));
    const file = join(dir, 'round.json');
    await writeBenchRound(file, { members: 3000, proposals: 60, ratings: 1500, comments: 12_000, reactions: 18_000, questions: 5, votes: 15_000 });
    const db = await freshDb(`file:${join(dir, 'govbot.sqlite')}`);
    const community = await ensureCommunity(db, { platform: 'console', chatId: 'default', name: 'console' });
    const round = await importRound(db, community.id, parseRoundFileText(readFileSync(file, 'utf8')));
    // the thread starts (and loads its code) on the first recount
    await maintainedReport(db, round.id);
    await db.updateTable('comments').set({ retracted_at: '2025-01-01T00:00:00Z' }).where('key', '=', 'c1').execute();

    let report: Awaited<ReturnType<typeof maintainedReport>> | undefined;
    const held = await longestHold(async () => (report = await maintainedReport(db, round.id)));
    expect(held).toBeLessThan(50);
    const inPlace = await readMaintainedRound(db, round.id);
    expect(reportJson(report!)).toBe(reportJson(reportOf(inPlace, inPlace.contributions, inPlace.choices)));
    await db.destroy();
  }, 120_000);
});
