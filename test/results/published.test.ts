import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { publishedRewards } from '../../src/db/rewards.ts';
import { findRound } from '../../src/db/repositories.ts';
import { loadPublicRound } from '../../src/results/public.ts';
import { resultsPage } from '../../src/web/results.ts';
import { consoleHarness } from '../helpers/console.ts';

let harness: Awaited<ReturnType<typeof consoleHarness>>;
afterEach(() => harness?.close());

/** The amounts (base units) of the payout CSV the console wrote for `/export rewards`, by member key. */
function payoutOf(said: string): Map<string, bigint> {
  const path = /attachment written to (\S+-rewards\.csv)/.exec(said)![1]!;
  const [, ...lines] = readFileSync(path, 'utf8').trim().split('\r\n');
  return new Map(lines.map((l) => l.split(',')).map((cells) => [cells[0]!, BigInt(cells[5]!)]));
}

describe('a published split is what is shown and paid', () => {
  it('GIVEN the rules change after /rewards publish THEN the payout export and the results page show the published split, saying it is final', async () => {
    harness = await consoleHarness('2025-03-01T10:00:00Z');
    await harness.say('/demo', '/rewards publish');
    const round = (await findRound(harness.db, harness.chat.community.id))!;
    const published = (await publishedRewards(harness.db, round.id))!;
    const paid = new Map(published.amounts.map((a) => [a.member, a.amount]));
    expect(payoutOf(await harness.say('/export rewards'))).toEqual(paid);

    await harness.say('/round config key:rewards.contributionPercent value:50', `/exclude member:${published.amounts[0]!.member}`);
    const exported = await harness.say('/export rewards');
    expect(exported).toContain('final');
    expect(payoutOf(exported)).toEqual(paid);

    const page = String((await resultsPage(round, await loadPublicRound(harness.db, round))).body);
    const rewardsTable = page.slice(page.indexOf('<table class="rewards">'), page.indexOf('</table>', page.indexOf('<table class="rewards">')));
    expect([...rewardsTable.matchAll(/data-value="(\d+)"/g)].map((m) => BigInt(m[1]!))).toEqual(published.amounts.map((a) => a.amount));
    expect(page).toContain('Published 2025-03-01 10:00 UTC: final.');
  });

  it('GIVEN no publication THEN the page says the split is a preview', async () => {
    harness = await consoleHarness('2025-03-01T10:00:00Z');
    await harness.say('/demo');
    const round = (await findRound(harness.db, harness.chat.community.id))!;
    expect(String((await resultsPage(round, await loadPublicRound(harness.db, round))).body)).toContain('Not published yet: the split below is a preview');
  });
});
