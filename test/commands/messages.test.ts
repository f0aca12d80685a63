import { afterEach, describe, expect, it } from 'vitest';
import { commands } from '../../commands/index.ts';
import { UserError } from '../../src/commands/errors.ts';
import { resolve, type Invocation } from '../../src/commands/framework.ts';
import { parseLine } from '../../src/commands/parse.ts';
import { consoleHarness } from '../helpers/console.ts';

let harness: Awaited<ReturnType<typeof consoleHarness>>;
afterEach(() => harness?.close());

/** What zod says by itself (its English locale), which no member should ever read. */
const ZOD_WORDING = /Invalid (input|option|string|discriminator|element|key|union)|Too (small|big)|Unrecognized key|expected \w+, received|expected (string|number|boolean) to/i;

/** The refusal of an invocation, as the member would read it. */
function refusal(invocation: Invocation): string | null {
  try {
    resolve(commands, invocation, true);
    return null;
  } catch (error) {
    if (error instanceof UserError) return error.message;
    throw error;
  }
}

const every = commands.flatMap((c) =>
  (c.action ? [[undefined, c.action] as const] : Object.entries(c.subcommands)).map(([subcommand, action]) => ({ name: c.name, subcommand, shape: Object.keys(action.options.shape) })),
);

describe('refusals say what to type', () => {
  it('GIVEN every command with every option missing, empty, or 5000 characters long THEN no refusal has zod\'s own wording', () => {
    const refusals: string[] = [];
    for (const { name, subcommand, shape } of every) {
      refusals.push(refusal({ name, subcommand, options: {} }) ?? '');
      for (const option of shape)
        for (const value of ['', ' ', 'x'.repeat(5000), true])
          refusals.push(refusal({ name, subcommand, options: { [option]: value } }) ?? '');
    }
    const checked = refusals.filter(Boolean);
    expect(checked.length).toBeGreaterThan(300);
    expect(checked.filter((r) => ZOD_WORDING.test(r))).toEqual([]);
  });

  it('GIVEN missing, empty and too long values THEN the member reads which option and what to write', async () => {
    harness = await consoleHarness();
    await harness.say('/round create id:r1 name:R', '/proposal submit title:"A title" text:Body');
    expect(await harness.say('/exclude')).toContain('member: missing; write member:alice\nUsage: /exclude member:… [reason:…] [round:…]');
    expect(await harness.say('/exclude member:""')).toContain('member: empty; write member:alice');
    expect(await harness.say(`/comment proposal:p1 text:${'x'.repeat(5000)}`)).toContain('text: at most 4000 characters (you wrote 5000)');
    expect(await harness.say('/proposal submit title:ab text:Body')).toContain('title: at least 3 characters (you wrote 2)');
    expect(await harness.say('/vote poll:q1')).toContain('option: option is the number of an answer, such as 1');
    expect(await harness.say('/wallet add member:alice address:0x0000000000000000000000000000000000000001 tokens:5')).toContain('this links a wallet without a signature');
    expect(await harness.say('/privacy handle:loud')).not.toMatch(ZOD_WORDING);
    expect(await harness.say('/round snapshot block:-3')).not.toMatch(ZOD_WORDING);
    expect(harness.errors).toEqual([]);
  });

  it('GIVEN wrong values for the rules of /round config THEN each is said in words', async () => {
    harness = await consoleHarness();
    await harness.say('/round create id:r1 name:R');
    const keys = ['token.symbol', 'token.decimals', 'token.address', 'reputation.proposalShare', 'reputation.commentPoints', 'tiers', 'tiers.by', 'tiers.levels', 'voting.weight', 'voting.quadraticUnit', 'rewards.pool', 'rewards.contributionPercent', 'rewards.capPercent', 'timezone'];
    const values = ['nonsense', '-1', '1e9', '{}', '[]', '[{}]', 'null', 'true', '"x"'];
    let refused = 0;
    for (const key of keys)
      for (const value of values) {
        const out = await harness.say(`/round config key:${key} value:${JSON.stringify(value)}`);
        if (!out.includes('is now')) refused++;
        expect({ key, value, out }).not.toEqual({ key, value, out: expect.stringMatching(ZOD_WORDING) });
      }
    expect(refused).toBeGreaterThan(100);
  });
});

describe('the command line as phones type it', () => {
  it.each([
    ['/poll open question:“Pool for ideas?” options:“Yes|No”', { question: 'Pool for ideas?', options: 'Yes|No' }],
    ['/poll open question:‘Pool for ideas?’ options:‘Yes|No’', { question: 'Pool for ideas?', options: 'Yes|No' }],
    ['/poll open question:„Pool für Ideen?“ options:„Ja|Nein“', { question: 'Pool für Ideen?', options: 'Ja|Nein' }],
    ['/poll open question:”Backwards quotes?” options:Yes|No', { question: 'Backwards quotes?', options: 'Yes|No' }],
    ['/poll open question:‘Isn’t it fine?’ options:“Yes, it’s fine|No”', { question: 'Isn’t it fine?', options: 'Yes, it’s fine|No' }],
    ['/poll open question:"Say “hi”?" options:Yes|No', { question: 'Say “hi”?', options: 'Yes|No' }],
  ])('GIVEN %s THEN the curly quotes are quotes', (line, options) => {
    const parsed = parseLine(line);
    expect(parsed.ok && parsed.invocation.options).toEqual(options);
  });

  it('GIVEN an option given twice THEN the command is refused naming both, nothing is done', async () => {
    harness = await consoleHarness();
    await harness.say('/round create id:r1 name:R');
    expect(await harness.say('/round config key:rewards.pool value:1 value:2')).toContain('value: given twice (value:1 and value:2); give it once.');
    expect(await harness.say('/wallets --remove --remove')).toContain('remove: given twice');
    expect(await harness.db.selectFrom('audit_log').select('action').where('action', '=', 'round.configured').execute()).toEqual([]);
  });
});

describe('testing hints', () => {
  it('GIVEN a member without a wallet THEN /vote does not show them the moderators\' testing shortcut, and a moderator sees it', async () => {
    harness = await consoleHarness();
    await harness.say('/round create id:r1 name:R', '/poll open question:"Q?" options:"A|B"');
    const member = await harness.say('/as alice', '/vote poll:q1 option:1');
    expect(member).toContain('To vote you need a verified wallet holding tokens at the round\'s snapshot. Link one with /verify.');
    expect(member).not.toContain('unverified');
    expect(await harness.say('/help')).not.toContain('unverified');
    expect(await harness.say('/as mod --moderator', '/vote poll:q1 option:1')).toContain('/wallet add … unverified:true');
    expect(await harness.say('/help')).toContain('/wallet add');
  });
});
