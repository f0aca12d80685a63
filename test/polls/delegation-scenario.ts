import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'vitest';
import { computeReport } from '../../src/core/report.ts';
import { sealSecretPolls } from '../../src/core/secret.ts';
import type { Db } from '../../src/db/database.ts';
import { countedSalts, loadRoundData } from '../../src/db/repositories.ts';
import { renderTally } from '../../src/format/report.ts';
import { parseRoundFileText, serializeRoundFile } from '../../src/roundfile/schema.ts';
import { govbot } from '../helpers/cli.ts';

/** One chat surface (console, Telegram, Discord) as the poll scenarios drive it. */
export interface PollSurface {
  db(): Db;
  /** The moderator runs a command; the text of everything the bot sent because of it. */
  mod(line: string): Promise<string>;
  /** A new member with this handle, who has used the bot once. */
  member(handle: string): Promise<void>;
  /** A member runs a command; the text of everything the bot sent because of it, in the group or privately. */
  say(handle: string, line: string): Promise<string>;
  /** How a command names the member: a handle, @handle, or the platform's user picker. */
  ref(handle: string): string;
  advanceTo(iso: string): Promise<string>;
}

const address = (i: number) => `0x${(i + 1).toString(16).padStart(40, '0')}`;
/** Their own square roots are 10, 20, 30 and 4. */
export const HOLDINGS = { alice: 100, bob: 400, carol: 900, dave: 16 } as const;
export type Handle = keyof typeof HOLDINGS;

/** Round r1 with four members holding tokens and one open poll q1 closing at `closes`. */
export async function roundWithPoll(s: PollSurface, closes: string, privacy = 'public'): Promise<string> {
  await s.mod('/round create id:r1 name:R');
  for (const m of Object.keys(HOLDINGS)) await s.member(m);
  for (const [i, [m, tokens]] of Object.entries(HOLDINGS).entries()) await s.mod(`/wallet add member:${s.ref(m)} address:${address(i)} tokens:${tokens} unverified:true`);
  return s.mod(`/poll open question:"Fund it?" options:"Yes|No" closes:${closes} privacy:${privacy}`);
}

/** The round file `/export round` writes, and what `govbot replay FILE --json` prints of it. */
export async function exportAndReplay(db: Db) {
  const round = await db.selectFrom('rounds').selectAll().where('key', '=', 'r1').executeTakeFirstOrThrow();
  const text = serializeRoundFile(sealSecretPolls(await loadRoundData(db, round), await countedSalts(db, round.id)));
  const file = join(mkdtempSync(join(tmpdir(), 'govbot-delegation-')), 'r1.json');
  writeFileSync(file, text);
  const replay = await govbot(['replay', file, '--json']);
  expect(replay.code).toBe(0);
  return { file: JSON.parse(text), text, replay: JSON.parse(replay.out) };
}

/**
 * Bob and carol delegate to alice, dave to bob (a chain, which the bot says stops at bob); carol votes herself and
 * overrides; alice's receipt shows the weight she carries. At the close, the posted final tally is the replay of the
 * exported file: Yes = alice 10 + bob 20 carried, No = carol 30; dave (behind bob, who did not vote) is cast by nobody.
 */
export async function delegationWithOverride(s: PollSurface): Promise<void> {
  await roundWithPoll(s, '2025-01-03T00:00:00Z');
  expect(await s.say('bob', `/delegate member:${s.ref('alice')}`)).toContain('You delegate to alice in every round here until you revoke it.');
  await s.say('carol', `/delegate member:${s.ref('alice')}`);
  expect(await s.say('dave', `/delegate member:${s.ref('bob')}`)).toContain('bob has delegated to alice themselves. Delegations are not passed on: your weight counts only in the polls bob votes in.');
  expect(await s.say('alice', '/delegate')).toMatch(/Delegating to you: (bob, carol|carol, bob)\./);
  await s.say('carol', '/vote poll:q1 option:2');
  const receipt = await s.say('alice', '/vote poll:q1 option:1');
  expect(receipt).toMatch(/weight +10\n/);
  expect(receipt).toContain('delegated weight    20 (1 delegator who did not vote)');
  expect(await s.mod('/tally poll:q1')).toContain('q1, included above, carried by delegates for members who did not vote: Yes 20 (1 member).');

  const closed = await s.advanceTo('2025-01-03T00:00:00Z');
  const { file, text, replay } = await exportAndReplay(s.db());
  expect(file.delegations.map((d: { from: string; to: string; until: null }) => [d.from, d.to, d.until])).toHaveLength(3);
  const [yes, no] = replay.questions[0].options;
  expect(yes).toMatchObject({ voters: 1, quadraticVotes: 30, delegated: { voters: 1, quadraticVotes: 20 } });
  expect(no).toMatchObject({ voters: 1, quadraticVotes: 30, delegated: { voters: 0, quadraticVotes: 0 } });
  const report = computeReport(parseRoundFileText(text));
  expect(closed).toContain(renderTally(report.questions[0]!, report.token));

  // after revoking, bob's own weight is his alone again
  expect(await s.say('bob', '/delegate revoke:true')).toContain('Your delegation has ended');
  expect(await s.say('bob', '/delegate')).toContain('You do not delegate your vote.');
}
