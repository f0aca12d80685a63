import type { RoundConfig } from './config.ts';
import type { IndexedRound } from './indexed.ts';

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

export type ReputationInput = Pick<IndexedRound, 'members' | 'proposals' | 'ratings' | 'comments' | 'reactions' | 'afterSnapshot'>;

/** Points are kept to six decimals so that equal contributions compare equal on every machine. */
export const roundPoints = (x: number): number => Math.round(x * 1e6) / 1e6 + 0;

/**
 * What the points of every member are made of, by member position: integer counts, so that counts kept up to date
 * as events are written (src/db/standings.ts) give exactly the points of a full recount.
 */
export interface Contributions {
  /** Proposals created. */
  proposals: Int32Array;
  /** Σ stars of the ratings received from others: raw_p = average rating × number of ratings = Σ stars. */
  stars: Float64Array;
  comments: Int32Array;
  /** received[kind × members + member]: reactions of each kind on a member's comments, from others. */
  received: Int32Array;
  /** With a reputation snapshot, the same counts of the events created before it: these weight votes. */
  beforeSnapshot?: Contributions;
}

/** Counts every member's contributions from the round's events, and those before its snapshot; self-feedback is ignored. */
export function countContributions(input: ReputationInput): Contributions {
  const all = countEvents(input);
  return input.afterSnapshot ? { ...all, beforeSnapshot: countEvents(input, input.afterSnapshot) } : all;
}

/** The counts of the events not marked in `skip`. */
function countEvents(input: ReputationInput, skip?: NonNullable<ReputationInput['afterSnapshot']>): Contributions {
  const memberCount = input.members.length;
  const proposalAuthor = input.proposals.author;
  const proposals = new Int32Array(memberCount);
  for (let i = 0; i < proposalAuthor.length; i++) if (!skip?.proposals[i]) proposals[proposalAuthor[i]!]!++;

  // a rating of one's own proposal is self-feedback and ignored
  const stars = new Float64Array(memberCount);
  const { proposal, rater, stars: given } = input.ratings;
  for (let i = 0; i < proposal.length; i++) {
    if (skip?.ratings[i]) continue;
    const author = proposalAuthor[proposal[i]!]!;
    if (author !== rater[i]) stars[author]! += given[i]!;
  }

  const commentAuthor = input.comments.author;
  const comments = new Int32Array(memberCount);
  for (let i = 0; i < commentAuthor.length; i++) if (!skip?.comments[i]) comments[commentAuthor[i]!]!++;
  const received = new Int32Array(3 * memberCount);
  const { comment, reactor, kind } = input.reactions;
  for (let i = 0; i < comment.length; i++) {
    if (skip?.reactions[i]) continue;
    const author = commentAuthor[comment[i]!]!;
    if (author !== reactor[i]) received[kind[i]! * memberCount + author]!++;
  }
  return { proposals, stars, comments, received };
}

/**
 * Reputation points of every member for one round, by member position, with their breakdown (DESIGN.md
 * "Reputation points"). Every sum is taken over integer counts first, so the result does not depend on the order of
 * the input.
 */
export function reputationPoints(input: ReputationInput, rules: RoundConfig['reputation']): MemberPoints[] {
  return pointsOf(countContributions(input), rules);
}

/** Numbers per member in pointColumns: points, then the breakdown's proposalCreation, proposalRating, comments, feedback. */
export const POINT_FIELDS = 5;

/** The points of every member from the counts of their contributions. */
export function pointsOf(counts: Contributions, rules: RoundConfig['reputation']): MemberPoints[] {
  const columns = pointColumns(counts, rules);
  return Array.from({ length: counts.proposals.length }, (_, m) => ({ points: columns[POINT_FIELDS * m]!, breakdown: breakdownAt(columns, m) }));
}

/** Member m's breakdown in pointColumns' `columns`. */
export function breakdownAt(columns: Float64Array, m: number): PointsBreakdown {
  const f = POINT_FIELDS * m;
  return { proposalCreation: columns[f + 1]!, proposalRating: columns[f + 2]!, comments: columns[f + 3]!, feedback: columns[f + 4]! };
}

/** Every member's points in pointColumns' `columns`, by member position. */
export function pointsIn(columns: Float64Array): Float64Array {
  const points = new Float64Array(columns.length / POINT_FIELDS);
  for (let m = 0; m < points.length; m++) points[m] = columns[POINT_FIELDS * m]!;
  return points;
}

/**
 * pointsOf as columns, POINT_FIELDS numbers per member: no object per member, so that the standings kept between
 * reads (standings-state.ts) recompute every member's points in milliseconds, with the same arithmetic as a replay.
 */
export function pointColumns(counts: Contributions, rules: RoundConfig['reputation']): Float64Array {
  const memberCount = counts.proposals.length;
  const { proposals: proposalsBy, stars: rawReceived, comments: commentsBy, received } = counts;
  let proposalCount = 0;
  let rawTotal = 0;
  let commentCount = 0;
  const receivedOfKind = [0, 0, 0];
  for (let m = 0; m < memberCount; m++) {
    proposalCount += proposalsBy[m]!;
    rawTotal += rawReceived[m]!;
    commentCount += commentsBy[m]!;
    for (let k = 0; k < 3; k++) receivedOfKind[k]! += received[k * memberCount + m]!;
  }

  const kindPoints = [rules.upvotePoints, rules.positiveReactionPoints, rules.negativeReactionPoints];
  // O = Σ comment points + Σ feedback points, over everybody.
  const otherTotal =
    rules.commentPoints * commentCount +
    kindPoints[0]! * receivedOfKind[0]! +
    kindPoints[1]! * receivedOfKind[1]! +
    kindPoints[2]! * receivedOfKind[2]!;
  // P / (P + O) = proposalShare  ⇒  P = O × s / (1 − s); with no comment points, P = fallback × N_proposals.
  const proposalTotal =
    otherTotal > 0 ? (otherTotal * rules.proposalShare) / (1 - rules.proposalShare) : rules.fallbackProposalPoints * proposalCount;
  // With no ratings at all, the whole proposal share goes to creation.
  const creationTotal = rawTotal > 0 ? proposalTotal * rules.creationShare : proposalTotal;
  const ratingTotal = proposalTotal - creationTotal;
  // creation: equal per proposal; rating: base_p = raw_p / Σraw × N, so a proposal's rating points are ratingTotal × raw_p / Σraw.
  const creationPerProposal = proposalCount > 0 ? creationTotal / proposalCount : 0;

  const result = new Float64Array(POINT_FIELDS * memberCount);
  for (let m = 0; m < memberCount; m++) {
    const proposalCreation = proposalsBy[m]! * creationPerProposal;
    const proposalRating = rawTotal > 0 ? (ratingTotal * rawReceived[m]!) / rawTotal : 0;
    const comments = commentsBy[m]! * rules.commentPoints;
    const feedback =
      received[m]! * kindPoints[0]! + received[memberCount + m]! * kindPoints[1]! + received[2 * memberCount + m]! * kindPoints[2]!;
    const f = POINT_FIELDS * m;
    result[f] = roundPoints(proposalCreation + proposalRating + comments + feedback);
    result[f + 1] = roundPoints(proposalCreation);
    result[f + 2] = roundPoints(proposalRating);
    result[f + 3] = roundPoints(comments);
    result[f + 4] = roundPoints(feedback);
  }
  return result;
}
