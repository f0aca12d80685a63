import { afterEach, describe, expect, it } from 'vitest';
import { GROUP, telegramHarness } from '../../helpers/telegram.ts';
import { parseTelegramHtml } from '../../fakes/telegram.ts';
import { MESSAGE_LIMIT, renderForTelegram } from '../../../src/platforms/telegram/render.ts';
import { pre, reply, text } from '../../../src/commands/reply.ts';

let h: Awaited<ReturnType<typeof telegramHarness>>;
afterEach(() => h?.close());

describe('telegram: menus, rendering, permissions', () => {
  it('GIVEN the bot starts THEN it registers separate command menus for members and group admins, and asks for reactions', async () => {
    h = await telegramHarness();
    await h.say(h.moderator, '/help');
    const members = h.fake.commands.get('all_group_chats')!.map((c) => c.command);
    const admins = h.fake.commands.get('all_chat_administrators')!.map((c) => c.command);
    expect(members).toContain('vote');
    expect(members).not.toContain('exclude');
    expect(admins).toEqual(expect.arrayContaining(['vote', 'exclude', 'poll', 'round']));
    expect(h.fake.calls.find((c) => c.method === 'getUpdates')!.params['allowed_updates']).toContain('message_reaction');
  });

  it('GIVEN text with HTML characters THEN it is escaped, and Telegram shows it as typed', async () => {
    h = await telegramHarness();
    const said = await h.say(h.moderator, '/round create id:r1 name:"Tom & <Jerry>"');
    expect(said).toContain('Round r1 "Tom & <Jerry>" is created');
    expect(h.fake.sent.at(-1)!.html).toContain('Tom &amp; &lt;Jerry&gt;');
    expect(h.errors).toEqual([]);
  });

  it('GIVEN a reply longer than a Telegram message THEN it is split into messages within the limit, no tag cut', () => {
    const table = Array.from({ length: 400 }, (_, i) => `row ${i} <b>&</b> ${'x'.repeat(20)}`).join('\n');
    const parts = renderForTelegram(reply(text('Heading'), pre(table), text('The end')));
    expect(parts.length).toBeGreaterThan(1);
    const shown = parts.map(parseTelegramHtml);
    for (const s of shown) expect(s.length).toBeLessThanOrEqual(MESSAGE_LIMIT);
    expect(shown.join('\n')).toContain('row 399 <b>&</b>');
    expect(shown.at(-1)).toContain('The end');
  });

  it('GIVEN a member who is not a group admin THEN moderator commands are refused privately, and nothing changes', async () => {
    h = await telegramHarness();
    const member = h.fake.user(201, 'alice');
    await h.say(h.moderator, '/round create id:r1 name:R');
    const { replies } = await h.send(member, '/poll open question:"Q?" options:"A|B"');
    expect(replies.map((m) => [m.chat_id, m.text])).toEqual([[201, 'Only moderators may use /poll open.']]);
    expect(await h.say(member, '/poll list')).toContain('Round r1 has no polls yet.');
  });

  it('GIVEN a round names a member a moderator THEN that member may run moderator commands', async () => {
    h = await telegramHarness();
    const member = h.fake.user(201, 'alice');
    await h.say(h.moderator, '/round create id:r1 name:R');
    await h.say(member, '/reputation');
    expect(await h.say(h.moderator, '/round moderator member:alice')).toContain('alice is now a moderator of round r1');
    expect(await h.say(member, '/poll open question:"Q?" options:"A|B"')).toContain('Poll q1: Q?');
  });

  it('GIVEN garbage arguments THEN each gets a clear private answer, the bot logs nothing and keeps working', async () => {
    h = await telegramHarness();
    const member = h.fake.user(201, 'alice');
    await h.say(h.moderator, '/round create id:r1 name:R');
    await h.say(h.moderator, '/poll open question:"Q?" options:"A|B"');
    expect(await h.say(member, '/vote poll:q1 option:banana')).toContain('option: option is the number of an answer, such as 1');
    expect(await h.say(member, '/vote poll:q1 option:9 extra words')).toContain('Unexpected "extra words"');
    expect(await h.say(member, '/poll open question:"never closed')).toContain('A quote is not closed.');
    expect(await h.say(member, '/frobnicate now')).toContain('There is no /frobnicate');
    expect(await h.say(member, '/rate stars:99')).toContain('proposal');
    expect(await h.say(member, `/comment proposal:p1 text:"${'x'.repeat(5000)}"`)).toContain('text:');
    expect(await h.say(member, '/vote@another_bot poll:q1 option:1')).toBe('');
    expect(await h.say(member, '/poll@govbot_test_bot list')).toContain('q1');
    expect(h.errors).toEqual([]);
  });

  it('GIVEN a member writes to the bot directly THEN commands act in the group they take part in', async () => {
    h = await telegramHarness();
    const member = h.fake.user(201, 'alice', false);
    await h.say(h.moderator, '/round create id:r1 name:"Round one"');
    await h.say(member, '/reputation');
    const answers = await h.after(() => h.fake.say(201, member, '/start'));
    expect(answers[0]!.text).toContain('I run governance rounds in groups');
    const shown = await h.after(() => h.fake.say(201, member, '/round show'));
    expect(shown.map((m) => m.chat_id)).toEqual([201]);
    expect(shown[0]!.text).toContain('Round r1: Round one');
    // A poll opened from a direct message shows its buttons there; they vote in the group's round.
    const poll = await h.after(() => h.fake.say(h.moderator.id, h.moderator, '/poll open question:"Lunch?" options:"Yes|No"'));
    expect(poll.map((m) => m.chat_id)).toEqual([h.moderator.id]);
    expect(poll[0]!.buttons.map((b) => b.text)).toEqual(['1. Yes', '2. No']);
    expect(h.errors).toEqual([]);
  });
});

describe('telegram: delivery', () => {
  it('GIVEN Telegram answers 429 with retry_after THEN the bot waits that long and sends again', async () => {
    h = await telegramHarness();
    h.fake.failNext('sendMessage', { error_code: 429, description: 'Too Many Requests: retry after 1', parameters: { retry_after: 1 } });
    expect(await h.say(h.moderator, '/round create id:r1 name:R')).toContain('Round r1 "R" is created');
    const attempts = h.fake.calls.filter((c) => c.method === 'sendMessage');
    expect(attempts).toHaveLength(2);
    expect(attempts[1]!.at - attempts[0]!.at).toBeGreaterThanOrEqual(1000);
    expect(h.errors).toEqual([]);
  });

  it('GIVEN a webhook URL THEN the bot sets the webhook with a secret and handles only posts that carry it', async () => {
    h = await telegramHarness({ webhook: true });
    expect(h.fake.webhook!.url).toMatch(/^https:\/\/127\.0\.0\.1:\d+\/telegram\/hook$/);
    expect(h.fake.webhook!.secret).toMatch(/^[0-9a-f]{64}$/);
    expect(h.fake.calls.some((c) => c.method === 'getUpdates')).toBe(false);
    expect(await h.say(h.moderator, '/round create id:r1 name:R')).toContain('Round r1 "R" is created');

    const forged = await fetch(h.fake.webhook!.url.replace('https:', 'http:'), {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-telegram-bot-api-secret-token': 'guess' },
      body: JSON.stringify({ update_id: 1, message: { message_id: 1, date: 0, chat: { id: GROUP, type: 'supergroup', title: 'x' }, from: { id: 1, is_bot: false, first_name: 'Mod' }, text: '/round create id:r2 name:Forged' } }),
    });
    expect(forged.status).toBe(403);
    expect(await h.say(h.moderator, '/round show round:r2')).toContain('There is no round "r2" here');
  });

  it('GIVEN a forum group THEN each proposal gets its own topic, and messages in the topic are its comments', async () => {
    h = await telegramHarness({ forum: true });
    const alice = h.fake.user(201, 'alice');
    const bob = h.fake.user(202, 'bob');
    await h.say(h.moderator, '/round create id:r1 name:R');
    await h.say(alice, '/proposal submit title:"Fund the docs" text:"Docs matter"');
    const [thread, name] = [...h.fake.topics(GROUP)][0]!;
    expect(name).toBe('p1: Fund the docs');
    expect(h.fake.messagesIn(GROUP, thread!)[0]!.text).toContain('Proposal p1: Fund the docs\n\nby alice');
    expect(await h.say(bob, 'Good idea', { thread: thread! })).toBe('');
    expect(await h.say(bob, '/proposal show', { thread: thread! })).toContain('1 comments');
  });

  it('GIVEN the bot is not an admin THEN /round show tells the moderators that reactions cannot be counted', async () => {
    h = await telegramHarness({ botIsAdmin: false });
    await h.say(h.moderator, '/round create id:r1 name:R');
    expect(await h.say(h.moderator, '/round show')).toContain('The bot is not an admin of this group');
  });
});

describe('telegram wallet linking', () => {
  it('GIVEN /verify in the group THEN the link comes privately, and once signed the member is told so privately', async () => {
    const { Wallet } = await import('ethers');
    h = await telegramHarness();
    const alice = h.fake.user(201, 'alice');
    await h.say(h.moderator, '/round create id:r1 name:R');
    const { replies } = await h.send(alice, '/verify');
    expect(replies.map((m) => m.chat_id)).toEqual([201]);
    const link = /(http:\/\/localhost:\d+)\/verify\/([\w-]{32})/.exec(replies[0]!.text)!;
    const page = `http://127.0.0.1:${new URL(link[1]!).port}/verify/${link[2]}`;
    expect((await fetch(page)).headers.get('content-type')).toContain('text/html');
    const key = Wallet.createRandom();
    const { message } = (await (await fetch(`${page}/message`, { method: 'POST', body: JSON.stringify({ address: key.address }) })).json()) as { message: string };
    const forged = await fetch(`${page}/signature`, { method: 'POST', body: JSON.stringify({ signature: await Wallet.createRandom().signMessage(message) }) });
    expect(forged.status).toBe(400);
    const done = await fetch(`${page}/signature`, { method: 'POST', body: JSON.stringify({ signature: await key.signMessage(message) }) });
    expect(done.status).toBe(200);
    await h.idle();
    expect(h.fake.messagesIn(201).at(-1)!.text).toBe(`Wallet ${key.address.toLowerCase()} is linked to you. /wallets lists your wallets.`);
    expect((await fetch(`${page}/signature`, { method: 'POST', body: '{"signature":"0x' + '1'.repeat(130) + '"}' })).status).toBe(410);
    expect((await fetch(`${page}/message`, { method: 'POST', body: 'not json' })).status).toBe(410);
    expect(h.errors).toEqual([]);
  });
});
