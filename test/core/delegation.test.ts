import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { computeReport, reportJson } from '../../src/core/report.ts';
import type { Delegation } from '../../src/core/delegation.ts';
import { sealSecretPolls } from '../../src/core/secret.ts';
import { parseRoundFile, parseRoundFileText, serializeRoundFile } from '../../src/roundfile/schema.ts';
import { arbitraryRoundFile, member, round, tokens } from '../helpers/round.ts';

const T0 = '2024-01-01T00:00:00Z';
const T1 = '2024-01-02T00:00:00Z';
const T2 = '2024-01-03T00:00:00Z';
const question = { id: 'q1', text: 'Fund it?', options: ['Yes', 'No'] };
const vote = (who: string, option: number, castAt = T1) => ({ question: 'q1', member: who, option, castAt });
const delegation = (from: string, to: string, since = T0, until: string | null = null): Delegation => ({ from, to, since, until });
// alice 100 tokens, bob 400, carol 900, dave 16: their own square roots are 10, 20, 30 and 4
const members = [member('alice', tokens(100)), member('bob', tokens(400)), member('carol', tokens(900)), member('dave', tokens(16))];

const tallyOf = (votes: ReturnType<typeof vote>[], delegations?: Delegation[]) =>
  computeReport(round({ members, questions: [question], votes, ...(delegations && { delegations }) })).questions[0]!;

describe('delegation in the tally', () => {
  it('GIVEN bob delegates to alice and does not vote THEN alice\'s option carries his own √tokens, reported as delegated', () => {
    const q = tallyOf([vote('alice', 0)], [delegation('bob', 'alice')]);
    expect(q.options[0]).toMatchObject({ voters: 1, tokenVotes: BigInt(tokens(500)), quadraticVotes: 30, qualifiedVotes: 30 });
    expect(q.options[0]!.delegated).toEqual({ voters: 1, tokenVotes: BigInt(tokens(400)), quadraticVotes: 20, qualifiedVotes: 20 });
    expect(q.options[1]!.delegated).toEqual({ voters: 0, tokenVotes: 0n, quadraticVotes: 0, qualifiedVotes: 0 });
  });

  it('GIVEN two delegators THEN each is √ of their own tokens, never merged before the square root', () => {
    const q = tallyOf([vote('dave', 1)], [delegation('bob', 'dave'), delegation('carol', 'dave')]);
    // √400 + √900 = 50, not √1300
    expect(q.options[1]!.delegated!.quadraticVotes).toBe(50);
    expect(q.options[1]!.quadraticVotes).toBe(54);
  });

  it('GIVEN the delegator votes too THEN their own vote counts and the delegation is overridden for that poll', () => {
    const q = tallyOf([vote('alice', 0), vote('bob', 1)], [delegation('bob', 'alice')]);
    expect(q.options[0]).toMatchObject({ voters: 1, quadraticVotes: 10, delegated: { voters: 0, quadraticVotes: 0 } });
    expect(q.options[1]).toMatchObject({ voters: 1, quadraticVotes: 20 });
  });

  it('GIVEN alice → bob → carol and only carol votes THEN bob is carried by carol and alice by nobody (no chains)', () => {
    const q = tallyOf([vote('carol', 0)], [delegation('alice', 'bob'), delegation('bob', 'carol')]);
    expect(q.options[0]!.quadraticVotes).toBe(50);
    expect(q.options[0]!.delegated).toMatchObject({ voters: 1, quadraticVotes: 20 });
  });

  it('GIVEN a delegate who did not vote THEN the delegator\'s weight is cast by nobody', () => {
    const q = tallyOf([vote('carol', 0)], [delegation('bob', 'alice')]);
    expect(q.options.map((o) => o.quadraticVotes)).toEqual([30, 0]);
  });

  it('GIVEN delegations that end before, or begin after, the poll\'s latest vote THEN they do not count; one in force then does', () => {
    expect(tallyOf([vote('alice', 0, T1)], [delegation('bob', 'alice', T0, T1)]).options[0]!.quadraticVotes).toBe(10);
    expect(tallyOf([vote('alice', 0, T1)], [delegation('bob', 'alice', T2)]).options[0]!.quadraticVotes).toBe(10);
    // the poll's time is its latest vote (carol's at T2), not alice's own
    expect(tallyOf([vote('alice', 0, T0), vote('carol', 1, T2)], [delegation('bob', 'alice', T1, '2024-01-04T00:00:00Z')]).options[0]!.quadraticVotes).toBe(30);
  });

  it('GIVEN a round file without delegations THEN its report has no delegated field; with them, the file round-trips and replays the same', () => {
    expect(reportJson(computeReport(round({ members, questions: [question], votes: [vote('alice', 0)] })))).not.toContain('delegated');
    const data = round({ members, questions: [question], votes: [vote('alice', 0)], delegations: [delegation('bob', 'alice', T0, T2)] });
    const text = serializeRoundFile(data);
    expect(JSON.parse(text).delegations).toEqual([{ from: 'bob', to: 'alice', since: T0, until: T2 }]);
    expect(reportJson(computeReport(parseRoundFileText(text)))).toBe(reportJson(computeReport(data)));
    expect(JSON.parse(reportJson(computeReport(data))).questions[0].options[0].delegated).toEqual({ voters: 1, tokenVotes: tokens(400), quadraticVotes: 20, qualifiedVotes: 20 });
  });

  it('GIVEN a secret poll with a delegation THEN its totals carry the delegated weight, no delegated part is published, and the public file replays to the same', () => {
    const data = round({ members, questions: [{ ...question, privacy: 'secret' }], votes: [vote('alice', 0), vote('carol', 1)], delegations: [delegation('bob', 'alice')] });
    const full = computeReport(data);
    expect(full.questions[0]!.options.map((o) => o.quadraticVotes)).toEqual([30, 30]);
    expect(full.questions[0]!.options.some((o) => o.delegated)).toBe(false);
    const sealed = parseRoundFileText(serializeRoundFile(sealSecretPolls(data, () => '0'.repeat(64))));
    expect(sealed.votes).toEqual([]);
    expect(reportJson(computeReport(sealed))).toBe(reportJson(full));
  });

  it('GIVEN a bad delegation THEN the file is refused with the path of the field and why', () => {
    const file = (d: unknown[]) => () => parseRoundFile({ version: 1, round: { id: 'r', name: 'R', config: {} }, members, delegations: d });
    expect(file([delegation('zed', 'alice')])).toThrow(/delegations\[0\]\.from: "zed" is not the id of any member/);
    expect(file([delegation('bob', 'bob')])).toThrow(/delegations\[0\]\.to: bob cannot delegate to themselves/);
    expect(file([delegation('bob', 'alice', T1, T0)])).toThrow(/delegations\[0\]\.until: 2024-01-01T00:00:00Z is not after since/);
    expect(file([delegation('bob', 'alice', T0), delegation('bob', 'carol', T1)])).toThrow(/delegations\[1\]\.since: bob already delegates to alice at that time \(delegations\[0\]\)/);
    expect(file([{ from: 'bob', to: 'alice', since: T0 }])).toThrow(/delegations\[0\]\.until/);
    // one after another is fine
    expect(file([delegation('bob', 'alice', T0, T1), delegation('bob', 'carol', T1)])).not.toThrow();
  });

  it('PROPERTY delegating never changes the total weight cast: the tally equals the one where each carried delegator voted as their delegate did', () => {
    fc.assert(
      fc.property(arbitraryRoundFile, fc.array(fc.tuple(fc.nat(7), fc.nat(7)), { maxLength: 6 }), (file, pairs) => {
        const ids = file.members.map((m) => m.id);
        const seen = new Set<string>();
        const delegations = pairs.flatMap(([a, b]) => {
          const [from, to] = [ids[a % ids.length]!, ids[b % ids.length]!];
          if (from === to || seen.has(from)) return [];
          seen.add(from);
          return [delegation(from, to, '2023-01-01T00:00:00Z')];
        });
        const withDelegation = parseRoundFile({ ...file, delegations });
        const report = computeReport(withDelegation);
        // the same round with each carried delegator casting their delegate's counted choice themselves
        const votes = [...withDelegation.votes];
        withDelegation.questions.forEach((q) => {
          const chosen = report.choicesOf(q.id);
          for (const d of delegations)
            if (!chosen.has(d.from) && chosen.has(d.to)) votes.push({ question: q.id, member: d.from, option: chosen.get(d.to)!, castAt: '2020-01-01T00:00:00Z' });
        });
        const direct = computeReport(parseRoundFile({ ...file, votes }));
        report.questions.forEach((q, i) => {
          const same = direct.questions[i]!;
          q.options.forEach((o, j) => {
            expect(o.tokenVotes).toBe(same.options[j]!.tokenVotes);
            expect(o.quadraticVotes).toBeCloseTo(same.options[j]!.quadraticVotes, 5);
            expect(o.qualifiedVotes).toBeCloseTo(same.options[j]!.qualifiedVotes, 5);
            // ballots cast plus delegators carried are the members counted directly
            expect(o.voters + o.delegated!.voters).toBe(same.options[j]!.voters);
            expect(o.delegated!.tokenVotes <= o.tokenVotes).toBe(true);
          });
          expect(q.winners).toEqual(same.winners);
        });
      }),
      { numRuns: 150 },
    );
  });
});
