import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startBot, type RunningBot } from '../../src/app.ts';
import { createConfig } from '../../src/config.ts';
import { FakeDiscord, type FakeDiscordUser, type FakeFile, type FakeInteraction, type FakeMessage } from '../fakes/discord.ts';
import { tempDatabaseUrl } from './db.ts';
import { memoryLogger } from './log.ts';

/** The bot, through real discord.js, against a fake Discord with one server, and a clock the test moves. */
export async function discordHarness(options: { start?: string; deferAfterMs?: number; heartbeatInterval?: number; moderatorRole?: string; interactionDeadlineMs?: number; env?: Record<string, string> } = {}) {
  const fake = await FakeDiscord.start({
    ...(options.heartbeatInterval && { heartbeatInterval: options.heartbeatInterval }),
    ...(options.interactionDeadlineMs !== undefined && { interactionDeadlineMs: options.interactionDeadlineMs }),
    ...(options.moderatorRole && { roles: [{ id: options.moderatorRole, name: 'Moderators' }] }),
  });
  let now = new Date(options.start ?? '2025-01-01T00:00:00Z');
  const log = memoryLogger();
  const errors = log.errors;
  const databaseUrl = tempDatabaseUrl();
  const config = createConfig({
    DISCORD_TOKEN: fake.token,
    DISCORD_APP_ID: fake.appId,
    DISCORD_GUILD_ID: fake.guildId,
    DISCORD_API_URL: `${fake.url}/api`,
    DATABASE_URL: databaseUrl,
    EXPORT_DIR: mkdtempSync(join(tmpdir(), 'govbot-exports-')),
    PORT: '0',
    ...(options.moderatorRole && { DISCORD_MODERATOR_ROLE: options.moderatorRole }),
    // More settings, such as the chain APIs a command reads (ETH_RPC_URL, CARDANO_API_URL).
    ...options.env,
  });
  const bot: RunningBot = await startBot(config, {
    now: () => now,
    logger: log.logger,
    scheduleEvery: 'never',
    ...(options.deferAfterMs !== undefined && { discordDeferAfterMs: options.deferAfterMs }),
  });
  const moderator = fake.member('1', 'mod', { moderator: true });
  const texts = (messages: FakeMessage[]) => messages.map((m) => fake.textOf(m)).join('\n');

  return {
    fake,
    bot,
    moderator,
    errors,
    log,
    databaseUrl,
    /** Waits until the bot has handled every event and posted everything owed. */
    idle: () => bot.discord!.idle(),
    /** Runs a slash command (with files for its attachment options); returns the interaction and the text of its answer. */
    async run(user: FakeDiscordUser, line: string, options: { channel?: string; files?: Record<string, FakeFile> } = {}): Promise<{ interaction: FakeInteraction; text: string; messages: FakeMessage[] }> {
      const [name, ...rest] = line.split(' ');
      const sub = rest[0] && !rest[0].includes(':') ? rest.shift() : undefined;
      const values: Record<string, string> = {};
      for (const part of rest.join(' ').match(/\w+:("[^"]*"|\S+)/g) ?? []) {
        const at = part.indexOf(':');
        values[part.slice(0, at)] = part.slice(at + 1).replace(/^"|"$/g, '');
      }
      const interaction = await fake.command(user, name!.replace(/^\//, ''), values, sub, options.channel, options.files);
      await bot.discord!.idle();
      const messages = fake.answerOf(interaction);
      return { interaction, text: texts(messages), messages };
    },
    texts,
    /** Moves the clock and fires what fell due; returns what the bot posted. */
    async advanceTo(iso: string): Promise<string> {
      now = new Date(iso);
      const before = new Set(fake.messages.keys());
      await bot.runDueJobs();
      await fake.sync(moderator);
      return texts([...fake.messages.values()].filter((m) => !before.has(m.id)));
    },
    async close() {
      await bot.stop();
      await fake.close();
    },
  };
}
