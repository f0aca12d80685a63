import { afterEach, describe, expect, it } from 'vitest';
import { consoleHarness } from '../helpers/console.ts';
import { discordHarness } from '../helpers/discord.ts';

let close: (() => Promise<void>) | undefined;
afterEach(async () => {
  await close?.();
  close = undefined;
});

const JURORS = '1400000000000000077';
const PROJECTS = 'name,url,parent\ngeth,https://geth.ethereum.org,\nreth,,\nbesu,,';

describe('pairwise jurors chosen by a Discord role', () => {
  it('GIVEN who:role picked from Discord\'s role picker THEN a member without the role is refused with a clear sentence, by /judge and by the Start judging button, and a member with it judges', async () => {
    const h = await discordHarness();
    close = () => h.close();
    h.fake.roles.push({ id: JURORS, name: 'Jurors' });
    const juror = h.fake.member('301', 'alice', { roles: [JURORS] });
    const other = h.fake.member('302', 'bob');
    await h.run(h.moderator, '/pairwise create id:df1 name:D root:Ethereum');
    await h.run(h.moderator, '/pairwise projects', { files: { file_file: { filename: 'p.csv', content: PROJECTS, contentType: 'text/csv' } } });
    expect((await h.run(h.moderator, '/pairwise jurors who:role role:@everyone')).text).toContain('role: @everyone is every member; choose who:anyone for that.');
    expect((await h.run(h.moderator, '/pairwise jurors who:role')).text).toContain('who:role needs role:');
    expect((await h.run(h.moderator, '/pairwise jurors who:role role:Jurors')).text).toContain(`Round df1 is judged by members with the role <@&${JURORS}>.`);
    const shown = (await h.run(h.moderator, '/pairwise show')).messages.flatMap((m) => m.embeds.map((e) => e.description ?? ''));
    // outside a code block, where Discord shows the role by its name
    expect(shown.join('\n')).toMatch(new RegExp(`(^|\n)Judged by members with the role <@&${JURORS}>\\.`));
    const opened = (await h.run(h.moderator, '/pairwise open')).messages.find((m) => m.components.length > 0)!;

    const refused = `Round df1 is judged by members with the role <@&${JURORS}>, which you do not have; ask a moderator for it.`;
    expect((await h.run(other, '/judge')).text).toContain(refused);
    const tapped = await h.fake.click(other, opened, 0);
    await h.idle();
    expect(h.texts(h.fake.answerOf(tapped))).toContain(refused);

    expect((await h.run(juror, '/judge')).text).toContain('Which mattered more to Ethereum?');
    // A moderator gives bob the role: his next interaction carries it.
    other.roles = [JURORS];
    expect((await h.run(other, '/judge')).text).toContain('Which mattered more to Ethereum?');
    // The refusals named no one publicly: the role is shown, never pinged.
    expect(h.fake.inChannel(h.fake.channelId).some((m) => h.fake.pingsOf(m).roles.length > 0)).toBe(false);
    expect(h.errors).toEqual([]);
  });

  it('GIVEN a chat without roles (the console, Telegram) THEN who:role is refused saying role eligibility works on Discord only', async () => {
    const c = await consoleHarness();
    close = () => c.close();
    await c.say('/as mod --moderator', '/pairwise create id:df1 name:D root:Ethereum');
    expect(await c.say(`/pairwise jurors who:role role:<@&${JURORS}>`)).toContain('role eligibility works on Discord only');
    expect(await c.say('/pairwise show')).toContain('judged by    anyone in the community');
  });
});
