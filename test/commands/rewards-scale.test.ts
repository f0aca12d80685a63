import fc from 'fast-check';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { computeReport, type RoundReport } from '../../src/core/report.ts';
import { formatTokens } from '../../src/format/units.ts';
import { latestPublication, publishedAmounts, publishedRewards, type PublishedRewards } from '../../src/db/rewards.ts';
import { unpackStrings } from '../../src/core/standings-transfer.ts';
import { findRound, importRound, loadRoundData } from '../../src/db/repositories.ts';
import type { RoundRow } from '../../src/db/schema.ts';
import { rewardsAgainst } from '../../src/db/standings.ts';
import { parseRoundFile, parseRoundFileText, serializeRoundFile } from '../../src/roundfile/schema.ts';
import { consoleHarness } from '../helpers/console.ts';
import { tempDatabaseUrl } from '../helpers/db.ts';
import { inStandingsThread } from '../helpers/standings.ts';
import { postgresForTheseTests } from '../helpers/postgres.ts';

/** More than the rows a publication is read by at a time (src/db/rewards.ts LINES_READ), so that it takes several reads. */
const RECIPIENTS = 600;
const address = (i: number) => `0x${(i + 1).toString(16).padStart(40, '0')}`;

/**
 * A round of RECIPIENTS members who all get a share: each has tokens and a vote (participation) and comments (points,
 * in five different amounts, so that many members tie).
 */
const largeRound = () =>
  parseRoundFile({
    version: 1,
    round: { id: 'big', name: 'Big', config: { rewards: { pool: '1000000000000000000000001' } } },
    members: Array.from({ length: RECIPIENTS }, (_, i) => ({ id: `m${i}`, handle: `member${i}`, wallets: [{ chain: 'eip155:1', address: address(i), balance: `${(i % 7) + 1}000000000000000000` }] })),
    proposals: Array.from({ length: 10 }, (_, p) => ({ id: `p${p}`, author: `m${p}`, title: `Proposal ${p}` })),
    comments: Array.from({ length: RECIPIENTS }, (_, i) => Array.from({ length: (i % 5) + 1 }, (_, k) => ({ id: `c${i}-${k}`, author: `m${i}`, proposal: `p${(i + k) % 10}` }))).flat(),
    questions: [{ id: 'q1', text: 'Q', options: ['a', 'b'] }],
    votes: Array.from({ length: RECIPIENTS }, (_, i) => ({ question: 'q1', member: `m${i}`, option: i % 2, castAt: '2025-01-01T00:00:00Z' })),
  });

let harness: Awaited<ReturnType<typeof consoleHarness>> | undefined;
afterEach(async () => {
  await harness?.close();
  harness = undefined;
});

/** The console chat on `url` with the large round imported; the standings thread computes for it, small as it is. */
async function largeRoundIn(url: string): Promise<RoundRow> {
  harness = await consoleHarness('2025-03-01T10:00:00Z', url);
  await importRound(harness.db, harness.chat.community.id, largeRound());
  return (await findRound(harness.db, harness.chat.community.id))!;
}

/** What an auditor recomputes: the replay of the round file the round exports. */
async function replay(round: RoundRow): Promise<RoundReport> {
  return computeReport(parseRoundFileText(serializeRoundFile(await loadRoundData(harness!.db, round))));
}

/**
 * The "changed since published" summary recomputed from the replay: every member whose amount differs (the published
 * recipients in the published order, then the new ones), named by handle, the undistributed rest last.
 */
function expectedChanges(published: PublishedRewards, report: RoundReport): { count: number; summary: string; members: string[] } {
  const before = new Map(published.amounts.map((a) => [a.member, a.amount]));
  const now = new Map(report.rewards.amounts.map((a) => [a.member, a.amount]));
  const handle = new Map(report.members.map((m) => [m.id, m.handle]));
  const { decimals } = report.token;
  const members = [...new Set([...before.keys(), ...now.keys()])].filter((m) => (before.get(m) ?? 0n) !== (now.get(m) ?? 0n));
  const changes = members
    .map((m) => `${handle.get(m)} ${formatTokens(before.get(m) ?? 0n, decimals)} → ${formatTokens(now.get(m) ?? 0n, decimals)}`);
  if (published.undistributed !== report.rewards.undistributed) changes.push(`undistributed ${formatTokens(published.undistributed, decimals)} → ${formatTokens(report.rewards.undistributed, decimals)}`);
  return { count: changes.length, members, summary: changes.slice(0, 10).join(', ') + (changes.length > 10 ? ` and ${changes.length - 10} more` : '') };
}

/** A moderator's change of the round that may move the split (exclusions among a few members, so that some are undone). */
const change = fc.oneof(
  { weight: 3, arbitrary: fc.nat(20).map((i) => `/exclude member:m${i}`) },
  { weight: 2, arbitrary: fc.nat(20).map((i) => `/include member:m${i}`) },
  { weight: 2, arbitrary: fc.integer({ min: 0, max: 100 }).map((p) => `/round config key:rewards.contributionPercent value:${p}`) },
  { weight: 1, arbitrary: fc.integer({ min: 1, max: 100 }).map((p) => `/round config key:rewards.capPercent value:${p}`) },
  { weight: 1, arbitrary: fc.tuple(fc.nat(RECIPIENTS - 1), fc.nat(9)).map(([i, b]) => `/round balances csv:"${address(i)},${b}"`) },
);

function publishing(open: () => Promise<string>) {
  it('GIVEN a round of 600 recipients THEN /rewards publish stores every amount of the replay, adding up to the pool exactly, and posts publicly only the totals and the first 40 with where the rest are', () =>
    inStandingsThread(async () => {
      const round = await largeRoundIn(await open());
      const out = await harness!.say('/rewards publish');
      const report = await replay(round);
      const published = (await publishedRewards(harness!.db, round.id))!;
      expect(report.rewards.amounts).toHaveLength(RECIPIENTS);
      const tier = new Map(report.members.map((m) => [m.id, m.tier]));
      expect(published.amounts.map(({ member, amount, tier }) => ({ member, amount, tier }))).toEqual(report.rewards.amounts.map((a) => ({ ...a, tier: tier.get(a.member) })));
      expect(published.amounts.reduce((sum, a) => sum + a.amount, published.undistributed)).toBe(published.pool);
      expect({ ...published, amounts: [] }).toMatchObject({ pool: report.rewards.pool, contribution: report.rewards.contribution, participation: report.rewards.participation, undistributed: report.rewards.undistributed });

      expect(out).toContain(`Rewards of round ${round.key}, published (final)\n`);
      expect(out).not.toContain('(only you see this)');
      expect(out).toContain(`… and ${RECIPIENTS - 40} more recipients; /export rewards lists every amount.`);
      expect(out.split('\n').length).toBeLessThan(70);
      expect(out).not.toMatch(/0x[0-9a-fA-F]{40}/);
      expect(out).not.toContain('You:');
      const handles = report.rewards.amounts.map((a) => report.members.find((m) => m.id === a.member)!.handle);
      expect(handles.slice(0, 40).every((h) => out.includes(h))).toBe(true);
      expect(handles.slice(40).filter((h) => out.includes(`${h} `))).toEqual([]);
      // as a process started later reads the publication (this one holds what it stored): a module loaded anew
      vi.resetModules();
      const later = await import('../../src/db/rewards.ts');
      const publication = (await later.latestPublication(harness!.db, round.id))!;
      const read = await later.publishedAmounts(harness!.db, publication);
      const [members, amounts] = [unpackStrings(read.members), unpackStrings(read.amounts)];
      const byPlace = Array.from(read.places, (place, i) => [place, { member: members[i]!, amount: BigInt(amounts[i]!) }] as const).sort((a, b) => a[0] - b[0]);
      expect(byPlace.map(([place]) => place)).toEqual(published.amounts.map((_, i) => i));
      expect(byPlace.map(([, line]) => line)).toEqual(published.amounts.map(({ member, amount }) => ({ member, amount })));
      expect(read.undistributed).toBe(published.undistributed);
      expect((await later.publishedHead(harness!.db, round.community_id, publication, 40)).amounts).toEqual(published.amounts.slice(0, 40));
      // the log names the version stored, not each amount again
      const logged = await harness!.db.selectFrom('audit_log').select('detail').where('action', '=', 'rewards.published').executeTakeFirstOrThrow();
      expect(logged.detail.length).toBeLessThan(500);
    }), 120_000);

  it('GIVEN random exclusions, rule and balance changes after publishing (seeded) THEN the "changed since published" summary of /rewards preview and /rewards publish is the one recomputed from the replay, and republishing stores the replay\'s split', () =>
    inStandingsThread(async () => {
      const round = await largeRoundIn(await open());
      await harness!.say('/rewards publish');
      await fc.assert(
        fc.asyncProperty(fc.array(change, { minLength: 1, maxLength: 3 }), async (changes) => {
          const published = (await publishedRewards(harness!.db, round.id))!;
          await harness!.say(...changes);
          const current = (await findRound(harness!.db, harness!.chat.community.id))!;
          const expected = expectedChanges(published, await replay(current));
          // the published amounts as this process holds them (stored here) and as a process started later reads them
          vi.resetModules();
          const later = await import('../../src/db/rewards.ts');
          for (const since of [await publishedAmounts(harness!.db, (await latestPublication(harness!.db, round.id))!), await later.publishedAmounts(harness!.db, (await later.latestPublication(harness!.db, round.id))!)]) {
            const { changes } = await rewardsAgainst(harness!.db, round.id, { limit: 10, since });
            expect(changes!.members + (changes!.undistributed ? 1 : 0)).toBe(expected.count);
            expect(changes!.shown.map((c) => c.member)).toEqual(expected.members.slice(0, 10));
          }
          const preview = await harness!.say('/rewards preview');
          if (expected.count === 0) {
            expect(preview).toContain('The split as it stands is the published one.');
            return;
          }
          expect(preview).toContain(`The split has changed since it was published (${expected.summary}); `);
          expect(await harness!.say('/rewards publish')).toContain(`and the split has changed since: ${expected.summary}. Published means final`);
          expect(await harness!.say('/rewards publish republish:true')).toContain(`; changed: ${expected.summary}.\n`);
          const report = await replay(current);
          expect((await publishedRewards(harness!.db, round.id))!.amounts.map(({ member, amount }) => ({ member, amount }))).toEqual(report.rewards.amounts);
        }),
        { numRuns: 8, seed: 10 },
      );
    }), 180_000);
}

describe('the reward split of a large round (SQLite file, standings thread)', () => {
  publishing(async () => tempDatabaseUrl());
});

describe('the reward split of a large round (PostgreSQL)', () => {
  const server = postgresForTheseTests();
  publishing(() => server.freshDatabase());
});
