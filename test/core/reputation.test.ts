import { describe, expect, it } from 'vitest';
import { defaultRoundConfig } from '../../src/core/config.ts';
import { indexRound } from '../../src/core/indexed.ts';
import { reputationPoints } from '../../src/core/reputation.ts';
import { member, round } from '../helpers/round.ts';

const rules = defaultRoundConfig().reputation;
const pointsOf = (data: ReturnType<typeof round>, r = rules) => {
  const points = reputationPoints(indexRound(data), r);
  return new Map(data.members.map((m, i) => [m.id, points[i]!]));
};

const base = round({
  members: [member('a'), member('b'), member('c')],
  proposals: [
    { id: 'p1', author: 'a', title: 'One' },
    { id: 'p2', author: 'b', title: 'Two' },
  ],
  ratings: [
    { proposal: 'p1', rater: 'b', stars: 4 },
    { proposal: 'p1', rater: 'c', stars: 5 },
    { proposal: 'p2', rater: 'a', stars: 3 },
  ],
  comments: [
    { id: 'c1', author: 'c', proposal: 'p1' },
    { id: 'c2', author: 'a', proposal: 'p2' },
    { id: 'c3', author: 'c', proposal: 'p2' },
  ],
  reactions: [
    { comment: 'c1', reactor: 'a', kind: 'upvote' },
    { comment: 'c1', reactor: 'b', kind: 'positive' },
    { comment: 'c2', reactor: 'c', kind: 'upvote' },
    { comment: 'c3', reactor: 'c', kind: 'upvote' },
  ],
});

describe('reputation points', () => {
  it('GIVEN comments and ratings THEN proposal points are 20% of all points, a quarter of them for creation', () => {
    const points = pointsOf(base);
    // O = 3 comments + 2 upvotes (c's own upvote ignored) + 0.5 = 5.5; P = 5.5 × 0.2 / 0.8 = 1.375
    const all = [...points.values()];
    const proposalPoints = all.reduce((s, p) => s + p.breakdown.proposalCreation + p.breakdown.proposalRating, 0);
    const total = all.reduce((s, p) => s + p.points, 0);
    expect(proposalPoints).toBeCloseTo(1.375, 5);
    expect(proposalPoints / total).toBeCloseTo(0.2, 5);
    const creation = all.reduce((s, p) => s + p.breakdown.proposalCreation, 0);
    expect(creation / proposalPoints).toBeCloseTo(0.25, 5);
  });

  it('GIVEN ratings THEN rating points follow base_p = raw_p / Σraw × N (raw_p = average × count)', () => {
    const points = pointsOf(base);
    // raw p1 = 9, raw p2 = 3; rating part 1.03125 split 9:3
    expect(points.get('a')!.breakdown.proposalRating).toBeCloseTo(0.773438, 6);
    expect(points.get('b')!.breakdown.proposalRating).toBeCloseTo(0.257813, 6);
    expect(points.get('a')!.breakdown.proposalCreation).toBeCloseTo(0.171875, 6);
  });

  it('GIVEN comments and reactions THEN each earns its points and self-feedback never counts', () => {
    const points = pointsOf(base);
    expect(points.get('c')!.breakdown).toMatchObject({ comments: 2, feedback: 1.5 });
    expect(points.get('a')!.breakdown).toMatchObject({ comments: 1, feedback: 1 });
    expect(points.get('b')!.breakdown).toMatchObject({ comments: 0, feedback: 0 });
    // 0.171875 + 0.7734375 + 2, kept to six decimals
    expect(points.get('a')!.points).toBe(2.945313);
  });

  it('GIVEN a rating of ones own proposal THEN it is ignored', () => {
    const data = round({
      members: [member('a'), member('b')],
      proposals: [{ id: 'p1', author: 'a', title: 'One' }],
      ratings: [{ proposal: 'p1', rater: 'a', stars: 5 }],
      comments: [{ id: 'c1', author: 'b', proposal: 'p1' }],
    });
    const a = pointsOf(data).get('a')!;
    expect(a.breakdown.proposalRating).toBe(0);
    // with no (counted) rating the whole proposal share is creation: 1 × 0.2 / 0.8
    expect(a.breakdown.proposalCreation).toBe(0.25);
  });

  it('GIVEN no ratings at all THEN the whole proposal share goes to creation', () => {
    const data = round({
      members: [member('a'), member('b')],
      proposals: [
        { id: 'p1', author: 'a', title: 'One' },
        { id: 'p2', author: 'a', title: 'Two' },
      ],
      comments: [{ id: 'c1', author: 'b', proposal: 'p1' }, { id: 'c2', author: 'b', proposal: 'p1' }],
    });
    const a = pointsOf(data).get('a')!;
    expect(a.breakdown).toEqual({ proposalCreation: 0.5, proposalRating: 0, comments: 0, feedback: 0 });
  });

  it('GIVEN no comment points at all THEN proposals total fallbackProposalPoints each, split between creation and rating', () => {
    const data = round({
      members: [member('a'), member('b')],
      proposals: [
        { id: 'p1', author: 'a', title: 'One' },
        { id: 'p2', author: 'b', title: 'Two' },
      ],
      ratings: [{ proposal: 'p1', rater: 'b', stars: 4 }],
    });
    const points = pointsOf(data);
    // P = 10 × 2 = 20; creation 5 → 2.5 each; rating 15 all to p1
    expect(points.get('a')!.breakdown).toEqual({ proposalCreation: 2.5, proposalRating: 15, comments: 0, feedback: 0 });
    expect(points.get('b')!.points).toBe(2.5);
  });

  it('GIVEN negative reaction points THEN they subtract and can leave a member below zero', () => {
    const data = round({
      members: [member('a'), member('b'), member('c')],
      proposals: [{ id: 'p1', author: 'a', title: 'One' }],
      comments: [{ id: 'c1', author: 'b', proposal: 'p1' }],
      reactions: [
        { comment: 'c1', reactor: 'a', kind: 'negative' },
        { comment: 'c1', reactor: 'c', kind: 'negative' },
      ],
    });
    const points = pointsOf(data, { ...rules, negativeReactionPoints: -1 });
    expect(points.get('b')!.breakdown.feedback).toBe(-2);
    expect(points.get('b')!.points).toBe(-1);
    // O = 1 − 2 < 0: no comment points, so the proposal falls back to 10 points
    expect(points.get('a')!.points).toBe(10);
  });

  it('GIVEN no activity THEN every member has zero points', () => {
    const points = pointsOf(round({ members: [member('a')] }));
    expect(points.get('a')).toEqual({ points: 0, breakdown: { proposalCreation: 0, proposalRating: 0, comments: 0, feedback: 0 } });
  });

  it('GIVEN other rule values THEN they are used', () => {
    const points = pointsOf(base, { ...rules, commentPoints: 2, upvotePoints: 3, positiveReactionPoints: 1 });
    expect(points.get('c')!.breakdown).toMatchObject({ comments: 4, feedback: 4 });
  });
});
