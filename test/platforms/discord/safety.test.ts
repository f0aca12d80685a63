import { afterEach, describe, expect, it } from 'vitest';
import { commands } from '../../../commands/index.ts';
import { slashCommands } from '../../../src/platforms/discord/commands.ts';
import type { FakeMessage } from '../../fakes/discord.ts';
import { discordHarness } from '../../helpers/discord.ts';

let h: Awaited<ReturnType<typeof discordHarness>> | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

const EPHEMERAL = 64;
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
const address = (i: number) => `0x${i.toString(16).padStart(40, '0')}`;
const botMessages = (harness: NonNullable<typeof h>) => [...harness.fake.messages.values()].filter((m) => m.author.bot);

async function proposalsPhase(harness: NonNullable<typeof h>) {
  await harness.run(harness.moderator, '/round create id:r1 name:R');
  await harness.run(harness.moderator, '/round schedule proposals:2025-01-01T01:00:00Z voting:2025-01-02T00:00:00Z close:2025-01-05T00:00:00Z');
  await harness.advanceTo('2025-01-01T01:00:00Z');
}

describe('discord: members cannot ping everyone through the bot', () => {
  it('GIVEN member text with @everyone, @here, a role, a member mention and a masked link THEN no message of the bot pings anyone and the link shows as text', async () => {
    h = await discordHarness({ moderatorRole: '1400000000000000001' });
    const alice = h.fake.member('201', 'alice');
    await proposalsPhase(h);
    const post = (await h.run(alice, '/proposal submit title:"@everyone look [here](https://evil.example/login)" text:"<@&1400000000000000001> <@1> @here [docs](https://evil.example)"')).messages[0]!;
    expect(h.fake.textOf(post)).toContain('@everyone look');
    const thread = h.fake.threadOf(post.id)!;
    await h.fake.post(alice, thread, '@everyone <@1> see [this](https://evil.example)');
    const sent = botMessages(h).filter((m) => m.content || m.embeds.length);
    expect(sent.length).toBeGreaterThan(3);
    for (const message of sent) {
      expect(message.allowedMentions, message.content).toBeDefined();
      expect(h.fake.pingsOf(message), message.content).toEqual({ everyone: false, users: [], roles: [] });
      expect(h.fake.maskedLinksOf(message), message.content).toEqual([]);
    }
  });

  it('GIVEN a comment refused in a thread THEN the bot\'s reply pings its author, and only them', async () => {
    h = await discordHarness();
    const alice = h.fake.member('201', 'alice');
    await proposalsPhase(h);
    const post = (await h.run(alice, '/proposal submit title:"Docs" text:"Write them"')).messages[0]!;
    await h.advanceTo('2025-01-05T00:00:00Z');
    await h.fake.post(alice, h.fake.threadOf(post.id)!, '@everyone too late?');
    await h.idle();
    const reply = botMessages(h).find((m) => m.replyTo !== undefined)!;
    expect(h.fake.textOf(reply)).toContain('closed');
    expect(h.fake.pingsOf(reply)).toEqual({ everyone: false, users: ['201'], roles: [] });
  });
});

describe('discord: text cut on grapheme boundaries', () => {
  it('GIVEN emoji across every limit (button and select labels, thread names, long messages) THEN Discord takes every message and nothing is half an emoji', async () => {
    h = await discordHarness();
    const alice = h.fake.member('201', 'alice');
    await proposalsPhase(h);
    const thumbs = 'ab' + '👍🏽'.repeat(40);
    const buttons = (await h.run(h.moderator, `/poll open question:"Emoji?" options:"${thumbs}|No"`)).messages.at(-1)!;
    const select = (await h.run(h.moderator, `/poll open question:"More?" options:"${Array.from({ length: 7 }, () => 'x' + '🇩🇪'.repeat(40)).join('|')}"`)).messages.at(-1)!;
    const labels = (m: FakeMessage) => m.components.flatMap((r) => r.components).flatMap((c) => (c.type === 3 ? c.options!.map((o) => o.label) : [c.label!]));
    expect(labels(buttons)[0]).toBe(`1. ab${'👍🏽'.repeat(18)}…`);
    expect(labels(select)[0]).toBe(`1. x${'🇩🇪'.repeat(23)}…`);
    const title = 'Idea ' + '👨‍👩‍👧'.repeat(40);
    // One word longer than a message, an emoji across each cut.
    const long = 'x' + '🎉'.repeat(3000);
    const proposal = (await h.run(alice, `/proposal submit title:"${title}" text:"${long}"`)).messages;
    expect(h.fake.channels.get(h.fake.threadOf(proposal[0]!.id)!)!.name).toMatch(/^p1: Idea (👨‍👩‍👧)+…$/);
    const shown = (await h.run(alice, '/proposal show proposal:p1')).messages;
    expect(shown.map((m) => m.content.length)).toEqual([340, 1999, 2000, 2000, 29]);
    expect(shown.map((m) => m.content).join('')).toContain(long);
    for (const message of botMessages(h)) expect(LONE_SURROGATE.test(JSON.stringify(message)) || LONE_SURROGATE.test(message.content)).toBe(false);
    expect(h.errors).toEqual([]);
  });
});

describe('discord: the one-time wallet link stays private', () => {
  it('GIVEN /verify answered too late for the interaction and DMs closed THEN the link is posted nowhere, and the member is told in the channel without it how to get it', async () => {
    h = await discordHarness();
    const alice = h.fake.member('201', 'alice');
    await h.run(h.moderator, '/round create id:r1 name:R');
    h.fake.closedDms.add('201');
    h.fake.interactionDeadlineMs = 0;
    await h.run(alice, '/verify');
    expect([...h.fake.messages.values()].filter((m) => m.content.includes('/verify/'))).toEqual([]);
    const notice = h.fake.inChannel(h.fake.channelId).at(-1)!;
    expect(notice.content).toMatch(/^<@201> I could not answer you privately: allow direct messages/);
    expect(h.fake.pingsOf(notice)).toEqual({ everyone: false, users: ['201'], roles: [] });
  });

  it('GIVEN the deferred /verify answer fails and DMs are closed THEN the member is told ephemerally, and nothing public is posted', async () => {
    h = await discordHarness({ deferAfterMs: 0 });
    const alice = h.fake.member('201', 'alice');
    await h.run(h.moderator, '/round create id:r1 name:R');
    const before = h.fake.inChannel(h.fake.channelId).length;
    h.fake.closedDms.add('201');
    h.fake.fail(/^PATCH \/webhooks\/\d+\/[^/]+\/messages\/@original$/, 502, { times: 2 });
    const { interaction, messages } = await h.run(alice, '/verify');
    expect(messages.filter((m) => m.content.includes('/verify/'))).toEqual([]);
    expect(messages.filter((m) => !m.deleted).map((m) => [m.flags & EPHEMERAL, m.content.slice(0, 37)])).toEqual([
      [EPHEMERAL, ''],
      [EPHEMERAL, 'I could not answer you privately: all'],
    ]);
    expect(h.fake.inChannel(h.fake.channelId)).toHaveLength(before);
    expect(h.log.lines.filter((l) => l['interaction'] === interaction.id).map((l) => l.level)).toEqual(['warn', 'warn']);
  });

  it('GIVEN the wallet page confirms a link to a member whose DMs are closed THEN the message is given up with Discord\'s reason, never posted publicly', async () => {
    const { Wallet } = await import('ethers');
    h = await discordHarness();
    const alice = h.fake.member('201', 'alice');
    await h.run(h.moderator, '/round create id:r1 name:R');
    const link = /(http:\/\/localhost:\d+)\/verify\/([\w-]{32})/.exec((await h.run(alice, '/verify')).text)!;
    const page = `http://127.0.0.1:${new URL(link[1]!).port}/verify/${link[2]}`;
    h.fake.closedDms.add('201');
    const before = h.fake.inChannel(h.fake.channelId).length;
    const key = Wallet.createRandom();
    const { message } = (await (await fetch(`${page}/message`, { method: 'POST', body: JSON.stringify({ address: key.address }) })).json()) as { message: string };
    await fetch(`${page}/signature`, { method: 'POST', body: JSON.stringify({ signature: await key.signMessage(message) }) });
    await h.idle();
    expect(h.fake.inChannel(h.fake.channelId)).toHaveLength(before);
    expect(h.errors).toEqual([expect.stringMatching(/^message given up 403 Cannot send messages to this user \(code 50007/)]);
  });
});

describe('discord: pickers and attachments', () => {
  const json = slashCommands(commands);
  const optionsOf = (name: string, sub?: string) => {
    const command = json.find((c) => c.name === name)!;
    return sub ? command.options.find((o) => o.name === sub)!.options! : command.options;
  };

  it('GIVEN the member options THEN they are USER options without autocomplete, and a picked member reaches the command as <@id>', async () => {
    const member = optionsOf('exclude').find((o) => o.name === 'member')!;
    expect(member).toMatchObject({ type: 6, required: true });
    expect(Object.keys(member).sort()).toEqual(['description', 'name', 'required', 'type']);
    expect(optionsOf('wallet', 'add').find((o) => o.name === 'member')).toMatchObject({ type: 6 });
    h = await discordHarness();
    const alice = h.fake.member('201', 'alice');
    const other = h.fake.member('202', 'alice');
    await h.run(h.moderator, '/round create id:r1 name:R');
    await h.run(alice, '/reputation');
    await h.run(other, '/reputation');
    // Two members named alice: the picker gives the id, so the right one is excluded.
    const { text } = await h.run(h.moderator, '/exclude member:202 reason:staff');
    expect(text).toContain('alice');
    expect(text).not.toContain('candidates');
  });

  it('GIVEN /round balances with an attached CSV THEN its lines are imported; a file that is not text, too big, or given with the text is refused saying why', async () => {
    expect(optionsOf('round', 'balances').filter((o) => o.name.startsWith('csv'))).toEqual([
      expect.objectContaining({ name: 'csv', type: 3, required: false }),
      expect.objectContaining({ name: 'csv_file', type: 11, required: false }),
    ]);
    h = await discordHarness();
    await h.run(h.moderator, '/round create id:r1 name:R');
    await h.run(h.moderator, '/round config key:token.decimals value:2');
    for (const [i, name] of ['a', 'b'].entries()) {
      await h.run(h.fake.member(String(301 + i), name), '/reputation');
      await h.run(h.moderator, `/wallet add member:${name} address:${address(i + 1)} tokens:1 unverified:true`);
    }
    const csv = (content: string, contentType = 'text/csv; charset=utf-8') => ({ files: { csv_file: { filename: 'balances.csv', content, contentType } } });
    expect((await h.run(h.moderator, '/round balances', csv(`address,balance\n${address(1)},100\n${address(2)},2.5\n`))).text).toContain('Imported 2 balances into round r1');
    expect((await h.run(h.moderator, '/round balances', csv('\x89PNG', 'image/png'))).text).toBe('balances.csv is not a text file (image/png); attach the lines as a .csv or .txt file.');
    expect((await h.run(h.moderator, '/round balances', csv('x'.repeat(200_001)))).text).toBe('balances.csv is 200001 bytes; csv_file takes at most 200000.');
    expect((await h.run(h.moderator, `/round balances csv:${address(1)},1`, csv(`${address(1)},2`))).text).toBe('Give csv or attach csv_file, not both.');
    // Without either, the command says what it needs.
    expect((await h.run(h.moderator, '/round balances')).text).toContain('csv');
  });
});
