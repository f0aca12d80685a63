import { afterEach, describe, expect, it } from 'vitest';
import { discordHarness } from '../../helpers/discord.ts';

let h: Awaited<ReturnType<typeof discordHarness>> | undefined;
afterEach(() => h?.close());

const ROLE_A = '1400000000000000011';

/** A draft round where alice and bob each submitted a proposal (equal points: both tier A), with tier roles mapped. */
async function roundWithTierRoles(harness: NonNullable<typeof h>) {
  const { fake } = harness;
  fake.roles.push({ id: ROLE_A, name: 'Tier A (ours)' });
  const alice = fake.member('201', 'alice');
  const bob = fake.member('202', 'bob');
  await harness.run(harness.moderator, '/round create id:r1 name:R');
  await harness.run(alice, '/proposal submit title:"Docs" text:"Write them"');
  await harness.run(bob, '/proposal submit title:"Tests" text:"Write them too"');
  const mapped = await harness.run(harness.moderator, `/round config key:tiers.roles value:{"A":"<@&${ROLE_A}>","B":"create"}`);
  return { alice, bob, mapped };
}

describe('discord: a role per reputation tier', () => {
  it('GIVEN tiers mapped to a role and a role to create THEN members get their tier\'s role, lose it when their tier moves, and a start puts right what was changed by hand', async () => {
    h = await discordHarness();
    const { alice, bob, mapped } = await roundWithTierRoles(h);
    expect(mapped.text).toContain(`Tier roles of this server: A → <@&${ROLE_A}>, B → a new role "Tier B".`);
    await h.bot.discord!.tierRoles.idle();
    expect(h.fake.roles.map((r) => r.name)).toEqual(['Tier A (ours)', 'Tier B']);
    expect(alice.roles).toEqual([ROLE_A]);
    expect(bob.roles).toEqual([ROLE_A]);

    // Alice comments: her points pass bob's, who drops to tier C (not mapped) and loses the role.
    await h.run(alice, '/comment proposal:p2 text:"Good idea"');
    await h.run(alice, '/comment proposal:p2 text:"Even better"');
    await h.bot.discord!.tierRoles.idle();
    expect(alice.roles).toEqual([ROLE_A]);
    expect(bob.roles).toEqual([]);
    // Only what moved was changed, once each: two given, then one taken.
    expect(h.fake.roleChanges.map((c) => `${c.method} ${c.userId}`)).toEqual(['PUT 201', 'PUT 202', 'DELETE 202']);

    // Roles changed by hand while the bot was away are put right by the re-check a start runs.
    alice.roles = [];
    bob.roles = [ROLE_A];
    await h.bot.discord!.tierRoles.recheckAll();
    await h.bot.discord!.tierRoles.idle();
    expect(alice.roles).toEqual([ROLE_A]);
    expect(bob.roles).toEqual([]);
    expect(h.errors).toEqual([]);
  });

  it('GIVEN the bot without Manage Roles, or a tier role above its own THEN Discord refuses as it does (50013) and the bot says what to fix in one error line', async () => {
    h = await discordHarness();
    h.fake.revoke('ManageRoles');
    await roundWithTierRoles(h);
    await h.bot.discord!.tierRoles.idle();
    expect(h.fake.roleChanges).toEqual([]);
    expect(h.errors).toEqual(['tier roles: Discord refused a role change; give the bot Manage Roles and move its role above the tier roles 403 Missing Permissions (code 50013)']);
    await h.close();

    h = await discordHarness();
    h.fake.roles.push({ id: '1400000000000000012', name: 'Council', aboveBot: true });
    const alice = h.fake.member('201', 'alice');
    await h.run(h.moderator, '/round create id:r1 name:R');
    await h.run(alice, '/proposal submit title:"Docs" text:"Write them"');
    await h.run(h.moderator, '/round config key:tiers.roles value:{"A":"<@&1400000000000000012>"}');
    await h.bot.discord!.tierRoles.idle();
    expect(alice.roles).toEqual([]);
    expect(h.errors).toHaveLength(1);
    expect(h.errors[0]).toContain('50013');
  });

  it('GIVEN tier roles on Telegram or the console THEN the moderator is told they are Discord roles', async () => {
    const { consoleHarness } = await import('../../helpers/console.ts');
    const chat = await consoleHarness();
    await chat.say('/round create id:r1 name:R');
    expect(await chat.say('/round config key:tiers.roles value:create')).toContain('tier roles are Discord roles');
    await chat.close();
  });
});
