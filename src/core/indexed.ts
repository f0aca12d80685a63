import { ballotOf, voteProblem } from './ballots.ts';
import { indexDelegations, type IndexedDelegation } from './delegation.ts';
import { instantOf, type Instant } from './instant.ts';
import { REACTION_KINDS, type Member, type Question, type RoundData, type SecretTally } from './types.ts';

/**
 * A round with every reference resolved to a position in its list: members, questions and reaction kinds by index,
 * the long lists as columns. The rules count over it with no id lookups and no object per rating, comment, reaction
 * or vote, which is what lets a round of a million of them replay in a second or two.
 */
export interface IndexedRound {
  round: RoundData['round'];
  members: readonly Member[];
  questions: readonly Question[];
  /** Member position of each proposal's author. */
  proposals: { author: Int32Array };
  ratings: { proposal: Int32Array; rater: Int32Array; stars: Uint8Array };
  comments: { author: Int32Array };
  /** `kind` indexes REACTION_KINDS. */
  reactions: { comment: Int32Array; reactor: Int32Array; kind: Uint8Array };
  /**
   * `at` is castAt in epoch milliseconds, `nanos` the nanoseconds past it. `ballot` (only when some vote has one): the
   * options of each approval or ranked vote, whose `option` is then the ballot's first.
   */
  votes: { question: Int32Array; member: Int32Array; option: Int32Array; at: Float64Array; nanos: Int32Array; ballot?: (readonly number[] | undefined)[] };
  /**
   * With a reputation snapshot: 1 for each proposal, rating, comment and reaction created at or after it, which then
   * counts for reward points but not for the tiers that weight votes.
   */
  afterSnapshot?: Record<'proposals' | 'ratings' | 'comments' | 'reactions', Uint8Array>;
  /** The attested tallies of secret polls, whose votes the file does not hold. */
  secretTallies?: readonly SecretTally[];
  /** The round's delegations, when its file lists them. */
  delegations?: readonly IndexedDelegation[];
}

export const isIndexed = (round: RoundData | IndexedRound): round is IndexedRound => !Array.isArray(round.votes);

type Problem = (path: (string | number)[], message: string) => void;

const bug: Problem = (path, message) => {
  throw new Error(`round data is inconsistent at ${path.join('.')}: ${message}`);
};

/** Where each id of a list stands, looked up as in a Map. */
export type Positions = Pick<ReadonlyMap<string, number>, 'get' | 'has'>;

/** Records where a key was first seen; returns that earlier place when the key comes again. */
function firstSeen<K, V>(seen: Map<K, V>, key: K, here: V): V | undefined {
  const first = seen.get(key);
  if (first === undefined) seen.set(key, here);
  return first;
}

/**
 * Items whose key came earlier in the list, as [first position, this position]; keys below 0 are skipped. A sorted
 * copy says first whether there is any repeat at all, which in a valid round there is not.
 */
function repeats(keys: Float64Array): [number, number][] {
  const sorted = keys.slice().sort();
  let any = false;
  for (let i = 1; i < sorted.length && !any; i++) any = sorted[i]! >= 0 && sorted[i] === sorted[i - 1];
  if (!any) return [];
  const seen = new Map<number, number>();
  const found: [number, number][] = [];
  keys.forEach((k, i) => {
    if (k < 0) return;
    const first = firstSeen(seen, k, i);
    if (first !== undefined) found.push([first, i]);
  });
  return found;
}

/** A pair of positions as one number: pairs are told apart without building a string per item. */
const pairKey = (a: number, b: number, width: number): number => a * width + b;

/**
 * Position of every id in a list; an id listed twice is a problem at the second place. Each id is put in the Map at
 * once, one look-up where asking first is two (100,000 members: 0.07-0.09 s of CPU time → 0.06): only when the Map
 * holds fewer ids than the list has items is it built again, asking, to say where each repeat was first.
 */
function positions<T extends { id: string }>(list: string, items: readonly T[], problem: Problem): Map<string, number> {
  const all = new Map<string, number>();
  for (let i = 0; i < items.length; i++) all.set(items[i]!.id, i);
  if (all.size === items.length) return all;
  const seen = new Map<string, number>();
  items.forEach((item, i) => {
    const first = firstSeen(seen, item.id, i);
    if (first !== undefined) problem([list, i, 'id'], `"${item.id}" is already the id of ${list}[${first}]`);
  });
  return seen;
}

/**
 * One wallet belongs to one member. A hash of each wallet first: when no two are alike, as in a valid round, no wallet
 * repeats, and the Map naming who has each first is never built (100,000 keys made of two strings each: on the bench
 * round 0.15 s of CPU time and 4,500 page faults, against 0.02 s).
 */
function checkWalletOwners(members: readonly Member[], problem: Problem): void {
  if (!walletHashesRepeat(members)) return;
  const owner = new Map<string, string>();
  members.forEach((m, i) =>
    m.wallets.forEach((w, j) => {
      const first = firstSeen(owner, `${w.chain} ${w.address}`, m.id);
      if (first !== undefined) problem(['members', i, 'wallets', j, 'address'], `${w.address} on ${w.chain} is already a wallet of ${first}`);
    }),
  );
}

/** Whether two of the members' wallets share a hash of `chain address`; equal wallets always do. */
function walletHashesRepeat(members: readonly Member[]): boolean {
  const hashes = new Float64Array(members.reduce((n, m) => n + m.wallets.length, 0));
  let n = 0;
  for (const m of members) for (const w of m.wallets) hashes[n++] = walletHash(w.chain, w.address);
  hashes.sort();
  for (let i = 1; i < hashes.length; i++) if (hashes[i] === hashes[i - 1]) return true;
  return false;
}

/**
 * 52 bits of a wallet's chain and address: 32 of FNV-1a and 20 of the same walk with another multiplier, so that
 * wallets that differ rarely share both (and when they do, the exact check runs: only time is lost). Plain loops: the
 * walk through a helper per string was twice as slow, run once per replay, before the compiler had warmed to it.
 */
function walletHash(chain: string, address: string): number {
  let a = 0x811c9dc5;
  let b = 0x811c9dc5;
  for (const text of [chain, address])
    for (let i = 0; i < text.length; i++) {
      const c = text.charCodeAt(i);
      a = Math.imul(a ^ c, 0x01000193);
      b = Math.imul(b ^ c, 0x5bd1e995);
    }
  return (a >>> 0) * 2 ** 20 + (b >>> 12);
}

/**
 * Resolves every reference of a round to a position and checks that nothing is listed twice. Each problem is passed
 * to `problem` with the path of the field (a round file names them to its author); by default a problem is a bug.
 * `memberPositions`: where each member id stands, from a reader that found each listed once (a Map of 100,000 ids
 * is then not built again).
 */
export function indexRound(data: RoundData, problem: Problem = bug, memberPositions?: Positions): IndexedRound {
  const members = memberPositions ?? positions('members', data.members, problem);
  const proposals = positions('proposals', data.proposals, problem);
  const comments = positions('comments', data.comments, problem);
  const questions = positions('questions', data.questions, problem);
  checkWalletOwners(data.members, problem);
  /** The position of the item an id names; a missing one is a problem at `path`, and -1. */
  const positionOf = (path: (string | number)[], value: string, within: Positions, what: string): number => {
    const at = within.get(value);
    if (at === undefined) problem(path, `"${value}" is not the id of any ${what}`);
    return at ?? -1;
  };
  const memberCount = data.members.length;

  const proposalAuthor = Int32Array.from(data.proposals, (p, i) => positionOf(['proposals', i, 'author'], p.author, members, 'member'));

  const ratings = { proposal: new Int32Array(data.ratings.length), rater: new Int32Array(data.ratings.length), stars: new Uint8Array(data.ratings.length) };
  data.ratings.forEach((r, i) => {
    ratings.proposal[i] = positionOf(['ratings', i, 'proposal'], r.proposal, proposals, 'proposal');
    ratings.rater[i] = positionOf(['ratings', i, 'rater'], r.rater, members, 'member');
    ratings.stars[i] = r.stars;
  });
  for (const [first, i] of repeatedPairs(ratings.proposal, ratings.rater, memberCount)) {
    const r = data.ratings[i]!;
    problem(['ratings', i], `${r.rater} already rated ${r.proposal} in ratings[${first}]`);
  }

  const commentAuthor = new Int32Array(data.comments.length);
  data.comments.forEach((c, i) => {
    commentAuthor[i] = positionOf(['comments', i, 'author'], c.author, members, 'member');
    positionOf(['comments', i, 'proposal'], c.proposal, proposals, 'proposal');
  });

  const reactions = { comment: new Int32Array(data.reactions.length), reactor: new Int32Array(data.reactions.length), kind: new Uint8Array(data.reactions.length) };
  data.reactions.forEach((r, i) => {
    reactions.comment[i] = positionOf(['reactions', i, 'comment'], r.comment, comments, 'comment');
    reactions.reactor[i] = positionOf(['reactions', i, 'reactor'], r.reactor, members, 'member');
    reactions.kind[i] = REACTION_KINDS.indexOf(r.kind);
  });
  for (const [first, i] of repeatedReactions(reactions, memberCount)) {
    const r = data.reactions[i]!;
    problem(['reactions', i], `${r.reactor} already reacted ${r.kind} to ${r.comment} in reactions[${first}]`);
  }

  const n = data.votes.length;
  const votes: IndexedRound['votes'] = { question: new Int32Array(n), member: new Int32Array(n), option: new Int32Array(n), at: new Float64Array(n), nanos: new Int32Array(n) };
  data.votes.forEach((v, i) => {
    votes.member[i] = positionOf(['votes', i, 'member'], v.member, members, 'member');
    const q = (votes.question[i] = positionOf(['votes', i, 'question'], v.question, questions, 'question'));
    const wrong = q >= 0 ? voteProblem(data.questions[q]!, v) : undefined;
    if (wrong) problem(['votes', i, wrong[0]], wrong[1]);
    const ballot = ballotOf(v);
    if (ballot) (votes.ballot ??= new Array(n))[i] = ballot;
    votes.option[i] = v.option ?? ballot?.[0] ?? -1;
    const { ms, nanos } = instantOf(v.castAt);
    votes.at[i] = ms;
    votes.nanos[i] = nanos;
  });

  return {
    round: data.round,
    ...(data.round.reputationSnapshotAt !== undefined && { afterSnapshot: afterSnapshot(data, instantOf(data.round.reputationSnapshotAt)) }),
    ...(data.secretTallies !== undefined && { secretTallies: checkedSecretTallies(data, members, questions, problem) }),
    ...(data.delegations !== undefined && { delegations: indexDelegations(data.delegations, members, problem) }),
    members: data.members,
    questions: data.questions,
    proposals: { author: proposalAuthor },
    ratings,
    comments: { author: commentAuthor },
    reactions,
    votes,
  };
}

/** Each secret tally names a question once, with one total per option, and voters who are members. */
function checkedSecretTallies(data: RoundData, members: Positions, questions: Positions, problem: Problem): SecretTally[] {
  const seen = new Map<string, number>();
  data.secretTallies!.forEach((t, i) => {
    const q = questions.get(t.question);
    if (q === undefined) problem(['secretTallies', i, 'question'], `"${t.question}" is not the id of any question`);
    else if (t.options.length !== data.questions[q]!.options.length) problem(['secretTallies', i, 'options'], `${t.question} has ${data.questions[q]!.options.length} options, not ${t.options.length}`);
    // option totals cannot be run off: a ranked poll's winners need its rankings
    else if (data.questions[q]!.type === 'ranked') problem(['secretTallies', i, 'question'], `${t.question} is a ranked poll: its runoff cannot be recomputed from option totals, so it cannot be secret`);
    const first = firstSeen(seen, t.question, i);
    if (first !== undefined) problem(['secretTallies', i, 'question'], `${t.question} already has a tally in secretTallies[${first}]`);
    if (data.votes.some((v) => v.question === t.question)) problem(['secretTallies', i, 'question'], `${t.question} has votes too: a secret poll carries its tally in place of its votes`);
    t.voters.forEach((v, j) => members.has(v) || problem(['secretTallies', i, 'voters', j], `"${v}" is not the id of any member`));
  });
  return data.secretTallies!;
}

/** Which events were created at or after the snapshot; an event without a time counts as before it. */
function afterSnapshot(data: RoundData, snapshot: Instant): NonNullable<IndexedRound['afterSnapshot']> {
  const after = (items: readonly { createdAt?: string | undefined }[]) =>
    Uint8Array.from(items, ({ createdAt }) => {
      if (createdAt === undefined) return 0;
      const t = instantOf(createdAt);
      return t.ms > snapshot.ms || (t.ms === snapshot.ms && t.nanos >= snapshot.nanos) ? 1 : 0;
    });
  return { proposals: after(data.proposals), ratings: after(data.ratings), comments: after(data.comments), reactions: after(data.reactions) };
}

/** Ratings of one proposal by one member listed twice, as [first position, this position]. */
export function repeatedPairs(a: Int32Array, b: Int32Array, width: number): [number, number][] {
  const keys = new Float64Array(a.length);
  for (let i = 0; i < a.length; i++) keys[i] = a[i]! < 0 || b[i]! < 0 ? -1 : pairKey(a[i]!, b[i]!, width);
  return repeats(keys);
}

/** Reactions of one kind by one member to one comment listed twice. */
export function repeatedReactions(r: IndexedRound['reactions'], memberCount: number): [number, number][] {
  const keys = new Float64Array(r.comment.length);
  for (let i = 0; i < keys.length; i++)
    keys[i] = r.comment[i]! < 0 || r.reactor[i]! < 0 ? -1 : pairKey(pairKey(r.comment[i]!, r.reactor[i]!, memberCount), r.kind[i]!, REACTION_KINDS.length);
  return repeats(keys);
}
