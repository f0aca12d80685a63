import { describe, expect, it } from 'vitest';
import { nextPairs, samplerCache, samplerState } from '../../src/core/pairwise/sampler.ts';
import { exportPairwiseRound, findPairwiseRound, samplerRound } from '../../src/db/pairwise.ts';
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
  it('GIVEN answers, a changed mind, an equal answer and an excluded juror THEN the round read from the rows is the exported file\'s, and its next pairs (with a kept fit) are those of the file', async () => {
    const c = await consoleHarness();
    try {
      await c.say('/as mod --moderator', '/pairwise create id:df1 name:D root:Ethereum', `/pairwise projects file:"name,url,parent\nclients,,\ntooling,,\ngeth,https://geth.ethereum.org,clients\nreth,,clients\nbesu,,clients\nsolidity,,tooling\nvyper,,tooling"`, '/pairwise open');
      for (const [juror, answers] of [['alice', 5], ['bob', 3], ['carol', 4]] as const) {
        let q = await c.say(`/as ${juror}`, '/judge');
        for (let k = 0; k < answers && q.includes('pick:a'); k++) {
          const [, a, b] = /a:(\S+) b:(\S+) pick:a/.exec(q)!;
          q = await c.say(`/judge round:df1 a:${a} b:${b} ${k === 1 ? 'pick:equal' : `pick:${k % 2 ? 'a' : 'b'} ratio:3`}`);
          if (juror === 'alice' && k === 0) await c.say(`/judge round:df1 a:${a} b:${b} pick:a ratio:2`);
        }
      }
      await c.say('/as mod --moderator', '/jurors exclude member:bob reason:"test"');
      const row = (await findPairwiseRound(c.db, (await c.db.selectFrom('communities').select('id').executeTakeFirstOrThrow()).id, 'df1'))!;
      const { round: exported } = await exportPairwiseRound(c.db, row);
      const read = await samplerRound(c.db, row);
      expect(read.comparisons).toEqual(exported.comparisons);
      expect(read.comparisons.length).toBe(9);
      expect(read.jurors.map((j) => j.id)).toEqual(exported.jurors.map((j) => j.id));
      expect(read.projects.map((p) => [p.id, p.parent])).toEqual(exported.projects.map((p) => [p.id, p.parent]));
      expect(read.config).toEqual(exported.config);
      const cache = samplerCache();
      for (const juror of ['alice', 'dave', 'erin']) {
        const cold = nextPairs(samplerState(exported), juror, 3);
        expect(nextPairs(samplerState(read, [], { cache }), juror, 3)).toEqual(cold);
        expect(nextPairs(samplerState(read, [], { cache }), juror, 3)).toEqual(cold);
      }
    } finally {
      await c.close();
    }
  });
});
