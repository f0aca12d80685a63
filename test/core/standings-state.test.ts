import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { roundConfigSchema } from '../../src/core/config.ts';
import { reportOf } from '../../src/core/report.ts';
import type { Contributions } from '../../src/core/reputation.ts';
import { StandingsState, type StandingsInput } from '../../src/core/standings-state.ts';
import type { PollType } from '../../src/core/types.ts';

/** One write between two reads: a member's counts (all events, or those before the snapshot), or a counted ballot. */
type Step =
  | { kind: 'counts'; member: number; field: number; delta: number; beforeSnapshot: boolean }
  | { kind: 'ballot'; question: number; member: number; options: number[] }
  | { kind: 'carry'; question: number; member: number; by: number };

const MEMBERS = 9;
const step: fc.Arbitrary<Step> = fc.oneof(
  fc.record({ kind: fc.constant('counts' as const), member: fc.nat(MEMBERS - 1), field: fc.nat(5), delta: fc.integer({ min: -1, max: 3 }), beforeSnapshot: fc.boolean() }),
  fc.record({ kind: fc.constant('ballot' as const), question: fc.nat(2), member: fc.nat(MEMBERS - 1), options: fc.uniqueArray(fc.nat(3), { maxLength: 4 }) }),
  fc.record({ kind: fc.constant('carry' as const), question: fc.nat(2), member: fc.nat(MEMBERS - 1), by: fc.integer({ min: -1, max: MEMBERS - 1 }) }),
);

const round = fc.record({
  types: fc.array(fc.constantFrom<PollType>('single', 'approval', 'ranked'), { minLength: 3, maxLength: 3 }),
  secret: fc.boolean(),
  byPoints: fc.boolean(),
  snapshot: fc.boolean(),
  delegation: fc.boolean(),
  balances: fc.array(fc.array(fc.bigInt({ min: 0n, max: 10n ** 22n }), { maxLength: 2 }), { minLength: MEMBERS, maxLength: MEMBERS }),
  ids: fc.uniqueArray(fc.stringMatching(/^m[0-9a-c]{1,2}$/), { minLength: MEMBERS, maxLength: MEMBERS }),
  quadraticUnit: fc.constantFrom('member' as const, 'wallet' as const),
  steps: fc.array(step, { maxLength: 40 }),
});

const contributions = (n: number): Contributions => ({ proposals: new Int32Array(n), stars: new Float64Array(n), comments: new Int32Array(n), received: new Int32Array(3 * n) });

/** Field f of member m: proposals, stars, comments, then received upvotes, positives, negatives. */
function add(c: Contributions, m: number, f: number, delta: number): void {
  const n = c.proposals.length;
  if (f === 0) c.proposals[m]! += delta;
  else if (f === 1) c.stars[m]! += delta;
  else if (f === 2) c.comments[m]! += delta;
  else c.received[(f - 3) * n + m]! += delta;
}

/** The same bigint-bearing values as JSON, to compare with toEqual's messages readable. */
const plain = (x: unknown) => JSON.parse(JSON.stringify(x, (_, v: unknown) => (typeof v === 'bigint' ? `${v}n` : v))) as unknown;

describe('standings kept between reads', () => {
  it('GIVEN random rounds (single, approval and ranked polls, secret, tiers by percentile or points, a reputation snapshot, delegation) and random writes between reads THEN after each write the kept state\'s standings, ranks, leaderboard, tallies, reward split and every member\'s tier are those of a full recount', () => {
    fc.assert(
      fc.property(round, (g) => {
        const n = MEMBERS;
        const tiers = g.byPoints
          ? { by: 'points', levels: [{ name: 'A', minPoints: 6, factor: 5 }, { name: 'B', minPoints: 2.5, factor: 3 }, { name: 'C', minPoints: 1, factor: 1.5 }] }
          : { by: 'percentile', levels: [{ name: 'A', percent: 20, factor: 5 }, { name: 'B', percent: 30, factor: 2 }, { name: 'C', percent: 30, factor: 2 }] };
        const config = roundConfigSchema.parse({ tiers, voting: { quadraticUnit: g.quadraticUnit }, reputation: { negativeReactionPoints: -1 }, rewards: { pool: '1000003', capPercent: g.byPoints ? 40 : null } });
        const counts = contributions(n);
        const ballots = g.types.map((type) => (type === 'single' ? undefined : new Array<number[] | undefined>(n)));
        if (g.snapshot) counts.beforeSnapshot = contributions(n);
        const input: StandingsInput = {
          round: { id: 'r1', name: 'R', config },
          members: g.ids.map((id, m) => ({ id, handle: `member${m}`, excluded: m % 4 === 0, wallets: g.balances[m]!.map((balance) => ({ balance })) })),
          questions: g.types.map((type, q) => ({ id: `q${q}`, text: `Q${q}`, options: ['a', 'b', 'c', 'd'], ...(type !== 'single' && { type: type as Exclude<PollType, 'single'> }), ...(g.secret && q === 0 && { privacy: 'secret' as const }) })),
          contributions: counts,
          choices: g.types.map(() => new Int32Array(n).fill(-1)),
          ballots,
          ...(g.delegation && { carried: g.types.map(() => new Int32Array(n).fill(-1)) }),
        };
        const state = new StandingsState(input);
        const check = () => {
          const report = reportOf(input, input.contributions, input.choices);
          const ranked = report.members.filter((m) => m.points > 0);
          for (const m of report.members) {
            const rank = ranked.findIndex((x) => x.id === m.id) + 1;
            expect(state.standing(m.id)).toEqual({ member: m, rank, ranked: ranked.length });
          }
          expect(state.standing('nobody')).toBeUndefined();
          const { levels, tiers } = state.answer({ kind: 'tiers' });
          const tierOf = new Map(input.members.map((m, at) => [m.id, tiers[levels[at]!]?.name ?? null]));
          for (const m of report.members) expect(tierOf.get(m.id)).toBe(m.tier);
          for (const limit of [1, 3, n + 1]) expect(state.top(limit)).toEqual(report.members.filter((m) => m.points !== 0).slice(0, limit));
          const tallies = state.tallies();
          expect(plain(tallies.questions)).toEqual(plain(report.questions));
          for (const q of input.questions) expect(tallies.voted[q.id]).toBe(report.choicesOf(q.id).size);
          const { amounts, ...totals } = report.rewards;
          const line = ({ member, amount }: { member: string; amount: bigint }) => {
            const m = report.members.find((x) => x.id === member)!;
            return { member, handle: m.handle, tier: m.tier, amount };
          };
          for (const m of [...report.members, { id: 'nobody' }]) {
            const view = state.rewards(2, m.id);
            expect({ pool: view.pool, contribution: view.contribution, participation: view.participation, undistributed: view.undistributed }).toEqual(totals);
            expect([view.top, view.recipients]).toEqual([amounts.slice(0, 2).map(line), amounts.length]);
            const place = amounts.findIndex((a) => a.member === m.id);
            expect(view.own).toEqual(place < 0 ? undefined : { ...line(amounts[place]!), place: place + 1 });
          }
        };
        check();
        for (const s of g.steps) {
          if (s.kind === 'counts') add(s.beforeSnapshot && counts.beforeSnapshot ? counts.beforeSnapshot : counts, s.member, s.field, s.delta);
          else if (s.kind === 'carry') input.carried?.[s.question]!.set([s.by], s.member);
          else {
            const type = g.types[s.question]!;
            // a single choice is one option; no option: the member has no counted choice
            const ballot = type === 'single' ? s.options.slice(0, 1) : s.options;
            input.choices[s.question]![s.member] = ballot[0] ?? -1;
            if (type !== 'single') ballots[s.question]![s.member] = ballot.length > 0 ? ballot : undefined;
          }
          state.update({ counts: s.kind === 'counts' });
          check();
        }
      }),
      { numRuns: 150, seed: 13 },
    );
  });
});
