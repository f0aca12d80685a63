import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { computeReport, reportJson } from '../../src/core/report.ts';
import { indexRoundFile, readColumns } from '../../src/roundfile/columns.ts';
import { Interner } from '../../src/roundfile/scan.ts';
import { parseRoundFileText, RoundFileError } from '../../src/roundfile/schema.ts';
import { arbitraryDamages, arbitraryRoundFile, damaged } from '../helpers/round.ts';

// The lists a large file's second thread reads, found by their keys, run here in this thread (worker: false): the
// split is the same, the test starts no thread.
const bytes = (text: string) => Buffer.from(text, 'utf8');
function slowReplay(text: string): string {
  try {
    return reportJson(computeReport(parseRoundFileText(text)));
  } catch (e) {
    if (e instanceof RoundFileError) return `invalid: ${e.message}`;
    throw e;
  }
}
async function splitReplay(file: Uint8Array | string): Promise<string | undefined> {
  const index = await readColumns(typeof file === 'string' ? bytes(file) : file, { parallel: true, worker: false });
  return index && reportJson(computeReport(index));
}
/** The top-level parts in the order `order` sorts them into. */
const reordered = (file: object, order: number[]) =>
  Object.fromEntries(Object.entries(file).map(([k, v], i) => [k, v, order[i % order.length]!] as const).sort((a, b) => a[2] - b[2]).map(([k, v]) => [k, v]));

const valid = JSON.stringify({
  version: 1,
  round: { id: 'r', name: 'R' },
  members: [{ id: 'm1', handle: 'one', wallets: [{ chain: 'eip155:1', address: `0x${'1'.repeat(40)}`, balance: '5' }] }, { id: 'm2', handle: 'two' }],
  proposals: [{ id: 'p1', author: 'm1', title: 'P' }],
  comments: [{ id: 'c1', author: 'm2', proposal: 'p1' }],
  reactions: [{ comment: 'c1', reactor: 'm1', kind: 'upvote' }],
  questions: [{ id: 'q1', text: 'Q?', options: ['a', 'b'] }],
  votes: [{ question: 'q1', member: 'm2', option: 1, castAt: '2024-01-01T00:00:00Z' }],
});

describe('a round file read by two scans, the comments, reactions and votes found by their keys', () => {
  it('PROPERTY a file, compact or indented, its parts in any order or left out, gives the report the ordinary path gives', async () => {
    await fc.assert(
      fc.asyncProperty(
        arbitraryRoundFile,
        fc.array(fc.nat(), { minLength: 1, maxLength: 9 }),
        fc.constantFrom(undefined, 2, '\t'),
        fc.subarray(['ratings', 'comments', 'reactions', 'votes']),
        async (file, order, indent, leftOut) => {
          const text = JSON.stringify(reordered(Object.fromEntries(Object.entries(file).filter(([k]) => !leftOut.includes(k))), order), null, indent);
          const slow = slowReplay(text);
          expect(await splitReplay(text)).toBe(slow.startsWith('invalid') ? undefined : slow);
        },
      ),
      { numRuns: 120, seed: 13 },
    );
  });

  it('PROPERTY a damaged file is never vouched for unless the ordinary path accepts it, and then with the same report', async () => {
    await fc.assert(
      fc.asyncProperty(arbitraryRoundFile, arbitraryDamages, async (file, damages) => {
        const text = damaged(JSON.stringify(file), damages);
        const fast = await splitReplay(text);
        const slow = slowReplay(text);
        if (slow.startsWith('invalid')) expect(fast).toBeUndefined();
        else if (fast !== undefined) expect(fast).toBe(slow);
      }),
      { numRuns: 200, seed: 13 },
    );
  });

  it('PROPERTY ids of every shape — one prefix and a number, a second prefix, leading zeros, numbers past the dense table, long ids — give the ordinary path\'s report', async () => {
    // each generated id (m3, p0, c12, q1) renamed, one way per file, so that ids of one space stay distinct
    const shapes: Record<string, (letter: string, n: number) => string> = {
      plain: (l, n) => `${l}${n}`,
      twoPrefixes: (l, n) => (n % 2 === 0 ? `${l}${n}` : n % 4 === 1 ? `z${n}` : `x${l}${n}`),
      // m1 and m01 (from m3) side by side
      someLeadingZeros: (l, n) => (n % 3 === 0 ? `${l}0${n / 3}` : `${l}${n}`),
      bareNumbers: (_, n) => String(n),
      aroundTheDenseBound: (l, n) => `${l}${1_048_574 + n}`,
      long: (l, n) => `${l.repeat(9)}-${n}`,
    };
    await fc.assert(
      fc.asyncProperty(arbitraryRoundFile, fc.constantFrom(...Object.keys(shapes)), async (file, shape) => {
        const text = JSON.stringify(file).replace(/"([mpcq])(\d+)"/g, (_, letter: string, n: string) => `"${shapes[shape]!(letter, Number(n))}"`);
        const slow = slowReplay(text);
        expect(await splitReplay(text)).toBe(slow.startsWith('invalid') ? undefined : slow);
      }),
      { numRuns: 120, seed: 13 },
    );
  });

  it('GIVEN white space between a list\'s key, its colon and its bracket THEN the list is found and the report is the ordinary one', async () => {
    const spaced = valid.replace('"comments":[', '"comments" :\n [').replace('"votes":[', '"votes"\t:[');
    expect(await splitReplay(spaced)).toBe(slowReplay(valid));
  });

  it('GIVEN the votes cut into pieces, half taken by each scan THEN they are counted in file order, and a malformed list is not vouched for', async () => {
    const castAt = (i: number) => `2024-01-0${1 + (i % 3)}T00:00:00Z`;
    // the same member changes their choice at equal times: the last in file order counts, wherever the pieces were cut
    const votes = Array.from({ length: 200 }, (_, i) => ({ question: 'q1', member: `m${1 + (i % 2)}`, option: (i * 7) % 2, castAt: castAt(i) }));
    const many = JSON.stringify({ ...JSON.parse(valid), votes }, null, 1);
    expect(await splitReplay(many)).toBe(slowReplay(many));
    for (const [list, vouched] of [['[ \n ]', true], ['[{"question":"q1","member":"m2","option":1,"castAt":"2024-01-01T00:00:00Z"} ]', true], ['[{"question":"q1","member":"m2","option":1,"castAt":"2024-01-01T00:00:00Z"},]', false], ['[,{"question":"q1","member":"m2","option":1,"castAt":"2024-01-01T00:00:00Z"}]', false]] as const) {
      const text = valid.replace(/"votes":\[.*\]\}$/, `"votes":${list}}`);
      expect(await splitReplay(text), list).toBe(vouched ? slowReplay(text) : undefined);
    }
  });

  it('GIVEN a list\'s key inside another part, before the list or in place of it, or a repeated rating or reaction THEN the split does not vouch and the ordinary path names the problem', async () => {
    for (const misplaced of [
      valid.replace('"title":"P"', '"title":"P","votes":[]'),
      valid.replace('"options":["a","b"]', '"options":["a","b"],"comments":[{"id":"c9","author":"m1","proposal":"p1"}]'),
      valid.replace(/,"votes":\[.*\]\}$/, ',"round2":{"votes":[{"question":"q1","member":"m2","option":1,"castAt":"2024-01-01T00:00:00Z"}]}}'),
      // repeats, which the scan that read the list refuses
      valid.replace('"reactions":[', '"reactions":[{"comment":"c1","reactor":"m1","kind":"upvote"},'),
      valid.replace('"comments":[', '"ratings":[{"proposal":"p1","rater":"m2","stars":4},{"proposal":"p1","rater":"m2","stars":2}],"comments":['),
    ]) {
      expect(await splitReplay(misplaced), misplaced).toBeUndefined();
      const problem = await indexRoundFile(bytes(misplaced)).then(() => undefined, (e: unknown) => e);
      expect(`invalid: ${(problem as Error).message}`).toBe(slowReplay(misplaced));
    }
  });

  it('GIVEN a byte that is not UTF-8 in a handle THEN neither scan vouches for the file and the ordinary path names where it is', async () => {
    const broken = bytes(valid.replace('"handle":"two"', '"handle":"tw#"'));
    broken[broken.indexOf('tw#') + 2] = 0xff;
    expect(await splitReplay(broken)).toBeUndefined();
    expect(await readColumns(broken, { parallel: false })).toBeUndefined();
    await expect(indexRoundFile(broken)).rejects.toThrow(/not valid UTF-8 at byte \d+ \(line 1, column \d+\)/);
  });

  it('GIVEN room reserved for as many ids as a list has THEN interning them grows the hash table once, when it takes its first', () => {
    // not one prefix and a number: every id goes to the hash table
    const ids = Array.from({ length: 5_000 }, (_, i) => `comment-${i}x`);
    const file = Buffer.from(ids.join(''));
    const interner = new Interner(file);
    interner.reserve(ids.length);
    let at = 0;
    const tables = ids.map((id) => {
      let hash = 0x811c9dc5;
      for (const c of Buffer.from(id)) hash = Math.imul(hash ^ c, 0x01000193);
      interner.intern(at, at + id.length, hash, file.readInt32LE(at), file.readInt32LE(at + 4), at + id.length, 0);
      at += id.length;
      return interner.tables().slots;
    });
    expect(interner.count).toBe(ids.length);
    expect(new Set(tables).size).toBe(1);
    expect(ids.every((id, i) => interner.find(id) === i)).toBe(true);
  });
});
