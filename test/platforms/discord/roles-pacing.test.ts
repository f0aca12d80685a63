import { afterEach, describe, expect, it } from 'vitest';
import { ConfigError, createConfig } from '../../../src/config.ts';
import { discordHarness } from '../../helpers/discord.ts';

let h: Awaited<ReturnType<typeof discordHarness>> | undefined;
afterEach(() => h?.close());

describe('discord: tier-role pacing from the environment', () => {
  it('GIVEN DISCORD_TIER_ROLE_DEBOUNCE_MS and DISCORD_TIER_ROLE_GAP_MS THEN the tier-role sync runs at that pace', async () => {
    h = await discordHarness({ env: { DISCORD_TIER_ROLE_DEBOUNCE_MS: '500', DISCORD_TIER_ROLE_GAP_MS: '40' } });
    expect(h.bot.discord!.tierRoles.pacing).toEqual({ debounceMs: 500, gapMs: 40 });
  });

  it('GIVEN no pacing set THEN the defaults hold (2 s after the last event, 250 ms between changes)', () => {
    const config = createConfig({});
    expect([config.DISCORD_TIER_ROLE_DEBOUNCE_MS, config.DISCORD_TIER_ROLE_GAP_MS]).toEqual([2000, 250]);
  });

  it.each([
    ['DISCORD_TIER_ROLE_DEBOUNCE_MS', 'soon'],
    ['DISCORD_TIER_ROLE_DEBOUNCE_MS', '-5'],
    ['DISCORD_TIER_ROLE_GAP_MS', '2.5'],
    ['DISCORD_TIER_ROLE_GAP_MS', '600000'],
  ])('GIVEN %s=%s THEN the bot refuses to start, naming the variable and what to write', (name, value) => {
    const max = name === 'DISCORD_TIER_ROLE_GAP_MS' ? '60000' : '600000';
    expect(() => createConfig({ [name]: value })).toThrow(ConfigError);
    expect(() => createConfig({ [name]: value })).toThrow(`  ${name}: ${name} is a whole number of milliseconds from 0 to ${max}, such as 2000`);
  });
});
