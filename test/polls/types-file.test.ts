import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { computeReport, reportJson } from '../../src/core/report.ts';
import { ballotCommitment, sealSecretPolls } from '../../src/core/secret.ts';
import { parseRoundFile, parseRoundFileText, serializeRoundFile, type RoundFileInput } from '../../src/roundfile/schema.ts';
import { govbot } from '../helpers/cli.ts';
import { member, tokens } from '../helpers/round.ts';

const AT = '2025-01-01T00:00:00Z';
const file = (votes: RoundFileInput['votes'], type: 'approval' | 'ranked' = 'approval', privacy?: 'secret'): RoundFileInput => ({
  version: 1,
  round: { id: 'r1', name: 'R', config: {} },
  members: [member('a', tokens(100)), member('b', tokens(400)), member('c', tokens(900))],
  questions: [{ id: 'q1', text: 'Which?', options: ['A', 'B', 'C'], type, ...(privacy && { privacy }) }],
  votes,
});
const problems = (input: RoundFileInput) => {
  try {
    parseRoundFile(input);
  } catch (e) {
    return (e as Error).message;
  }
  return 'valid';
};

describe('approval and ranked ballots in the round file', () => {
  it('GIVEN a ballot that does not fit its poll THEN the problem names the field', () => {
    const vote = { question: 'q1', member: 'a', castAt: AT };
    expect(problems(file([{ ...vote, option: 0 }]))).toContain('votes[0].option: q1 is an approval poll: a vote on it gives options, not option');
    expect(problems(file([{ ...vote, ranking: [0] }]))).toContain('votes[0].ranking: q1 is an approval poll: a vote on it gives options, not ranking');
    expect(problems(file([{ ...vote, options: [0, 3] }]))).toContain('votes[0].options: 3 is not an option of q1');
    expect(problems(file([{ ...vote, ranking: [1, 0, 1] }], 'ranked'))).toContain('votes[0].ranking: option 1 is listed twice');
    expect(problems(file([{ ...vote, options: [] }]))).toContain('votes[0].options: a ballot lists at least one option');
    expect(problems(file([{ ...vote, options: [0], option: 0 }]))).toContain('votes[0].option: a vote gives one of option, options (approval) or ranking (ranked)');
    expect(problems({ ...file([]), questions: [{ id: 'q1', text: 'Which?', options: ['A', 'B'] }], votes: [{ ...vote, options: [0] }] })).toContain('votes[0].options: q1 is a single poll: a vote on it gives option, not options');
  });

  it('GIVEN a file with approval and ranked ballots THEN it is written back byte for byte and govbot replay prints the report of the rules', async () => {
    const input = { ...file([{ question: 'q1', member: 'a', options: [0, 2], castAt: AT }, { question: 'q1', member: 'b', options: [1], castAt: AT }]) };
    input.questions = [...input.questions!, { id: 'q2', text: 'Order?', options: ['A', 'B', 'C'], type: 'ranked' }];
    input.votes = [...input.votes!, { question: 'q2', member: 'a', ranking: [2, 0], castAt: AT }, { question: 'q2', member: 'c', ranking: [0], castAt: AT }];
    const text = serializeRoundFile(parseRoundFile(input));
    expect(serializeRoundFile(parseRoundFileText(text))).toBe(text);
    expect(JSON.parse(text).votes[0]).toEqual({ question: 'q1', member: 'a', options: [0, 2], castAt: AT });
    const path = join(mkdtempSync(join(tmpdir(), 'govbot-types-')), 'r1.json');
    writeFileSync(path, text);
    const replay = await govbot(['replay', path, '--json']);
    expect(replay.code).toBe(0);
    expect(replay.out).toBe(reportJson(computeReport(parseRoundFileText(text))));
    const [q1, q2] = JSON.parse(replay.out).questions;
    expect(q1.options.map((o: { quadraticVotes: number }) => o.quadraticVotes)).toEqual([10, 20, 10]);
    expect(q1.type).toBe('approval');
    // ranked: C 10, A 30 first; B (0, ranked by none) then C dropped: A wins every view
    expect(q2.runoff).toEqual({ tokenVotes: [1, 2], quadraticVotes: [1, 2], qualifiedVotes: [1, 2] });
    expect(q2.winners).toEqual({ tokenVotes: 0, quadraticVotes: 0, qualifiedVotes: 0 });
  });

  it('GIVEN a secret approval poll THEN its public file commits to each ballot as its indices joined by commas, and a ranked poll cannot be secret', () => {
    const full = parseRoundFile(file([{ question: 'q1', member: 'a', options: [2, 0], castAt: AT }, { question: 'q1', member: 'b', options: [1], castAt: AT }], 'approval', 'secret'));
    const sealed = sealSecretPolls(full, (_, m) => `salt-${m}`);
    expect(sealed.secretTallies![0]!.commitments).toEqual([ballotCommitment('a', [2, 0], 'salt-a'), ballotCommitment('b', 1, 'salt-b')].sort());
    expect(ballotCommitment('a', [2, 0], 's')).toBe(ballotCommitment('a', 2, ',0s'));
    const replayed = computeReport(parseRoundFileText(serializeRoundFile(sealed))).questions[0]!;
    expect(replayed.options.map((o) => o.quadraticVotes)).toEqual(computeReport(full).questions[0]!.options.map((o) => o.quadraticVotes));
    const ranked = { ...file([], 'ranked', 'secret'), secretTallies: [{ question: 'q1', voters: [], options: [0, 1, 2].map(() => ({ tokenVotes: '0', quadraticVotes: 0, qualifiedVotes: 0 })), commitments: [] }] };
    expect(problems(ranked)).toContain('secretTallies[0].question: q1 is a ranked poll: its runoff cannot be recomputed from option totals');
  });
});
