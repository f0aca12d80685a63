import { describe, expect, it } from 'vitest';
import { nextPairs, samplerState } from '../../src/core/pairwise/sampler.ts';
import { exportPairwiseRound, findPairwiseRound, judgingMemory, recordAnswer, samplerRound } from '../../src/db/pairwise.ts';
import { newId } from '../../src/db/repositories.ts';
import { parsePairwiseRound } from '../../src/roundfile/pairwise.ts';
import { consoleHarness } from '../helpers/console.ts';

describe('the sampler as /judge calls it', () => {
  it('GIVEN a juror new to a round whose only pair is answered by another THEN asking for several pairs gives that pair once, never twice', () => {
    const round = parsePairwiseRound({
      version: 1,
      kind: 'pairwise',
      round: { id: 'r', name: 'r', root: 'E' },
      projects: [
        { id: 'x', name: 'x' },
        { id: 'y', name: 'y' },
      ],
      jurors: [{ id: 'j1', handle: 'j1' }],
      comparisons: [{ juror: 'j1', a: 'x', b: 'y', winner: 'a', ratio: 2, at: '2025-01-01T00:00:00Z' }],
    });
    expect(nextPairs(samplerState(round), 'j2', 3)).toHaveLength(1);
  });
});

describe('the round /judge samples from', () => {
  it('GIVEN answers added, a changed mind, an equal answer and an excluded juror THEN the round read from the rows (with the last read kept, or fresh) is the exported file\'s, and its next pairs (with a kept fit) are those of the file', async () => {
    const c = await consoleHarness();
    try {
      await c.say('/as mod --moderator', '/pairwise create id:df1 name:D root:Ethereum', `/pairwise projects file:"name,url,parent\nclients,,\ntooling,,\ngeth,https://geth.ethereum.org,clients\nreth,,clients\nbesu,,clients\nsolidity,,tooling\nvyper,,tooling"`, '/pairwise open');
      const community = (await c.db.selectFrom('communities').select('id').executeTakeFirstOrThrow()).id;
      const memory = judgingMemory();
      /** The round as /judge reads it, with the memory kept and fresh, against the export. */
      const same = async () => {
        const row = (await findPairwiseRound(c.db, community, 'df1'))!;
        const { round: exported } = await exportPairwiseRound(c.db, row);
        for (const read of [await samplerRound(c.db, row, memory), await samplerRound(c.db, row)]) {
          expect(read.comparisons).toEqual(exported.comparisons);
          expect(read.jurors.map((j) => j.id)).toEqual(exported.jurors.map((j) => j.id));
          expect(read.projects.map((p) => [p.id, p.parent])).toEqual(exported.projects.map((p) => [p.id, p.parent]));
          expect(read.config).toEqual(exported.config);
          for (const juror of ['alice', 'dave']) expect(nextPairs(samplerState(read, [], { cache: memory.fits }), juror, 3)).toEqual(nextPairs(samplerState(exported), juror, 3));
        }
        return exported.comparisons.length;
      };
      expect(await same()).toBe(0);
      for (const [juror, answers] of [['alice', 5], ['bob', 3], ['carol', 4]] as const) {
        let q = await c.say(`/as ${juror}`, '/judge');
        for (let k = 0; k < answers && q.includes('pick:a'); k++) {
          const [, a, b] = /a:(\S+) b:(\S+) pick:a/.exec(q)!;
          q = await c.say(`/judge round:df1 a:${a} b:${b} ${k === 1 ? 'pick:equal' : `pick:${k % 2 ? 'a' : 'b'} ratio:3`}`);
          await same();
          if (juror === 'alice' && k === 0) {
            await c.say(`/judge round:df1 a:${a} b:${b} pick:a ratio:2`);
            await same();
          }
        }
      }
      expect(await same()).toBe(12);
      await c.say('/as mod --moderator', '/jurors exclude member:bob reason:"test"');
      expect(await same()).toBe(9);

      // An answer read inside a transaction that then rolls back is not kept: the next answer takes its place.
      const row = (await findPairwiseRound(c.db, community, 'df1'))!;
      const dave = { id: newId(), community_id: community, key: 'dave', handle: 'dave', created_at: '2025-01-01T00:00:00Z', public_handle: 0 };
      await c.db.insertInto('members').values(dave).execute();
      const answer = (winner: 'a' | 'b') => ({ a: 'geth', b: 'reth', winner, ratio: 2, reason: null });
      const rolledBack = c.db.transaction().execute(async (trx) => {
        await recordAnswer(trx, row.id, dave.id, answer('a'), '2025-01-01T01:00:00Z');
        expect((await samplerRound(trx, row, memory)).comparisons.at(-1)).toMatchObject({ juror: 'dave', winner: 'a' });
        throw new Error('rolled back');
      });
      await expect(rolledBack).rejects.toThrow('rolled back');
      await recordAnswer(c.db, row.id, dave.id, answer('b'), '2025-01-01T01:00:01Z');
      expect(await same()).toBe(10);
    } finally {
      await c.close();
    }
  });
});
