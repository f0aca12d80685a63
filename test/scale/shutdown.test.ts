import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openDatabase } from '../../src/db/database.ts';
import { FakeDiscord } from '../fakes/discord.ts';
import { cleanupAfterEach } from '../helpers/cleanup.ts';
import { tempDatabaseUrl } from '../helpers/db.ts';
import { outboxDrained, startBotProcess } from '../helpers/process.ts';

const cleanup = cleanupAfterEach();

describe('a bot process asked to stop (SIGTERM)', () => {
  it('GIVEN a command in flight (its file still downloading) when SIGTERM comes THEN the command finishes, its change is kept and answered, and the process exits cleanly', async () => {
    const fake = await FakeDiscord.start();
    cleanup.push(() => fake.close());
    const url = tempDatabaseUrl();
    const env = { DISCORD_TOKEN: fake.token, DISCORD_APP_ID: fake.appId, DISCORD_GUILD_ID: fake.guildId, DISCORD_API_URL: `${fake.url}/api`, DATABASE_URL: url, EXPORT_DIR: mkdtempSync(join(tmpdir(), 'govbot-exports-')) };
    const bot = await startBotProcess(env);
    cleanup.push(() => bot.kill());
    const moderator = fake.member('1', 'mod', { moderator: true });
    const address = `0x${'1'.padStart(40, '0')}`;
    await fake.command(moderator, 'round', { id: 'r1', name: 'R' }, 'create');
    await fake.command(moderator, 'wallet', { member: moderator.id, address, tokens: '1', unverified: 'true' }, 'add');
    await (await outboxDrained(url)).destroy();

    fake.slow(/^GET \/attachments\//, 1500);
    const importing = fake.command(moderator, 'round', {}, 'balances', fake.channelId, { csv_file: { filename: 'b.csv', content: `${address},250\n`, contentType: 'text/csv' } });
    await expect.poll(() => fake.requests.some((r) => r.path.startsWith('/attachments/'))).toBe(true);
    const exited = new Promise<number | null>((resolve) => bot.child.once('exit', (code) => resolve(code)));
    await bot.stop();
    expect(await exited).toBe(0);
    const answer = fake.answerOf(await importing).map((m) => fake.textOf(m)).join('\n');
    expect(answer).toContain('Imported 1 balances into round r1');
    const db = await openDatabase(url);
    cleanup.push(() => db.destroy());
    expect(await db.selectFrom('balances').select('balance').execute()).toEqual([{ balance: '250' }]);
  }, 60_000);
});
