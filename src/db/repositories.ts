import { createHmac, randomFillSync } from 'node:crypto';
import type { Insertable, Transaction } from 'kysely';
import { takeReputationSnapshot } from './reputation-snapshot.ts';
import { roundDelegations } from './delegations.ts';
import { roundConfigSchema, serializeRoundConfig, type RoundConfig } from '../core/config.ts';
import type { PollPrivacy, PollType, ReactionKind, RoundData } from '../core/types.ts';
import { answerOf, ballotFromText } from '../core/ballots.ts';
import { storedBallot } from './votes.ts';
import { countStandings, pauseStandings } from '../../migrations/0009_standings.ts';
import type { Db } from './database.ts';
import { RoundExistsError, WalletTakenError } from './errors.ts';

export { RoundExistsError, WalletTakenError };
import type { Community, Database, NewAuditEntry, RoundRow } from './schema.ts';

export type Executor = Db | Transaction<Database>;

/**
 * A UUIDv7 (RFC 9562): the millisecond in the first 48 bits, then random ones. New rows land at the end of every
 * index on an id instead of on a random page, so writes stay as fast at a million votes as at the first.
 */
export function newId(): string {
  const bytes = randomFillSync(new Uint8Array(16));
  const ms = Date.now();
  for (let i = 0; i < 6; i++) bytes[i] = Math.floor(ms / 2 ** (8 * (5 - i))) & 0xff;
  bytes[6] = 0x70 | (bytes[6]! & 0x0f);
  bytes[8] = 0x80 | (bytes[8]! & 0x3f);
  const hex = Buffer.from(bytes).toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
const nowIso = () => new Date().toISOString();

/** A chat (guild, group, console) where rounds happen; created on first sight. */
export async function ensureCommunity(
  db: Executor,
  where: { platform: string; chatId: string; name: string },
): Promise<Community> {
  const found = await db
    .selectFrom('communities')
    .selectAll()
    .where('platform', '=', where.platform)
    .where('platform_chat_id', '=', where.chatId)
    .executeTakeFirst();
  if (found) return found;
  const row = { id: newId(), name: where.name, platform: where.platform, platform_chat_id: where.chatId, created_at: nowIso() };
  await db.insertInto('communities').values(row).execute();
  return row;
}

export async function appendAudit(db: Executor, entry: Omit<NewAuditEntry, 'id' | 'at' | 'detail'> & { detail: unknown; at?: string }) {
  await db
    .insertInto('audit_log')
    .values({ ...entry, id: newId(), at: entry.at ?? nowIso(), detail: JSON.stringify(entry.detail) })
    .execute();
}

/** The round of a community with this key, or without a key its latest round (the newest, then the last key). */
export async function findRound(db: Executor, communityId: string, key?: string): Promise<RoundRow | undefined> {
  const query = db.selectFrom('rounds').selectAll().where('community_id', '=', communityId);
  return (key ? query.where('key', '=', key) : query.orderBy('created_at', 'desc').orderBy('key', 'desc')).executeTakeFirst();
}

export const roundConfigOf = (round: Pick<RoundRow, 'config'>): RoundConfig => roundConfigSchema.parse(JSON.parse(round.config));
export const storedConfig = (config: RoundConfig): string => JSON.stringify(serializeRoundConfig(config));

// SQLite allows 32,766 bound values a statement; 500 rows of up to 8 columns stays far below.
const CHUNK = 500;
export async function insertChunked<T extends keyof Database & string>(db: Executor, table: T, rows: Insertable<Database[T]>[], written?: (rows: number) => void) {
  for (let i = 0; i < rows.length; i += CHUNK) {
    await db.insertInto(table).values(rows.slice(i, i + CHUNK) as never).execute();
    written?.(Math.min(CHUNK, rows.length - i));
  }
}


/**
 * Loads a validated round file into a community in one transaction: all of it or nothing. Members are matched by
 * id within the community, so several rounds share their members and wallets.
 */
export async function importRound(
  db: Db,
  communityId: string,
  data: RoundData,
  options: { replace?: boolean; actorId?: string | null; onProgress?: (done: number, total: number) => void } = {},
): Promise<RoundRow> {
  // Rows to write, at most (members and wallets already known, and members not excluded, are not written): what a
  // progress bar counts towards.
  const walletCount = data.members.reduce((n, m) => n + m.wallets.length, 0);
  const total = 3 * data.members.length + 2 * walletCount + data.proposals.length + data.ratings.length + data.comments.length + data.reactions.length + data.questions.reduce((n, q) => n + 1 + q.options.length, 0) + data.votes.length;
  let done = 0;
  const written = (rows: number) => options.onProgress?.((done += rows), total);
  return db.transaction().execute(async (trx) => {
    const existing = await findRound(trx, communityId, data.round.id);
    if (existing && !options.replace) throw new RoundExistsError(data.round.id);
    // a bulk load: the standings are counted once at the end rather than by a trigger per row
    await pauseStandings(trx);
    if (existing) await trx.deleteFrom('rounds').where('id', '=', existing.id).execute();

    const createdAt = nowIso();
    const memberIds = new Map<string, string>();
    const known = await trx.selectFrom('members').select(['id', 'key']).where('community_id', '=', communityId).execute();
    for (const m of known) memberIds.set(m.key, m.id);
    const newMembers = data.members.filter((m) => !memberIds.has(m.id));
    for (const m of newMembers) memberIds.set(m.id, newId());
    await insertChunked(
      trx,
      'members',
      newMembers.map((m) => ({ id: memberIds.get(m.id)!, community_id: communityId, key: m.id, handle: m.handle, created_at: createdAt, public_handle: 0 })),
      written,
    );
    const member = (key: string) => memberIds.get(key)!;

    const round: RoundRow = {
      id: newId(),
      community_id: communityId,
      key: data.round.id,
      name: data.round.name,
      config: storedConfig(data.round.config),
      phase: 'closed',
      snapshot_block: null,
      created_at: createdAt,
    };
    await trx.insertInto('rounds').values(round).execute();
    await insertChunked(
      trx,
      'round_members',
      data.members.map((m) => ({ round_id: round.id, member_id: member(m.id), joined_at: createdAt })),
      written,
    );

    const wallets = await trx
      .selectFrom('wallets')
      .innerJoin('members', 'members.id', 'wallets.member_id')
      .select(['wallets.id', 'wallets.chain', 'wallets.address', 'wallets.member_id', 'members.key as owner'])
      .where('wallets.community_id', '=', communityId)
      .execute();
    const walletByAddress = new Map(wallets.map((w) => [`${w.chain} ${w.address}`, w]));
    const newWallets: Database['wallets'][] = [];
    const balances: Database['balances'][] = [];
    for (const m of data.members)
      for (const w of m.wallets) {
        const known = walletByAddress.get(`${w.chain} ${w.address}`);
        if (known && known.member_id !== member(m.id)) throw new WalletTakenError(w.address, w.chain, known.owner);
        const walletId = known?.id ?? newId();
        if (!known)
          newWallets.push({
            id: walletId,
            community_id: communityId,
            member_id: member(m.id),
            chain: w.chain,
            address: w.address,
            verification: 'import',
            verified_at: createdAt,
          });
        balances.push({ round_id: round.id, wallet_id: walletId, balance: w.balance.toString() });
      }
    await insertChunked(trx, 'wallets', newWallets, written);
    await insertChunked(trx, 'balances', balances, written);
    await insertChunked(
      trx,
      'exclusions',
      data.members.filter((m) => m.excluded).map((m) => ({ round_id: round.id, member_id: member(m.id), reason: null, created_at: createdAt })),
      written,
    );

    const proposalIds = new Map(data.proposals.map((p) => [p.id, newId()]));
    await insertChunked(
      trx,
      'proposals',
      data.proposals.map((p, position) => ({
        id: proposalIds.get(p.id)!,
        round_id: round.id,
        key: p.id,
        author_id: member(p.author),
        title: p.title,
        text: p.text ?? null,
        created_at: p.createdAt ?? null,
        position,
      })),
      written,
    );
    await insertChunked(
      trx,
      'ratings',
      data.ratings.map((r) => ({ proposal_id: proposalIds.get(r.proposal)!, rater_id: member(r.rater), stars: r.stars, rated_at: r.createdAt ?? null })),
      written,
    );
    const commentIds = new Map(data.comments.map((c) => [c.id, newId()]));
    await insertChunked(
      trx,
      'comments',
      data.comments.map((c, position) => ({
        id: commentIds.get(c.id)!,
        round_id: round.id,
        key: c.id,
        author_id: member(c.author),
        proposal_id: proposalIds.get(c.proposal)!,
        created_at: c.createdAt ?? null,
        position,
        retracted_at: null,
      })),
      written,
    );
    await insertChunked(
      trx,
      'reactions',
      data.reactions.map((r) => ({ comment_id: commentIds.get(r.comment)!, reactor_id: member(r.reactor), kind: r.kind, created_at: r.createdAt ?? null })),
      written,
    );

    const questionIds = new Map(data.questions.map((q) => [q.id, newId()]));
    await insertChunked(
      trx,
      'questions',
      data.questions.map((q, position) => ({
        id: questionIds.get(q.id)!,
        round_id: round.id,
        key: q.id,
        text: q.text,
        status: 'closed',
        closes_at: null,
        position,
        type: q.type ?? 'single',
        privacy: q.privacy ?? 'public',
      })),
      written,
    );
    await insertChunked(
      trx,
      'question_options',
      data.questions.flatMap((q) => q.options.map((label, idx) => ({ question_id: questionIds.get(q.id)!, idx, label }))),
      written,
    );
    // seq numbers each member's choices on a question in file order: the tie-break between equal cast times.
    const seqOf = new Map<string, number>();
    await insertChunked(
      trx,
      'votes',
      data.votes.map((v) => {
        const key = `${v.question} ${v.member}`;
        const seq = seqOf.get(key) ?? 0;
        seqOf.set(key, seq + 1);
        return {
          id: newId(),
          question_id: questionIds.get(v.question)!,
          member_id: member(v.member),
          ...storedBallot(v),
          cast_at: new Date(v.castAt).toISOString(),
          seq,
        };
      }),
      written,
    );
    // a file's delegations belong to its round
    await insertChunked(
      trx,
      'delegations',
      (data.delegations ?? []).map((d) => ({ id: newId(), community_id: communityId, from_member_id: member(d.from), to_member_id: member(d.to), round_id: round.id, since: d.since, until: d.until })),
    );
    await countStandings(trx, round.id);
    if (data.round.reputationSnapshotAt !== undefined) await takeReputationSnapshot(trx, round.id, data.round.reputationSnapshotAt);
    options.onProgress?.(total, total);
    await appendAudit(trx, {
      community_id: communityId,
      round_id: round.id,
      actor_id: options.actorId ?? null,
      action: existing ? 'round.reimported' : 'round.imported',
      detail: { key: data.round.id, members: data.members.length, votes: data.votes.length },
    });
    return round;
  });
}

/** The options of a round's polls, poll by poll, in their order. */
export function roundOptions(db: Executor, roundId: string) {
  return db
    .selectFrom('question_options')
    .innerJoin('questions', 'questions.id', 'question_options.question_id')
    .select(['question_options.question_id', 'question_options.label'])
    .where('questions.round_id', '=', roundId)
    .orderBy('question_options.question_id')
    .orderBy('question_options.idx')
    .execute();
}

/** The balances of a round's snapshot, wallet by wallet, in the order round files list them. */
export function roundBalances(db: Executor, roundId: string) {
  return db
    .selectFrom('balances')
    .innerJoin('wallets', 'wallets.id', 'balances.wallet_id')
    .select(['wallets.member_id', 'wallets.chain', 'wallets.address', 'balances.balance'])
    .where('balances.round_id', '=', roundId)
    .orderBy('wallets.chain')
    .orderBy('wallets.address')
    .execute();
}

/** The salt of each counted ballot of a round's secret polls, by poll key and member key: what seals them. */
export async function countedSalts(db: Executor, roundId: string): Promise<(question: string, member: string) => string | undefined> {
  const rows = await db
    .selectFrom('vote_choices as c')
    .innerJoin('votes as v', (j) => j.onRef('v.question_id', '=', 'c.question_id').onRef('v.member_id', '=', 'c.member_id').onRef('v.seq', '=', 'c.seq'))
    .innerJoin('questions as q', 'q.id', 'c.question_id')
    .innerJoin('members as m', 'm.id', 'c.member_id')
    .select(['q.key as question', 'm.key as member', 'v.salt'])
    .where('q.round_id', '=', roundId)
    .where('q.privacy', '=', 'secret')
    .execute();
  const salts = new Map(rows.map((r) => [`${r.question} ${r.member}`, r.salt ?? '']));
  return (question, member) => salts.get(`${question} ${member}`);
}

/** Everything about a round that the rules need, read back in a stable order. */
export async function loadRoundData(db: Executor, round: RoundRow): Promise<RoundData> {
  const [members, wallets, exclusions, proposals, ratings, comments, reactions, questions, options, votes, snapshotAt, delegations] = await Promise.all([
    db
      .selectFrom('round_members')
      .innerJoin('members', 'members.id', 'round_members.member_id')
      .select(['members.id', 'members.key', 'members.handle'])
      .where('round_members.round_id', '=', round.id)
      .orderBy('members.key')
      .execute(),
    roundBalances(db, round.id),
    db.selectFrom('exclusions').select('member_id').where('round_id', '=', round.id).execute(),
    db.selectFrom('proposals').selectAll().where('round_id', '=', round.id).orderBy('position').execute(),
    db
      .selectFrom('ratings')
      .innerJoin('proposals', 'proposals.id', 'ratings.proposal_id')
      .innerJoin('members as rater', 'rater.id', 'ratings.rater_id')
      .select(['proposals.key as proposal', 'rater.key as rater', 'ratings.stars', 'ratings.rated_at'])
      .where('proposals.round_id', '=', round.id)
      .orderBy('proposals.position')
      .orderBy('rater.key')
      .execute(),
    db.selectFrom('comments').selectAll().where('round_id', '=', round.id).where('retracted_at', 'is', null).orderBy('position').execute(),
    db
      .selectFrom('reactions')
      .innerJoin('comments', 'comments.id', 'reactions.comment_id')
      .innerJoin('members as reactor', 'reactor.id', 'reactions.reactor_id')
      .select(['comments.key as comment', 'reactor.key as reactor', 'reactions.kind', 'reactions.created_at'])
      .where('comments.round_id', '=', round.id)
      .where('comments.retracted_at', 'is', null)
      .orderBy('comments.position')
      .orderBy('reactor.key')
      .orderBy('reactions.kind')
      .execute(),
    db.selectFrom('questions').selectAll().where('round_id', '=', round.id).orderBy('position').execute(),
    roundOptions(db, round.id),
    db
      .selectFrom('votes')
      .innerJoin('questions', 'questions.id', 'votes.question_id')
      .innerJoin('members as voter', 'voter.id', 'votes.member_id')
      .select(['questions.key as question', 'questions.type', 'voter.key as member', 'votes.option_idx', 'votes.ballot', 'votes.cast_at'])
      .where('questions.round_id', '=', round.id)
      .orderBy('questions.position')
      .orderBy('votes.cast_at')
      .orderBy('voter.key')
      .orderBy('votes.seq')
      .execute(),
    db.selectFrom('reputation_snapshots').select('taken_at').where('round_id', '=', round.id).executeTakeFirst(),
    roundDelegations(db, round),
  ]);

  const keyOf = new Map(members.map((m) => [m.id, m.key]));
  const excluded = new Set(exclusions.map((e) => e.member_id));
  const walletsOf = new Map<string, RoundData['members'][number]['wallets']>();
  for (const w of wallets) {
    const list = walletsOf.get(w.member_id) ?? [];
    list.push({ chain: w.chain, address: w.address, balance: BigInt(w.balance) });
    walletsOf.set(w.member_id, list);
  }
  const optionsOf = new Map<string, string[]>();
  for (const o of options) optionsOf.set(o.question_id, [...(optionsOf.get(o.question_id) ?? []), o.label]);
  const key = (memberId: string) => keyOf.get(memberId)!;
  const proposalKey = new Map(proposals.map((p) => [p.id, p.key]));

  return {
    round: { id: round.key, name: round.name, config: roundConfigOf(round), ...(snapshotAt && { reputationSnapshotAt: snapshotAt.taken_at }) },
    members: members.map((m) => ({ id: m.key, handle: m.handle, excluded: excluded.has(m.id), wallets: walletsOf.get(m.id) ?? [] })),
    proposals: proposals.map((p) => ({
      id: p.key,
      author: key(p.author_id),
      title: p.title,
      ...(p.text !== null && { text: p.text }),
      ...(p.created_at !== null && { createdAt: p.created_at }),
    })),
    ratings: ratings.map((r) => ({ proposal: r.proposal, rater: r.rater, stars: r.stars, ...(r.rated_at !== null && { createdAt: r.rated_at }) })),
    comments: comments.map((c) => ({
      id: c.key,
      author: key(c.author_id),
      proposal: proposalKey.get(c.proposal_id)!,
      ...(c.created_at !== null && { createdAt: c.created_at }),
    })),
    reactions: reactions.map((r) => ({ comment: r.comment, reactor: r.reactor, kind: r.kind as ReactionKind, ...(r.created_at !== null && { createdAt: r.created_at }) })),
    questions: questions.map((q) => ({
      id: q.key,
      text: q.text,
      options: optionsOf.get(q.id) ?? [],
      // written only when not the defaults, so older rounds keep their bytes
      ...(q.type !== 'single' && { type: q.type as PollType }),
      ...(q.privacy !== 'public' && { privacy: q.privacy as PollPrivacy }),
    })),
    votes: votes.map((v) => ({
      question: v.question,
      member: v.member,
      ...answerOf(v.type as PollType, v.ballot === null ? [v.option_idx] : ballotFromText(v.ballot)),
      castAt: v.cast_at,
    })),
    // written only when there are some, so older rounds keep their bytes
    ...(delegations.length > 0 && { delegations }),
  };
}


/**
 * A member's key in round files and reports. A chat account is named by a keyed hash of its user id (the key is the
 * community's private id), so no exported file or public page shows a chat user id; console names are typed locally
 * and kept as they are.
 */
export function memberKey(communityId: string, platform: string, userId: string): string {
  if (platform === 'console') return `console:${userId}`;
  return `${platform}:${createHmac('sha256', communityId).update(userId).digest('hex').slice(0, 16)}`;
}

/**
 * The member behind a chat account, created on first sight. With `adoptHandle`, an account may take over a member
 * of the same handle that has no account yet (the console acting as members of an imported round).
 */
export async function ensureMember(
  db: Executor,
  communityId: string,
  account: { platform: string; userId: string; handle: string },
  options: { adoptHandle?: boolean; now?: Date } = {},
) {
  const linked = await db
    .selectFrom('member_accounts')
    .innerJoin('members', 'members.id', 'member_accounts.member_id')
    .selectAll('members')
    .where('member_accounts.community_id', '=', communityId)
    .where('member_accounts.platform', '=', account.platform)
    .where('member_accounts.platform_user_id', '=', account.userId)
    .executeTakeFirst();
  if (linked && linked.handle !== account.handle) {
    // A renamed member is found under the name the platform shows now.
    await db.updateTable('members').set({ handle: account.handle }).where('id', '=', linked.id).execute();
    return { ...linked, handle: account.handle };
  }
  if (linked) return linked;
  const adoptable = options.adoptHandle
    ? await db
        .selectFrom('members')
        .selectAll()
        .where('community_id', '=', communityId)
        .where('handle', '=', account.handle)
        .where((eb) => eb.not(eb.exists(eb.selectFrom('member_accounts').select('member_id').whereRef('member_accounts.member_id', '=', 'members.id'))))
        .executeTakeFirst()
    : undefined;
  const member = adoptable ?? {
    id: newId(),
    community_id: communityId,
    key: memberKey(communityId, account.platform, account.userId),
    handle: account.handle,
    created_at: (options.now ?? new Date()).toISOString(),
    public_handle: 0,
  };
  if (!adoptable) await db.insertInto('members').values(member).execute();
  await db.insertInto('member_accounts').values({ community_id: communityId, platform: account.platform, platform_user_id: account.userId, member_id: member.id }).execute();
  return member;
}
