import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { openDatabase, type Db } from '../../src/db/database.ts';

const BIN = fileURLToPath(new URL('../../bin/govbot.js', import.meta.url));

/**
 * `govbot start` in a process of its own, as a service manager runs it, so a test can kill it with SIGKILL at any
 * moment and start it again on the same database. Resolves once the bot says it is running.
 */
export async function startBotProcess(env: Record<string, string>): Promise<{ child: ChildProcess; output: () => string; kill: () => Promise<void>; stop: () => Promise<void> }> {
  const child = spawn(process.execPath, [BIN, 'start'], { env: { ...process.env, LOG_LEVEL: 'warn', PORT: '0', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
  child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
  const exited = once(child, 'exit');
  await new Promise<void>((resolve, reject) => {
    const check = () => (/govbot is running/.test(output) ? resolve() : undefined);
    child.stdout!.on('data', check);
    void exited.then(() => reject(new Error(`the bot exited before it ran:\n${output}`)));
  });
  return {
    child,
    output: () => output,
    kill: async () => {
      child.kill('SIGKILL');
      await exited;
    },
    stop: async () => {
      child.kill('SIGTERM');
      await exited;
    },
  };
}

/**
 * Waits until a bot's database has no update left to handle in its inbox and nothing left to post in its outbox (read
 * beside the running bot, WAL). An update leaves the inbox in the transaction that owes its messages, so both empty
 * means every update read so far is handled and answered.
 */
export async function outboxDrained(url: string, timeoutMs = 20_000): Promise<Db> {
  const db = await openDatabase(url);
  const until = Date.now() + timeoutMs;
  for (;;) {
    const waiting = await db.selectFrom('inbox').select((eb) => eb.fn.countAll<number>().as('n')).where('failed_at', 'is', null).executeTakeFirstOrThrow();
    const pending = await db.selectFrom('outbox').select((eb) => eb.fn.countAll<number>().as('n')).where('sent_at', 'is', null).where('failed_at', 'is', null).executeTakeFirstOrThrow();
    if (Number(waiting.n) === 0 && Number(pending.n) === 0) return db;
    if (Date.now() > until) throw new Error(`${waiting.n} updates still unhandled and ${pending.n} owed messages still unposted after ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
