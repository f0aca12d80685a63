import { afterEach, describe, expect, it } from 'vitest';
import { discordHarness } from '../../helpers/discord.ts';

let h: Awaited<ReturnType<typeof discordHarness>>;
afterEach(() => h?.close());

describe('discord basics', () => {
  it('GIVEN the bot starts THEN it identifies on the gateway and registers the slash commands in the server', async () => {
    h = await discordHarness();
    expect(h.fake.identified).toBe(1);
    const names = h.fake.commands.get(h.fake.guildId)!.map((c) => c['name']);
    expect(names).toEqual(expect.arrayContaining(['vote', 'poll', 'round', 'proposal']));
    const { text } = await h.run(h.moderator, '/round create id:r1 name:"Round one"');
    expect(text).toContain('Round r1 "Round one" is created');
    expect(h.errors).toEqual([]);
  });
});
