import { describe, expect, it } from 'vitest';
import { isPairwiseFile, parsePairwiseRound, serializePairwiseRound } from '../../src/roundfile/pairwise.ts';
import { RoundFileError } from '../../src/roundfile/schema.ts';

const file = () => ({
  version: 1,
  kind: 'pairwise',
  round: { id: 'df1', name: 'Dependencies of Ethereum', root: 'Ethereum', config: { seed: 7 } },
  projects: [
    { id: 'geth', name: 'go-ethereum', url: 'https://github.com/ethereum/go-ethereum', parent: null },
    { id: 'solidity', name: 'Solidity', parent: null },
    { id: 'evmone', name: 'evmone', parent: 'solidity' },
    { id: 'solc-js', name: 'solc-js', parent: 'solidity' },
  ],
  jurors: [{ id: 'j1', handle: 'alice' }],
  comparisons: [
    { juror: 'j1', a: 'geth', b: 'solidity', winner: 'b', ratio: 3, at: '2025-01-02T10:00:00Z' },
    { juror: 'j1', a: 'evmone', b: 'solc-js', winner: 'equal', at: '2025-01-02T10:01:00Z' },
  ],
  holdout: [1],
  submissions: [{ id: 's1', author: 'team-x', weights: { geth: 0.4, solidity: 0.6, evmone: 0.5, 'solc-js': 0.5 } }],
});

/** The problems a broken copy of the file is refused with. */
function problems(change: (f: ReturnType<typeof file>) => void): string[] {
  const f = file();
  change(f);
  try {
    parsePairwiseRound(f);
  } catch (e) {
    if (e instanceof RoundFileError) return e.problems;
    throw e;
  }
  return [];
}

describe('the pairwise round file', () => {
  it('GIVEN the DESIGN example THEN it parses with the defaults filled in and an equal answer has ratio 1', () => {
    const round = parsePairwiseRound(file());
    expect(round.config).toMatchObject({ aggregation: 'l2log', elicitation: 'ratio', ratios: [1.5, 2, 3, 5, 10, 30, 100], holdoutPercent: 20, jurorWeighting: 'none', seed: 7, pool: 0n, minWeight: 0 });
    expect(round.comparisons[1]!.ratio).toBe(1);
    expect(parsePairwiseRound(JSON.parse(serializePairwiseRound(round)))).toEqual(round);
  });

  it('GIVEN an unknown project, a comparison between non-siblings, a ratio below 1, a holdout index out of range, weights that are not a distribution THEN each is named by its path', () => {
    expect(problems((f) => (f.comparisons[0]!.b = 'reth'))).toEqual(['comparisons[0].b: reth is not a project of the round']);
    expect(problems((f) => (f.comparisons[0]!.b = 'evmone'))).toEqual([
      'comparisons[0].b: evmone is not a sibling of geth: only projects with the same parent are compared (Ethereum and solidity)',
    ]);
    expect(problems((f) => (f.comparisons[0]!.ratio = 0.5))).toEqual(['comparisons[0].ratio: a ratio is at least 1 (the winner mattered that many times more)']);
    expect(problems((f) => (f.holdout = [1, 2]))).toEqual(['holdout[1]: 2 is not a comparison index (there are 2 comparisons, from 0)']);
    expect(problems((f) => (f.submissions[0]!.weights.geth = 0.5))).toEqual([
      'submissions[0].weights: the weights of the projects at the top add up to 1.1, not 1: each sibling group\'s weights are a distribution',
    ]);
    expect(problems((f) => (f.submissions[0]!.weights.geth = -0.4))).toEqual(['submissions[0].weights.geth: -0.4 is not a positive weight (the score takes its logarithm)']);
  });

  it('GIVEN other mistakes THEN each is named: a ratio not offered, a parent cycle, an unknown juror, a binary round fitted by l2log', () => {
    expect(problems((f) => (f.comparisons[0]!.ratio = 4))).toEqual([
      'comparisons[0].ratio: 4 is not one of the offered ratios (1.5, 2, 3, 5, 10, 30, 100); set config.typedRatios to allow any ratio ≥ 1',
    ]);
    expect(problems((f) => (f.projects[1]!.parent = 'evmone'))).toContain('projects[1].parent: solidity would be its own ancestor');
    expect(problems((f) => (f.comparisons[0]!.juror = 'j9'))).toEqual(['comparisons[0].juror: j9 is not a juror of the round']);
    expect(problems((f) => Object.assign(f.round.config, { elicitation: 'binary' }))).toContain('round.config.aggregation: l2log fits stated ratios; a binary round (winners only) uses bt');
  });

  it('GIVEN the bytes of a pairwise file, or a governance file with reactions THEN only the first is told pairwise', () => {
    expect(isPairwiseFile(Buffer.from(JSON.stringify(file(), null, 2)))).toBe(true);
    expect(isPairwiseFile(Buffer.from('{"version":1,"reactions":[{"comment":"c1","reactor":"m1","kind":"upvote"}],"proposals":[{"title":"pairwise"},{"title":"\\"kind\\": \\"pairwise\\""}]}'))).toBe(false);
  });
});
