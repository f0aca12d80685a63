import type { Db } from '../db/database.ts';
import type { Community, MemberRow } from '../db/schema.ts';
import type { VoteSink } from '../db/votes.ts';
import type { ChainReader } from '../chain/erc20.ts';
import type { CardanoReader } from '../chain/cardano/koios.ts';
import type { JudgingMemory } from '../db/pairwise.ts';
import type { Reply } from './reply.ts';

/** Who is talking, as the platform says; platform types stay in the adapter. */
export interface Actor {
  platform: string;
  userId: string;
  handle: string;
  /** Decided by the adapter from the platform's own roles (group admin, Manage Server, console --moderator). */
  isModerator: boolean;
  /** The platform roles the actor holds, by id (Discord's member roles); absent where the platform has none (Telegram, console). */
  roles?: readonly string[] | undefined;
}

export interface Services {
  db: Db;
  votes: VoteSink;
  now: () => Date;
  /** Where exports are written for platforms that cannot attach files. */
  exportDir: string;
  /** The bot's public web address, for links to results pages; none when no web server runs. */
  publicUrl?: string | undefined;
  /** The EVM node of ETH_RPC_URL, for token metadata, balance snapshots and contract-wallet signatures. */
  chain?: ChainReader | undefined;
  /** Cardano reads (CARDANO_API_URL), when the operator set one. */
  cardano?: CardanoReader | undefined;
  /**
   * Pairwise rounds' comparisons and the sampler's last fit, kept between jurors' answers so that a next pair reads only
   * the new answers and mostly needs no refit (the same pairs as without it: what is kept is checked against the rows).
   * None: each pair is chosen from a full read.
   */
  judging?: JudgingMemory | undefined;
}

/** The one object that flows from the adapter through the command to the reply. */
export interface CommandContext extends Services {
  community: Community;
  actor: Actor;
  /** The actor's member row in this community, created on first use. */
  member(): Promise<MemberRow>;
  /** Posts publicly in the community (tallies, published rewards). */
  announce(reply: Reply): Promise<void>;
  /** What keeps the chat from working fully (the bot lacks a permission), in words for the moderators. */
  chatProblems(): Promise<string[]>;
  /**
   * How far long work has come ("Reading balances… 1,200 / 5,000"), shown at once where the chat can; best effort and
   * not kept (the work's own answer, owed as usual, says how it ended). Absent where the chat shows nothing meanwhile.
   */
  status?(text: string): void;
}
