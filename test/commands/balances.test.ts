import { afterEach, describe, expect, it } from 'vitest';
import { commands } from '../../commands/index.ts';
import { actionFor, optionKind } from '../../src/commands/framework.ts';
import { consoleHarness } from '../helpers/console.ts';

let harness: Awaited<ReturnType<typeof consoleHarness>>;
afterEach(() => harness?.close());

const address = (i: number) => `0x${i.toString(16).padStart(40, '0')}`;

const balances = async () =>
  (await harness.db.selectFrom('balances').innerJoin('wallets', 'wallets.id', 'balances.wallet_id').select(['wallets.address', 'balances.balance']).orderBy('wallets.address').execute()).map((b) => `${b.address.slice(-2)}=${b.balance}`);

describe('/round balances names every bad line and drops nothing', () => {
  it('GIVEN the csv option THEN it is marked as a file, so platforms may pass an attachment\'s text', () => {
    const action = actionFor(commands, { name: 'round', subcommand: 'balances', options: {} })!;
    expect(optionKind(action.options.shape['csv'] as never)).toBe('file');
  });

  it('GIVEN "a,1;b,2" on one line THEN it is refused as one bad line, and nothing is imported', async () => {
    await setUp();
    const before = await balances();
    const out = await harness.say(`/round balances csv:"${address(1)},100;${address(2)},200"`);
    expect(out).toContain('csv: nothing imported; 1 line needs fixing');
    expect(out).toContain(`line 1: "${address(1)},100;${address(2)},200" has 4 fields; write one address,balance per line`);
    expect(await balances()).toEqual(before);
  });

  it('GIVEN several bad lines THEN every one is named with its number, and nothing is imported', async () => {
    await setUp();
    const before = await balances();
    const csv = ['address,balance', `${address(1)},100`, 'nonsense,5', '', `${address(2)};lots`, `${address(3)}\t1.234`, `${address(1)},300`, `${address(3)},1,000`].join('\n');
    const out = await harness.say(`/round balances csv:"${csv}"`);
    expect(out).toContain('csv: nothing imported; 5 lines need fixing');
    expect(out).toContain('line 3: "nonsense" is not an address (0x and 40 hex digits)');
    expect(out).toContain('line 5: "lots" is not a balance');
    expect(out).toContain('line 6: "1.234" is not a balance (base units such as 1250000000, or tokens with at most 2 decimals such as 12.5)');
    expect(out).toContain(`line 7: ${address(1)} is already on line 2`);
    expect(out).toContain(`line 8: "${address(3)},1,000" has 3 fields`);
    expect(await balances()).toEqual(before);
  });

  it('GIVEN an address whose mixed case is a wrong EIP-55 checksum THEN its line is refused, not quietly fixed', async () => {
    await setUp();
    const before = await balances();
    // 0x52908400098527886E0F7030069857D2E4169EE7 is EIP-55's own example; one letter's case flipped breaks it.
    const out = await harness.say('/round balances csv:"0x52908400098527886e0F7030069857D2E4169EE7,5"');
    expect(out).toContain('line 1: 0x52908400098527886e0F7030069857D2E4169EE7 has a wrong EIP-55 checksum');
    expect(await balances()).toEqual(before);
  });

  it('GIVEN a header, blank lines and each separator THEN all lines are imported and the skipped ones are said', async () => {
    await setUp();
    const csv = ['Address;Balance', '', `${address(1)},100`, `${address(2)};2.5`, '  ', `${address(3)}\t7`, ''].join('\r\n');
    const out = await harness.say(`/round balances csv:"${csv}"`);
    expect(out).toContain('Imported 3 balances into round r1 (skipped the header on line 1 and 2 blank lines).');
    expect(await balances()).toEqual(['01=100', '02=250', '03=7']);
  });

  it('GIVEN an address nobody linked THEN the others are imported and it is named', async () => {
    await setUp();
    const out = await harness.say(`/round balances csv:"${address(1)},5\n${address(9)},6"`);
    expect(out).toContain('Imported 1 balances into round r1.');
    expect(out).toContain(`Not linked by any member, so skipped: ${address(9)}`);
  });
});

/** A round (tokens of 2 decimals) whose members a, b and c have linked wallets 1, 2 and 3. */
async function setUp() {
  harness = await consoleHarness();
  await harness.say('/round create id:r1 name:R', '/round config key:token.decimals value:2');
  for (const [i, m] of ['a', 'b', 'c'].entries()) await harness.say(`/as ${m}`, '/reputation', '/as you --moderator', `/wallet add member:${m} address:${address(i + 1)} tokens:1 unverified:true`);
}
