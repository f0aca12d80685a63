import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import fcModule from 'fast-check';
import { ColumnReader } from '../../src/roundfile/scan.ts';
import { LONG_LISTS, memberSchema, parseRoundFile, parseRoundFileText, QUICK_CHECKS, quickMember, quickMemberOf, quickWallet, RoundFileError, serializeRoundFile } from '../../src/roundfile/schema.ts';
import { member, tokens } from '../helpers/round.ts';

const sample = JSON.parse(readFileSync(new URL('../../examples/governance-round-1.json', import.meta.url), 'utf8'));

const problemsOf = (file: unknown): string[] => {
  try {
    parseRoundFile(file);
  } catch (e) {
    if (e instanceof RoundFileError) return e.problems;
    throw e;
  }
  throw new Error('the file was accepted');
};

const minimal = () => ({
  version: 1,
  round: { id: 'r1', name: 'R' },
  members: [member('m1', tokens(1)), member('m2', tokens(1))],
  questions: [{ id: 'q1', text: 'Q?', options: ['Yes', 'No'] }],
  votes: [{ question: 'q1', member: 'm1', option: 0, castAt: '2024-01-01T00:00:00Z' }],
});

describe('round files', () => {
  it('GIVEN the sample round THEN it is valid and serializes back to the same bytes', () => {
    const data = parseRoundFile(sample);
    expect(data.members.length).toBeGreaterThan(84);
    expect(serializeRoundFile(data)).toBe(readFileSync(new URL('../../examples/governance-round-1.json', import.meta.url), 'utf8'));
  });

  it('GIVEN omitted config keys THEN the DESIGN.md defaults apply', () => {
    const { config } = parseRoundFile(minimal()).round;
    expect(config.reputation.proposalShare).toBe(0.2);
    expect(config.tiers.levels.map((l) => [l.name, 'percent' in l ? l.percent : null, l.factor])).toEqual([['A', 10, 5], ['B', 20, 3], ['C', 30, 2], ['D', 40, 1.5]]);
    expect(config.rewards).toEqual({ pool: 0n, contributionPercent: 90, capPercent: null });
    expect(config.token).toEqual({ symbol: 'AGIX', decimals: 18 });
  });

  it('GIVEN a vote for an option the question does not have THEN the path and the reason are named', () => {
    const file = minimal();
    file.votes.push({ question: 'q1', member: 'm2', option: 7, castAt: '2024-01-01T00:00:00Z' });
    expect(problemsOf(file)).toEqual(['votes[1].option: 7 is not an option of q1']);
  });

  it('GIVEN a balance that is not an integer THEN the path and the value are named', () => {
    const file = minimal();
    file.members[1]!.wallets[0]!.balance = 'lots';
    expect(problemsOf(file)).toEqual(['members[1].wallets[0].balance: "lots" is not an integer']);
    file.members[1]!.wallets[0]!.balance = '1.5';
    expect(problemsOf(file)).toEqual(['members[1].wallets[0].balance: "1.5" is not an integer']);
  });

  it('GIVEN a wallet address whose mixed case is a wrong EIP-55 checksum THEN it is refused by path, and all lower or upper case is read as the same wallet', () => {
    const file = minimal();
    const good = '0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed';
    file.members[1]!.wallets[0]!.address = good.replace('aA', 'Aa');
    expect(problemsOf(file)).toEqual([`members[1].wallets[0].address: ${good.replace('aA', 'Aa')} has a wrong EIP-55 checksum (its mixed case does not match): copy it again from the wallet`]);
    for (const address of [good, good.toLowerCase(), `0x${good.slice(2).toUpperCase()}`]) {
      file.members[1]!.wallets[0]!.address = address;
      expect(parseRoundFile(file).members[1]!.wallets[0]!.address).toBe(good.toLowerCase());
    }
  });

  it('GIVEN references to nothing and duplicates THEN each is named', () => {
    const file = {
      ...minimal(),
      members: [member('m1', tokens(1)), member('m1')],
      proposals: [{ id: 'p1', author: 'ghost', title: 'T' }],
      ratings: [
        { proposal: 'p1', rater: 'm1', stars: 3 },
        { proposal: 'p1', rater: 'm1', stars: 4 },
      ],
      comments: [{ id: 'c1', author: 'm1', proposal: 'p9' }],
      reactions: [
        { comment: 'c2', reactor: 'm1', kind: 'upvote' },
        { comment: 'c1', reactor: 'm1', kind: 'upvote' },
        { comment: 'c1', reactor: 'm1', kind: 'positive' },
        { comment: 'c1', reactor: 'm1', kind: 'upvote' },
      ],
      votes: [{ question: 'q2', member: 'm1', option: 0, castAt: '2024-01-01T00:00:00Z' }],
    };
    expect(problemsOf(file)).toEqual([
      'members[1].id: "m1" is already the id of members[0]',
      'proposals[0].author: "ghost" is not the id of any member',
      'ratings[1]: m1 already rated p1 in ratings[0]',
      'comments[0].proposal: "p9" is not the id of any proposal',
      'reactions[0].comment: "c2" is not the id of any comment',
      'reactions[3]: m1 already reacted upvote to c1 in reactions[1]',
      'votes[0].question: "q2" is not the id of any question',
    ]);
  });

  it('GIVEN one wallet under two members THEN it is refused', () => {
    const file = minimal();
    file.members[1]!.wallets = [{ ...file.members[0]!.wallets[0]! }];
    expect(problemsOf(file)).toEqual([`members[1].wallets[0].address: ${file.members[0]!.wallets[0]!.address} on eip155:1 is already a wallet of m1`]);
  });

  it('GIVEN two wallets whose chain and address run together the same THEN they are two wallets, and a third repeating one is refused', () => {
    const file = minimal();
    // `cosmos:hub` + `1abc` and `cosmos:hub1` + `abc`: the same characters, so the same hash, then told apart exactly
    file.members[0]!.wallets = [{ chain: 'cosmos:hub', address: '1abc', balance: '1' }];
    file.members[1]!.wallets = [{ chain: 'cosmos:hub1', address: 'abc', balance: '1' }];
    expect(parseRoundFile(file).members.map((m) => m.wallets.length)).toEqual([1, 1]);
    file.members[1]!.wallets.push({ chain: 'cosmos:hub', address: '1abc', balance: '2' });
    expect(problemsOf(file)).toEqual(['members[1].wallets[1].address: 1abc on cosmos:hub is already a wallet of m1']);
  });

  it('GIVEN wrong types, unknown keys, bad times and bad config THEN each problem is named by path', () => {
    const file = {
      ...minimal(),
      version: 2,
      round: { id: 'r1', name: 'R', config: { rewards: { pool: '-5', contributionPercent: 120 }, tiers: { by: 'stars' } } },
      extra: true,
      votes: [{ question: 'q1', member: 'm1', option: 0, castAt: 'yesterday' }],
      ratings: [{ proposal: 'p1', rater: 'm1', stars: 6 }],
    };
    const problems = problemsOf(file);
    expect(problems).toContain('version: this govbot reads round files of version 1');
    expect(problems).toContain('round.config.rewards.pool: "-5" is not an integer amount of base units');
    expect(problems.some((p) => p.startsWith('round.config.rewards.contributionPercent:'))).toBe(true);
    expect(problems.some((p) => p.startsWith('round.config.tiers.by:'))).toBe(true);
    expect(problems).toContain('votes[0].castAt: "yesterday" is not an ISO 8601 date-time');
    expect(problems.some((p) => p.startsWith('ratings[0].stars:'))).toBe(true);
    expect(problems.some((p) => p.includes('extra'))).toBe(true);
  });

  it('GIVEN a question with one option or 26 THEN it is refused', () => {
    const file = minimal();
    file.questions[0]!.options = ['Only'];
    expect(problemsOf(file)[0]).toMatch(/^questions\[0\]\.options:/);
    file.questions[0]!.options = Array.from({ length: 26 }, (_, i) => `o${i}`);
    expect(problemsOf(file)[0]).toMatch(/^questions\[0\]\.options:/);
  });

  it('GIVEN text that is not JSON THEN it says so', () => {
    expect(() => parseRoundFileText('{ "version": 1, ')).toThrow(/not valid JSON/);
  });

});

describe('the quick checks of the long lists', () => {
  const fc = fcModule;
  const idish = fc.oneof(fc.constantFrom('m1', 'p2', 'c3', 'q1', 'a'.repeat(64), 'a'.repeat(65), '', 'bad id', 'x/y'), fc.string({ maxLength: 6 }));
  const value = fc.oneof({ arbitrary: idish, weight: 3 }, fc.integer({ min: -2, max: 30 }), fc.double(), fc.constant(null), fc.boolean(), fc.constantFrom('upvote', 'positive', 'negative', 'meh', '2025-01-01T00:00:00Z', '2025-02-30T00:00:00Z', '2025-01-01T00:00:00.123+02:00', '2025-01-01'));
  const valid: Record<string, fcModule.Arbitrary<unknown>> = {
    stars: fc.integer({ min: 1, max: 5 }),
    option: fc.integer({ min: 0, max: 9 }),
    kind: fc.constantFrom('upvote', 'positive', 'negative'),
    createdAt: fc.constantFrom('2025-01-01T00:00:00Z', '2024-02-29T23:59:59.5+01:00'),
    castAt: fc.constantFrom('2025-01-01T00:00:00Z', '2024-02-29T23:59:59.5+01:00'),
  };
  // Each field present or not, valid or not: often enough valid that both answers come up many times.
  const item = (keys: string[]) =>
    fc.record(Object.fromEntries([...keys, 'extra'].map((k) => [k, fc.oneof({ arbitrary: valid[k] ?? fc.constantFrom('m1', 'p2', 'c3', 'q1'), weight: 4 }, value)])), { requiredKeys: [] });
  const lists = { ratings: ['proposal', 'rater', 'stars'], comments: ['id', 'author', 'proposal', 'createdAt'], reactions: ['comment', 'reactor', 'kind'], votes: ['question', 'member', 'option', 'castAt'] } as const;

  for (const [list, keys] of Object.entries(lists) as [keyof typeof lists, readonly string[]][])
    it(`PROPERTY the quick check of ${list} says yes exactly when the schema accepts the item`, () => {
      let accepted = 0;
      fc.assert(
        fc.property(item([...keys]), (candidate) => {
          const quick = QUICK_CHECKS[list](candidate);
          if (quick) accepted++;
          return quick === LONG_LISTS[list].safeParse(candidate).success;
        }),
        { numRuns: 5000 },
      );
      expect(accepted).toBeGreaterThan(5);
    });
});

describe('the quick path of members', () => {
  const fc = fcModule;
  const maybe = <T>(valid: fcModule.Arbitrary<T>, invalid: fcModule.Arbitrary<unknown>) => fc.oneof({ arbitrary: valid, weight: 5 }, invalid);
  const junk = fc.oneof(fc.constant(null), fc.integer(), fc.boolean(), fc.string({ maxLength: 3 }), fc.constant([]), fc.constant({}));
  const wallet = fc.record(
    {
      chain: maybe(fc.constantFrom('eip155:1', 'eip155:137', 'cosmos:hub-4'), fc.constantFrom('eip155', 'EIP155:1', 'x:y')),
      address: maybe(fc.constantFrom(`0x${'ab'.repeat(20)}`, `0x${'AB'.repeat(20)}`, 'cosmos1abc'), fc.constantFrom('', '0x12', 'z'.repeat(129))),
      balance: maybe(fc.bigInt({ min: 0n, max: 10n ** 30n }).map(String), fc.constantFrom('-1', '1.5', '', '1'.repeat(79), 12)),
      extra: junk,
    },
    { requiredKeys: [] },
  );
  const member = fc.record(
    {
      id: maybe(fc.constantFrom('m1', 'a'.repeat(64), 'x.y:z-1'), fc.constantFrom('', 'a'.repeat(65), 'bad id')),
      handle: maybe(fc.string({ minLength: 1, maxLength: 100 }), fc.constantFrom('', 'h'.repeat(101))),
      excluded: maybe(fc.boolean(), junk),
      wallets: maybe(fc.array(wallet, { maxLength: 3 }), junk),
      extra: junk,
    },
    { requiredKeys: [] },
  );

  it('PROPERTY the quick path gives exactly the member the schema gives, and speaks only when the schema accepts', () => {
    let quick = 0;
    fc.assert(
      fc.property(member, (candidate) => {
        const fast = quickMember(candidate);
        const schema = memberSchema.safeParse(candidate);
        if (fast) {
          quick++;
          expect(schema.success).toBe(true);
          expect(fast).toEqual(schema.data);
        }
      }),
      { numRuns: 5000 },
    );
    expect(quick).toBeGreaterThan(50);
  });

  it('GIVEN members as round files write them THEN the quick path takes every one', () => {
    const sample = JSON.parse(readFileSync('examples/governance-round-1.json', 'utf8')) as { members: unknown[] };
    expect(sample.members.every((m) => quickMember(m) !== undefined)).toBe(true);
  });

  /** The members the byte reader makes of a file's text (scan.ts), or undefined when it leaves them to JSON.parse. */
  const readMembers = (text: string) => {
    const walk = new ColumnReader(Buffer.from(text)).scan([], undefined, { member: quickMemberOf, wallet: quickWallet });
    expect(walk.rest.length).toBe(walk.known ? 0 : 1);
    return walk.known?.members;
  };
  // EIP-55's own example: a mixed-case address with its checksum, and the same with one letter's case turned
  const checksummed = fc.constantFrom('0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed', '0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAeD');
  const handle = fc.oneof(fc.string({ minLength: 1, maxLength: 100 }), fc.string({ minLength: 1, maxLength: 30, unit: 'binary' }), fc.constantFrom('Zoë', '🚀 rocket', 'a"b', 'tab\there'));

  it('PROPERTY the byte reader makes the members quickMember makes of the parsed list, and leaves the list to JSON.parse only when it must', () => {
    let read = 0;
    fc.assert(
      fc.property(
        fc.array(fc.tuple(member, handle, fc.option(checksummed)), { maxLength: 4 }),
        fc.constantFrom(undefined, 2, '\t'),
        (items, indent) => {
          const members = items.map(([m, h, address]) => ({
            ...m,
            ...(m.handle !== undefined && { handle: h }),
            ...(address !== null && { wallets: [{ chain: 'eip155:1', address, balance: '1' }] }),
          }));
          const text = JSON.stringify({ members }, null, indent);
          const quick = members.map(quickMember);
          const made = readMembers(text);
          if (made) read++;
          // only a member the quick path refuses, or a string with an escape, goes to JSON.parse
          if (!quick.includes(undefined) && !text.includes('\\')) expect(made).toBeDefined();
          if (made) expect(made).toStrictEqual(quick);
        },
      ),
      { numRuns: 3000, seed: 10 },
    );
    expect(read).toBeGreaterThan(300);
  });

  it('GIVEN a members list that is not plain JSON the reader takes THEN it leaves the list to JSON.parse', () => {
    const plain = '{"members":[{"id":"m1","handle":"one","excluded":true,"wallets":[{"chain":"eip155:1","address":"0x1111111111111111111111111111111111111111","balance":"5"}]}]}';
    expect(readMembers(plain)).toStrictEqual([{ id: 'm1', handle: 'one', excluded: true, wallets: [{ chain: 'eip155:1', address: `0x${'1'.repeat(40)}`, balance: 5n }] }]);
    for (const unusual of [
      plain.replace('"one"', '"o\\u006ee"'),
      plain.replace('"handle"', '"handle":"x","handle"'),
      plain.replace('true', 'tru'),
      plain.replace('true', 'truest'),
      plain.replace('true', '1'),
      plain.replace('"5"', '5'),
      plain.replace('"5"', '"5","extra":1'),
      plain.replace('"balance":"5"', '"balance":"5","balance":"6"'),
      plain.replace('"one"', '"one\u0001"'),
      plain.replace('"wallets":[{', '"wallets":[[{').replace('}]}]}', '}]]}]}'),
    ])
      expect(readMembers(unusual), unusual).toBeUndefined();
  });
});
