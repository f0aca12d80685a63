import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { commands } from '../../commands/index.ts';
import { VoteWriter } from '../../src/db/votes.ts';
import type { Services } from '../../src/commands/context.ts';
import { ConsoleChat } from '../../src/platforms/console/chat.ts';
import { runDueJobs } from '../../src/scheduler.ts';
import { freshDb } from './db.ts';
import { memoryLogger } from './log.ts';

/** A console chat on a fresh database with a clock the test moves. */
export async function consoleHarness(start = '2025-01-01T00:00:00Z', url = ':memory:', extra: Partial<Pick<Services, 'publicUrl' | 'chain' | 'cardano'>> = {}) {
  const db = await freshDb(url);
  let now = new Date(start);
  let output = '';
  const log = memoryLogger();
  const errors = log.errors;
  const services: Services = { db, votes: new VoteWriter(db), now: () => now, exportDir: mkdtempSync(join(tmpdir(), 'govbot-exports-')), ...extra };
  const chat = await ConsoleChat.open(services, commands, log.logger, (t) => (output += t));
  return {
    db,
    chat,
    services,
    errors,
    /** Sends lines and returns what the chat wrote for them. */
    async say(...lines: string[]): Promise<string> {
      output = '';
      for (const line of lines) await chat.handle(line);
      return output;
    },
    /** Moves the clock and fires what fell due, as the scheduler does. */
    async advanceTo(iso: string): Promise<string> {
      now = new Date(iso);
      output = '';
      await runDueJobs({ db, now: () => now, owed: () => chat.outbox.kick(), logger: log.logger });
      await chat.outbox.idle();
      return output;
    },
    async close() {
      await chat.outbox.stop();
      await services.votes.idle();
      await db.destroy();
    },
  };
}
