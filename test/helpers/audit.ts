import { expect } from 'vitest';
import { computeReport, type RoundReport } from '../../src/core/report.ts';
import { renderRewards, renderTally } from '../../src/format/report.ts';
import { parseRoundFileText } from '../../src/roundfile/schema.ts';

/**
 * What an auditor checks after a round run in a chat: replaying the exported round file gives every tally and the
 * reward split the chat posted, and the rewards add up to the pool.
 */
export function expectPostsMatchReplay(exported: string, posted: { pollClosed: string; tally: string; rewards: string }): RoundReport {
  const report = computeReport(parseRoundFileText(exported));
  const [first, ...rest] = report.questions;
  expect(posted.pollClosed).toContain(renderTally(first!, report.token));
  for (const q of [first!, ...rest]) expect(posted.tally).toContain(renderTally(q, report.token));
  expect(posted.rewards).toContain(renderRewards(report));
  expect(report.rewards.amounts.reduce((s, a) => s + a.amount, 0n) + report.rewards.undistributed).toBe(report.rewards.pool);
  return report;
}
