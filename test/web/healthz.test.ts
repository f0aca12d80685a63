import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { cleanupAfterEach } from '../helpers/cleanup.ts';
import { postgresForTheseTests } from '../helpers/postgres.ts';
import { telegramHarness } from '../helpers/telegram.ts';

const cleanup = cleanupAfterEach();
const server = postgresForTheseTests();

type Health = { ok: boolean; db: { ok: boolean; error?: string }; telegram: { connected: boolean } };

async function health(port: number): Promise<{ status: number; report: Health }> {
  const res = await fetch(`http://127.0.0.1:${port}/healthz`);
  return { status: res.status, report: (await res.json()) as Health };
}

/** Runs one statement as the server's superuser, on its maintenance database. */
async function asAdmin(databaseUrl: string, statement: string): Promise<void> {
  const url = new URL(databaseUrl);
  const admin = new pg.Client({ connectionString: `${url.protocol}//${url.username}@${url.host}/postgres` });
  await admin.connect();
  try {
    await admin.query(statement);
  } finally {
    await admin.end();
  }
}

describe('web: /healthz', () => {
  it('GIVEN the bot on PostgreSQL and its database taken away (connections cut, new ones refused) THEN /healthz answers 503 naming the database, the bot keeps running, and answers 200 again once the database is back', async () => {
    const databaseUrl = await server.freshDatabase();
    const name = new URL(databaseUrl).pathname.slice(1);
    const t = await telegramHarness({ databaseUrl });
    cleanup.push(() => t.close());
    const port = t.bot.web!.address()!.port;
    await expect.poll(async () => (await health(port)).status, { timeout: 5000 }).toBe(200);
    expect((await health(port)).report).toMatchObject({ ok: true, db: { ok: true }, telegram: { connected: true } });

    await asAdmin(databaseUrl, `alter database ${name} allow_connections false`);
    await asAdmin(databaseUrl, `select pg_terminate_backend(pid) from pg_stat_activity where datname = '${name}'`);
    const down = await health(port);
    expect(down.status).toBe(503);
    expect(down.report.ok).toBe(false);
    expect(down.report.db.ok).toBe(false);
    expect(down.report.db.error).toMatch(/\S/);
    // the platform side is unaffected: only the database is named as down
    expect(down.report.telegram.connected).toBe(true);

    await asAdmin(databaseUrl, `alter database ${name} allow_connections true`);
    await expect.poll(async () => (await health(port)).status, { timeout: 5000 }).toBe(200);
    // and it still answers members
    const { replies } = await t.send(t.moderator, '/round create id:r1 name:Back');
    expect(replies.map((m) => m.text).join('\n')).toContain('r1');
  });
});
