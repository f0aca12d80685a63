import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { computeReport } from '../../src/core/report.ts';
import { renderRewards, renderTally } from '../../src/format/report.ts';
import { parseRoundFileText } from '../../src/roundfile/schema.ts';
import { govbot } from '../helpers/cli.ts';
import { consoleHarness } from '../helpers/console.ts';
import { expectPostsMatchReplay } from '../helpers/audit.ts';
import { tempDatabaseUrl } from '../helpers/db.ts';
import { postgresForTheseTests } from '../helpers/postgres.ts';

let harness: Awaited<ReturnType<typeof consoleHarness>>;
afterEach(() => harness?.close());
const postgres = postgresForTheseTests();

// The same rounds on both databases the bot runs on: an embedded SQLite file, or a PostgreSQL server shared by
// several bot processes.
const databases = [
  { name: 'SQLite', url: async () => tempDatabaseUrl() },
  { name: 'PostgreSQL', url: () => postgres.freshDatabase() },
];

const members = Array.from({ length: 20 }, (_, i) => `m${String(i + 1).padStart(2, '0')}`);
const address = (i: number) => `0x${(i + 1).toString(16).padStart(40, '0')}`;

describe.each(databases)('on $name', ({ url: databaseUrl }) => {
  describe('a whole round through the console', () => {
    it('GIVEN 20 members, proposals, feedback, two polls and a schedule THEN the chat shows the numbers that replay of its export gives', async () => {
      harness = await consoleHarness('2025-01-01T00:00:00Z', await databaseUrl());
      const { say, advanceTo } = harness;
      expect(await say('/round create id:gr2 name:"Round 2"')).toContain('Round gr2 "Round 2" is created');
      expect(await say('/round config key:rewards.pool value:1000')).toContain('rewards.pool is now 1,000 AGIX (1000000000000000000000 base units)');
      expect(await say('/round config key:rewards.capPercent value:30')).toContain('capPercent is now 30');
      expect(await say('/round schedule proposals:2025-01-01T01:00:00Z voting:2025-01-02T00:00:00Z close:2025-01-05T00:00:00Z')).toContain('Round gr2 scheduled');

      expect(await advanceTo('2025-01-01T01:00:00Z')).toContain('Round gr2 is open for proposals');
      // Every member shows up once, then the moderator records their (unverified) wallets.
      for (const m of members) await say(`/as ${m}`, '/reputation');
      await say('/as mod --moderator', ...members.map((m, i) => `/wallet add member:${m} address:${address(i)} tokens:${(i + 1) ** 2 * 100} unverified:true`));

      for (const [i, m] of members.slice(0, 4).entries())
        expect(await say(`/as ${m}`, `/proposal submit title:"Proposal of ${m}" text:"Idea number ${i + 1}"`)).toContain(`Proposal p${i + 1}`);
      for (const [i, m] of members.entries()) {
        await say(`/as ${m}`, `/comment proposal:p${(i % 4) + 1} text:"Comment by ${m}"`);
        if (i % 3 === 0) await say(`/comment proposal:p1 text:"Another one by ${m}"`);
        await say(`/rate proposal:p${((i + 1) % 4) + 1} stars:${(i % 5) + 1}`);
      }
      for (const [i, m] of members.entries()) {
        await say(`/as ${m}`, `/react comment:c${((i + 3) % 20) + 1} kind:upvote`);
        if (i % 4 === 0) await say(`/react comment:c${((i + 7) % 20) + 1} kind:positive`);
      }
      expect(await say('/as m01', '/react comment:c1 kind:upvote')).toContain('Reactions to your own comments do not count');

      expect(await advanceTo('2025-01-02T00:00:00Z')).toContain('Voting has opened in round gr2');
      expect(await say('/proposal submit title:"Too late" text:"x"')).toContain('is in its voting phase: submitting a proposal is possible during draft or proposals');
      await say('/as mod --moderator');
      expect(await say('/poll open question:"Create a pool for existing services?" options:"Yes, a pool|Yes, a full round|No" closes:2025-01-03T00:00:00Z')).toContain('Poll q1');
      expect(await say('/poll open question:"A small pool for ideas?" options:"Yes|No"')).toContain('Poll q2');
      for (const [i, m] of members.entries()) {
        const receipt = await say(`/as ${m}`, `/vote poll:q1 option:${i < 3 ? 2 : (i % 3) + 1}`);
        expect(receipt).toContain(`tokens at snapshot  ${((i + 1) ** 2 * 100).toLocaleString('en-US')} AGIX`);
        expect(receipt).toContain(`square root         ${(i + 1) * 10}`);
        await say(`/vote poll:q2 option:${(i % 2) + 1}`);
      }
      // Three members change their minds; the last choice counts.
      for (const m of ['m02', 'm04', 'm06']) expect(await say(`/as ${m}`, '/vote poll:q2 option:1')).toContain('recorded: 1. Yes');
      await say('/as mod --moderator', '/exclude member:m20 reason:"staff"');

      const q1Closed = await advanceTo('2025-01-03T00:00:00Z');
      expect(q1Closed).toContain('Poll q1 closed on schedule. Final tally:');
      expect(await say('/as m05', '/vote poll:q1 option:1')).toContain('Poll q1 is closed');
      const roundClosed = await advanceTo('2025-01-05T00:00:00Z');
      expect(roundClosed).toContain('Round gr2 is closed');
      expect(await advanceTo('2025-01-06T00:00:00Z')).toBe('');

      const leaderboard = await say('/leaderboard');
      const tally = await say('/as mod --moderator', '/tally');
      const rewards = await say('/rewards publish');
      expect(await say('/export round')).toContain('attachment written to');
      const exported = readFileSync(join(harness.services.exportDir, 'gr2.json'), 'utf8');

      // An auditor replays the export: every number the chat showed comes out again.
      const report = expectPostsMatchReplay(exported, { pollClosed: q1Closed, tally, rewards });
      expect(report.members).toHaveLength(20);
      expect(report.members.find((m) => m.id === 'console:m20')!.excluded).toBe(true);
      const [, q2] = report.questions;
      expect(q2!.options.map((o) => o.voters)).toEqual([13, 7]);
      expect(report.rewards.pool).toBe(10n ** 21n);
      expect(report.rewards.amounts.some((a) => a.member === 'console:m20')).toBe(false);
      expect(leaderboard).toContain('tier');

      // and so does the command line, from the file alone
      const { writeFileSync, mkdtempSync } = await import('node:fs');
      const dir = mkdtempSync(join((await import('node:os')).tmpdir(), 'govbot-'));
      writeFileSync(join(dir, 'gr2.json'), exported);
      const cli = await govbot(['replay', join(dir, 'gr2.json')]);
      expect(cli.out).toContain(renderTally(q2!, report.token));
      expect(harness.errors).toEqual([]);

      const actions = (await harness.db.selectFrom('audit_log').select('action').execute()).map((a) => a.action);
      expect(actions.filter((a) => a === 'vote.cast')).toHaveLength(43);
      expect(actions).toEqual(expect.arrayContaining(['round.created', 'poll.opened', 'proposal.submitted', 'comment.created', 'reaction.added', 'proposal.rated', 'member.excluded', 'rewards.published', 'schedule.phase', 'schedule.poll_close']));
    });
  });

  describe('the schedule across a restart', () => {
    it('GIVEN transitions that fell due while the bot was down THEN each fires exactly once at start', async () => {
      const url = await databaseUrl();
      harness = await consoleHarness('2025-01-01T00:00:00Z', url);
      await harness.say(
        '/round create id:r1 name:R',
        '/round schedule proposals:2025-01-01T01:00:00Z voting:2025-01-02T00:00:00Z close:2025-01-03T00:00:00Z',
        '/poll open question:"Q?" options:"A|B" closes:2025-01-02T12:00:00Z',
      );
      await harness.close();

      // Back up three days later: everything is due; a second process starting right after finds nothing left to do.
      const first = await consoleHarness('2025-01-04T00:00:00Z', url);
      const second = await consoleHarness('2025-01-04T00:00:00Z', url);
      const a = await first.advanceTo('2025-01-04T00:00:00Z');
      const b = await second.advanceTo('2025-01-04T00:00:00Z');
      const posted = a + b;
      expect(posted.match(/open for proposals/g)).toHaveLength(1);
      expect(posted.match(/Voting has opened/g)).toHaveLength(1);
      expect(posted.match(/Poll q1 closed on schedule/g)).toHaveLength(1);
      expect(posted.match(/Round r1 is closed/g)).toHaveLength(1);
      expect(await first.advanceTo('2025-01-05T00:00:00Z')).toBe('');
      const fired = await first.db.selectFrom('audit_log').select('action').where('action', 'like', 'schedule.%').execute();
      expect(fired).toHaveLength(4);
      expect((await first.db.selectFrom('rounds').select('phase').executeTakeFirstOrThrow()).phase).toBe('closed');
      await second.close();
      harness = first;
    });
  });
});
