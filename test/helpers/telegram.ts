import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startBot, type RunningBot } from '../../src/app.ts';
import { createConfig } from '../../src/config.ts';
import { FakeTelegram, type FakeUser, type SentMessage } from '../fakes/telegram.ts';
import { tempDatabaseUrl } from './db.ts';
import { memoryLogger } from './log.ts';

export const GROUP = -1001234567890;

/** The bot, through real telegraf, against a fake Telegram with one group, and a clock the test moves. */
export async function telegramHarness(options: { start?: string; forum?: boolean; botIsAdmin?: boolean; webhook?: boolean; databaseUrl?: string; env?: Record<string, string> } = {}) {
  const fake = await FakeTelegram.start();
  const group = fake.addGroup({ id: GROUP, title: 'Test DAO', admins: [1], ...(options.forum && { is_forum: true }), ...(options.botIsAdmin === false && { botIsAdmin: false }) });
  const moderator = fake.user(1, 'mod');
  let now = new Date(options.start ?? '2025-01-01T00:00:00Z');
  const log = memoryLogger();
  const errors = log.errors;
  const databaseUrl = options.databaseUrl ?? tempDatabaseUrl();
  const config = createConfig({
    TELEGRAM_TOKEN: fake.token,
    TELEGRAM_API_ROOT: fake.url,
    DATABASE_URL: databaseUrl,
    EXPORT_DIR: mkdtempSync(join(tmpdir(), 'govbot-exports-')),
    PORT: '0',
    // Taps' answers wait for their commit (and show the receipt) however loaded the machine is (deadline.test.ts tests short deadlines).
    TELEGRAM_ANSWER_DEADLINE_MS: '10000',
    ...(options.webhook && { TELEGRAM_WEBHOOK_URL: 'https://127.0.0.1:0/telegram/hook' }),
    // More settings, such as the chain APIs a command reads (ETH_RPC_URL, CARDANO_API_URL).
    ...options.env,
  });
  const start = () =>
    startBot({ ...config, TELEGRAM_TOKEN: fake.token }, { now: () => now, logger: log.logger, scheduleEvery: 'never' });
  let bot: RunningBot = await start();
  let closed = false;
  if (options.webhook) {
    // The hook listens on a port chosen at start; Telegram is told the public URL, here the same host.
    const address = bot.web!.address()!;
    fake.webhook = { ...fake.webhook!, url: fake.webhook!.url.replace('127.0.0.1:0', `127.0.0.1:${address.port}`) };
  }

  /** Runs a member action and returns what the bot sent because of it. */
  const after = async (action: () => unknown): Promise<SentMessage[]> => {
    const before = fake.sent.length;
    await action();
    await fake.settled();
    await bot.telegram!.idle();
    return fake.sent.slice(before);
  };
  const textOf = (messages: SentMessage[]) => messages.map((m) => m.text).join('\n');

  return {
    fake,
    group,
    moderator,
    errors,
    /** Every log line, to find the one a failure leaves. */
    lines: log.lines,
    databaseUrl,
    get bot() {
      return bot;
    },
    after,
    /** Waits until the bot has handled every update and posted what they owe. */
    async idle() {
      await fake.settled();
      await bot.telegram!.idle();
    },
    /** A member writes in the group; returns the id of the message and what the bot sent in answer. */
    async send(user: FakeUser, text: string, where: { replyTo?: number; thread?: number } = {}): Promise<{ id: number; replies: SentMessage[] }> {
      let id = 0;
      const replies = await after(() => (id = fake.say(GROUP, user, text, where)));
      return { id, replies };
    },
    /** A member writes in the group; returns the text of everything the bot sent in answer. */
    async say(user: FakeUser, text: string, where: { replyTo?: number; thread?: number } = {}): Promise<string> {
      return textOf(await after(() => fake.say(GROUP, user, text, where)));
    },
    /** Moves the clock and fires what fell due; returns what the bot posted. */
    async advanceTo(iso: string): Promise<string> {
      now = new Date(iso);
      return textOf(await after(() => bot.runDueJobs()));
    },
    /** Stops the bot, lets members act while it is down, and starts a new one on the same database. */
    async restart(whileDown?: () => unknown) {
      await bot.stop();
      await whileDown?.();
      bot = await start();
    },
    async close() {
      if (closed) return;
      closed = true;
      await bot.stop();
      await fake.close();
    },
  };
}
