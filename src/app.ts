import { createInterface } from 'node:readline';
import { commands } from '../commands/index.ts';
import type { Services } from './commands/context.ts';
import type { Logger } from './commands/framework.ts';
import type { Config } from './config.ts';
import { migrateToLatest, openDatabase } from './db/database.ts';
import { VoteWriter } from './db/votes.ts';
import { CONSOLE_HELP, ConsoleChat } from './platforms/console/chat.ts';
import { startScheduler } from './scheduler.ts';

export interface RunIo {
  input: NodeJS.ReadableStream & { isTTY?: boolean };
  write: (text: string) => void;
  now?: () => Date;
}

export const consoleLogger = (write: (t: string) => void): Logger => ({
  error: (message, detail) => write(`[error] ${message} ${JSON.stringify(detail, (_, v) => (v instanceof Error ? v.stack : typeof v === 'bigint' ? v.toString() : v))}\n`),
});

/** The composition root: config → database → migrations → services → scheduler → the console chat. */
export async function runConsole(config: Config, io: RunIo): Promise<void> {
  const db = await openDatabase(config.DATABASE_URL);
  await migrateToLatest(db);
  const logger = consoleLogger(io.write);
  const services: Services = { db, votes: new VoteWriter(db), now: io.now ?? (() => new Date()), exportDir: config.EXPORT_DIR };
  const chat = await ConsoleChat.open(services, commands, logger, io.write);
  const scheduler = startScheduler({
    db,
    now: services.now,
    announce: (_community, reply) => chat.announce(reply),
    logError: logger.error,
  });
  await scheduler.ready;
  const interactive = io.input.isTTY === true;
  if (interactive) io.write(`${CONSOLE_HELP}\n`);
  const lines = createInterface({ input: io.input, terminal: interactive });
  if (interactive) {
    lines.setPrompt(`${chat.actor.handle}> `);
    lines.prompt();
  }
  // One line at a time, in order: a scripted round runs exactly as typed.
  for await (const line of lines) {
    if (line.trim() === '/quit') break;
    if (!interactive && line.trim()) io.write(`> ${line}\n`);
    await chat.handle(line);
    if (interactive) {
      lines.setPrompt(`${chat.actor.handle}> `);
      lines.prompt();
    }
  }
  lines.close();
  await scheduler.stop();
  await services.votes.idle();
  await db.destroy();
}
