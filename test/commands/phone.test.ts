import { afterEach, describe, expect, it } from 'vitest';
import { commands } from '../../commands/index.ts';
import { HELP_GROUPS } from '../../commands/help.ts';
import { findRound, roundConfigOf } from '../../src/db/repositories.ts';
import { renderTable } from '../../src/format/table.ts';
import { formatTokens, parseTokenAmount } from '../../src/format/units.ts';
import { consoleHarness } from '../helpers/console.ts';

let harness: Awaited<ReturnType<typeof consoleHarness>>;
afterEach(() => harness?.close());

/** The lines of a table in console output: the header and the lines below it whose cells are set apart by two spaces. */
function tableAfter(out: string, head: RegExp): string[] {
  const lines = out.split('\n');
  const start = lines.findIndex((l) => head.test(l));
  expect(start, out).toBeGreaterThanOrEqual(0);
  const end = lines.findIndex((l, i) => i > start && !/\S {2,}\S/.test(l));
  return lines.slice(start, end < 0 ? undefined : end);
}

describe('amounts as people read them', () => {
  it.each([
    [3_049_999_831_111_121_119_341n, 18, '3,049.9998'],
    [100_000n * 10n ** 18n, 18, '100,000'],
    [12_345_678_901_234n, 18, '0.00001235'],
    [1n, 18, '0.000000000000000001'],
    [99_999_999n, 8, '1'],
    [0n, 18, '0'],
  ])('GIVEN %s base units with %i decimals THEN chat shows %s', (amount, decimals, shown) => {
    expect(formatTokens(amount, decimals)).toBe(shown);
  });

  it('GIVEN amounts typed in tokens, with the symbol, or in base units THEN each is read exactly, and anything else is refused', () => {
    const token = { symbol: 'AGIX', decimals: 8 };
    expect(parseTokenAmount('100000', token)).toEqual({ amount: 10_000_000_000_000n });
    expect(parseTokenAmount('100,000.5 agix', token)).toEqual({ amount: 10_000_050_000_000n });
    expect(parseTokenAmount('10000000000000', token, 'base')).toEqual({ amount: 10_000_000_000_000n });
    expect(parseTokenAmount('5 ETH', token)).toEqual({ problem: expect.stringContaining('is not an amount of AGIX') });
    expect(parseTokenAmount('0.000000001', token)).toEqual({ problem: expect.stringContaining('at most 8 decimals') });
    expect(parseTokenAmount('1.5', token, 'base')).toEqual({ problem: expect.stringContaining('not a whole number of base units') });
  });

  it('GIVEN a column of amounts THEN their decimal points line up', () => {
    const table = renderTable({ head: ['member', 'AGIX'], align: ['left', 'decimal'], rows: [['a', '11,401.531'], ['b', '7'], ['c', '0.00001235']] });
    const points = table.split('\n').slice(2).map((l) => l.indexOf('.') >= 0 ? l.indexOf('.') : l.trimEnd().length);
    expect(new Set(points).size).toBe(1);
  });

  it('GIVEN rewards.pool typed in tokens or base units THEN the round stores base units and the reply says both; /round show says tokens', async () => {
    harness = await consoleHarness();
    await harness.say('/round create id:r1 name:R');
    expect(await harness.say('/round config key:rewards.pool value:"100000 AGIX"')).toContain('rewards.pool is now 100,000 AGIX (100000000000000000000000 base units).');
    const round = async () => roundConfigOf((await findRound(harness.db, harness.chat.community.id))!);
    expect((await round()).rewards.pool).toBe(10n ** 23n);
    expect(await harness.say('/round config key:rewards.pool value:10000000000000 unit:base')).toContain('rewards.pool is now 0.00001 AGIX (10000000000000 base units).');
    expect((await round()).rewards.pool).toBe(10n ** 13n);
    expect(await harness.say('/round config key:rewards.pool value:"5 ETH"')).toContain('"5 ETH" is not an amount of AGIX');
    expect(await harness.say('/round config key:rewards.capPercent value:20 unit:base')).toContain('unit: only amounts take a unit');
    await harness.say('/round config key:rewards.pool value:1000');
    const shown = await harness.say('/round show');
    expect(shown).toContain('Rewards: a pool of 1,000 AGIX, 90% for contribution.');
    expect(shown).not.toContain('base units');
  });
});

describe('chat messages fit a phone', () => {
  it('GIVEN the sample round THEN the tally is a list per option and a table under 40 columns, and the rewards have at most 4 decimals, aligned', async () => {
    harness = await consoleHarness();
    await harness.say('/demo');
    const tally = await harness.say('/tally');
    expect(tally).toMatch(/^1\. .+ — \d+ voters, [\d,.]+ AGIX$/m);
    const table = tableAfter(tally, /^#\s+tokens\s+quadratic\s+\+reputation$/);
    expect(table.length).toBeGreaterThan(3);
    for (const line of table) expect(line.length, line).toBeLessThan(40);
    // Every share in a column has its point at the same place.
    const rows = table.slice(2);
    for (const column of [0, 1, 2]) expect(new Set(rows.map((r) => [...r.matchAll(/\./g)][column]?.index)).size).toBe(1);

    const rewards = await harness.say('/rewards preview');
    const amounts = [...rewards.matchAll(/^\S+\s+[A-D-]\s+([\d,]+(?:\.\d+)?)\s*$/gm)].map((m) => m[1]!);
    expect(amounts.length).toBeGreaterThan(10);
    for (const a of amounts) expect(a.split('.')[1]?.length ?? 0).toBeLessThanOrEqual(4);
    expect(rewards).toContain('Rounded to 4 decimals; /export rewards gives every amount exactly, in base units.');
    for (const line of tableAfter(rewards, /^member\s+tier\s+AGIX$/)) expect(line.length, line).toBeLessThan(40);

    const board = await harness.say('/leaderboard top:10');
    for (const line of tableAfter(board, /^\s*#\s+member\s+points\s+tier$/)) expect(line.length, line).toBeLessThan(40);
    expect(harness.errors).toEqual([]);
  });

  it('GIVEN a proposal THEN its post shows title, author and text, cut with the way to read it whole when long, and says how to comment', async () => {
    harness = await consoleHarness();
    await harness.say('/round create id:r1 name:R', '/as alice');
    const short = await harness.say('/proposal submit title:"A pool for tools" text:"Fund the tools we all use."');
    expect(short).toContain('Proposal p1: A pool for tools\nby alice, in round r1\nFund the tools we all use.\nComment with /comment proposal:p1 text:…; rate with /rate proposal:p1 stars:1-5.');
    const long = `${'word '.repeat(400)}end`;
    const posted = await harness.say(`/proposal submit title:"Long one" text:"${long}"`);
    expect(posted).toContain('Proposal p2: Long one');
    expect(posted).not.toContain('end');
    expect(posted).toMatch(/word…\nThe whole text: \/proposal show proposal:p2\n/);
    expect(await harness.say('/proposal show proposal:p2')).toContain(long);
  });
});

describe('help that helps', () => {
  it('GIVEN a member and a moderator THEN /help shows each what they may run, grouped, and every command is in a group', async () => {
    harness = await consoleHarness();
    const grouped = HELP_GROUPS.flatMap((g) => g.commands);
    expect(commands.map((c) => c.name).filter((n) => !grouped.includes(n))).toEqual([]);
    const moderator = await harness.say('/help');
    for (const group of ['Round', 'Polls', 'Proposals', 'Wallets', 'Results']) expect(moderator).toMatch(new RegExp(`^${group}$`, 'm'));
    expect(moderator).toContain('/tally — ');
    expect(moderator).toContain('/round config — ');
    await harness.say('/as alice');
    const member = await harness.say('/help');
    expect(member).toContain('/vote — ');
    expect(member).toContain('/round show — ');
    expect(member).not.toContain('/tally');
    expect(member).not.toContain('/round config');
    expect(member.length).toBeLessThan(2500);
  });

  it('GIVEN /help vote THEN one command is shown with its options and an example that runs', async () => {
    harness = await consoleHarness();
    const vote = await harness.say('/help vote');
    expect(vote).toContain('/vote poll:… option:… [round:…]');
    expect(vote).toContain('  poll: Poll id, such as q1');
    expect(vote).toContain('  round (optional): ');
    expect(vote).toContain('Example: /vote poll:q1 option:1');
    expect(await harness.say('/help command:rate')).toContain('Example: /rate proposal:');
    expect(await harness.say('/help nothing')).toContain('There is no /nothing.');
    await harness.say('/as alice');
    expect(await harness.say('/help tally')).toContain('/tally is for moderators.');
  });
});
