import { Telegram } from 'telegraf';
import { afterEach, describe, expect, it } from 'vitest';
import { FakeTelegram } from '../../fakes/telegram.ts';
import { CARDANO_MAINNET, CARDANO_TOKEN_COMMAND, countsOf, slowCardano } from '../../helpers/snapshot.ts';
import { GROUP, telegramHarness } from '../../helpers/telegram.ts';

const WALLETS = 2000;
let h: Awaited<ReturnType<typeof telegramHarness>> | undefined;
let cardano: Awaited<ReturnType<typeof slowCardano>> | undefined;
afterEach(async () => {
  await h?.close();
  await cardano?.close();
  h = cardano = undefined;
});

/** A group whose moderator has 2,000 verified Cardano wallets, read through an API that takes 60 ms a batch of 50. */
async function groupWithManyWallets() {
  cardano = await slowCardano(60);
  h = await telegramHarness({ env: { CARDANO_API_URL: cardano.url } });
  expect(await h.say(h.moderator, '/round create id:r1 name:R')).toContain('Round r1');
  expect(await h.say(h.moderator, CARDANO_TOKEN_COMMAND)).toContain(CARDANO_MAINNET);
  await cardano.linkWallets(h.databaseUrl, 'mod', WALLETS);
  return h;
}

describe('/round snapshot progress in a Telegram group', () => {
  it('GIVEN 2,000 verified wallets on a slow Cardano API THEN one status message answers the command, is edited at most once a second with rising counts up to 2,000 / 2,000, and the answer follows it', async () => {
    const { fake, moderator, send, errors, lines } = await groupWithManyWallets();
    const { id, replies } = await send(moderator, '/round snapshot');

    expect(replies).toHaveLength(2);
    const [status, answer] = replies as [(typeof replies)[0], (typeof replies)[0]];
    expect(status.reply_to).toBe(id);
    expect(status.text).toBe(`Reading balances on ${CARDANO_MAINNET}… 2,000 / 2,000`);
    expect(answer.text).toMatch(new RegExp(`^Snapshot of round r1 on ${CARDANO_MAINNET} at slot \\d+ \\(block \\d+\\): ${WALLETS} verified wallets hold 600 AGIX\\. Read in \\d+\\.\\d s\\.$`));

    const posted = fake.calls.find((c) => c.method === 'sendMessage' && String(c.params['text']).startsWith('Reading balances'))!;
    const edits = fake.edits.filter((e) => e.message_id === status.message_id);
    const counts = countsOf([String(posted.params['text']), ...edits.map((e) => e.text)]);
    expect(counts[0]).toBe(0);
    expect(counts.at(-1)).toBe(WALLETS);
    expect(counts.length).toBeGreaterThanOrEqual(3);
    // Rising, never the same text twice (Telegram refuses an edit that changes nothing).
    for (let i = 1; i < counts.length; i++) expect(counts[i]).toBeGreaterThan(counts[i - 1]!);
    // At most one call a second for this message, counted from when Telegram got each (a few ms of clock skew allowed).
    const times = [posted.at, ...edits.map((e) => e.at)];
    for (let i = 1; i < times.length; i++) expect(times[i]! - times[i - 1]!).toBeGreaterThanOrEqual(990);
    expect(errors).toEqual([]);
    expect(lines.filter((l) => l.level === 'warn')).toEqual([]);
  });

  it('GIVEN the status message is deleted while the balances are read THEN the refused edit is one warning, no more edits are tried, and the snapshot is taken and answered', async () => {
    const { fake, moderator, idle, errors, lines } = await groupWithManyWallets();
    fake.say(GROUP, moderator, '/round snapshot');
    // An admin removes the status message as soon as it shows.
    let status: (typeof fake.sent)[0] | undefined;
    while (!(status = fake.sent.find((m) => m.text.startsWith('Reading balances')))) await new Promise((resolve) => setTimeout(resolve, 20));
    status.deleted = true;
    await idle();

    const warnings = lines.filter((l) => l.level === 'warn');
    expect(warnings.map((l) => [l.msg, (l['error'] as { description?: string }).description])).toEqual([['could not edit a status message; the work goes on without it', 'Bad Request: message to edit not found']]);
    expect(fake.calls.filter((c) => c.method === 'editMessageText')).toHaveLength(1);
    expect(fake.messagesIn(GROUP).at(-1)!.text).toContain(`${WALLETS} verified wallets hold 600 AGIX. Read in `);
    expect(errors).toEqual([]);
  });
});

describe('the fake Telegram edits messages as the Bot API does', () => {
  it('GIVEN an edit of a message that is not there, of a member\'s message, or that changes nothing THEN it is refused with Telegram\'s words; a real change is taken', async () => {
    const fake = await FakeTelegram.start();
    try {
      fake.addGroup({ id: GROUP, admins: [1] });
      const member = fake.user(2, 'alice');
      const api = new Telegram(fake.token, { apiRoot: fake.url });
      const refusal = (description: string) => ({ code: 400, description });

      await expect(api.editMessageText(GROUP, 424242, undefined, 'x')).rejects.toMatchObject(refusal('Bad Request: message to edit not found'));
      const theirs = fake.say(GROUP, member, 'hello');
      await expect(api.editMessageText(GROUP, theirs, undefined, 'x')).rejects.toMatchObject(refusal("Bad Request: message can't be edited"));
      const ours = await api.sendMessage(GROUP, 'Reading… 0 / 10');
      await expect(api.editMessageText(GROUP, ours.message_id, undefined, 'Reading… 0 / 10')).rejects.toMatchObject(
        refusal('Bad Request: message is not modified: specified new message content and reply markup are exactly the same as a current content and reply markup of the message'),
      );
      await api.editMessageText(GROUP, ours.message_id, undefined, 'Reading… 5 / 10');
      expect(fake.messagesIn(GROUP).map((m) => m.text)).toEqual(['Reading… 5 / 10']);
      expect(fake.edits.map((e) => e.text)).toEqual(['Reading… 5 / 10']);
      await api.deleteMessage(GROUP, ours.message_id);
      await expect(api.editMessageText(GROUP, ours.message_id, undefined, 'Reading… 6 / 10')).rejects.toMatchObject(refusal('Bad Request: message to edit not found'));
    } finally {
      await fake.close();
    }
  });
});
