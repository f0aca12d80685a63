import { afterEach, describe, expect, it } from 'vitest';
import { discordHarness } from '../../helpers/discord.ts';

let h: Awaited<ReturnType<typeof discordHarness>> | undefined;
afterEach(() => h?.close());

describe('discord: joining a server', () => {
  it('GIVEN the bot is invited without Manage Roles, Create Public Threads and Embed Links THEN it posts the setup checklist in the server once, as plain text, naming what it lacks', async () => {
    h = await discordHarness();
    const joined = h.fake.addGuild('New DAO', { lacks: ['ManageRoles', 'CreatePublicThreads', 'EmbedLinks'] });
    await expect.poll(() => h!.fake.inChannel(joined.channelId).length).toBe(1);
    await h.idle();
    const [checklist] = h.fake.inChannel(joined.channelId);
    expect(checklist!.embeds).toEqual([]);
    const said = h.fake.textOf(checklist!);
    expect(said).toMatch(/^Hello! I run governance rounds here/);
    expect(said).toContain('Admins, I lack 3 rights:\n✗ Embed Links: tallies, tables and charts are shown as embeds\n✗ Create Public Threads: each proposal gets a thread');
    expect(said).toContain('✗ Manage Roles: members get a role per reputation tier');
    expect(said).toContain('✓ Send Messages\n✓ Attach Files');
    expect(said).toContain('1. /round create id:r1 name:"Round 1"');
    // The server the bot was in from the start gets no checklist.
    expect(h.fake.inChannel(h.fake.channelId)).toEqual([]);
    expect(h.errors).toEqual([]);
  });
});
