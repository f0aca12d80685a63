import { afterEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { commands } from '../../../commands/index.ts';
import { defineAction, defineCommand, options } from '../../../src/commands/framework.ts';
import { reply } from '../../../src/commands/reply.ts';
import { limitProblems, slashCommands } from '../../../src/platforms/discord/commands.ts';
import { discordHarness } from '../../helpers/discord.ts';

let h: Awaited<ReturnType<typeof discordHarness>> | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

describe('discord slash commands from the zod schemas', () => {
  const json = slashCommands(commands);
  const find = (name: string) => json.find((c) => c.name === name)!;

  it('GIVEN every command THEN the JSON stays within Discord\'s limits', () => {
    expect(limitProblems(json)).toEqual([]);
  });

  it('GIVEN option schemas THEN types, required flags, bounds, choices and autocomplete follow them', () => {
    const rate = find('rate').options;
    expect(rate.find((o) => o.name === 'stars')).toMatchObject({ type: 4, required: true, min_value: 1, max_value: 5 });
    expect(rate.find((o) => o.name === 'proposal')).toMatchObject({ type: 3, required: true, autocomplete: true, max_length: 64 });
    expect(rate.at(-1)).toMatchObject({ name: 'round', required: false });
    expect(find('react').options.find((o) => o.name === 'kind')!.choices!.map((c) => c.value)).toEqual(['upvote', 'positive', 'negative']);
    expect(find('react').options.find((o) => o.name === 'remove')).toMatchObject({ type: 5, required: false });
    expect(find('exclude').default_member_permissions).toBe('32');
    expect(find('round').default_member_permissions).toBeNull();
    // A form's fields are optional on the command line: without them, a modal asks.
    const submit = find('proposal').options.find((o) => o.name === 'submit')!.options!;
    expect(submit.find((o) => o.name === 'title')).toMatchObject({ required: false, min_length: 3, max_length: 300 });
  });

  it('GIVEN an option that is a word or a number (block:latest, chain:cardano, payout:auto) THEN it is typed text, and a confirmation stays yes/no', () => {
    const sub = (command: string, action: string) => find(command).options.find((o) => o.name === action)!.options!;
    expect(sub('round', 'snapshot').find((o) => o.name === 'block')).toMatchObject({ type: 3 });
    expect(sub('round', 'token').find((o) => o.name === 'chain')).toMatchObject({ type: 3 });
    expect(find('wallets').options.find((o) => o.name === 'payout')).toMatchObject({ type: 3 });
    expect(sub('wallet', 'add').find((o) => o.name === 'unverified')).toMatchObject({ type: 5 });
  });

  it('GIVEN a command Discord would refuse THEN the check names what is wrong', () => {
    const shape = Object.fromEntries(Array.from({ length: 26 }, (_, i) => [`o${i}`, z.string().describe('x')]));
    const tooMany = defineCommand({ name: 'big', description: 'd', action: defineAction({ description: 'x', access: 'member', options: options(shape), run: async () => reply() }) });
    expect(limitProblems(slashCommands([tooMany]))).toEqual(['/big: 26 options (at most 25)']);
    const [vote] = slashCommands(commands.filter((c) => c.name === 'vote'));
    const broken = { ...vote!, name: 'Vote', description: '', options: [...vote!.options].reverse() };
    expect(limitProblems([broken])).toEqual([
      '/Vote: name "Vote" is not 1–32 lowercase letters, digits, - or _',
      '/Vote: description is 0 characters (1–100)',
      '/Vote: a required option comes after an optional one',
    ]);
  });
});

describe('discord interactions', () => {
  it('GIVEN work slower than the deadline allows THEN the interaction is deferred first and answered after', async () => {
    h = await discordHarness({ deferAfterMs: 0 });
    const { interaction, messages } = await h.run(h.moderator, '/round create id:r1 name:R');
    expect(interaction.responses.map((r) => r.type)).toEqual([5]);
    expect(messages.map((m) => [m.flags & 64, m.deleted ?? false])).toEqual([
      [64, true],
      [0, false],
    ]);
    expect(h.fake.textOf(messages[1]!)).toContain('Round r1 "R" is created, in its draft phase');
    const receipt = await h.run(h.moderator, '/reputation');
    expect(receipt.messages.map((m) => m.flags & 64)).toEqual([64]);
    expect(receipt.text).toContain('has no points in round r1 yet');
    expect(h.errors).toEqual([]);
  });

  it('GIVEN a member typing an option THEN autocomplete offers open polls, then the options of the chosen poll', async () => {
    h = await discordHarness();
    const alice = h.fake.member('201', 'alice');
    await h.run(h.moderator, '/round create id:r1 name:R');
    await h.run(h.moderator, '/poll open question:"Fund docs?" options:"Yes|No"');
    await h.run(h.moderator, '/poll open question:"Fund tests?" options:"Yes|Later|No"');
    const polls = await h.fake.autocomplete(alice, 'vote', { poll: 'test' }, 'poll');
    expect(polls.responses[0]).toEqual({ type: 8, data: { choices: [{ name: 'q2: Fund tests?', value: 'q2' }] } });
    const choices = await h.fake.autocomplete(alice, 'vote', { poll: 'q2', option: '' }, 'option');
    expect(choices.responses[0]!.data!['choices']).toEqual([
      { name: '1. Yes', value: 1 },
      { name: '2. Later', value: 2 },
      { name: '3. No', value: 3 },
    ]);
  });

  it('GIVEN the configured moderator role THEN its members may run moderator commands without Manage Server', async () => {
    h = await discordHarness({ moderatorRole: '1400000000000000001' });
    const helper = h.fake.member('202', 'helper', { roles: ['1400000000000000001'] });
    const other = h.fake.member('203', 'other');
    expect((await h.run(helper, '/round create id:r1 name:R')).text).toContain('Round r1 "R" is created');
    expect((await h.run(other, '/round create id:r2 name:R')).text).toBe('Only moderators may use /round create.');
  });

  it('GIVEN the gateway asks for heartbeats THEN the bot sends them and stays connected', async () => {
    h = await discordHarness({ heartbeatInterval: 100 });
    await new Promise((resolve) => setTimeout(resolve, 450));
    expect(h.fake.heartbeats).toBeGreaterThanOrEqual(3);
    expect(h.fake.identified).toBe(1);
    expect((await h.run(h.moderator, '/round create id:r1 name:R')).text).toContain('is created');
  });

  it('GIVEN a button whose stored command is unknown THEN the member is told privately, and nothing is logged', async () => {
    h = await discordHarness();
    await h.run(h.moderator, '/round create id:r1 name:R');
    const ghost = { id: '1', channel_id: h.fake.channelId, author: { id: h.fake.bot.id, username: 'govbot', bot: true }, content: '', embeds: [], components: [{ type: 1, components: [{ type: 2, custom_id: 'nope', label: 'x' }] }], attachments: [], flags: 0, createdAt: 0 };
    const click = await h.fake.click(h.moderator, ghost, 0);
    expect(h.texts(h.fake.answerOf(click))).toBe('This button no longer works.');
    expect(h.errors).toEqual([]);
  });
});

describe('discord wallet linking', () => {
  it('GIVEN /verify and a signed message posted to the bot THEN the wallet is linked and the member told by direct message', async () => {
    const { Wallet } = await import('ethers');
    h = await discordHarness();
    const alice = h.fake.member('201', 'alice');
    await h.run(h.moderator, '/round create id:r1 name:R');
    const { text, messages } = await h.run(alice, '/verify');
    expect(messages[0]!.flags & 64).toBe(64);
    const link = /(http:\/\/localhost:\d+)\/verify\/([\w-]{32})/.exec(text)!;
    const page = `http://127.0.0.1:${new URL(link[1]!).port}/verify/${link[2]}`;
    const key = Wallet.createRandom();
    const { message } = (await (await fetch(`${page}/message`, { method: 'POST', body: JSON.stringify({ address: key.address }) })).json()) as { message: string };
    const done = await fetch(`${page}/signature`, { method: 'POST', body: JSON.stringify({ signature: await key.signMessage(message) }) });
    expect(await done.json()).toEqual({ state: 'success', address: key.address.toLowerCase() });
    await h.idle();
    expect(h.fake.directMessagesTo('201').map((m) => m.content)).toEqual([`Wallet ${key.address.toLowerCase()} is linked to you. /wallets lists your wallets.`]);
    expect((await h.run(alice, '/wallets')).text).toContain(key.address.toLowerCase());
    expect(h.errors).toEqual([]);
  });
});
