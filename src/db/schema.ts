import type { Generated, Insertable, Selectable } from 'kysely';

/** The one schema definition every query is typed against; it mirrors migrations/. */
export interface Database {
  communities: { id: string; name: string; platform: string; platform_chat_id: string; created_at: string };
  members: {
    id: string;
    community_id: string;
    key: string;
    handle: string;
    created_at: string;
    /** 1 when the member lets the public results page show their handle. */
    public_handle: number;
  };
  member_accounts: { community_id: string; platform: string; platform_user_id: string; member_id: string };
  /** A Discord role per reputation tier (migration 0015); role_id null until the bot creates it. */
  tier_roles: { community_id: string; tier: string; role_id: string | null };
  /** The tier role the bot gave a member. */
  tier_role_grants: { community_id: string; platform_user_id: string; tier: string; role_id: string };
  wallets: {
    id: string;
    community_id: string;
    member_id: string;
    chain: string;
    address: string;
    /** How the wallet was linked: 'siwe', 'eip1271', 'import', or 'unverified' (testing only). */
    verification: string;
    verified_at: string;
  };
  rounds: {
    id: string;
    community_id: string;
    key: string;
    name: string;
    /** The round config as JSON, validated by roundConfigSchema on the way in and out. */
    config: string;
    phase: string;
    snapshot_block: string | null;
    created_at: string;
  };
  round_members: { round_id: string; member_id: string; joined_at: string };
  proposals: {
    id: string;
    round_id: string;
    key: string;
    author_id: string;
    title: string;
    text: string | null;
    created_at: string | null;
    position: number;
  };
  ratings: { proposal_id: string; rater_id: string; stars: number; rated_at: string | null };
  comments: {
    id: string;
    round_id: string;
    key: string;
    author_id: string;
    proposal_id: string;
    created_at: string | null;
    position: number;
    /** Set when the comment is withdrawn or its chat message deleted; it then earns nothing. */
    retracted_at: string | null;
  };
  reactions: { comment_id: string; reactor_id: string; kind: string; created_at: string | null };
  questions: {
    id: string;
    round_id: string;
    key: string;
    text: string;
    status: string;
    closes_at: string | null;
    position: number;
    /** 'single', 'approval' or 'ranked' (migrations/0014_polls.ts). */
    type: Generated<string>;
    /** 'public', 'hidden' or 'secret'. */
    privacy: Generated<string>;
  };
  question_options: { question_id: string; idx: number; label: string };
  votes: {
    id: string;
    question_id: string;
    member_id: string;
    option_idx: number;
    cast_at: string;
    seq: number;
    salt: string | null;
    /** An approval or ranked ballot, its option indices joined by commas (migrations/0018_poll_types.ts); null for a single choice. */
    ballot: string | null;
  };
  balances: { round_id: string; wallet_id: string; balance: string };
  exclusions: { round_id: string; member_id: string; reason: string | null; created_at: string };
  /** A member lending their weight to another (migrations/0017): for one round, or (round_id null) the community; until null: in force. */
  delegations: { id: string; community_id: string; from_member_id: string; to_member_id: string; round_id: string | null; since: string; until: string | null };
  /** A poll whose reminders were owed. */
  poll_reminders: { question_id: string; sent_at: string };
  /** Members who said /notify off. */
  reminder_opt_outs: { member_id: string; at: string };
  jobs: { id: string; round_id: string; kind: string; target: string; due_at: string; done_at: string | null; leased_by: string | null; leased_until: string | null };
  /** Kept by triggers (migrations/0009_standings.ts): a fresh token at every write a round's report depends on (bigint: a string on PostgreSQL). */
  round_versions: { round_id: string; version: number | string; standings_version: number | string; shape_version: number | string; seq: number | string };
  /** Kept by triggers: what each member's points are made of in a round; feedback from oneself is not counted. */
  member_standings: { round_id: string; member_id: string; proposals: number; stars: number; comments: number; upvotes: number; positives: number; negatives: number; changed: number };
  /** When a round's reputation snapshot fell (migrations/0014_polls.ts); no row until then. */
  reputation_snapshots: { round_id: string; taken_at: string };
  /** Each member's counts of the events created before the round's reputation snapshot, kept from when it fell. */
  frozen_standings: { round_id: string; member_id: string; proposals: number; stars: number; comments: number; upvotes: number; positives: number; negatives: number };
  /** Kept by triggers: the choice that counts of each member on each poll. */
  vote_choices: { question_id: string; member_id: string; option_idx: number; cast_at: string; seq: number; changed: number };
  /** Which chat message (or forum topic) stands for which proposal, comment or poll. */
  chat_links: { community_id: string; ref: string; round_id: string; kind: string; key: string };
  handled_events: { platform: string; event_id: string; handled_at: string };
  /** Updates read from a platform and not yet handled (src/db/inbox.ts); update_id is a bigint (a string on PostgreSQL). */
  inbox: { platform: string; bot_id: string; update_id: number | string; chat_id: string | null; payload: string; arrived_at: string; failed_at: string | null; error: string | null };
  /** Messages owed because of an event, posted after its commit (see src/platforms/outbox.ts). */
  outbox: {
    id: string;
    community_id: string;
    platform: string;
    /** JSON: where the message goes, in the adapter's terms. */
    target: string;
    /** JSON: the reply, attachments in base64. */
    reply: string;
    created_at: string;
    attempts: Generated<number>;
    next_at: string;
    sent_at: string | null;
    failed_at: string | null;
    error: string | null;
  };
  /** Which process drains a community's outbox, until when (migrations/0011_leases.ts). */
  outbox_leases: { community_id: string; leased_by: string; leased_until: string };
  chat_choices: { id: string; community_id: string; command: string; created_at: string };
  chat_reactions: { community_id: string; ref: string; user_id: string; emoji: string };
  round_moderators: { round_id: string; member_id: string; added_at: string };
  /** The wallet a member chose to be paid in, and the address the transfer goes to (migrations/0016). */
  payout_wallets: { member_id: string; wallet_id: string; address: string; chosen_at: string };
  wallet_challenges: {
    token: string;
    community_id: string;
    member_id: string;
    nonce: string;
    message: string | null;
    created_at: string;
    expires_at: string;
    used_at: string | null;
  };
  /** A published reward split (migrations/0008_published_rewards.ts); the latest version of a round is the one published. */
  reward_publications: {
    id: string;
    round_id: string;
    version: number;
    published_at: string;
    /** The moderator's member id. */
    published_by: string | null;
    /** The round config the split was computed under, as JSON, and its SHA-256. */
    config: string;
    rules_hash: string;
    /** Base units, decimal text. */
    pool: string;
    contribution: string;
    participation: string;
    undistributed: string;
  };
  /** Each member's amount in a publication, in base units, with the tier shown beside it. */
  published_rewards: { publication_id: string; member_id: string; position: number; amount: string; tier: string | null };
  /** Deep Funding pairwise rounds (migrations/0013_pairwise.ts); `config` is the round file's config as JSON. */
  pairwise_rounds: {
    id: string;
    community_id: string;
    key: string;
    name: string;
    root: string;
    config: string;
    phase: string;
    /** JSON: who may judge, see src/db/pairwise.ts. */
    eligibility: string;
    /** Comparisons the round wants in all. */
    wanted: number;
    /** 1 when /weights shows the weights while the round is open. */
    weights_before_close: number;
    /** 1 when submissions are scored on the holdout as they come, not only at close. */
    live_scoring: number;
    /** JSON { address, chainId }: the ERC-20 the funding is paid in (the Safe batch); null when none is set. */
    payout_token: string | null;
    created_at: string;
    closed_at: string | null;
  };
  pairwise_projects: { round_id: string; key: string; name: string; url: string | null; parent_key: string | null; address: string | null; position: number };
  pairwise_jurors: { round_id: string; member_id: string; added_at: string };
  /** Every answer; an answer again to the same pair by the same juror supersedes the earlier one. */
  pairwise_comparisons: { id: string; round_id: string; juror_id: string; a: string; b: string; winner: string; ratio: number | null; reason: string | null; at: string; position: number; superseded_at: string | null };
  pairwise_pending: { round_id: string; member_id: string; a: string; b: string; shown_at: string };
  pairwise_skips: { round_id: string; member_id: string; a: string; b: string; at: string };
  pairwise_exclusions: { round_id: string; member_id: string; reason: string | null; created_at: string };
  pairwise_submissions: { id: string; round_id: string; key: string; author_id: string; weights: string; submitted_at: string; position: number };
  pairwise_holdout: { round_id: string; comparison_id: string };
  pairwise_jobs: { id: string; round_id: string; kind: string; target: string; due_at: string; done_at: string | null; leased_by: string | null; leased_until: string | null };
  audit_log: {
    id: string;
    community_id: string | null;
    round_id: string | null;
    actor_id: string | null;
    action: string;
    /** JSON. */
    detail: string;
    at: string;
  };
}

export type Community = Selectable<Database['communities']>;
export type MemberRow = Selectable<Database['members']>;
export type RoundRow = Selectable<Database['rounds']>;
export type QuestionRow = Selectable<Database['questions']>;
export type NewAuditEntry = Insertable<Database['audit_log']>;
export type PairwiseRoundRow = Selectable<Database['pairwise_rounds']>;
