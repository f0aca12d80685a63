import type { RoundConfig } from './config.ts';
import type { Comment, Proposal, Rating, Reaction, ReactionKind } from './types.ts';

export interface PointsBreakdown {
  proposalCreation: number;
  proposalRating: number;
  comments: number;
  feedback: number;
}
export interface MemberPoints {
  points: number;
  breakdown: PointsBreakdown;
}

export interface ReputationInput {
  memberIds: readonly string[];
  proposals: readonly Proposal[];
  ratings: readonly Rating[];
  comments: readonly Comment[];
  reactions: readonly Reaction[];
}

/** Points are kept to six decimals so that equal contributions compare equal on every machine. */
export const roundPoints = (x: number): number => Math.round(x * 1e6) / 1e6 + 0;

/** A member's tallies; the id rides along so a rating or reaction can be told self-feedback without another object. */
type Counts = { id: string; proposals: number; rawReceived: number; comments: number } & Record<ReactionKind, number>;

/**
 * Reputation points of every member for one round, with their breakdown (DESIGN.md "Reputation points").
 * Every sum is taken over integer counts first, so the result does not depend on the order of the input.
 */
export function reputationPoints(input: ReputationInput, rules: RoundConfig['reputation']): Map<string, MemberPoints> {
  const counts = new Map<string, Counts>();
  for (const id of input.memberIds) counts.set(id, { id, proposals: 0, rawReceived: 0, comments: 0, upvote: 0, positive: 0, negative: 0 });

  // Each proposal and comment points straight at its author's counts: one lookup per rating or reaction.
  const proposalAuthor = new Map<string, Counts>();
  for (const p of input.proposals) {
    const author = counts.get(p.author)!;
    author.proposals++;
    proposalAuthor.set(p.id, author);
  }

  // raw_p = average rating × number of ratings = Σ stars; a rating of one's own proposal is self-feedback and ignored.
  let rawTotal = 0;
  for (const r of input.ratings) {
    const author = proposalAuthor.get(r.proposal)!;
    if (author.id === r.rater || r.stars <= 0) continue;
    author.rawReceived += r.stars;
    rawTotal += r.stars;
  }

  const commentAuthor = new Map<string, Counts>();
  for (const c of input.comments) {
    const author = counts.get(c.author)!;
    author.comments++;
    commentAuthor.set(c.id, author);
  }
  const received = { upvote: 0, positive: 0, negative: 0 };
  for (const r of input.reactions) {
    const author = commentAuthor.get(r.comment)!;
    if (author.id === r.reactor) continue;
    author[r.kind]++;
    received[r.kind]++;
  }

  // O = Σ comment points + Σ feedback points, over everybody.
  const otherTotal =
    rules.commentPoints * input.comments.length +
    rules.upvotePoints * received.upvote +
    rules.positiveReactionPoints * received.positive +
    rules.negativeReactionPoints * received.negative;
  const proposalCount = input.proposals.length;
  // P / (P + O) = proposalShare  ⇒  P = O × s / (1 − s); with no comment points, P = fallback × N_proposals.
  const proposalTotal =
    otherTotal > 0 ? (otherTotal * rules.proposalShare) / (1 - rules.proposalShare) : rules.fallbackProposalPoints * proposalCount;
  // With no ratings at all, the whole proposal share goes to creation.
  const creationTotal = rawTotal > 0 ? proposalTotal * rules.creationShare : proposalTotal;
  const ratingTotal = proposalTotal - creationTotal;
  // creation: equal per proposal; rating: base_p = raw_p / Σraw × N, so a proposal's rating points are ratingTotal × raw_p / Σraw.
  const creationPerProposal = proposalCount > 0 ? creationTotal / proposalCount : 0;

  const result = new Map<string, MemberPoints>();
  for (const [id, c] of counts) {
    const breakdown: PointsBreakdown = {
      proposalCreation: c.proposals * creationPerProposal,
      proposalRating: rawTotal > 0 ? (ratingTotal * c.rawReceived) / rawTotal : 0,
      comments: c.comments * rules.commentPoints,
      feedback:
        c.upvote * rules.upvotePoints + c.positive * rules.positiveReactionPoints + c.negative * rules.negativeReactionPoints,
    };
    const points = roundPoints(breakdown.proposalCreation + breakdown.proposalRating + breakdown.comments + breakdown.feedback);
    result.set(id, {
      points,
      breakdown: {
        proposalCreation: roundPoints(breakdown.proposalCreation),
        proposalRating: roundPoints(breakdown.proposalRating),
        comments: roundPoints(breakdown.comments),
        feedback: roundPoints(breakdown.feedback),
      },
    });
  }
  return result;
}
