import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { computeReport } from '../../src/core/report.ts';
import { votingPower } from '../../src/core/voting.ts';
import { member, round, tokens } from '../helpers/round.ts';

const rules = { weight: 'sqrt' as const, quadraticUnit: 'member' as const, decimals: 18 };
const q = (options = ['Yes', 'No']) => ({ id: 'q1', text: 'Question?', options });
const vote = (m: string, option: number, castAt = '2024-01-01T00:00:00Z') => ({ question: 'q1', member: m, option, castAt });

describe('voting power', () => {
  it('GIVEN a balance THEN the quadratic view is the square root of whole tokens and the weight multiplies the tier factor', () => {
    const p = votingPower([BigInt(tokens(144))], rules, 5);
    expect(p).toEqual({ tokens: BigInt(tokens(144)), quadratic: 12, factor: 5, weight: 60 });
  });

  it('GIVEN several wallets THEN member unit adds them before the root and wallet unit roots each', () => {
    const balances = [BigInt(tokens(50)), BigInt(tokens(50))];
    expect(votingPower(balances, rules, 1).quadratic).toBe(10);
    expect(votingPower(balances, { ...rules, quadraticUnit: 'wallet' }, 1).quadratic).toBeCloseTo(2 * Math.sqrt(50), 12);
  });

  it('GIVEN the other weight functions THEN one token one vote and one member one vote', () => {
    expect(votingPower([BigInt(tokens(144))], { ...rules, weight: 'linear' }, 2).weight).toBe(288);
    expect(votingPower([BigInt(tokens(144))], { ...rules, weight: 'one' }, 2).weight).toBe(2);
    expect(votingPower([0n], { ...rules, weight: 'one' }, 2).weight).toBe(0);
  });

  it('GIVEN 8 decimals THEN whole tokens are balance / 10^8', () => {
    expect(votingPower([BigInt(tokens(400, 8))], { ...rules, decimals: 8 }, 1).quadratic).toBe(20);
  });

  it('PROPERTY splitting a member\'s tokens over more wallets never raises its weight in member unit', () => {
    fc.assert(
      fc.property(fc.array(fc.bigInt({ min: 0n, max: 10n ** 27n }), { minLength: 1, maxLength: 6 }), (parts) => {
        const whole = parts.reduce((s, b) => s + b, 0n);
        expect(votingPower(parts, rules, 3).weight).toBeLessThanOrEqual(votingPower([whole], rules, 3).weight);
      }),
    );
  });
});

describe('tally', () => {
  const voters = [member('a', tokens(100)), member('b', tokens(1)), member('c', tokens(1)), member('d', tokens(1))];

  it('GIVEN votes THEN each option reports voters, tokens, quadratic and qualified votes', () => {
    const report = computeReport(round({ members: voters, questions: [q()], votes: [vote('a', 0), vote('b', 1), vote('c', 1)] }));
    const [yes, no] = report.questions[0]!.options;
    expect(yes).toEqual({ label: 'Yes', voters: 1, tokenVotes: BigInt(tokens(100)), quadraticVotes: 10, qualifiedVotes: 10 });
    expect(no).toEqual({ label: 'No', voters: 2, tokenVotes: BigInt(tokens(2)), quadraticVotes: 2, qualifiedVotes: 2 });
    expect(report.questions[0]!.winners).toEqual({ tokenVotes: 0, quadraticVotes: 0, qualifiedVotes: 0 });
  });

  it('GIVEN a member who changes the vote THEN the last by castAt counts, and file order breaks equal times', () => {
    const votes = [vote('a', 1, '2024-01-02T00:00:00Z'), vote('a', 0, '2024-01-01T00:00:00Z'), vote('b', 0), vote('b', 1)];
    const options = computeReport(round({ members: voters, questions: [q()], votes })).questions[0]!.options;
    expect(options.map((o) => o.voters)).toEqual([0, 2]);
  });

  it('GIVEN equal totals THEN there is no winner; GIVEN no votes THEN no winner', () => {
    const tie = computeReport(round({ members: voters, questions: [q()], votes: [vote('b', 0), vote('c', 1)] }));
    expect(tie.questions[0]!.winners).toEqual({ tokenVotes: null, quadraticVotes: null, qualifiedVotes: null });
    const empty = computeReport(round({ members: voters, questions: [q()] }));
    expect(empty.questions[0]!.winners).toEqual({ tokenVotes: null, quadraticVotes: null, qualifiedVotes: null });
  });

  it('GIVEN members with zero balance or no wallet THEN their votes are not counted', () => {
    const members = [member('a', '0'), member('b'), member('c', tokens(4))];
    const report = computeReport(round({ members, questions: [q()], votes: [vote('a', 0), vote('b', 0), vote('c', 1)] }));
    expect(report.questions[0]!.options.map((o) => o.voters)).toEqual([0, 1]);
    expect(report.questions[0]!.winners.qualifiedVotes).toBe(1);
  });

  it('GIVEN a whale against many small holders THEN quadratic voting changes the winner and says so', () => {
    const members = [member('whale', tokens(10_000)), ...['s1', 's2', 's3'].map((id) => member(id, tokens(1_600)))];
    const votes = [vote('whale', 0), vote('s1', 1), vote('s2', 1), vote('s3', 1)];
    const t = computeReport(round({ members, questions: [q()], votes })).questions[0]!;
    expect(t.winners).toEqual({ tokenVotes: 0, quadraticVotes: 1, qualifiedVotes: 1 });
    expect(t.changes).toEqual([
      'Quadratic voting changed the outcome of q1: one token one vote gives "Yes", quadratic voting gives "No".',
    ]);
  });

  it('GIVEN an active contributor in tier A THEN reputation changes the winner and says so', () => {
    const members = [member('active', tokens(100)), member('x', tokens(100)), member('y', tokens(100))];
    const data = round({
      members,
      proposals: [{ id: 'p1', author: 'active', title: 'P' }],
      comments: [{ id: 'c1', author: 'active', proposal: 'p1' }],
      questions: [q()],
      votes: [vote('active', 0), vote('x', 1), vote('y', 1)],
    });
    const t = computeReport(data).questions[0]!;
    // active is the only member with points: tier A, factor 5 → 50 against 20
    expect(t.options.map((o) => o.qualifiedVotes)).toEqual([50, 20]);
    expect(t.winners).toEqual({ tokenVotes: 1, quadraticVotes: 1, qualifiedVotes: 0 });
    expect(t.changes).toEqual([
      'Reputation changed the outcome of q1: without it "No" wins, with the tier factors "Yes" wins.',
    ]);
  });

  it('GIVEN wallet unit THEN the seed\'s per-wallet counting is reproduced', () => {
    const split = { id: 's', handle: 's', wallets: [0, 1].map((n) => ({ chain: 'eip155:1', address: `0x${String(n).repeat(40)}`, balance: tokens(50) })) };
    const data = round({ config: { voting: { quadraticUnit: 'wallet' } }, members: [split], questions: [q()], votes: [vote('s', 0)] });
    expect(computeReport(data).questions[0]!.options[0]!.quadraticVotes).toBeCloseTo(14.142136, 6);
  });
});

describe('which vote counts', () => {
  const vote = (castAt: string, option: number) => ({ question: 'q1', member: 'm1', option, castAt });
  const counted = (votes: ReturnType<typeof vote>[]) =>
    computeReport(round({ members: [member('m1', tokens(1))], questions: [q(['a', 'b', 'c'])], votes })).choicesOf('q1').get('m1');
  it('GIVEN votes with offsets and precisions mixed THEN the latest in time counts, whatever its text looks like', () => {
    // 11:00+02:00 is 09:00Z: earlier than 10:00Z although its text sorts later.
    expect(counted([vote('2025-01-01T10:00:00Z', 0), vote('2025-01-01T11:00:00+02:00', 1)])).toBe(0);
    // 10:00:00.5Z is later than 10:00:00Z, though shorter text compares otherwise.
    expect(counted([vote('2025-01-01T10:00:00.5Z', 1), vote('2025-01-01T10:00:00Z', 0)])).toBe(1);
    expect(counted([vote('2025-01-01T10:00:00Z', 0), vote('2025-01-01T10:00:01Z', 2)])).toBe(2);
    // Equal times: the later in the list counts.
    expect(counted([vote('2025-01-01T10:00:00Z', 0), vote('2025-01-01T12:00:00+02:00', 1)])).toBe(1);
  });
});
