import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { instantRunoff } from '../../src/core/irv.ts';
import { computeReport } from '../../src/core/report.ts';
import type { PollType } from '../../src/core/types.ts';
import { member, round, tokens } from '../helpers/round.ts';

const AT = '2024-01-01T00:00:00Z';
const poll = (type: PollType, options = ['A', 'B', 'C', 'D']) => ({ id: 'q1', text: 'Which?', options, type });
const ticked = (m: string, options: number[]) => ({ question: 'q1', member: m, options, castAt: AT });
const ranked = (m: string, ranking: number[]) => ({ question: 'q1', member: m, ranking, castAt: AT });
/** Members of one token each: every view weighs each ballot 1. */
const equals = (...ids: string[]) => ids.map((id) => member(id, tokens(1)));

describe('instant runoff', () => {
  it('GIVEN options tied on first preferences and on total weight THEN the lower option index is dropped first', () => {
    const ballots = [[0], [0], [0], [1], [1], [2, 1], [3, 0]].map((ranking) => ({ ranking, weight: 1n }));
    // first preferences A3 B2 C1 D1; C and D also tie on total weight (1 each): C, the lower index, goes first
    expect(instantRunoff(4, ballots)).toEqual({ winner: 0, dropped: [2, 3, 1] });
  });

  it('GIVEN no weight cast THEN no winner; GIVEN the last two apart only by index THEN no winner', () => {
    expect(instantRunoff(3, []).winner).toBeNull();
    expect(instantRunoff(2, [{ ranking: [0], weight: 2n }, { ranking: [1], weight: 2n }]).winner).toBeNull();
  });

  it('GIVEN options tied on first preferences THEN the one with the lower total weight over all ranks is dropped, which decides the poll', () => {
    // first preferences A2 B1 C1 D1; totals B3 C2 D1: D goes, its ballot moves to B (A2 B2 C1), then C goes, to B
    const votes = [ranked('m1', [0]), ranked('m2', [0]), ranked('m3', [1, 2]), ranked('m4', [2, 1]), ranked('m5', [3, 1])];
    const q = computeReport(round({ members: equals('m1', 'm2', 'm3', 'm4', 'm5'), questions: [poll('ranked')], votes })).questions[0]!;
    expect(q.winners).toEqual({ tokenVotes: 1, quadraticVotes: 1, qualifiedVotes: 1 });
    expect(q.runoff?.qualifiedVotes).toEqual([3, 2, 0]);
    // the per-option figures of a ranked poll are its first preferences
    expect(q.options.map((o) => [o.voters, o.quadraticVotes])).toEqual([[2, 2], [1, 1], [1, 1], [1, 1]]);
    expect(q.type).toBe('ranked');
  });

  it('GIVEN ballots of different weights THEN each carries its weight in each view, and the sentence says where the views disagree', () => {
    // tokens: A 100, B 36 + 36 → A leads one token one vote; √: A 10, B 6 + 6 → B leads quadratic voting
    const members = [member('a', tokens(100)), member('b', tokens(36)), member('c', tokens(36)), member('d', tokens(1))];
    const votes = [ranked('a', [0]), ranked('b', [1, 0]), ranked('c', [2, 1]), ranked('d', [2])];
    const q = computeReport(round({ members, questions: [poll('ranked', ['A', 'B', 'C'])], votes })).questions[0]!;
    // tokens: A100 B36 C37: B dropped, to A → A wins. √: A10 B6 C7: B dropped, to A (16) against C 7 → A too
    expect(q.winners).toEqual({ tokenVotes: 0, quadraticVotes: 0, qualifiedVotes: 0 });
    const flipped = computeReport(round({ members, questions: [poll('ranked', ['A', 'B', 'C'])], votes: [ranked('a', [0]), ranked('b', [1, 2]), ranked('c', [2, 1]), ranked('d', [2])] })).questions[0]!;
    // tokens: A100 B36 C37 → B to C (73) < A 100 → A; √: A10 B6 C7 → B to C (13) > A 10 → C
    expect(flipped.winners).toEqual({ tokenVotes: 0, quadraticVotes: 2, qualifiedVotes: 2 });
    expect(flipped.changes).toEqual(['Quadratic voting changed the outcome of q1: one token one vote gives "A", quadratic voting gives "C".']);
  });
});

describe('approval', () => {
  it('GIVEN overlapping ballots THEN each ticked option gets the voter\'s full weight in every view', () => {
    const members = [member('a', tokens(100)), member('b', tokens(25)), member('c', tokens(36))];
    const votes = [ticked('a', [0]), ticked('b', [1, 2]), ticked('c', [1, 0])];
    const q = computeReport(round({ members, questions: [poll('approval', ['A', 'B', 'C'])], votes })).questions[0]!;
    expect(q.options.map((o) => ({ voters: o.voters, tokens: o.tokenVotes, quadratic: o.quadraticVotes }))).toEqual([
      { voters: 2, tokens: BigInt(tokens(136)), quadratic: 16 },
      { voters: 2, tokens: BigInt(tokens(61)), quadratic: 11 },
      { voters: 1, tokens: BigInt(tokens(25)), quadratic: 5 },
    ]);
    expect(q.winners).toEqual({ tokenVotes: 0, quadraticVotes: 0, qualifiedVotes: 0 });
    expect(q.type).toBe('approval');
  });

  it('GIVEN a member who changes the ballot THEN the last by castAt counts', () => {
    const votes = [{ ...ticked('a', [0, 1]), castAt: '2024-01-02T00:00:00Z' }, ticked('a', [2])];
    const q = computeReport(round({ members: equals('a'), questions: [poll('approval', ['A', 'B', 'C'])], votes })).questions[0]!;
    expect(q.options.map((o) => o.voters)).toEqual([1, 1, 0]);
  });
});

describe('every type from one choice', () => {
  const ballotsOfOne = fc.record({
    optionCount: fc.integer({ min: 2, max: 5 }),
    balances: fc.array(fc.bigInt({ min: 0n, max: 10n ** 22n }), { minLength: 1, maxLength: 7 }),
    picks: fc.array(fc.nat(), { minLength: 7, maxLength: 7 }),
    voted: fc.array(fc.boolean(), { minLength: 7, maxLength: 7 }),
  });

  it('PROPERTY a single poll tallied as approval with one ticked option, or as ranked with a one-item ranking, has the same figures and winners', () => {
    fc.assert(
      fc.property(ballotsOfOne, ({ optionCount, balances, picks, voted }) => {
        const options = Array.from({ length: optionCount }, (_, i) => `O${i}`);
        const members = balances.map((b, i) => member(`m${i}`, b.toString()));
        const chosen = members.flatMap((m, i) => (voted[i] ? [{ member: m.id, option: picks[i]! % optionCount }] : []));
        const tallyAs = (type: PollType) => {
          const votes = chosen.map(({ member, option }) => ({ question: 'q1', member, castAt: AT, ...(type === 'single' ? { option } : type === 'approval' ? { options: [option] } : { ranking: [option] }) }));
          const { options: figures, winners, changes } = computeReport(round({ members, questions: [{ id: 'q1', text: 'Which?', options, type }], votes })).questions[0]!;
          return { figures, winners, changes };
        };
        const single = tallyAs('single');
        expect(tallyAs('approval')).toEqual(single);
        expect(tallyAs('ranked')).toEqual(single);
      }),
      { numRuns: 200 },
    );
  });
});
