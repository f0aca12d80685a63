import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { computeReport, reportJson, reportJsonPieces } from '../../src/core/report.ts';
import { parseRoundFile } from '../../src/roundfile/schema.ts';
import { arbitraryRoundFile, member, tokens } from '../helpers/round.ts';

describe('the report JSON in pieces', () => {
  it('PROPERTY pieces of any size put together are the report JSON, which is its own value indented by two', () => {
    fc.assert(
      fc.property(arbitraryRoundFile, fc.integer({ min: 1, max: 9 }), (file, perPiece) => {
        const report = computeReport(parseRoundFile(file));
        const text = reportJson(report);
        expect(`${JSON.stringify(JSON.parse(text), null, 2)}\n`).toBe(text);
        expect([...reportJsonPieces(report, perPiece)].join('')).toBe(text);
      }),
      { numRuns: 150, seed: 10 },
    );
  });

  it('GIVEN texts that look like the keys of the long lists THEN the pieces go where the lists stand', () => {
    const report = computeReport(
      parseRoundFile({
        version: 1,
        round: { id: 'r', name: '\n  "members": []', config: { rewards: { pool: '1000' } } },
        members: [member('m1', tokens(3)), member('m2', tokens(1)), { id: 'm3', handle: '\n  "rewards": []\n  "members": [' }],
        proposals: [{ id: 'p1', author: 'm1', title: 'P' }, { id: 'p2', author: 'm2', title: 'Q' }],
        questions: [{ id: 'q1', text: '\n  "members": []', options: ['\n  "rewards": []', 'b'] }],
        votes: [{ question: 'q1', member: 'm2', option: 0, castAt: '2024-01-01T00:00:00Z' }],
      }),
    );
    const json = JSON.parse([...reportJsonPieces(report, 1)].join(''));
    expect(json.members.map((m: { id: string }) => m.id)).toEqual(['m1', 'm2', 'm3']);
    expect(json.rewards.map((r: { member: string }) => r.member).sort()).toEqual(['m1', 'm2']);
    expect(json.questions[0].options[0].label).toBe('\n  "rewards": []');
  });
});
