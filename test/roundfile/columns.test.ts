import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { computeReport, reportJson } from '../../src/core/report.ts';
import { indexRoundFile, readColumns } from '../../src/roundfile/columns.ts';
import { FIELDS } from '../../src/roundfile/scan.ts';
import { LONG_LISTS, parseRoundFileText, RoundFileError } from '../../src/roundfile/schema.ts';
import { arbitraryDamages, arbitraryRoundFile, damaged } from '../helpers/round.ts';

const bytes = (text: string) => Buffer.from(text, 'utf8');
/** The report of the ordinary path (JSON.parse, zod, Map lookups), or the problems it names. */
function slowReplay(text: string): string {
  try {
    return reportJson(computeReport(parseRoundFileText(text)));
  } catch (e) {
    if (e instanceof RoundFileError) return `invalid: ${e.message}`;
    throw e;
  }
}
async function fastReplay(text: string, parallel = false): Promise<string | undefined> {
  const index = await readColumns(bytes(text), { parallel });
  return index && reportJson(computeReport(index));
}

/** Every object's keys in another order, chosen by `keys`; the lists keep their order. */
function shuffleKeys(value: unknown, keys: number[]): unknown {
  if (Array.isArray(value)) return value.map((v) => shuffleKeys(v, keys));
  if (typeof value !== 'object' || value === null) return value;
  const entries = Object.entries(value).map(([k, v], i) => [k, shuffleKeys(v, keys), keys[(i + k.length) % keys.length]!] as const);
  return Object.fromEntries(entries.sort((a, b) => a[2] - b[2]).map(([k, v]) => [k, v]));
}

describe('reading round files straight into columns', () => {
  it('GIVEN the long lists of the schema THEN the byte reader knows the same lists with the same keys', () => {
    expect(Object.keys(FIELDS).sort()).toEqual(Object.keys(LONG_LISTS).sort());
    for (const [list, schema] of Object.entries(LONG_LISTS))
      // the ballots of approval and ranked polls are not columns: a file with such polls is read the ordinary way
      expect(FIELDS[list as keyof typeof FIELDS].map((f) => f.name).sort(), list).toEqual(Object.keys(schema.shape).filter((k) => k !== 'options' && k !== 'ranking').sort());
  });

  it('PROPERTY a file, compact, indented, with its keys in any order or lists left out, gives the report the ordinary path gives', async () => {
    await fc.assert(
      fc.asyncProperty(
        arbitraryRoundFile,
        fc.array(fc.nat(), { minLength: 1, maxLength: 9 }),
        fc.constantFrom(undefined, 2, '\t'),
        fc.subarray(['ratings', 'comments', 'reactions', 'votes', 'proposals', 'questions']),
        async (file, keys, indent, leftOut) => {
        const text = JSON.stringify(shuffleKeys(Object.fromEntries(Object.entries(file).filter(([k]) => !leftOut.includes(k))), keys), null, indent);
        const slow = slowReplay(text);
        // leaving out a list can leave references to nothing: then the reader must not vouch for the file
        expect(await fastReplay(text)).toBe(slow.startsWith('invalid') ? undefined : slow);
        },
      ),
      { numRuns: 150, seed: 13 },
    );
  });

  it('PROPERTY a damaged file is never vouched for unless the ordinary path accepts it, and then with the same report', async () => {
    await fc.assert(
      fc.asyncProperty(arbitraryRoundFile, arbitraryDamages, async (file, damages) => {
        const text = damaged(JSON.stringify(file), damages);
        const fast = await fastReplay(text);
        const slow = slowReplay(text);
        if (fast !== undefined) expect(fast).toBe(slow);
        if (slow.startsWith('invalid')) expect(fast).toBeUndefined();
      }),
      { numRuns: 400, seed: 13 },
    );
  });

  const valid = JSON.stringify({
    version: 1,
    round: { id: 'r', name: 'R' },
    members: [{ id: 'm1', handle: 'one', wallets: [{ chain: 'eip155:1', address: `0x${'1'.repeat(40)}`, balance: '5' }] }, { id: 'm2', handle: 'two' }],
    proposals: [{ id: 'p1', author: 'm1', title: 'P' }],
    ratings: [{ proposal: 'p1', rater: 'm2', stars: 4 }],
    comments: [{ id: 'c1', author: 'm2', proposal: 'p1', createdAt: '2024-01-01T00:00:00Z' }],
    reactions: [{ comment: 'c1', reactor: 'm1', kind: 'upvote' }],
    questions: [{ id: 'q1', text: 'Q?', options: ['a', 'b'] }],
    votes: [{ question: 'q1', member: 'm1', option: 1, castAt: '2024-01-01T00:00:00.000000001+01:00' }],
  });

  it('GIVEN valid JSON the reader does not vouch for (4.0, 1e0, an escaped id, a repeated key) THEN the ordinary path replays it the same', async () => {
    expect(await readColumns(bytes(valid))).toBeDefined();
    for (const unusual of [valid.replace('"stars":4', '"stars":4.0'), valid.replace('"rater":"m2"', '"rater":"m\\u0032"'), valid.replace('"option":1', '"option":1e0'), valid.replace('"version":1,', '"version":1,"version":1,')]) {
      expect(await readColumns(bytes(unusual))).toBeUndefined();
      expect(reportJson(computeReport(await indexRoundFile(bytes(unusual))))).toBe(slowReplay(valid));
    }
  });

  it('GIVEN a file with problems THEN indexRoundFile names them exactly as the ordinary path does', async () => {
    for (const bad of [
      valid.replace('"member":"m1"', '"member":"m9"'),
      valid.replace('"option":1', '"option":2'),
      valid.replace('"kind":"upvote"', '"kind":"clap"'),
      valid.replace(']}', '],"extra":1}'),
      valid.replace('"comments":[', '"comments":[{"id":"c1","author":"m1","proposal":"p1"},'),
      valid.replace('"ratings":[', '"ratings":[{"proposal":"p1","rater":"m2","stars":1},'),
      valid.replace('"reactions":[', '"reactions":[{"comment":"c1","reactor":"m1","kind":"upvote"},'),
      valid.replace('"comment":"c1"', '"comment":"c2"'),
      valid.replace('{"proposal":"p1","rater"', '{"proposal":"p2","rater"'),
      valid.replace(',"castAt":"2024-01-01T00:00:00.000000001+01:00"', ''),
      valid.replace('2024-01-01T00:00:00.000000001+01:00', '2023-02-29T00:00:00Z'),
      valid.replace('"stars":4', '"stars":6'),
      valid.replace('"stars":4', '"stars":04'),
      valid.replace('"option":1', '"option":-1'),
      valid.replace('"votes":[', '"votes":{').replace(/]}$/, '}}'),
      valid.slice(0, -1),
    ]) {
      expect(await readColumns(bytes(bad)), bad).toBeUndefined();
      const problem = await indexRoundFile(bytes(bad)).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(problem).toBeInstanceOf(RoundFileError);
      expect(`invalid: ${(problem as Error).message}`).toBe(slowReplay(bad));
    }
  });

  it('GIVEN a worker thread reading the comments and reactions THEN the report is the same, and a problem in its lists still declines', async () => {
    const file = JSON.stringify(fc.sample(arbitraryRoundFile.filter((f) => (f.votes?.length ?? 0) > 0 && (f.reactions?.length ?? 0) > 0), { numRuns: 1, seed: 7 })[0]);
    expect(await fastReplay(file, true)).toBe(slowReplay(file));
    expect(await fastReplay(valid, true)).toBe(slowReplay(valid));
    const bare = JSON.stringify({ version: 1, round: { id: 'r', name: 'R' }, members: [{ id: 'm1', handle: 'one' }] });
    expect(await fastReplay(bare, true)).toBe(slowReplay(bare));
    expect(await fastReplay(bare, false)).toBe(slowReplay(bare));
    expect(await fastReplay(valid.replace('"member":"m1"', '"member":"m9"'), true)).toBeUndefined();
    expect(await fastReplay(valid.replace('"comment":"c1"', '"comment":"c2"'), true)).toBeUndefined();
    expect(await fastReplay(valid.replace('"stars":4', '"stars":9'), true)).toBeUndefined();
  });

  it('GIVEN ids that share their first 8 bytes, or one that is the first 8 bytes of another, THEN each is told apart as the ordinary path does', async () => {
    const ids = ['abcdefgh', 'abcdefghi', 'abcdefghij', 'member-000000001', 'member-000000002', 'abc', 'abcd', 'abcde'];
    const file = JSON.stringify({
      version: 1,
      round: { id: 'r', name: 'R' },
      members: ids.map((id) => ({ id, handle: id, wallets: [] })),
      proposals: [{ id: 'proposal-number-1', author: 'abcdefghi', title: 'P' }, { id: 'proposal-number-2', author: 'abcdefgh', title: 'Q' }],
      comments: ids.map((author, i) => ({ id: `comment-${i}`, author, proposal: `proposal-number-${1 + (i % 2)}` })),
      reactions: ids.map((reactor, i) => ({ comment: `comment-${(i * 3) % ids.length}`, reactor, kind: 'upvote' })),
    });
    const fast = await fastReplay(file, true);
    expect(fast).toBe(slowReplay(file));
    expect(JSON.parse(fast!).members.find((m: { id: string }) => m.id === 'abcdefghij').points).toBeGreaterThan(0);
    // an id named nowhere but sharing its first 8 bytes with one that is: not vouched for
    expect(await fastReplay(file.replace('"reactor":"member-000000002"', '"reactor":"member-000000003"'), true)).toBeUndefined();
  });

  it('GIVEN a member id listed twice, or a proposal, delegation or secret voter naming no member THEN the problem is the one the ordinary path names', async () => {
    const members = [{ id: 'm1', handle: 'one' }, { id: 'm2', handle: 'two' }];
    const fileOf = (extra: object) => JSON.stringify({ version: 1, round: { id: 'r', name: 'R' }, members, proposals: [{ id: 'p1', author: 'm1', title: 'P' }], ...extra });
    const valid = fileOf({ delegations: [{ from: 'm1', to: 'm2', since: '2025-01-01T00:00:00Z', until: null }] });
    expect(await fastReplay(valid)).toBe(slowReplay(valid));
    for (const broken of [
      fileOf({}).replace('"id":"m2"', '"id":"m1"'),
      fileOf({}).replace('"author":"m1"', '"author":"m3"'),
      valid.replace('"to":"m2"', '"to":"m9"'),
      fileOf({ questions: [{ id: 'q1', text: 'Q?', options: ['a', 'b'], privacy: 'secret' }], secretTallies: [{ question: 'q1', voters: ['m1', 'm7'], options: [{ tokenVotes: '0', quadraticVotes: 0, qualifiedVotes: 0 }, { tokenVotes: '0', quadraticVotes: 0, qualifiedVotes: 0 }], commitments: [] }] }),
    ]) {
      expect(slowReplay(broken), broken).toMatch(/^invalid: .*(already the id of members\[0\]|is not the id of any member)/s);
      expect(await fastReplay(broken), broken).toBeUndefined();
      await expect(indexRoundFile(bytes(broken))).rejects.toThrow(slowReplay(broken).slice('invalid: '.length));
    }
  });

  it('GIVEN ids made to collide in the reader\'s hash table THEN it stops probing and the ordinary path gives the report', async () => {
    const fnv = (id: string) => [...id].reduce((h, c) => Math.imul(h ^ c.charCodeAt(0), 0x01000193), 0x811c9dc5);
    const colliding: string[] = [];
    // the same 14 bits above the hash's low 7 (where a slot keeps the length): one place in any table of up to 16,384
    // slots, which 300 ids do not outgrow; not a prefix and a number, which are not hashed
    for (let i = 0; colliding.length < 300; i++) if (((fnv(`m${i}x`) >>> 7) & 0x3fff) === 0) colliding.push(`m${i}x`);
    const fileOf = (ids: string[]) =>
      JSON.stringify({
        version: 1,
        round: { id: 'r', name: 'R' },
        members: ids.map((id) => ({ id, handle: id })),
        questions: [{ id: 'q1', text: 'Q?', options: ['a', 'b'] }],
        votes: ids.map((member, i) => ({ question: 'q1', member, option: i % 2, castAt: '2025-01-01T00:00:00Z' })),
      });
    expect(await readColumns(bytes(fileOf(colliding.map((_, i) => `m${i}x`))))).toBeDefined();
    const crafted = fileOf(colliding);
    expect(await readColumns(bytes(crafted))).toBeUndefined();
    expect(reportJson(computeReport(await indexRoundFile(bytes(crafted))))).toBe(slowReplay(crafted));
  });
});
