import { expect } from 'vitest';
import { computeReport } from '../../src/core/report.ts';
import { renderTally } from '../../src/format/report.ts';
import { parseRoundFileText } from '../../src/roundfile/schema.ts';

/** One chat surface as the approval and ranked scenario drives it. */
export interface PollSurface {
  /** The moderator runs a command; the text of every message the bot sent because of it. */
  mod(line: string): Promise<string>;
  /** A member writes in the community once, so the moderator can name them. */
  join(handle: string): Promise<void>;
  /** A member (known to the community) types a command; the text of what the bot sent. */
  say(handle: string, line: string): Promise<string>;
  /** A member taps the button with this label on the last message with buttons the bot sent them or the group. */
  tap(handle: string, label: string | RegExp): Promise<string>;
  advanceTo(iso: string): Promise<string>;
  /** The round file /export round wrote. */
  exported(): Promise<string>;
}

export const VOTERS = ['alice', 'bob', 'carol', 'dave'] as const;
/** 100, 400, 900 and 1600 tokens: √ weights 10, 20, 30, 40. */
export const tokensOf = (i: number) => (i + 1) ** 2 * 100;
export const addressOf = (i: number) => `0x${(i + 1).toString(16).padStart(40, '0')}`;

/**
 * An approval poll (q1) and a ranked poll (q2) of the options A|B|C, both closing at the end of the first day. On q1
 * alice ticks A and C by typing, bob ticks B and C with the buttons, carol ticks C after first ticking A; dave ticks
 * A. On q2: alice A>B, bob B>C typed, carol C>B with the buttons, dave A. Each poll's posted final tally is the one
 * `govbot replay` gives of the exported file.
 */
export async function approvalAndRankedScenario(s: PollSurface): Promise<void> {
  await s.mod('/round create id:r1 name:R');
  for (const m of VOTERS) await s.join(m);
  for (const [i, m] of VOTERS.entries()) await s.mod(`/wallet add member:${m} address:${addressOf(i)} tokens:${tokensOf(i)} unverified:true`);
  const approval = await s.mod('/poll open question:"Which to fund?" options:"A|B|C" closes:2025-01-02T00:00:00Z type:approval');
  expect(approval).toContain('Approval poll: tick every option you approve');
  await s.mod('/poll open question:"Which first?" options:"A|B|C" closes:2025-01-02T00:00:00Z type:ranked');

  expect(await s.say('alice', '/vote poll:q1 option:1,3')).toContain('Your vote on q1 is recorded: 1. A, 3. C');
  // bob builds his ballot with the buttons: the draft is private, nothing counts until Submit
  expect(await s.say('bob', '/vote poll:q1 option:2 draft:true')).toContain('Your ballot on q1 so far: 2. B.');
  expect(await s.tap('bob', /C$/)).toContain('so far: 2. B, 3. C.');
  expect(await s.tap('bob', /Submit$/)).toContain('Your vote on q1 is recorded: 2. B, 3. C');
  await s.say('carol', '/vote poll:q1 option:1');
  await s.say('carol', '/vote poll:q1 option:3');
  await s.say('dave', '/vote poll:q1 option:1');
  expect(await s.say('dave', '/vote poll:q1 option:1,1')).toContain('lists one twice');

  await s.say('alice', '/vote poll:q2 option:1,2');
  expect(await s.say('bob', '/vote poll:q2 option:2,3')).toContain('Your vote on q2 is recorded: 1st: 2. B, 2nd: 3. C');
  expect(await s.say('carol', '/vote poll:q2 option:3 draft:true')).toContain('so far: 1st: 3. C.');
  expect(await s.tap('carol', /^B$|\bB$/)).toContain('so far: 1st: 3. C, 2nd: 2. B.');
  expect(await s.tap('carol', /Submit$/)).toContain('1st: 3. C, 2nd: 2. B');
  await s.say('dave', '/vote poll:q2 option:1');

  const closed = await s.advanceTo('2025-01-02T00:00:00Z');
  await s.mod('/export round');
  const report = computeReport(parseRoundFileText(await s.exported()));
  const [q1, q2] = report.questions;
  // approval, √ weights: A alice 10 + dave 40 = 50, B bob 20, C alice 10 + bob 20 + carol 30 = 60
  expect(q1!.options.map((o) => o.quadraticVotes)).toEqual([50, 20, 60]);
  expect(q1!.winners.quadraticVotes).toBe(2);
  // ranked, √: first preferences A 50, B 20, C 30; B is dropped and bob's ballot goes to C: A 50, C 50, and each is
  // ranked by ballots weighing 50 in all, so only the index parts them: no single winner. By tokens A 1700 beats C 1300
  expect(q2!.options.map((o) => o.quadraticVotes)).toEqual([50, 20, 30]);
  expect(q2!.winners).toEqual({ tokenVotes: 0, quadraticVotes: null, qualifiedVotes: null });
  expect(closed).toContain(renderTally(q1!, report.token));
  expect(closed).toContain(renderTally(q2!, report.token));
}
