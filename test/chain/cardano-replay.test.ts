import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { computeReport, reportJson } from '../../src/core/report.ts';
import { parseRoundFileText, RoundFileError } from '../../src/roundfile/schema.ts';
import { cardanoWallet } from '../helpers/cardano.ts';

const CARDANO = 'cip34:1-764824073';
const whole = (tokens: bigint) => (tokens * 10n ** 8n).toString();
const alice = cardanoWallet().stakeAddress;

/** A round file where m1 holds 9 AGIX on Ethereum and 16 on Cardano, m2 36 on Ethereum; they vote apart. */
function roundFile(unit: 'member' | 'wallet', m1Wallets = [
  { chain: 'eip155:1', address: `0x${'a1'.repeat(20)}`, balance: whole(9n) },
  { chain: CARDANO, address: alice, balance: whole(16n) },
]) {
  return JSON.stringify({
    version: 1,
    round: { id: 'r1', name: 'Two chains', config: { token: { symbol: 'AGIX', decimals: 8, cardano: { chain: CARDANO, policyId: 'f4'.repeat(28), assetName: '41474958', decimals: 8 } }, voting: { quadraticUnit: unit } } },
    members: [
      { id: 'm1', handle: 'alice', wallets: m1Wallets },
      { id: 'm2', handle: 'bob', wallets: [{ chain: 'eip155:1', address: `0x${'b2'.repeat(20)}`, balance: whole(36n) }] },
    ],
    questions: [{ id: 'q1', text: 'Which?', options: ['A', 'B'] }],
    votes: [
      { question: 'q1', member: 'm1', option: 0, castAt: '2025-01-02T00:00:00Z' },
      { question: 'q1', member: 'm2', option: 1, castAt: '2025-01-02T00:00:00Z' },
    ],
  });
}

const replay = (text: string) => JSON.parse(reportJson(computeReport(parseRoundFileText(text)))) as { questions: { options: { voters: number; tokenVotes: string; quadraticVotes: number }[]; winners: Record<string, number | null> }[] };

describe('replay of a round with Ethereum and Cardano wallets', () => {
  it('GIVEN a member with an ETH and a Cardano wallet THEN they are one member unit: √(9 + 16) = 5 against 6, where per wallet √9 + √16 = 7 would win', () => {
    const member = replay(roundFile('member')).questions[0]!;
    expect(member.options).toEqual([
      expect.objectContaining({ voters: 1, tokenVotes: whole(25n), quadraticVotes: 5 }),
      expect.objectContaining({ voters: 1, tokenVotes: whole(36n), quadraticVotes: 6 }),
    ]);
    expect(member.winners).toMatchObject({ tokenVotes: 1, quadraticVotes: 1 });
    const wallet = replay(roundFile('wallet')).questions[0]!;
    expect(wallet.options[0]).toMatchObject({ quadraticVotes: 7 });
    expect(wallet.winners).toMatchObject({ quadraticVotes: 0 });
    // The same file gives the same bytes each time: the multi-chain token config and Cardano wallets replay as they read.
    expect(reportJson(computeReport(parseRoundFileText(roundFile('member'))))).toBe(reportJson(computeReport(parseRoundFileText(roundFile('member')))));
  });

  it('GIVEN any split of a member\'s tokens over wallets on both chains, in any order THEN the tally is that of one wallet holding them all', () => {
    const single = replay(roundFile('member', [{ chain: 'eip155:1', address: `0x${'a1'.repeat(20)}`, balance: whole(25n) }]));
    fc.assert(
      fc.property(fc.array(fc.bigInt({ min: 0n, max: 25n * 10n ** 8n }), { minLength: 1, maxLength: 4 }), fc.boolean(), (cuts, cardanoFirst) => {
        const points = [...cuts].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
        const amounts = [...points, 25n * 10n ** 8n].map((p, i) => p - (i === 0 ? 0n : points[i - 1]!));
        const wallets = amounts.map((balance, i) => (i % 2 === (cardanoFirst ? 0 : 1) ? { chain: CARDANO, address: cardanoWallet().stakeAddress, balance: balance.toString() } : { chain: 'eip155:1', address: `0x${i.toString(16).padStart(40, 'c')}`, balance: balance.toString() }));
        expect(replay(roundFile('member', wallets))).toEqual(single);
      }),
      { numRuns: 40 },
    );
  });

  it('GIVEN a Cardano wallet that is not bech32, has a broken checksum, or is on another network than its chain THEN the file is refused naming the field', () => {
    const problems = (address: string, chain = CARDANO) => {
      try {
        parseRoundFileText(roundFile('member', [{ chain, address, balance: whole(1n) }]));
        return [];
      } catch (error) {
        if (!(error instanceof RoundFileError)) throw error;
        return error.problems;
      }
    };
    const typo = alice.slice(0, -1) + (alice.endsWith('q') ? 'p' : 'q');
    expect(problems(typo)).toEqual([expect.stringMatching(/^members\[0\]\.wallets\[0\]\.address: a Cardano address is bech32/)]);
    expect(problems(`0x${'a1'.repeat(20)}`)).toEqual([expect.stringMatching(/^members\[0\]\.wallets\[0\]\.address: a Cardano address is bech32/)]);
    expect(problems(cardanoWallet(0).base)).toEqual([expect.stringMatching(/^members\[0\]\.wallets\[0\]\.address: addr_test1\w+… is a test network address, but cip34:1-764824073 is mainnet$/)]);
    expect(problems(alice, 'cip34:0-1')).toEqual([expect.stringMatching(/is a mainnet address, but cip34:0-1 is a test network$/)]);
    expect(problems(cardanoWallet(0).stakeAddress, 'cip34:0-2')).toEqual([]);
  });
});
