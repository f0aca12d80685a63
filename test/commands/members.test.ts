import { afterEach, describe, expect, it } from 'vitest';
import { suggest } from '../../src/commands/suggest.ts';
import { consoleHarness } from '../helpers/console.ts';
import { accounts, telegramUser } from './accounts.ts';

let harness: Awaited<ReturnType<typeof consoleHarness>>;
afterEach(() => harness?.close());

const WALLET = '0x00000000000000000000000000000000000000d1';

/** A Telegram group where two different people are both called "Dave Lee". */
async function twoDaves() {
  harness = await consoleHarness();
  const chat = accounts(harness);
  const group = await chat.community('-100300');
  const admin = telegramUser('1', 'admin', true);
  const daves = [telegramUser('101', 'Dave Lee'), telegramUser('202', 'Dave Lee')];
  await chat.say(group, admin, '/round create id:r1 name:R');
  for (const dave of daves) await chat.say(group, dave, '/reputation');
  const keys = await harness.db.selectFrom('members').select(['key', 'handle']).where('community_id', '=', group.id).where('handle', '=', 'Dave Lee').orderBy('key').execute();
  return { chat, group, admin, daves, keys: keys.map((k) => k.key) };
}

describe('members are found, never guessed', () => {
  it('GIVEN two members called "Dave Lee" THEN member:"Dave Lee" is refused listing both with their ids, and nothing is done', async () => {
    const { chat, group, admin, keys } = await twoDaves();
    expect(keys).toHaveLength(2);
    for (const line of ['/exclude member:"Dave Lee"', '/round moderator member:"Dave Lee"', '/reputation member:"@Dave Lee"']) {
      const out = await chat.say(group, admin, line);
      expect(out).toContain(`Several members are called "Dave Lee": ${keys[0]} Dave Lee, ${keys[1]} Dave Lee. Write member:${keys[0]}`);
    }
    expect(await harness.db.selectFrom('exclusions').selectAll().execute()).toEqual([]);
    expect(await harness.db.selectFrom('round_moderators').selectAll().execute()).toEqual([]);
  });

  it('GIVEN the ambiguous name THEN /wallet add refuses and no wallet is linked; by id it goes to the one named', async () => {
    const { chat, group, admin, keys } = await twoDaves();
    expect(await chat.say(group, admin, `/wallet add member:"Dave Lee" address:${WALLET} tokens:100 unverified:true`)).toContain('Several members are called "Dave Lee"');
    expect(await harness.db.selectFrom('wallets').selectAll().execute()).toEqual([]);
    expect(await chat.say(group, admin, `/wallet add member:${keys[1]} address:${WALLET} tokens:100 unverified:true`)).toContain('linked to Dave Lee');
    const owner = await harness.db.selectFrom('wallets').innerJoin('members', 'members.id', 'wallets.member_id').select('members.key').executeTakeFirstOrThrow();
    expect(owner.key).toBe(keys[1]);
  });

  it('GIVEN a member picked from the platform (<@id>) THEN the account on the actor\'s platform is the one found', async () => {
    const { chat, group, admin, keys } = await twoDaves();
    const second = await harness.db.selectFrom('member_accounts').innerJoin('members', 'members.id', 'member_accounts.member_id').select('members.key').where('platform_user_id', '=', '202').executeTakeFirstOrThrow();
    expect(await chat.say(group, admin, '/exclude member:<@202>')).toContain('Dave Lee is excluded from the rewards');
    const excluded = await harness.db.selectFrom('exclusions').innerJoin('members', 'members.id', 'exclusions.member_id').select('members.key').execute();
    expect(excluded).toEqual([{ key: second.key }]);
    expect(keys).toContain(second.key);
    // Discord's nickname form, and an account nobody has seen
    expect(await chat.say(group, admin, '/include member:<@!202>')).toContain('Dave Lee takes part in the rewards');
    expect(await chat.say(group, admin, '/exclude member:<@999>')).toContain('<@999> has not used the bot here yet');
  });

  it('GIVEN the same user id on another platform THEN a mention finds only the account on the actor\'s platform', async () => {
    harness = await consoleHarness();
    await harness.say('/round create id:r1 name:R', '/as 202', '/reputation', '/as you --moderator');
    expect(await harness.say('/exclude member:<@202>')).toContain('202 is excluded');
    const chat = accounts(harness);
    const community = (await harness.db.selectFrom('communities').selectAll().where('platform', '=', 'console').executeTakeFirstOrThrow());
    expect(await chat.say(community, telegramUser('1', 'admin', true), '/exclude member:<@202>')).toContain('<@202> has not used the bot here yet');
  });

  it('GIVEN a member who changed their name on the platform THEN they are found under the new name, not the old one', async () => {
    const { chat, group, admin, daves } = await twoDaves();
    await chat.say(group, telegramUser(daves[1]!.userId, 'David Lee-Smith'), '/reputation');
    expect(await chat.say(group, admin, '/exclude member:"David Lee-Smith"')).toContain('David Lee-Smith is excluded');
    // The old name now names one member only.
    expect(await chat.say(group, admin, '/include member:"Dave Lee"')).toContain('Dave Lee takes part in the rewards');
  });
});

describe('member suggestions', () => {
  it('GIVEN two members with one handle THEN each suggestion carries the id that names one of them', async () => {
    const { group, keys } = await twoDaves();
    const suggestions = await suggest(harness.db, group, 'member', 'dave', {});
    expect(suggestions).toEqual([
      { name: `Dave Lee (${keys[0]})`, value: keys[0] },
      { name: `Dave Lee (${keys[1]})`, value: keys[1] },
    ]);
  });
});
