import { afterEach, describe, expect, it } from 'vitest';
import { reply as replyOf, pre, text, type Reply } from '../../../src/commands/reply.ts';
import { DISCORD_LIMITS, renderForDiscord } from '../../../src/platforms/discord/render.ts';
import { discordHarness } from '../../helpers/discord.ts';

let h: Awaited<ReturnType<typeof discordHarness>> | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

const png = (name: string) => ({ name, contentType: 'image/png', content: new Uint8Array([0x89, 0x50, 0x4e, 0x47]) });
const csv = (name: string) => ({ name, contentType: 'text/csv', content: 'a,b\n1,2\n' });

/** Within what Discord takes of one message, with each chart shown by an embed of the message that carries its file. */
function expectWithinLimits(messages: { embeds: { title?: string; description?: string; image?: { url: string } }[]; attachments: { filename: string }[] }[]) {
  for (const m of messages) {
    expect(m.embeds.length).toBeLessThanOrEqual(DISCORD_LIMITS.embedsPerMessage);
    expect(m.attachments.length).toBeLessThanOrEqual(DISCORD_LIMITS.attachmentsPerMessage);
    expect(m.embeds.reduce((n, e) => n + (e.title ?? '').length + (e.description ?? '').length, 0)).toBeLessThanOrEqual(DISCORD_LIMITS.embedCharsPerMessage);
    for (const e of m.embeds) if (e.image) expect(m.attachments.map((a) => a.filename)).toContain(e.image.url.replace('attachment://', ''));
  }
}

describe('discord: replies with more charts and files than one message takes', () => {
  it('GIVEN a reply with 12 tables, 12 charts and 2 files THEN it is split into messages of at most 10 embeds and 10 files, each chart in the message of its embed, every file once', () => {
    const reply: Reply = { ...replyOf(text('Tally of round r1:'), ...Array.from({ length: 12 }, (_, k) => pre(`poll ${k + 1}\n${'yes  1\n'.repeat(60)}`))), attachments: [...Array.from({ length: 12 }, (_, k) => png(`tally-q${k + 1}.png`)), csv('a.csv'), csv('b.csv')] };
    const messages = renderForDiscord(reply).map((m) => ({ embeds: m.embeds ?? [], attachments: (m.fileNames ?? []).map((filename) => ({ filename })) }));
    expect(messages.length).toBeGreaterThan(1);
    expectWithinLimits(messages);
    expect(messages.flatMap((m) => m.attachments.map((a) => a.filename)).sort()).toEqual(reply.attachments!.map((a) => a.name).sort());
    expect(messages.flatMap((m) => m.embeds.flatMap((e) => (e.image ? [e.image.url] : [])))).toEqual(Array.from({ length: 12 }, (_, k) => `attachment://tally-q${k + 1}.png`));
  });

  it('GIVEN a reply with 23 files THEN the files beyond ten a message go in messages of their own', () => {
    const reply: Reply = { ...replyOf(text('Exports:')), attachments: Array.from({ length: 23 }, (_, k) => csv(`part-${k + 1}.csv`)) };
    const files = renderForDiscord(reply).map((m) => m.fileNames?.length ?? 0);
    expect(files).toEqual([10, 10, 3]);
  });

  it('GIVEN the fake Discord THEN it refuses an eleventh file, an eleventh embed and embeds over 6000 characters, as Discord does (50035)', async () => {
    h = await discordHarness();
    const post = async (payload: Record<string, unknown>, files = 0) => {
      const form = new FormData();
      form.set('payload_json', JSON.stringify({ ...payload, attachments: Array.from({ length: files }, (_, id) => ({ id, filename: `f${id}.txt` })) }));
      for (let k = 0; k < files; k++) form.set(`files[${k}]`, new Blob(['x'], { type: 'text/plain' }), `f${k}.txt`);
      const response = await fetch(`${h!.fake.url}/api/v10/channels/${h!.fake.channelId}/messages`, { method: 'POST', headers: { authorization: `Bot ${h!.fake.token}` }, body: form });
      return { status: response.status, body: (await response.json()) as { code: number; errors?: unknown } };
    };
    expect((await post({ content: 'ten' }, 10)).status).toBe(200);
    expect(await post({ content: 'eleven' }, 11)).toMatchObject({ status: 400, body: { code: 50035, errors: { attachments: 'Must be 10 or fewer in length.' } } });
    expect((await post({ embeds: Array.from({ length: 11 }, () => ({ description: 'x' })) })).body.code).toBe(50035);
    expect((await post({ embeds: [{ description: 'x'.repeat(4000) }, { description: 'x'.repeat(2001) }] })).body.code).toBe(50035);
  });

  it('GIVEN a /tally of 12 polls, each with its chart THEN it is posted whole, never refused: at most 10 embeds and 10 files a message, each chart inside its embed', async () => {
    h = await discordHarness();
    await h.run(h.moderator, '/round create id:r1 name:R');
    for (let k = 1; k <= 12; k++) await h.run(h.moderator, `/poll open question:"Question ${k}?" options:"Yes|No|Abstain"`);
    const tally = await h.run(h.moderator, '/tally');
    expect(h.errors).toEqual([]);
    const messages = tally.messages;
    expect(messages.length).toBeGreaterThan(1);
    expectWithinLimits(messages);
    const charts = messages.flatMap((m) => m.attachments.filter((a) => a.filename.endsWith('.png')));
    expect(charts).toHaveLength(12);
    expect(messages.flatMap((m) => m.embeds.filter((e) => e.image))).toHaveLength(12);
    // Discord refused none of it (a slow moment may make the interaction late, 10062: the answer then comes as a message)
    expect(h.fake.requests.filter((r) => r.status === 400).map((r) => `${r.method} ${r.path} ${r.code}`)).toEqual([]);
  });
});
