import { afterEach, describe, expect, it } from 'vitest';
import { commands } from '../../commands/index.ts';
import { actionsOf } from '../../src/commands/framework.ts';
import { consoleHarness } from '../helpers/console.ts';

let harness: Awaited<ReturnType<typeof consoleHarness>>;
afterEach(() => harness?.close());

const moderatorOnly = commands.flatMap((c) =>
  c.action ? (c.action.access === 'moderator' ? [`/${c.name}`] : []) : Object.entries(c.subcommands).filter(([, a]) => a.access === 'moderator').map(([s]) => `/${c.name} ${s}`),
);

describe('permissions and options', () => {
  it('GIVEN every command THEN its names are valid on Discord and Telegram and every option has help text', () => {
    for (const c of commands) {
      expect(c.name).toMatch(/^[a-z0-9_]{1,32}$/);
      for (const a of actionsOf(c)) for (const [name, s] of Object.entries(a.options.shape)) expect({ name, d: (s as { description?: string }).description }).toMatchObject({ d: expect.any(String) });
    }
  });

  it.each(moderatorOnly)('GIVEN a member WHEN they try %s THEN it is refused and nothing changes', async (command) => {
    harness = await consoleHarness();
    await harness.say('/round create id:r1 name:R', '/poll open question:"Q?" options:"A|B"');
    const auditBefore = await harness.db.selectFrom('audit_log').select('id').execute();
    const out = await harness.say('/as mallory', command);
    expect(out).toContain(`Only moderators may use ${command}`);
    expect(await harness.db.selectFrom('audit_log').select('id').execute()).toHaveLength(auditBefore.length);
  });

  it('GIVEN garbage options THEN the reason and the expected form are given', async () => {
    harness = await consoleHarness();
    await harness.say('/round create id:r1 name:R', '/poll open question:"Q?" options:"A|B"', '/proposal submit title:"A title" text:"Body"');
    expect(await harness.say('/vote poll:q1 option:abc')).toContain('option is the number of an answer, such as 1\nUsage: /vote poll:… option:… [round:…]');
    expect(await harness.say('/vote poll:q1 option:1 colour:red')).toContain('there is no "colour"; /vote takes poll: option: round:');
    expect(await harness.say('/poll open question:"Q?" options:"only one"')).toContain('give 2 to 25 options separated by |');
    expect(await harness.say('/round config key:rewards.contributionPercent value:150')).toContain('rewards.contributionPercent:');
    expect(await harness.say('/round config key:reputation.nonsense value:1')).toContain('there is no rule "reputation.nonsense"; the rules of reputation are proposalShare, creationShare');
    expect(await harness.say('/round schedule voting:yesterday')).toContain('voting: yesterday is not a date-time; write 2025-01-08T18:00 (UTC), 2025-01-08T18:00Z, or a duration such as 24h.');
    expect(await harness.say('/poll')).toContain('/poll needs one of: open, close, list.');
    expect(await harness.say('/frobnicate')).toContain('There is no /frobnicate.');
    expect(await harness.say('/rate proposal:p9 stars:3')).toContain('There is no proposal "p9"');
    expect(harness.errors).toEqual([]);
  });

  it('GIVEN a closed or unknown poll, an unknown option, or no tokens THEN each gets a clear answer and no vote is stored', async () => {
    harness = await consoleHarness();
    await harness.say(
      '/round create id:r1 name:R',
      '/poll open question:"Q?" options:"A|B"',
      '/poll open question:"Other?" options:"A|B"',
      '/as zero',
      '/reputation',
      '/as you --moderator',
      '/wallet add member:zero address:0x0000000000000000000000000000000000000001 tokens:0 unverified:true',
      '/poll close poll:q2',
    );
    expect(await harness.say('/as nobody', '/vote poll:q1 option:1')).toContain('you need a verified wallet holding tokens');
    expect(await harness.say('/as zero', '/vote poll:q1 option:1')).toContain('held no tokens at the snapshot');
    expect(await harness.say('/vote poll:q9 option:1')).toContain('There is no poll "q9"');
    expect(await harness.say('/vote poll:q1 option:3')).toContain('has options 1 to 2; 3 is not one of them');
    expect(await harness.say('/vote poll:q2 option:1')).toContain('Poll q2 is closed');
    expect(await harness.db.selectFrom('votes').select('id').execute()).toEqual([]);
  });
});

describe('a bare word after a command without subcommands', () => {
  it('GIVEN /wallets remove (without the colon) THEN the member is told how to write it, instead of getting the list', async () => {
    const h = await consoleHarness();
    expect(await h.say('/wallets remove')).toContain('Unexpected "remove": /wallets takes options written name:value.\nUsage: /wallets [remove:…]');
    await h.close();
  });
});
