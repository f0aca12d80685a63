import fc from 'fast-check';
import type { RoundData } from '../../src/core/types.ts';
import { parseRoundFile, type RoundFileInput } from '../../src/roundfile/schema.ts';

type Partial = Omit<RoundFileInput, 'version' | 'round'> & { config?: NonNullable<RoundFileInput['round']['config']> };

/** A validated round from just the lists a test cares about. */
export function round(partial: Partial): RoundData {
  const { config = {}, ...lists } = partial;
  return parseRoundFile({ version: 1, round: { id: 'r1', name: 'Test round', config }, ...lists });
}

export const member = (id: string, tokens?: string, extra: { excluded?: boolean } = {}) => ({
  id,
  handle: id,
  ...extra,
  wallets: tokens === undefined ? [] : [{ chain: 'eip155:1', address: addressOf(id), balance: tokens }],
});

/** A stable, valid Ethereum address per name. */
export function addressOf(name: string, n = 0): string {
  const hex = Buffer.from(`${name}#${n}`).toString('hex').slice(0, 40);
  return `0x${hex.padEnd(40, '0')}`;
}

/** 10^decimals base units of whole tokens, as a decimal string. */
export const tokens = (whole: number | bigint, decimals = 18) => (BigInt(whole) * 10n ** BigInt(decimals)).toString();

const TIMES = ['2024-01-01T00:00:00Z', '2024-01-01T00:00:01Z', '2024-01-02T00:00:00Z'];

/** Valid round files of every shape: few members and few times, so ties and collisions are common. */
export const arbitraryRoundFile: fc.Arbitrary<RoundFileInput> = fc
  .record({
    memberCount: fc.integer({ min: 1, max: 8 }),
    proposalCount: fc.integer({ min: 0, max: 5 }),
    questionOptions: fc.array(fc.integer({ min: 2, max: 4 }), { maxLength: 3 }),
    seed: fc.array(fc.nat(), { minLength: 200, maxLength: 200 }),
    balances: fc.array(fc.array(fc.bigInt({ min: 0n, max: 10n ** 24n }), { maxLength: 3 }), { minLength: 8, maxLength: 8 }),
    excluded: fc.array(fc.boolean(), { minLength: 8, maxLength: 8 }),
    pool: fc.bigInt({ min: 0n, max: 10n ** 26n }),
    contributionPercent: fc.integer({ min: 0, max: 100 }),
    capPercent: fc.option(fc.integer({ min: 1, max: 100 }), { nil: null }),
    quadraticUnit: fc.constantFrom('member' as const, 'wallet' as const),
  })
  .map((g) => {
    let i = 0;
    const next = (n: number) => g.seed[i++ % g.seed.length]! % n;
    const members = Array.from({ length: g.memberCount }, (_, m) => ({
      id: `m${m}`,
      handle: `member${m}`,
      excluded: g.excluded[m]!,
      wallets: g.balances[m]!.map((b, w) => ({ chain: 'eip155:1', address: addressOf(`m${m}`, w), balance: b.toString() })),
    }));
    const mid = () => `m${next(g.memberCount)}`;
    const proposals = Array.from({ length: g.proposalCount }, (_, p) => ({ id: `p${p}`, author: mid(), title: `Proposal ${p}` }));
    const ratings = new Map<string, { proposal: string; rater: string; stars: number }>();
    const comments: { id: string; author: string; proposal: string }[] = [];
    const reactions = new Map<string, { comment: string; reactor: string; kind: 'upvote' | 'positive' | 'negative' }>();
    if (proposals.length > 0) {
      for (let k = next(12); k > 0; k--) {
        const r = { proposal: `p${next(proposals.length)}`, rater: mid(), stars: 1 + next(5) };
        ratings.set(`${r.proposal} ${r.rater}`, r);
      }
      for (let k = next(10); k > 0; k--) comments.push({ id: `c${comments.length}`, author: mid(), proposal: `p${next(proposals.length)}` });
      if (comments.length > 0)
        for (let k = next(15); k > 0; k--) {
          const r = { comment: `c${next(comments.length)}`, reactor: mid(), kind: (['upvote', 'positive', 'negative'] as const)[next(3)]! };
          reactions.set(`${r.comment} ${r.reactor} ${r.kind}`, r);
        }
    }
    const questions = g.questionOptions.map((n, q) => ({ id: `q${q}`, text: `Question ${q}`, options: Array.from({ length: n }, (_, o) => `option ${o}`) }));
    const votes = questions.flatMap((q) =>
      Array.from({ length: next(12) }, () => ({ question: q.id, member: mid(), option: next(q.options.length), castAt: TIMES[next(TIMES.length)]! })),
    );
    return {
      version: 1 as const,
      round: {
        id: 'r1',
        name: 'Generated',
        config: {
          voting: { quadraticUnit: g.quadraticUnit },
          rewards: { pool: g.pool.toString(), contributionPercent: g.contributionPercent, capPercent: g.capPercent },
          reputation: { negativeReactionPoints: -1 },
        },
      },
      members,
      proposals,
      ratings: [...ratings.values()],
      comments,
      reactions: [...reactions.values()],
      questions,
      votes,
    };
  });

/** The same list in another order, chosen by the generated permutation keys. */
export function permute<T>(items: readonly T[], keys: readonly number[]): T[] {
  return items
    .map((item, i) => ({ item, key: keys[i % Math.max(keys.length, 1)] ?? 0, i }))
    .sort((a, b) => a.key - b.key || a.i - b.i)
    .map((x) => x.item);
}

/** Another order of the votes that keeps each member's choices on a question in their order (the tie-break). */
export function permuteVotes<V extends { question: string; member: string }>(votes: readonly V[], keys: readonly number[]): V[] {
  const shuffled = permute(votes, keys);
  const queues = new Map<string, V[]>();
  for (const v of votes) {
    const k = `${v.question} ${v.member}`;
    queues.set(k, [...(queues.get(k) ?? []), v]);
  }
  return shuffled.map((v) => queues.get(`${v.question} ${v.member}`)!.shift()!);
}

/** One to three cuts and insertions of JSON's own characters at random places: a file as a bad hand edit or copy leaves it. */
export const arbitraryDamages = fc.array(
  fc.record({ at: fc.nat(), cut: fc.integer({ min: 0, max: 3 }), insert: fc.stringMatching(/^[\s"{}[\],:0-9a-z\\.eE+-]{0,3}$/) }),
  { minLength: 1, maxLength: 3 },
);

export function damaged(text: string, damages: readonly { at: number; cut: number; insert: string }[]): string {
  for (const d of damages) {
    const at = d.at % (text.length + 1);
    text = text.slice(0, at) + d.insert + text.slice(at + d.cut);
  }
  return text;
}
