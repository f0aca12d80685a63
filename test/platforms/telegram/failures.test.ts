import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, describe, expect, it } from 'vitest';
import { openDatabase } from '../../../src/db/database.ts';
import { reply, text } from '../../../src/commands/reply.ts';
import { MESSAGE_LIMIT, renderForTelegram } from '../../../src/platforms/telegram/render.ts';
import { FakeTelegram, parseTelegramHtml, type FakeUser, type SentMessage } from '../../fakes/telegram.ts';
import { GROUP, telegramHarness } from '../../helpers/telegram.ts';

let h: Awaited<ReturnType<typeof telegramHarness>> | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

const OTHER = -1009999999999;
const SORRY = /^Something went wrong on our side/;
const address = (i: number) => `0x${(i + 1).toString(16).padStart(40, '0')}`;
const textOf = (messages: SentMessage[]) => messages.map((m) => m.text).join('\n');

/** A harness with a round, a poll q1 "A|B", and members holding tokens (those with `started: false` never started the bot). */
async function withPoll(members: { id: number; name: string; started?: boolean }[], options = '"A|B"') {
  const t = await telegramHarness();
  await t.say(t.moderator, '/round create id:r1 name:R');
  const users: FakeUser[] = [];
  for (const [i, m] of members.entries()) {
    const user = t.fake.user(m.id, m.name, m.started ?? true);
    users.push(user);
    await t.say(user, '/reputation');
    await t.say(t.moderator, `/wallet add member:${m.name} address:${address(i)} tokens:100 unverified:true`);
  }
  const poll = (await t.send(t.moderator, `/poll open question:"Which?" options:${options}`)).replies.find((m) => m.buttons.length > 0)!;
  return { t, users, poll };
}

async function votesOn(databaseUrl: string, handle: string): Promise<number[]> {
  const db = await openDatabase(databaseUrl);
  const rows = await db.selectFrom('votes').innerJoin('members', 'members.id', 'votes.member_id').select('votes.option_idx').where('members.handle', '=', handle).execute();
  await db.destroy();
  return rows.map((r) => r.option_idx);
}

describe('the fake refuses what Telegram refuses', () => {
  it('GIVEN calls real Telegram refuses THEN the fake answers them with Telegram\'s codes and words', async () => {
    const fake = await FakeTelegram.start();
    try {
      fake.addGroup({ id: GROUP });
      const call = async (method: string, params: Record<string, unknown>) =>
        (await (await fetch(`${fake.url}/bot${fake.token}/${method}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(params) })).json()) as { ok: boolean; error_code?: number; description?: string };
      // Half an emoji (a lone surrogate, as a cut by code units leaves it) has no UTF-8 form.
      expect(await call('sendMessage', { chat_id: GROUP, text: '👍🏽'.slice(0, 1) })).toEqual({ ok: false, error_code: 400, description: 'Bad Request: strings must be encoded in UTF-8' });
      expect(await call('sendMessage', { chat_id: GROUP, text: 'ok', reply_markup: { inline_keyboard: [[{ text: '🇺🇦'.slice(0, 3), callback_data: 'x' }]] } })).toMatchObject({ error_code: 400 });
      fake.setBotAccess(GROUP, 'muted');
      expect(await call('sendMessage', { chat_id: GROUP, text: 'hi' })).toEqual({ ok: false, error_code: 400, description: 'Bad Request: not enough rights to send text messages to the chat' });
      fake.setBotAccess(GROUP, 'removed');
      expect(await call('sendMessage', { chat_id: GROUP, text: 'hi' })).toEqual({ ok: false, error_code: 403, description: 'Forbidden: bot is not a member of the supergroup chat' });
      fake.setBotAccess(GROUP, 'posts');
      // A tap is answered once, within the window.
      const member = fake.user(5, 'eve');
      const sent = await call('sendMessage', { chat_id: GROUP, text: 'poll', reply_markup: { inline_keyboard: [[{ text: 'A', callback_data: 'a' }]] } });
      expect(sent.ok).toBe(true);
      const query = fake.tap(member, fake.sent.at(-1)!, 0);
      expect((await call('answerCallbackQuery', { callback_query_id: query, text: 'x'.repeat(201) })).error_code).toBe(400);
      expect((await call('answerCallbackQuery', { callback_query_id: query, text: 'Done' })).ok).toBe(true);
      expect((await call('answerCallbackQuery', { callback_query_id: query, text: 'Again' })).description).toMatch(/query is too old/);
      fake.answerWindowMs = 0;
      expect((await call('answerCallbackQuery', { callback_query_id: fake.tap(member, fake.sent.at(-1)!, 0) })).description).toMatch(/query is too old/);
      expect((await call('createForumTopic', { chat_id: GROUP, name: '' })).error_code).toBe(400);
    } finally {
      await fake.close();
    }
  });
});

describe('telegram: one failure never stops the bot', () => {
  it('GIVEN a 502, a 400 for text Telegram will not take, a 403 in a group the bot was removed from, and a refused late answer THEN each leaves a log line, and every later update in both groups is handled', async () => {
    const { t, users, poll } = await withPoll([{ id: 201, name: 'alice' }]);
    h = t;
    const mod = t.moderator;
    t.fake.addGroup({ id: OTHER, title: 'Other DAO', admins: [1] });
    const sayIn = async (chat: number, user: FakeUser, line: string) => textOf(await t.after(() => t.fake.say(chat, user, line)));

    // 502 from every try of the other group's admin list: that update fails; the moderator is told, the log says which.
    for (let i = 0; i < 4; i++) t.fake.failNext('getChatAdministrators', { error_code: 502, description: 'Bad Gateway' });
    const failed = await t.after(() => t.fake.say(OTHER, mod, '/round create id:o1 name:Other'));
    expect(failed.map((m) => m.chat_id)).toEqual([mod.id]);
    expect(failed[0]!.text).toMatch(SORRY);
    const line = t.lines.find((l) => l.msg === 'telegram update failed')!;
    expect(line).toMatchObject({ level: 'error', platform: 'telegram', community: String(OTHER), error: { code: 502, description: 'Bad Gateway' } });
    expect(line['update']).toEqual(expect.any(Number));
    expect(await sayIn(OTHER, mod, '/round create id:o1 name:Other')).toContain('Round o1 "Other" is created');
    expect(await t.say(mod, '/poll list')).toContain('q1');

    // 400: Telegram will not take the text; the message is given up, nothing else is held back.
    t.fake.failNext('sendMessage', { error_code: 400, description: "Bad Request: can't parse entities: unsupported start tag \"x\" at byte offset 0" });
    expect(await t.say(mod, '/round show')).toBe('');
    expect(t.errors).toContainEqual(expect.stringContaining("message given up 400 Bad Request: can't parse entities"));
    expect(await t.say(mod, '/round show')).toContain('Round r1');

    // 403: the bot was removed from the other group; what it owes there is given up, the first group goes on.
    t.fake.setBotAccess(OTHER, 'removed');
    expect(await sayIn(OTHER, mod, '/poll list')).toBe('');
    expect(t.errors).toContainEqual(expect.stringContaining('message given up 403 Forbidden: bot is not a member of the supergroup chat'));
    expect(await t.say(mod, '/poll list')).toContain('q1');
    t.fake.setBotAccess(OTHER, 'posts');
    expect(await sayIn(OTHER, mod, '/poll list')).toContain('Round o1 has no polls yet.');

    // A late tap answer is refused: dropped with a warning, the vote counts, the receipt comes by direct message.
    t.fake.answerWindowMs = 0;
    const tap = await t.after(() => t.fake.tap(users[0]!, poll, 1));
    expect(t.fake.answers.size).toBe(0);
    expect(t.lines).toContainEqual(expect.objectContaining({ level: 'warn', msg: 'callback answer refused, dropped', platform: 'telegram' }));
    expect(tap.map((m) => [m.chat_id, m.text.split('\n')[0]])).toEqual([[201, 'Your vote on q1 is recorded: 2. B']]);
    expect(await votesOn(t.databaseUrl, 'alice')).toEqual([1]);
    expect(await sayIn(OTHER, mod, '/poll open question:"Still here?" options:"Yes|No"')).toContain('Poll q1: Still here?');
    expect(await t.say(mod, '/poll list')).toContain('q1');

    const stopping = Date.now();
    await t.close();
    expect(Date.now() - stopping).toBeLessThan(2000);
  });

  it('GIVEN Telegram answers 502 or drops the connection THEN the call is tried again and the member gets the answer once', async () => {
    h = await telegramHarness();
    h.fake.failNext('sendMessage', { error_code: 502, description: 'Bad Gateway' });
    h.fake.failNext('sendMessage', 'network');
    expect(await h.say(h.moderator, '/round create id:r1 name:R')).toMatch(/^Round r1 "R" is created/);
    expect(h.fake.calls.filter((c) => c.method === 'sendMessage')).toHaveLength(3);
    expect(h.errors).toEqual([]);
  });

  it('GIVEN a long 429 on a message the bot owes THEN stop() returns at once, and the message is posted after the restart', async () => {
    h = await telegramHarness();
    h.fake.failNext('sendMessage', { error_code: 429, description: 'Too Many Requests: retry after 30', parameters: { retry_after: 30 } });
    h.fake.say(GROUP, h.moderator, '/round create id:r1 name:R');
    await h.fake.settled();
    const stopping = Date.now();
    await h.restart();
    expect(Date.now() - stopping).toBeLessThan(2000);
    // The outbox tries again after its backoff (a second on the first retry).
    for (let waited = 0; h.fake.messagesIn(GROUP).length === 0 && waited < 5000; waited += 50) await sleep(50);
    expect(h.fake.messagesIn(GROUP).map((m) => m.text)).toEqual([expect.stringContaining('Round r1 "R" is created')]);
  });

  it('GIVEN the bot waits out a long 429 while handling an update THEN stop() still returns at once', async () => {
    h = await telegramHarness();
    h.fake.failNext('getChatAdministrators', { error_code: 429, description: 'Too Many Requests: retry after 30', parameters: { retry_after: 30 } });
    h.fake.say(GROUP, h.moderator, '/round create id:r1 name:R');
    while (!h.fake.calls.some((c) => c.method === 'getChatAdministrators')) await sleep(10);
    const stopping = Date.now();
    await h.close();
    expect(Date.now() - stopping).toBeLessThan(2000);
  });
});

describe('telegram: late answers', () => {
  it('GIVEN taps that reach a restarted bot after Telegram\'s answer window THEN the answers are dropped, the votes count, and receipts (or the start link) still reach the members', async () => {
    const { t, users, poll } = await withPoll([{ id: 201, name: 'alice' }, { id: 202, name: 'carol', started: false }]);
    h = t;
    t.fake.answerWindowMs = 300;
    await t.restart(async () => {
      t.fake.tap(users[0]!, poll, 0);
      t.fake.tap(users[1]!, poll, 1);
      await sleep(400);
    });
    await t.idle();
    expect(t.fake.answers.size).toBe(0);
    expect(t.lines.filter((l) => l.msg === 'callback answer refused, dropped')).toHaveLength(2);
    expect(await votesOn(t.databaseUrl, 'alice')).toEqual([0]);
    expect(await votesOn(t.databaseUrl, 'carol')).toEqual([1]);
    expect(t.fake.messagesIn(201).at(-1)!.text).toContain('Your vote on q1 is recorded: 1. A');
    // Carol never started the bot: the group gets a note with the start link, not her receipt.
    const note = t.fake.messagesIn(GROUP).at(-1)!.text;
    expect(note).toContain('@carol');
    expect(note).toContain('https://t.me/govbot_test_bot?start=receipts');
    expect(note).not.toContain('recorded');
    expect(t.errors).toEqual([]);
  });

  it('GIVEN a member known not to have started the bot and a refused answer THEN the start link the toast carried is posted in the group', async () => {
    const { t, users, poll } = await withPoll([{ id: 202, name: 'bob', started: false }]);
    h = t;
    t.fake.answerWindowMs = 0;
    const posted = await t.after(() => t.fake.tap(users[0]!, poll, 0));
    expect(posted.map((m) => m.chat_id)).toEqual([GROUP]);
    expect(posted[0]!.text).toBe('@bob: Your vote on q1 is recorded: 1. A Start a chat with me to get your receipts. https://t.me/govbot_test_bot?start=receipts');
    expect(await votesOn(t.databaseUrl, 'bob')).toEqual([0]);
  });
});

describe('telegram: text is cut on grapheme boundaries', () => {
  const THUMB = '👍🏽';
  const FLAG = '🇺🇦';
  const FAMILY = '👨‍👩‍👧';
  const segmenter = new Intl.Segmenter(undefined, { granularity: 'grapheme' });
  /** Every grapheme is ASCII, the ellipsis, or one of the emoji whole: nothing was cut inside a cluster. */
  const whole = (s: string) => [...segmenter.segment(s)].every(({ segment }) => /^[\x20-\x7e\n]$/.test(segment) || [THUMB, FLAG, FAMILY, '…'].includes(segment));

  it('GIVEN poll options, a proposal title and text made of emoji THEN buttons, topic, toast and message parts are within Telegram\'s limits and cut between graphemes', async () => {
    h = await telegramHarness({ forum: true });
    const alice = h.fake.user(201, 'alice');
    await h.say(h.moderator, '/round create id:r1 name:R');
    await h.say(alice, '/reputation');
    await h.say(h.moderator, `/wallet add member:alice address:${address(0)} tokens:100 unverified:true`);
    const { replies } = await h.send(alice, `/proposal submit title:"${FAMILY.repeat(40)}" text:"${FAMILY.repeat(700)}"`);
    const topics = [...h.fake.topics(GROUP).values()];
    expect(topics).toHaveLength(1);
    expect(topics[0]!.length).toBeLessThanOrEqual(128);
    expect(topics[0]).toMatch(/^p1: 👨‍👩‍👧/u);
    expect(whole(topics[0]!)).toBe(true);
    expect(replies.length).toBeGreaterThan(0);
    for (const m of replies) {
      expect(m.text.length).toBeLessThanOrEqual(MESSAGE_LIMIT);
      expect(whole(m.text), m.text.slice(-20)).toBe(true);
    }

    const poll = (await h.send(h.moderator, `/poll open question:"Which?" options:"${THUMB.repeat(20)}|${FLAG.repeat(30)}|${FAMILY.repeat(25)}"`)).replies.find((m) => m.buttons.length)!;
    expect(poll.buttons).toHaveLength(3);
    for (const b of poll.buttons) {
      expect(b.text.length).toBeLessThanOrEqual(64);
      expect(b.text.endsWith('…')).toBe(true);
      expect(whole(b.text), b.text).toBe(true);
    }
    const query = await (async () => {
      let id = '';
      await h!.after(() => (id = h!.fake.tap(alice, poll, 2)));
      return id;
    })();
    const toast = h.fake.answers.get(query)!.text!;
    expect(toast.length).toBeLessThanOrEqual(200);
    expect(toast.startsWith('Your vote on q1 is recorded: 3. 👨‍👩‍👧')).toBe(true);
    expect(whole(toast)).toBe(true);
    expect(h.errors).toEqual([]);
  });

  it('GIVEN a reply of emoji longer than a message THEN each part is a whole number of emoji within the limit', () => {
    for (const emoji of [THUMB, FLAG, FAMILY]) {
      const parts = renderForTelegram(reply(text(emoji.repeat(3000))));
      expect(parts.length).toBeGreaterThan(1);
      for (const part of parts) {
        const shown = parseTelegramHtml(part);
        expect(shown.length).toBeLessThanOrEqual(MESSAGE_LIMIT);
        expect(shown.length % emoji.length).toBe(0);
        expect(whole(shown)).toBe(true);
      }
      expect(parts.map(parseTelegramHtml).join('')).toBe(emoji.repeat(3000));
    }
  });
});

describe('telegram: privacy and who speaks', () => {
  it('GIVEN /verify from a member who never started the bot THEN the group sees only a note naming them with a start link, never the wallet link', async () => {
    h = await telegramHarness();
    const bob = h.fake.user(202, 'bob', false);
    await h.say(h.moderator, '/round create id:r1 name:R');
    const { replies } = await h.send(bob, '/verify');
    expect(replies.map((m) => m.chat_id)).toEqual([GROUP]);
    expect(replies[0]!.text).toContain('@bob: this answer is for you alone');
    expect(replies[0]!.text).toContain('https://t.me/govbot_test_bot?start=private');
    expect(textOf(h.fake.sent)).not.toMatch(/\/verify\/[\w-]{32}/);
    // An anonymous admin (the group itself) has no private chat: the link is not shown to the group either.
    const asGroup = await h.after(() => h!.fake.sayAsGroup(GROUP, '/verify'));
    expect(asGroup.map((m) => m.chat_id)).toEqual([GROUP]);
    expect(asGroup[0]!.text).toContain('Test DAO: this answer is for you alone');
    expect(textOf(h.fake.sent)).not.toMatch(/\/verify\/[\w-]{32}/);
    // Once bob pressed Start, the link comes to him privately.
    await h.after(() => h!.fake.say(202, bob, '/start'));
    const later = await h.send(bob, '/verify');
    expect(later.replies.map((m) => m.chat_id)).toEqual([202]);
    expect(later.replies[0]!.text).toMatch(/\/verify\/[\w-]{32}/);
    expect(h.errors).toEqual([]);
  });

  it('GIVEN an anonymous admin writes on behalf of the group THEN the group is answered as a moderator, privately meant answers in the group', async () => {
    h = await telegramHarness();
    const said = async (line: string) => textOf(await h!.after(() => h!.fake.sayAsGroup(GROUP, line)));
    expect(await said('/round create id:r1 name:R')).toContain('Round r1 "R" is created');
    expect(await said('/poll open question:"Lunch?" options:"Yes|No"')).toContain('Poll q1: Lunch?');
    expect(h.fake.messagesIn(GROUP).at(-1)!.buttons.map((b) => b.text)).toEqual(['1. Yes', '2. No']);
    const refused = await h.after(() => h!.fake.sayAsGroup(GROUP, '/poll close poll:q9'));
    expect(refused.map((m) => m.chat_id)).toEqual([GROUP]);
    expect(h.errors).toEqual([]);
  });

  it('GIVEN member text with HTML links, markdown links and URLs THEN the bot\'s markup makes none of them a link, and link previews are off', async () => {
    h = await telegramHarness();
    const alice = h.fake.user(201, 'alice');
    await h.say(h.moderator, '/round create id:r1 name:R');
    const { replies } = await h.send(alice, `/proposal submit title:"<a href='https://evil.example'>Official</a>" text:"[claim here](https://evil.example) or https://evil.example"`);
    expect(replies[0]!.text).toContain("<a href='https://evil.example'>Official</a>");
    await h.say(alice, '/proposal show proposal:p1');
    for (const m of h.fake.sent.filter((s) => s.text)) {
      expect(m.links).toEqual([]);
      expect(m.previewDisabled).toBe(true);
    }
  });
});

describe('telegram: bulk data as a document', () => {
  it('GIVEN a CSV document with /round balances as its caption THEN its lines are imported; a file too big or not text is refused saying why', async () => {
    h = await telegramHarness();
    const alice = h.fake.user(201, 'alice');
    await h.say(h.moderator, '/round create id:r1 name:R');
    await h.say(alice, '/reputation');
    await h.say(h.moderator, `/wallet add member:alice address:${address(0)} tokens:1 unverified:true`);
    const send = (content: string | Uint8Array, mime = 'text/csv') => h!.after(() => h!.fake.sendFile(GROUP, h!.moderator, { file_name: 'balances.csv', mime_type: mime, content }, '/round balances'));

    expect(textOf(await send(`address,balance\n${address(0)},5\n`))).toContain('Imported 1 balances into round r1 (skipped the header on line 1).');
    expect(h.fake.calls.filter((c) => c.method === 'getFile')).toHaveLength(1);

    const big = await send(`${address(0)},5\n`.repeat(30_000));
    expect(big.map((m) => m.chat_id)).toEqual([h.moderator.id]);
    expect(big[0]!.text).toContain('balances.csv is too big: I read files of up to 1024 KB');
    expect(h.fake.calls.filter((c) => c.method === 'getFile')).toHaveLength(1);

    const png = await send(new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13]), 'image/png');
    expect(png[0]!.text).toContain('balances.csv is not a text file');
    expect(h.errors).toEqual([]);
  });
});
