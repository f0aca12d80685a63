import { afterEach, describe, expect, it } from 'vitest';
import { publishedRewards } from '../../src/db/rewards.ts';
import { findRound } from '../../src/db/repositories.ts';
import { consoleHarness } from '../helpers/console.ts';

let harness: Awaited<ReturnType<typeof consoleHarness>>;
afterEach(() => harness?.close());

/** The sample round, published once: returns its stored publication. */
async function publishedDemo() {
  harness = await consoleHarness('2025-03-01T10:00:00Z');
  await harness.say('/demo');
  const round = (await findRound(harness.db, harness.chat.community.id))!;
  const out = await harness.say('/rewards publish');
  expect(out).toContain(`Rewards of round ${round.key}, published (final)\n`);
  expect(out).not.toContain('(only you see this)');
  const published = (await publishedRewards(harness.db, round.id))!;
  return { round, published, out };
}

/** What a member sees of the published split in /rewards preview: its heading and table. */
const publishedSection = (preview: string) => preview.slice(preview.indexOf('Published rewards of round'), preview.indexOf('The split'));

describe('published rewards are final', () => {
  it('GIVEN /rewards publish THEN the split is stored with its amounts in base units, the rules, who and when', async () => {
    const { round, published } = await publishedDemo();
    expect(published.version).toBe(1);
    expect(published.publishedAt).toBe('2025-03-01T10:00:00.000Z');
    expect(published.publishedBy?.handle).toBe('you');
    expect(published.rulesHash).toMatch(/^[0-9a-f]{64}$/);
    expect(published.amounts.length).toBeGreaterThan(10);
    expect(published.amounts.reduce((s, a) => s + a.amount, 0n) + published.undistributed).toBe(published.pool);
    expect(published.pool).toBeGreaterThan(0n);
    const audit = await harness.db.selectFrom('audit_log').select(['action', 'detail']).where('round_id', '=', round.id).where('action', 'like', 'rewards.%').execute();
    expect(audit.map((a) => a.action)).toEqual(['rewards.published']);
  });

  it('GIVEN rule, exclusion and balance changes after publishing THEN the published split stays as it was, in storage and in /rewards preview', async () => {
    const { round, published } = await publishedDemo();
    const before = await harness.say('/rewards preview');
    expect(before).toContain('The split as it stands is the published one.');
    const top = published.amounts[0]!;
    const wallet = await harness.db.selectFrom('wallets').innerJoin('members', 'members.id', 'wallets.member_id').select('wallets.address').where('members.key', '=', published.amounts[1]!.member).executeTakeFirstOrThrow();
    for (const change of [
      '/round config key:rewards.contributionPercent value:50',
      '/round config key:reputation.commentPoints value:3',
      '/round config key:tiers.levels value:"[{\\"name\\":\\"A\\",\\"percent\\":50,\\"factor\\":9}]"',
      '/round config key:rewards.capPercent value:5',
      `/exclude member:${top.member}`,
      `/round balances csv:"${wallet.address},1"`,
    ])
      expect(await harness.say(change)).not.toContain('(only you see this)');
    expect(await publishedRewards(harness.db, round.id)).toEqual(published);
    const after = await harness.say('/rewards preview');
    expect(publishedSection(after)).toBe(publishedSection(before));
    expect(after).toContain(`The split has changed since it was published (${top.handle} `);
  });

  it('GIVEN a changed split THEN /rewards publish is refused unless republish:true, which is recorded and posted publicly', async () => {
    const { round, published } = await publishedDemo();
    const top = published.amounts[0]!;
    await harness.say(`/exclude member:${top.member}`);
    const refused = await harness.say('/rewards publish');
    expect(refused).toContain(`The rewards of round ${round.key} are published (version 1), and the split has changed since: ${top.handle} `);
    expect(refused).toContain('to replace it, /rewards publish republish:true');
    expect(await publishedRewards(harness.db, round.id)).toEqual(published);

    const republished = await harness.say('/rewards publish republish:true');
    expect(republished).not.toContain('(only you see this)');
    expect(republished).toContain(`Rewards of round ${round.key}, republished\nBy you: version 2, replacing version 1; changed: ${top.handle} `);
    const latest = (await publishedRewards(harness.db, round.id))!;
    expect(latest.version).toBe(2);
    expect(latest.amounts.find((a) => a.member === top.member)).toBeUndefined();
    const audit = await harness.db.selectFrom('audit_log').select(['action', 'detail']).where('round_id', '=', round.id).where('action', 'like', 'rewards.%').orderBy('at').execute();
    expect(audit.map((a) => a.action)).toEqual(['rewards.published', 'rewards.republished']);
    expect(JSON.parse(audit[1]!.detail)).toMatchObject({ version: 2, replaces: 1 });
  });

  it('GIVEN nothing changed THEN publishing again stores nothing new and says it is unchanged', async () => {
    const { round } = await publishedDemo();
    expect(await harness.say('/rewards publish')).toContain('unchanged, so there is nothing to publish again');
    expect(await harness.say('/rewards publish republish:true')).toContain('unchanged');
    expect((await publishedRewards(harness.db, round.id))!.version).toBe(1);
  });
});
