import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { computeReport, reportJson } from '../../src/core/report.ts';
import { parseRoundFile } from '../../src/roundfile/schema.ts';
import { arbitraryRoundFile, permute, permuteVotes } from '../helpers/round.ts';

const replay = (file: unknown) => reportJson(computeReport(parseRoundFile(file)));

describe('round report', () => {
  it('PROPERTY replay is deterministic: the same file gives the same bytes', () => {
    fc.assert(fc.property(arbitraryRoundFile, (file) => {
        expect(replay(file)).toBe(replay(structuredClone(file)));
      }), { numRuns: 200 });
  });

  it('PROPERTY tallies, points and rewards do not depend on the order of the lists', () => {
    fc.assert(
      fc.property(arbitraryRoundFile, fc.array(fc.nat(), { minLength: 1, maxLength: 50 }), (file, keys) => {
        const shuffled = {
          ...file,
          members: permute(file.members, keys).map((m) => ({ ...m, wallets: permute(m.wallets ?? [], keys) })),
          ratings: permute(file.ratings ?? [], keys),
          reactions: permute(file.reactions ?? [], keys),
          comments: permute(file.comments ?? [], keys),
          votes: permuteVotes(file.votes ?? [], keys),
        };
        expect(replay(shuffled)).toBe(replay(file));
      }),
      { numRuns: 200 },
    );
  });

  it('PROPERTY the rewards add up to the pool, less what nobody could receive', () => {
    fc.assert(
      fc.property(arbitraryRoundFile, (file) => {
        const report = computeReport(parseRoundFile(file));
        const paid = report.rewards.amounts.reduce((s, a) => s + a.amount, 0n);
        expect(paid + report.rewards.undistributed).toBe(report.rewards.pool);
        expect(report.rewards.amounts.every((a) => a.amount > 0n)).toBe(true);
      }),
      { numRuns: 200 },
    );
  });

  it('GIVEN a report THEN its JSON carries the DESIGN.md field names', () => {
    const json = JSON.parse(
      replay({
        version: 1,
        round: { id: 'r9', name: 'R', config: { rewards: { pool: '100' } } },
        members: [{ id: 'm1', handle: 'alice', wallets: [{ chain: 'eip155:1', address: `0x${'1'.repeat(40)}`, balance: '4000000000000000000' }] }],
        proposals: [{ id: 'p1', author: 'm1', title: 'T' }],
        questions: [{ id: 'q1', text: 'Q', options: ['Yes', 'No'] }],
        votes: [{ question: 'q1', member: 'm1', option: 1, castAt: '2024-01-01T00:00:00Z' }],
      }),
    );
    expect(json.round).toBe('r9');
    expect(json.members[0]).toMatchObject({ id: 'm1', points: 10, tier: 'A', factor: 5, breakdown: { proposalCreation: 10, proposalRating: 0, comments: 0, feedback: 0 } });
    expect(json.questions[0].options[1]).toEqual({ label: 'No', voters: 1, tokenVotes: '4000000000000000000', quadraticVotes: 2, qualifiedVotes: 10 });
    expect(json.questions[0].winners).toEqual({ tokenVotes: 1, quadraticVotes: 1, qualifiedVotes: 1 });
    expect(json.rewards).toEqual([{ member: 'm1', amount: '100' }]);
  });
});
