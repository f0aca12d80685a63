import { describe, expect, it } from 'vitest';
import { nextPairs, samplerState } from '../../src/core/pairwise/sampler.ts';
import { parsePairwiseRound } from '../../src/roundfile/pairwise.ts';

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
