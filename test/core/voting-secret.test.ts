import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { computeReport, reportJson } from '../../src/core/report.ts';
import { ballotCommitment, sealSecretPolls } from '../../src/core/secret.ts';
import { parseRoundFile, parseRoundFileText, serializeRoundFile } from '../../src/roundfile/schema.ts';
import { arbitraryRoundFile } from '../helpers/round.ts';

const saltOf = (question: string, member: string) => `${question}:${member}`.padEnd(64, '0').replace(/[^0-9a-f]/g, 'a');

describe('secret polls in the round file', () => {
  it('PROPERTY the public file of a secret poll replays to the same totals as the full internal file and names no choice', () => {
    fc.assert(
      fc.property(arbitraryRoundFile, fc.array(fc.boolean(), { minLength: 3, maxLength: 3 }), (file, secret) => {
        const full = parseRoundFile({ ...file, questions: file.questions?.map((q, i) => ({ ...q, privacy: secret[i] ? ('secret' as const) : ('public' as const) })) });
        const text = serializeRoundFile(sealSecretPolls(full, saltOf));
        const sealed = parseRoundFileText(text);
        expect(reportJson(computeReport(sealed))).toBe(reportJson(computeReport(full)));
        const secretIds = full.questions.filter((q) => q.privacy === 'secret').map((q) => q.id);
        expect(sealed.votes.filter((v) => secretIds.includes(v.question))).toEqual([]);
        for (const q of computeReport(sealed).questions.filter((x) => secretIds.includes(x.id))) expect(q.options.every((o) => o.voters === 0)).toBe(true);
        // each voter finds the commitment of their counted ballot, from their receipt's salt
        const report = computeReport(full);
        for (const t of sealed.secretTallies ?? [])
          for (const [member, choice] of report.choicesOf(t.question))
            if (t.voters.includes(member)) expect(t.commitments).toContain(ballotCommitment(member, choice, saltOf(t.question, member)));
      }),
      { numRuns: 150 },
    );
  });

  it('GIVEN a secret tally for a question that also has votes, or with too few options THEN the file is refused naming the field', () => {
    const base = { version: 1, round: { id: 'r', name: 'R', config: {} }, members: [{ id: 'm1', handle: 'm1' }], questions: [{ id: 'q1', text: 'Q', options: ['A', 'B'], privacy: 'secret' }] };
    const tally = { question: 'q1', voters: ['m1'], options: [{ tokenVotes: '1', quadraticVotes: 1, qualifiedVotes: 1 }], commitments: [] };
    expect(() => parseRoundFile({ ...base, secretTallies: [tally] })).toThrow(/secretTallies\[0\]\.options: q1 has 2 options, not 1/);
    const two = { ...tally, options: [...tally.options, ...tally.options] };
    expect(() => parseRoundFile({ ...base, secretTallies: [two], votes: [{ question: 'q1', member: 'm1', option: 0, castAt: '2024-01-01T00:00:00Z' }] })).toThrow(/secretTallies\[0\]\.question: q1 has votes too/);
  });
});
