import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { commands } from '../../commands/index.ts';
import type { CommandContext } from '../../src/commands/context.ts';
import { UserError } from '../../src/commands/errors.ts';
import { resolve } from '../../src/commands/framework.ts';
import { computeReport, reportJson } from '../../src/core/report.ts';
import type { Db } from '../../src/db/database.ts';
import { ensureCommunity, ensureMember, importRound, loadRoundData } from '../../src/db/repositories.ts';
import type { Community, RoundRow } from '../../src/db/schema.ts';
import { leaderboardOf, maintainedReport, memberStanding, memberStandingOf, rewardsAgainst, rewardsOf, roundTallies, roundVersion, standingsReport, tallyReport } from '../../src/db/standings.ts';
import { packStrings, unpackStrings } from '../../src/core/standings-transfer.ts';
import { VoteWriter } from '../../src/db/votes.ts';
import type { RewardsView } from '../../src/core/standings-state.ts';
import { parseRoundFile, parseRoundFileText, serializeRoundFile } from '../../src/roundfile/schema.ts';
import { freshDb, tempDatabaseUrl } from '../helpers/db.ts';
import { inStandingsThread } from '../helpers/standings.ts';
import { postgresForTheseTests } from '../helpers/postgres.ts';
import { arbitraryRoundFile } from '../helpers/round.ts';

/** One thing a member does in the chat, by member, proposal, comment and poll number (taken modulo what exists). */
type ChatEvent =
  | { kind: 'submit'; member: number }
  | { kind: 'rate'; member: number; proposal: number; stars: number }
  | { kind: 'comment'; member: number; proposal: number }
  | { kind: 'react'; member: number; comment: number; feedback: 'upvote' | 'positive' | 'negative'; remove: boolean }
  | { kind: 'retract'; comment: number }
  | { kind: 'vote'; member: number; poll: number; option: number }
  | { kind: 'exclude' | 'include'; member: number };

const n = fc.nat(20);
const chatEvent: fc.Arbitrary<ChatEvent> = fc.oneof(
  fc.record({ kind: fc.constant('submit' as const), member: n }),
  fc.record({ kind: fc.constant('rate' as const), member: n, proposal: n, stars: fc.integer({ min: 1, max: 5 }) }),
  fc.record({ kind: fc.constant('comment' as const), member: n, proposal: n }),
  fc.record({ kind: fc.constant('react' as const), member: n, comment: n, feedback: fc.constantFrom('upvote' as const, 'positive' as const, 'negative' as const), remove: fc.boolean() }),
  fc.record({ kind: fc.constant('retract' as const), comment: n }),
  fc.record({ kind: fc.constant('vote' as const), member: n, poll: n, option: n }),
  fc.record({ kind: fc.constantFrom('exclude' as const, 'include' as const), member: n }),
);

/** Runs one command as a member through the command layer (options validated, access checked); a refusal is fine. */
async function run(db: Db, community: Community, handle: string, clock: { now: Date }, name: string, options: Record<string, unknown>, subcommand?: string) {
  const actor = { platform: 'console', userId: handle, handle, isModerator: true };
  const ctx: CommandContext = {
    db,
    votes: new VoteWriter(db),
    now: () => clock.now,
    exportDir: '/nonexistent',
    community,
    actor,
    member: () => ensureMember(db, community.id, actor, { adoptHandle: true }),
    announce: async () => {},
    chatProblems: async () => [],
  };
  clock.now = new Date(clock.now.getTime() + 1000);
  try {
    const { action, options: parsed } = resolve(commands, { name, subcommand, options }, true);
    await action.run(ctx, parsed as never);
  } catch (error) {
    if (!(error instanceof UserError)) throw error;
  }
}

async function apply(db: Db, community: Community, round: RoundRow, handles: string[], event: ChatEvent, clock: { now: Date }) {
  const keys = async (table: 'proposals' | 'comments' | 'questions') =>
    (await db.selectFrom(table).select('key').where('round_id', '=', round.id).orderBy('position').execute()).map((r) => r.key);
  const pick = <T,>(list: T[], i: number) => list[i % list.length];
  const who = handles[('member' in event ? event.member : 0) % handles.length]!;
  const at = { round: round.key };
  switch (event.kind) {
    case 'submit':
      return run(db, community, who, clock, 'proposal', { ...at, title: 'A proposal', text: 'Because.' }, 'submit');
    case 'rate': {
      const proposal = pick(await keys('proposals'), event.proposal);
      return proposal && run(db, community, who, clock, 'rate', { ...at, proposal, stars: event.stars });
    }
    case 'comment': {
      const proposal = pick(await keys('proposals'), event.proposal);
      return proposal && run(db, community, who, clock, 'comment', { ...at, proposal, text: 'I agree.' });
    }
    case 'react': {
      const comment = pick(await keys('comments'), event.comment);
      return comment && run(db, community, who, clock, 'react', { ...at, comment, kind: event.feedback, ...(event.remove && { remove: true }) });
    }
    case 'retract': {
      const comment = pick(await keys('comments'), event.comment);
      return comment && run(db, community, handles[0]!, clock, 'retract', { ...at, comment });
    }
    case 'vote': {
      const poll = pick(await keys('questions'), event.poll);
      return poll && run(db, community, who, clock, 'vote', { ...at, poll, option: 1 + (event.option % 2) });
    }
    default:
      return run(db, community, handles[0]!, clock, event.kind, { ...at, member: who });
  }
}

/** The replay of the round file the round exports: what an auditor recomputes. */
async function replayOfExport(db: Db, round: RoundRow): Promise<string> {
  return reportJson(computeReport(parseRoundFileText(serializeRoundFile(await loadRoundData(db, round)))));
}

/**
 * What /reputation, /leaderboard, /tally and a receipt are answered (the standings the thread keeps between reads)
 * against the replay's report: each member's line and rank, the top, the tallies and each member's tier.
 */
async function expectAnswersOf(db: Db, round: RoundRow, replay: string) {
  const report = JSON.parse(replay) as { members: { id: string; handle: string; points: number; tier: string | null; factor: number }[]; questions: unknown[] };
  const ranked = report.members.filter((m) => m.points > 0);
  for (const m of report.members) {
    const standing = await memberStandingOf(db, round.id, m.id);
    expect(standing?.member).toEqual(m);
    expect({ rank: standing?.rank, ranked: standing?.ranked }).toEqual({ rank: ranked.findIndex((x) => x.id === m.id) + 1, ranked: ranked.length });
    expect(await memberStanding(db, round.id, m.id)).toEqual({ tier: m.tier, factor: m.factor });
  }
  expect(await leaderboardOf(db, round.id, 3)).toEqual(report.members.filter((m) => m.points !== 0).slice(0, 3));
  // /rewards preview: the totals, the top and each member's own line and place, as the replay's split (base units)
  const split = JSON.parse(replay) as { rewards: { member: string; amount: string }[]; rewardTotals: Record<'pool' | 'contribution' | 'participation' | 'undistributed', string> };
  const line = (r: { member: string; amount: string }) => {
    const m = report.members.find((x) => x.id === r.member)!;
    return { member: r.member, handle: m.handle, tier: m.tier, amount: BigInt(r.amount) };
  };
  for (const m of report.members) {
    const view = await rewardsOf(db, round.id, 2, m.id);
    expect({ pool: view.pool, contribution: view.contribution, participation: view.participation, undistributed: view.undistributed }).toEqual(Object.fromEntries(Object.entries(split.rewardTotals).map(([k, v]) => [k, BigInt(v)])));
    expect(view.top).toEqual(split.rewards.slice(0, 2).map(line));
    expect(view.recipients).toBe(split.rewards.length);
    const place = split.rewards.findIndex((r) => r.member === m.id);
    expect(view.own).toEqual(place < 0 ? undefined : { ...line(split.rewards[place]!), place: place + 1 });
  }
  expect(paidAndLeft(await rewardsOf(db, round.id, split.rewards.length))).toBe(BigInt(split.rewardTotals.pool));
  await expectWholeSplitAndChanges(db, round, split, (r) => line(r).tier);
  const tallies = await roundTallies(db, round.id);
  // the questions as the report JSON writes them (amounts as decimal strings)
  expect(JSON.parse(reportJson({ ...(await maintainedReport(db, round.id)), questions: tallies.questions } as never)).questions).toEqual(report.questions);
}

/**
 * What /rewards publish stores (the whole split, every amount and tier in the replay's order) and the changes it sees:
 * none against the split itself published, and against it published without its first recipient (stored in reverse
 * order, as storage may give it), that one recipient.
 */
async function expectWholeSplitAndChanges(db: Db, round: RoundRow, split: { rewards: { member: string; amount: string }[]; rewardTotals: { undistributed: string } }, tierOf: (r: { member: string; amount: string }) => string | null) {
  const published = (lines: { member: string; amount: string }[], places: number[]) => ({
    members: packStrings(lines.map((r) => r.member)),
    amounts: packStrings(lines.map((r) => r.amount)),
    places: Uint32Array.from(places),
    undistributed: BigInt(split.rewardTotals.undistributed),
  });
  const itself = published(split.rewards, split.rewards.map((_, i) => i));
  const { whole, changes } = await rewardsAgainst(db, round.id, { limit: 3, whole: true, since: itself });
  expect(unpackStrings(whole!.members)).toEqual(split.rewards.map((r) => r.member));
  expect(unpackStrings(whole!.amounts)).toEqual(split.rewards.map((r) => r.amount));
  expect(Array.from(whole!.tiers, (t) => whole!.tierNames[t] ?? null)).toEqual(split.rewards.map(tierOf));
  expect(changes).toEqual({ members: 0, shown: [] });
  const [first, ...rest] = split.rewards;
  if (!first || first.amount === '0') return;
  const without = await rewardsAgainst(db, round.id, { limit: 3, since: published(rest.toReversed(), rest.map((_, i) => i).toReversed()) });
  expect(without.changes!.members).toBe(1);
  expect(without.changes!.shown.map(({ member, before, after }) => ({ member, before, after }))).toEqual([{ member: first.member, before: 0n, after: BigInt(first.amount) }]);
}

/** What the whole split shown pays out and leaves undistributed: the pool, exactly. */
const paidAndLeft = (view: RewardsView) => view.top.reduce((sum, r) => sum + r.amount, view.undistributed);

/**
 * `everyEvent`: the report is compared after each event, not only at the end (kept states brought up event by event),
 * and so are the answers the commands are given (expectAnswersOf).
 */
function maintainedMatchesReplay(open: () => Promise<Db>, runs: number, everyEvent = false) {
  return inStandingsThread(() => fc.assert(
    fc.asyncProperty(arbitraryRoundFile, fc.array(chatEvent, { maxLength: 30 }), async (file, events) => {
      const db = await open();
      try {
        const community = await ensureCommunity(db, { platform: 'console', chatId: 'default', name: 'console' });
        const data = parseRoundFile(file);
        const imported = await importRound(db, community.id, data);
        await db.updateTable('rounds').set({ phase: 'proposals' }).where('id', '=', imported.id).execute();
        await db.updateTable('questions').set({ status: 'open' }).where('round_id', '=', imported.id).execute();
        const round = { ...imported, phase: 'proposals' };
        const handles = data.members.map((m) => m.handle);
        const clock = { now: new Date('2025-01-01T00:00:00Z') };
        expect(reportJson(await maintainedReport(db, round.id))).toBe(await replayOfExport(db, round));
        for (const event of events) {
          await apply(db, community, round, handles, event, clock);
          if (!everyEvent) continue;
          const replay = await replayOfExport(db, round);
          await expectAnswersOf(db, round, replay);
          expect(reportJson(await maintainedReport(db, round.id))).toBe(replay);
        }
        // what /reputation and /leaderboard read: a report of the same standings, perhaps computed before later votes
        const standings = await standingsReport(db, round.id);
        const report = await maintainedReport(db, round.id);
        expect(reportJson(report)).toBe(await replayOfExport(db, round));
        expect(standings.members).toEqual(report.members);
        for (const m of report.members) expect(await memberStanding(db, round.id, m.id)).toEqual({ tier: m.tier, factor: m.factor });
      } finally {
        await db.destroy();
      }
    }),
    { numRuns: runs, seed: 13 },
  ));
}

describe('maintained standings', () => {
  it('GIVEN a random round and random proposals, ratings, comments, reactions, withdrawals, votes and exclusions through the commands THEN the maintained report is byte for byte the replay of the exported round file (SQLite)', async () => {
    await maintainedMatchesReplay(() => freshDb(), 40);
  }, 120_000);

  it('GIVEN the same random rounds and chat events in an SQLite file THEN the report the standings thread reads from the file itself, and brings up to date by the rows changed since, is byte for byte the replay after every event', async () => {
    await maintainedMatchesReplay(() => freshDb(tempDatabaseUrl()), 25, true);
  }, 120_000);

  it('GIVEN a vote THEN the round version moves on but the standings (tiers) version does not; GIVEN a comment or an exclusion THEN both move on', async () => {
    const db = await freshDb();
    const community = await ensureCommunity(db, { platform: 'console', chatId: 'default', name: 'console' });
    const data = parseRoundFile({
      version: 1,
      round: { id: 'r1', name: 'R' },
      members: [{ id: 'm1', handle: 'alice', wallets: [{ chain: 'eip155:1', address: `0x${'1'.repeat(40)}`, balance: '4000000000000000000' }] }],
      proposals: [{ id: 'p1', author: 'm1', title: 'P' }],
      questions: [{ id: 'q1', text: 'Q', options: ['a', 'b'] }],
    });
    const round = await importRound(db, community.id, data);
    await db.updateTable('questions').set({ status: 'open' }).execute();
    await db.updateTable('rounds').set({ phase: 'proposals' }).execute();
    const clock = { now: new Date('2025-01-01T00:00:00Z') };
    const before = (await roundVersion(db, round.id))!;
    await run(db, community, 'alice', clock, 'vote', { poll: 'q1', option: 2 });
    const voted = (await roundVersion(db, round.id))!;
    expect(voted.version).not.toBe(before.version);
    expect(voted.standings).toBe(before.standings);
    await run(db, community, 'alice', clock, 'comment', { proposal: 'p1', text: 'hi' });
    const commented = (await roundVersion(db, round.id))!;
    expect(commented.version).not.toBe(voted.version);
    expect(commented.standings).not.toBe(voted.standings);
    expect((await maintainedReport(db, round.id)).questions[0]!.options.map((o) => o.voters)).toEqual([0, 1]);
    // what the report says of a member: whether they are staff
    await run(db, community, 'alice', clock, 'exclude', { member: 'alice' });
    expect((await roundVersion(db, round.id))!.standings).not.toBe(commented.standings);
    expect((await standingsReport(db, round.id)).members[0]!.excluded).toBe(true);
    await db.destroy();
  });

  it('GIVEN an import refused halfway (a wallet of another member) THEN the standings triggers it paused run again for the next write', async () => {
    const db = await freshDb();
    const community = await ensureCommunity(db, { platform: 'console', chatId: 'default', name: 'console' });
    const wallet = { chain: 'eip155:1', address: `0x${'1'.repeat(40)}`, balance: '1' };
    const round = await importRound(db, community.id, parseRoundFile({ version: 1, round: { id: 'r1', name: 'R' }, members: [{ id: 'm1', handle: 'alice', wallets: [wallet] }], proposals: [{ id: 'p1', author: 'm1', title: 'P' }] }));
    await expect(importRound(db, community.id, parseRoundFile({ version: 1, round: { id: 'r2', name: 'R2' }, members: [{ id: 'm2', handle: 'bob', wallets: [wallet] }] }))).rejects.toThrow();
    await db.updateTable('rounds').set({ phase: 'proposals' }).execute();
    const before = (await roundVersion(db, round.id))!;
    await run(db, community, 'alice', { now: new Date('2025-01-01T00:00:00Z') }, 'comment', { proposal: 'p1', text: 'hi' });
    expect((await roundVersion(db, round.id))!.standings).not.toBe(before.standings);
    expect((await maintainedReport(db, round.id)).members[0]!.breakdown.comments).toBe(1);
    await db.destroy();
  });

  it.each([
    ['in memory', ':memory:'],
    ['in a file, which the standings thread reads without the uncommitted write', 'file'],
  ])('GIVEN a write in a transaction that is rolled back (SQLite %s) THEN the report inside it counts the write, and is not served afterwards', (_, where) => inStandingsThread(async () => {
    const db = await freshDb(where === 'file' ? tempDatabaseUrl() : where);
    const community = await ensureCommunity(db, { platform: 'console', chatId: 'default', name: 'console' });
    const data = parseRoundFile({ version: 1, round: { id: 'r1', name: 'R' }, members: [{ id: 'm1', handle: 'alice', wallets: [] }], proposals: [{ id: 'p1', author: 'm1', title: 'P' }] });
    const round = await importRound(db, community.id, data);
    const pointsNow = async () => (await maintainedReport(db, round.id)).members[0]!.points;
    const committed = await pointsNow();
    await db
      .transaction()
      .execute(async (trx) => {
        await trx.insertInto('comments').values({ id: 'c-x', round_id: round.id, key: 'c9', author_id: (await trx.selectFrom('members').select('id').executeTakeFirstOrThrow()).id, proposal_id: (await trx.selectFrom('proposals').select('id').executeTakeFirstOrThrow()).id, created_at: null, position: 9, retracted_at: null }).execute();
        expect((await maintainedReport(trx, round.id)).members[0]!.points).not.toBe(committed);
        throw new Error('roll back');
      })
      .catch(() => undefined);
    expect(await pointsNow()).toBe(committed);
    await db.destroy();
  }));
});

describe('maintained standings on PostgreSQL', () => {
  const server = postgresForTheseTests();

  it('GIVEN random rounds and random chat events THEN the maintained report is byte for byte the replay of the exported round file (PostgreSQL)', async () => {
    await maintainedMatchesReplay(async () => freshDb(await server.freshDatabase()), 12, true);
  }, 180_000);

  it('GIVEN a recount on PostgreSQL THEN the standings thread reads the round through its own connection: the bot\'s connection reads no counted choice, and the report is the replay', async () => {
    const db = await freshDb(await server.freshDatabase());
    try {
      const community = await ensureCommunity(db, { platform: 'console', chatId: 'default', name: 'console' });
      const data = parseRoundFile({
        version: 1,
        round: { id: 'r1', name: 'R' },
        members: Array.from({ length: 12 }, (_, i) => ({ id: `m${i}`, handle: `member${i}`, wallets: [{ chain: 'eip155:1', address: `0x${String(i).padStart(40, '0')}`, balance: `${i + 1}000000000000000000` }] })),
        proposals: [{ id: 'p1', author: 'm0', title: 'P' }],
        questions: [{ id: 'q1', text: 'Q', options: ['a', 'b'] }],
        votes: [{ question: 'q1', member: 'm1', option: 1, castAt: '2025-01-01T00:00:00Z' }],
      });
      const round = await importRound(db, community.id, data);
      // every query the bot's own connection runs, as kysely hands it to the driver
      const queriesRun: string[] = [];
      const watched = db.withPlugin({
        transformQuery: ({ node }) => (queriesRun.push(JSON.stringify(node)), node),
        transformResult: async ({ result }) => result,
      });
      const report = await inStandingsThread(() => maintainedReport(watched, round.id));
      expect(reportJson(report)).toBe(await replayOfExport(db, round));
      expect(queriesRun.length).toBeGreaterThan(0);
      expect(queriesRun.filter((q) => q.includes('"vote_choices"'))).toEqual([]);
    } finally {
      await db.destroy();
    }
  }, 60_000);
});

describe('a recount for standings only', () => {
  it('GIVEN a comment THEN the recount for /reputation (in the standings thread) leaves the reward split out (not computed, not moved between threads), and the full report at that version has the split of the replay; GIVEN a vote THEN /tally\'s recount leaves it out too, with the tallies of the replay', async () => {
    const db = await freshDb(tempDatabaseUrl());
    try {
      const community = await ensureCommunity(db, { platform: 'console', chatId: 'default', name: 'console' });
      const wallet = (i: number) => [{ chain: 'eip155:1', address: `0x${String(i).padStart(40, '0')}`, balance: `${i + 1}000000000000000000` }];
      const data = parseRoundFile({
        version: 1,
        round: { id: 'r1', name: 'R', config: { rewards: { pool: '1000000000000000000000' } } },
        members: Array.from({ length: 30 }, (_, i) => ({ id: `m${i}`, handle: `member${i}`, wallets: wallet(i) })),
        proposals: [{ id: 'p1', author: 'm0', title: 'P' }],
        comments: Array.from({ length: 30 }, (_, i) => ({ id: `c${i}`, author: `m${i}`, proposal: 'p1' })),
        questions: [{ id: 'q1', text: 'Q', options: ['a', 'b'] }],
        votes: Array.from({ length: 10 }, (_, i) => ({ question: 'q1', member: `m${i}`, option: i % 2, castAt: '2025-01-01T00:00:00Z' })),
      });
      const round = await importRound(db, community.id, data);
      await db.updateTable('rounds').set({ phase: 'proposals' }).execute();
      await run(db, community, 'member3', { now: new Date('2025-01-02T00:00:00Z') }, 'comment', { proposal: 'p1', text: 'Agreed.' });
      await inStandingsThread(async () => {
        const standings = await standingsReport(db, round.id);
        expect(() => standings.rewards).toThrow(/no reward split/);
        const full = await maintainedReport(db, round.id);
        const replay = computeReport(parseRoundFileText(serializeRoundFile(await loadRoundData(db, (await db.selectFrom('rounds').selectAll().executeTakeFirstOrThrow()) as RoundRow))));
        expect(full.rewards.amounts.length).toBeGreaterThan(0);
        expect(reportJson(full)).toBe(reportJson(replay));
        // the full report serves standings too, with no recount
        expect(await standingsReport(db, round.id)).toBe(full);
        // a vote: /tally recounts without the split, and its tallies are the replay's
        await db.updateTable('questions').set({ status: 'open' }).execute();
        const before = (await roundVersion(db, round.id))!.version;
        await run(db, community, 'member0', { now: new Date('2025-01-02T00:00:00Z') }, 'vote', { poll: 'q1', option: 2 });
        expect((await roundVersion(db, round.id))!.version).not.toBe(before);
        const tallies = await tallyReport(db, round.id);
        expect(() => tallies.rewards).toThrow(/no reward split/);
        const replayed = computeReport(parseRoundFileText(serializeRoundFile(await loadRoundData(db, (await db.selectFrom('rounds').selectAll().executeTakeFirstOrThrow()) as RoundRow))));
        expect(JSON.stringify(tallies.questions, (_, v: unknown) => (typeof v === 'bigint' ? String(v) : v))).toBe(JSON.stringify(replayed.questions, (_, v: unknown) => (typeof v === 'bigint' ? String(v) : v)));
      });
    } finally {
      await db.destroy();
    }
  }, 60_000);
});
