import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { computeReport, reportJson } from '../../src/core/report.ts';
import { readColumns } from '../../src/roundfile/columns.ts';
import { parseRoundFile, parseRoundFileText, serializeRoundFile, type RoundFileInput } from '../../src/roundfile/schema.ts';
import { member, tokens } from '../helpers/round.ts';

const SNAPSHOT = '2024-01-10T00:00:00Z';
const BEFORE = '2024-01-05T00:00:00Z';
const AFTER = '2024-01-12T00:00:00Z';

/**
 * Four members: m1 comments before the snapshot and is the only one with points then (tier A); m2 comments after it.
 * Both vote; tiers at the snapshot give m1 factor 5, m2 none.
 */
function file(extra: Partial<Pick<RoundFileInput, 'comments' | 'reactions' | 'ratings' | 'proposals'>> = {}, snapshotAt: string | null = SNAPSHOT): RoundFileInput {
  return {
    version: 1,
    round: { id: 'r1', name: 'Snapshot round', config: {}, ...(snapshotAt && { reputationSnapshotAt: snapshotAt }) },
    members: [member('m1', tokens(100)), member('m2', tokens(100)), member('m3'), member('m4')],
    proposals: [{ id: 'p1', author: 'm3', title: 'A proposal', createdAt: BEFORE }, ...(extra.proposals ?? [])],
    comments: [{ id: 'c1', author: 'm1', proposal: 'p1', createdAt: BEFORE }, ...(extra.comments ?? [])],
    ratings: extra.ratings ?? [],
    reactions: extra.reactions ?? [],
    questions: [{ id: 'q1', text: 'Which?', options: ['Yes', 'No'] }],
    votes: [
      { question: 'q1', member: 'm1', option: 0, castAt: AFTER },
      { question: 'q1', member: 'm2', option: 1, castAt: AFTER },
    ],
  };
}

const lateActivity = {
  comments: [
    { id: 'c2', author: 'm2', proposal: 'p1', createdAt: AFTER },
    { id: 'c3', author: 'm2', proposal: 'p1', createdAt: SNAPSHOT },
  ],
  reactions: [{ comment: 'c2', reactor: 'm4', kind: 'upvote' as const, createdAt: AFTER }],
};

describe('reputation snapshot', () => {
  it('GIVEN comments after the snapshot THEN they earn reward points but the tier that weights votes stays as at the snapshot', () => {
    const report = computeReport(parseRoundFile(file(lateActivity)));
    const m2 = report.members.find((m) => m.id === 'm2')!;
    expect(m2.points).toBeGreaterThan(report.members.find((m) => m.id === 'm1')!.points);
    expect(m2).toMatchObject({ tier: null, factor: 1 });
    expect(report.members.find((m) => m.id === 'm1')).toMatchObject({ tier: 'A', factor: 5 });
    expect(report.questions[0]!.options.map((o) => o.qualifiedVotes)).toEqual([50, 10]);
  });

  it('GIVEN the same file without reputationSnapshotAt THEN every event counts for weights, as before', () => {
    const report = computeReport(parseRoundFile(file(lateActivity, null)));
    expect(report.members.find((m) => m.id === 'm2')).toMatchObject({ tier: 'A', factor: 5 });
  });

  it('GIVEN events without a time THEN they count as before the snapshot', () => {
    const report = computeReport(parseRoundFile(file({ comments: [{ id: 'c2', author: 'm2', proposal: 'p1' }, { id: 'c3', author: 'm2', proposal: 'p1' }] })));
    expect(report.members.find((m) => m.id === 'm2')).toMatchObject({ tier: 'A', factor: 5 });
  });

  it('GIVEN a round file with the snapshot and times on ratings and reactions THEN it is written and read back with them, and the large-file reader agrees', async () => {
    const data = parseRoundFile(file({ ...lateActivity, ratings: [{ proposal: 'p1', rater: 'm4', stars: 4, createdAt: BEFORE }] }));
    const text = serializeRoundFile(data);
    const json = JSON.parse(text);
    expect(json.round.reputationSnapshotAt).toBe(SNAPSHOT);
    expect(json.ratings[0].createdAt).toBe(BEFORE);
    expect(json.reactions[0].createdAt).toBe(AFTER);
    expect(serializeRoundFile(parseRoundFileText(text))).toBe(text);
    const columns = await readColumns(Buffer.from(text), { parallel: false });
    expect(reportJson(computeReport(columns ?? parseRoundFileText(text)))).toBe(reportJson(computeReport(data)));
  });

  it('GIVEN a snapshot that is not a time THEN the file is refused naming the field', () => {
    expect(() => parseRoundFile({ ...file(), round: { id: 'r1', name: 'x', config: {}, reputationSnapshotAt: 'tomorrow' } })).toThrow(/round\.reputationSnapshotAt/);
  });

  it('PROPERTY adding activity after the reputation snapshot never changes a closed poll\'s tally', () => {
    const memberIds = ['m1', 'm2', 'm3', 'm4'];
    const event = fc.record({ kind: fc.constantFrom('comment', 'reaction', 'rating', 'proposal'), by: fc.constantFrom(...memberIds), on: fc.nat(), stars: fc.integer({ min: 1, max: 5 }) });
    fc.assert(
      fc.property(fc.array(event, { maxLength: 12 }), fc.constantFrom(SNAPSHOT, AFTER, '2025-01-01T00:00:00.5+02:00'), (events, at) => {
        const extra: Required<Parameters<typeof file>[0]> = { comments: [], reactions: [], ratings: [], proposals: [] };
        const seen = new Set<string>();
        events.forEach((e, i) => {
          if (e.kind === 'proposal') extra.proposals.push({ id: `lp${i}`, author: e.by, title: 'Late', createdAt: at });
          if (e.kind === 'comment') extra.comments.push({ id: `lc${i}`, author: e.by, proposal: 'p1', createdAt: at });
          const comment = ['c1', ...extra.comments.map((c) => c.id)][e.on % (extra.comments.length + 1)]!;
          if (e.kind === 'reaction' && !seen.has(`${comment} ${e.by}`)) {
            seen.add(`${comment} ${e.by}`);
            extra.reactions.push({ comment, reactor: e.by, kind: 'upvote', createdAt: at });
          }
          if (e.kind === 'rating' && !seen.has(`p1 ${e.by}`)) {
            seen.add(`p1 ${e.by}`);
            extra.ratings.push({ proposal: 'p1', rater: e.by, stars: e.stars, createdAt: at });
          }
        });
        const closed = computeReport(parseRoundFile(file())).questions;
        expect(computeReport(parseRoundFile(file(extra))).questions).toEqual(closed);
      }),
      { numRuns: 100 },
    );
  });
});
