import type { RoundConfig } from './config.ts';
import type { Delegation } from './delegation.ts';

/** Everything the rules need about one round, already validated; ids are the round file's ids. */
export interface RoundData {
  round: {
    id: string;
    name: string;
    config: RoundConfig;
    /** The moment the reputation snapshot fell: only events created before it count for the tiers that weight votes. */
    reputationSnapshotAt?: string | undefined;
  };
  members: Member[];
  proposals: Proposal[];
  ratings: Rating[];
  comments: Comment[];
  reactions: Reaction[];
  questions: Question[];
  votes: Vote[];
  /** For secret polls, in place of their votes: the totals the bot attests, who voted, one commitment per ballot. */
  secretTallies?: SecretTally[] | undefined;
  /** Who lent their weight to whom, and when (DESIGN.md "Delegation"); absent in files from before delegation. */
  delegations?: Delegation[] | undefined;
}

export interface Wallet {
  chain: string;
  address: string;
  /** Balance at the round's snapshot, in base units. */
  balance: bigint;
}
export interface Member {
  id: string;
  handle: string;
  excluded: boolean;
  wallets: Wallet[];
}
export interface Proposal {
  id: string;
  author: string;
  title: string;
  text?: string | undefined;
  createdAt?: string | undefined;
}
export interface Rating {
  proposal: string;
  rater: string;
  stars: number;
  createdAt?: string | undefined;
}
export interface Comment {
  id: string;
  author: string;
  proposal: string;
  createdAt?: string | undefined;
}
/** The kinds of feedback a reaction gives, in the order their points are listed. */
export const REACTION_KINDS = ['upvote', 'positive', 'negative'] as const;
export type ReactionKind = (typeof REACTION_KINDS)[number];
export interface Reaction {
  comment: string;
  reactor: string;
  kind: ReactionKind;
  createdAt?: string | undefined;
}
/** How a poll is answered: one option, any number of options, or a ranking (DESIGN.md "Poll types"). */
export const POLL_TYPES = ['single', 'approval', 'ranked'] as const;
export type PollType = (typeof POLL_TYPES)[number];
/** Who sees what of a poll: choices after close, nothing until close, or never a member's choice. */
export const POLL_PRIVACIES = ['public', 'hidden', 'secret'] as const;
export type PollPrivacy = (typeof POLL_PRIVACIES)[number];
export interface Question {
  id: string;
  text: string;
  options: string[];
  /** `single` when not given. */
  type?: PollType | undefined;
  /** `public` when not given. */
  privacy?: PollPrivacy | undefined;
}
/** The attested outcome of a secret poll (DESIGN.md "Poll privacy"): no ballot is linked to its voter. */
export interface SecretTally {
  question: string;
  /** Members whose ballot counted. */
  voters: string[];
  /** Per option, in option order. */
  options: { tokenVotes: bigint; quadraticVotes: number; qualifiedVotes: number }[];
  /** sha256(member key ‖ choice ‖ salt) of each counted ballot, in hex, sorted. */
  commitments: string[];
}
export interface Vote {
  question: string;
  member: string;
  /** A single-choice poll's option index; an approval or ranked ballot carries `options` or `ranking` instead. */
  option?: number | undefined;
  /** An approval ballot: the ticked option indices. */
  options?: number[] | undefined;
  /** A ranked ballot: option indices, best first. */
  ranking?: number[] | undefined;
  castAt: string;
}
