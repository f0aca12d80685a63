import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { computeReport, reportJson, reportOf } from '../../src/core/report.ts';
import { indexRound } from '../../src/core/indexed.ts';
import { countContributions } from '../../src/core/reputation.ts';
import { packReport, packRound, packStrings, unpackReport, unpackRound, unpackStrings } from '../../src/core/standings-transfer.ts';
import { countedChoices } from '../../src/core/voting.ts';
import { parseRoundFile } from '../../src/roundfile/schema.ts';
import { arbitraryRoundFile } from '../helpers/round.ts';

describe('a report moved between threads', () => {
  it('GIVEN strings with empty ones, emoji and separators THEN packed and unpacked they are the same strings', () => {
    fc.assert(fc.property(fc.array(fc.string({ unit: 'grapheme' })), (strings) => {
        expect(unpackStrings(packStrings(strings))).toEqual(strings);
      }),
    );
  });

  it('GIVEN a random round THEN its counts moved to another thread and its report moved back are the report computed in place: same JSON bytes, members, voting power and choices', async () => {
    await fc.assert(
      fc.asyncProperty(arbitraryRoundFile, async (file) => {
        const round = indexRound(parseRoundFile(file));
        const expected = computeReport(round);
        const counts = { ...round, contributions: countContributions(round), choices: countedChoices(round.votes, round.questions.length, round.members.length) };
        // what the bot thread sends, what the other thread computes and sends back
        const there = unpackRound(structuredClone(packRound(counts).packed));
        const computed = reportOf(there, there.contributions, there.choices);
        const back = await unpackReport(structuredClone(packReport(computed, there, there.choices).packed), async () => undefined);
        expect(reportJson(back)).toBe(reportJson(expected));
        expect(back.members).toEqual(expected.members);
        expect(back.rewards).toEqual(expected.rewards);
        for (const m of round.members) expect(back.powerOf(m.id)).toEqual(expected.powerOf(m.id));
        expect(back.powerOf('nobody')).toBeUndefined();
        for (const q of round.questions) expect(back.choicesOf(q.id)).toEqual(expected.choicesOf(q.id));
      }),
      { numRuns: 60 },
    );
  });
});
