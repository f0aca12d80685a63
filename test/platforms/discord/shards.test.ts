import { mkdtempSync } from 'node:fs';
import { once } from 'node:events';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { startBot } from '../../../src/app.ts';
import { createConfig } from '../../../src/config.ts';
import { FakeDiscord } from '../../fakes/discord.ts';
import { cleanupAfterEach } from '../../helpers/cleanup.ts';
import { tempDatabaseUrl } from '../../helpers/db.ts';
import { memoryLogger } from '../../helpers/log.ts';

const cleanup = cleanupAfterEach();

describe('discord sharding: configuration', () => {
  it.each([
    [{ DISCORD_SHARDS: 'auto' }, 'auto', undefined],
    [{ DISCORD_SHARDS: '4' }, 4, undefined],
    [{ DISCORD_SHARDS: '8', DISCORD_SHARD_IDS: '0-2, 6' }, 8, [0, 1, 2, 6]],
  ])('GIVEN %o THEN the bot runs those shards', (env, shards, ids) => {
    const config = createConfig(env);
    expect([config.DISCORD_SHARDS, config.DISCORD_SHARD_IDS]).toEqual([shards, ids]);
  });

  it.each([
    [{ DISCORD_SHARDS: 'many' }, 'DISCORD_SHARDS: write auto, or the total number of shards (1 to 4096)'],
    [{ DISCORD_SHARDS: '0' }, 'DISCORD_SHARDS: write auto, or the total number of shards (1 to 4096)'],
    [{ DISCORD_SHARD_IDS: '0' }, 'DISCORD_SHARD_IDS: set DISCORD_SHARDS to the total number of shards of all processes too (it is not set)'],
    [{ DISCORD_SHARDS: 'auto', DISCORD_SHARD_IDS: '1' }, 'DISCORD_SHARD_IDS: set DISCORD_SHARDS to the total number of shards of all processes too (auto runs every shard in one process)'],
    [{ DISCORD_SHARDS: '2', DISCORD_SHARD_IDS: '1,2' }, 'DISCORD_SHARD_IDS: shard 2 does not exist: with DISCORD_SHARDS=2 the ids are 0 to 1'],
    [{ DISCORD_SHARDS: '4', DISCORD_SHARD_IDS: '1,0-1' }, 'DISCORD_SHARD_IDS: shard 1 is named twice'],
    [{ DISCORD_SHARDS: '4', DISCORD_SHARD_IDS: '3-1' }, 'DISCORD_SHARD_IDS: 3-1 is an empty range; write the lower id first'],
    [{ DISCORD_SHARDS: '4', DISCORD_SHARD_IDS: 'first' }, 'DISCORD_SHARD_IDS: write shard ids and ranges separated by commas, such as 0,1 or 0-3'],
  ])('GIVEN %o THEN the configuration is refused, saying what to write', (env, message) => {
    expect(() => createConfig(env)).toThrow(message);
  });
});

/** A raw gateway client: HELLO, then IDENTIFY as the given shard; resolves with the dispatches, or the close code. */
async function identifyAs(fake: FakeDiscord, shard: unknown): Promise<{ events: { t: string; d: { id?: string; guilds?: { id: string }[]; shard?: unknown } }[]; closed: Promise<number>; socket: WebSocket }> {
  const socket = new WebSocket(`${fake.url.replace('http', 'ws')}/gateway`);
  const events: { t: string; d: { id?: string } }[] = [];
  const closed = once(socket, 'close').then(([code]) => code as number);
  socket.on('message', (raw) => {
    const packet = JSON.parse(String(raw)) as { op: number; t: string; d: { id?: string } };
    if (packet.op === 10) socket.send(JSON.stringify({ op: 2, d: { token: fake.token, intents: 1, properties: {}, shard } }));
    if (packet.op === 0) events.push(packet);
  });
  await once(socket, 'open');
  cleanup.push(async () => socket.terminate());
  return { events, closed, socket };
}

describe('the fake Discord gateway shards as Discord does', () => {
  it('GIVEN an IDENTIFY with a shard id not below the count, or a count of 0 THEN the gateway closes with 4010 Invalid shard', async () => {
    const fake = await FakeDiscord.start();
    cleanup.push(() => fake.close());
    for (const shard of [[2, 2], [0, 0], [-1, 2], ['0', '2']]) expect(await (await identifyAs(fake, shard)).closed, JSON.stringify(shard)).toBe(4010);
    expect(fake.identified).toBe(0);
  });

  it('GIVEN two shards of two identified THEN each gets READY and GUILD_CREATE for its servers only, and a server\'s events go to its shard alone', async () => {
    const fake = await FakeDiscord.start();
    cleanup.push(() => fake.close());
    const guilds = fake.guildOnEachShard(2);
    const shards = [await identifyAs(fake, [0, 2]), await identifyAs(fake, [1, 2])];
    await expect.poll(() => shards.every((s) => s.events.some((e) => e.t === 'READY'))).toBe(true);
    for (const [id, shard] of shards.entries()) {
      const ready = shard.events.find((e) => e.t === 'READY')!.d;
      expect(ready.shard).toEqual([id, 2]);
      const mine = [...fake.guilds.keys()].filter((g) => FakeDiscord.shardOf(g, 2) === id).sort();
      expect(ready.guilds!.map((g) => g.id).sort()).toEqual(mine);
      expect(shard.events.filter((e) => e.t === 'GUILD_CREATE').map((e) => e.d.id).sort()).toEqual(mine);
    }
    // A server the bot joins now: its GUILD_CREATE goes to its shard's session only.
    const joined = fake.addGuild('Late DAO').guildId;
    const on = FakeDiscord.shardOf(joined, 2);
    await expect.poll(() => shards[on]!.events.some((e) => e.t === 'GUILD_CREATE' && e.d.id === joined)).toBe(true);
    expect(shards[1 - on]!.events.some((e) => e.d.id === joined)).toBe(false);
  });
});

describe('discord: shards and servers in the bot', () => {
  it('GIVEN DISCORD_SHARDS=2 THEN both shards identify, /healthz says both ready, each server is answered on its shard, and /healthz answers 503 once Discord is gone', async () => {
    const fake = await FakeDiscord.start({ maxConcurrency: 2 });
    cleanup.push(() => fake.close());
    const guilds = fake.guildOnEachShard(2);
    const bot = await startBot(
      createConfig({ DISCORD_TOKEN: fake.token, DISCORD_APP_ID: fake.appId, DISCORD_API_URL: `${fake.url}/api`, DISCORD_SHARDS: '2', DATABASE_URL: tempDatabaseUrl(), PORT: '0', EXPORT_DIR: mkdtempSync(join(tmpdir(), 'govbot-exports-')) }),
      { logger: memoryLogger('warn').logger, scheduleEvery: 'never' },
    );
    cleanup.push(() => bot.stop());
    expect(fake.identifies.sort()).toEqual([[0, 2], [1, 2]]);
    const health = await fetch(`http://127.0.0.1:${bot.web.address()!.port}/healthz`);
    expect(health.status).toBe(200);
    expect(((await health.json()) as { discord: unknown }).discord).toEqual({ connected: true, shards: [expect.objectContaining({ id: 0, ready: true }), expect.objectContaining({ id: 1, ready: true })] });
    const alice = fake.member('2000000000000000001', 'alice');
    for (const { channelId } of guilds) {
      const answered = await fake.command(alice, 'reputation', {}, undefined, channelId);
      await bot.discord!.idle();
      expect(fake.answerOf(answered).map((m) => fake.textOf(m)).join('\n')).toMatch(/round/i);
    }
    // Discord goes away: the shards are reconnecting, and the probe says so with a 503.
    await fake.close();
    await expect.poll(async () => (await fetch(`http://127.0.0.1:${bot.web.address()!.port}/healthz`)).status, { timeout: 5000 }).toBe(503);
    const down = (await (await fetch(`http://127.0.0.1:${bot.web.address()!.port}/healthz`)).json()) as { ok: boolean; db: { ok: boolean }; discord: { connected: boolean } };
    expect([down.ok, down.db.ok, down.discord.connected]).toEqual([false, true, false]);
  });

  it('GIVEN a command in one server that waits on a slow download THEN the commands of another server are answered meanwhile, and the slow one after', async () => {
    const fake = await FakeDiscord.start();
    cleanup.push(() => fake.close());
    const other = fake.addGuild('Other DAO');
    const log = memoryLogger('warn');
    const bot = await startBot(
      createConfig({ DISCORD_TOKEN: fake.token, DISCORD_APP_ID: fake.appId, DISCORD_API_URL: `${fake.url}/api`, DATABASE_URL: tempDatabaseUrl(), PORT: '0', EXPORT_DIR: mkdtempSync(join(tmpdir(), 'govbot-exports-')) }),
      { logger: log.logger, scheduleEvery: 'never' },
    );
    cleanup.push(() => bot.stop());
    const moderator = fake.member('1', 'mod', { moderator: true });
    const slow = fake.slow(/^GET \/attachments\//, 2500);
    const started = Date.now();
    const slowOne = fake.command(moderator, 'round', {}, 'balances', fake.channelId, { csv_file: { filename: 'b.csv', content: '0x1,1\n', contentType: 'text/csv' } });
    const quick = await fake.command(moderator, 'reputation', {}, undefined, other.channelId);
    const quickMs = Date.now() - started;
    expect(fake.answerOf(quick).length).toBeGreaterThan(0);
    expect(quickMs).toBeLessThan(1500);
    const slowDone = await slowOne;
    slow.undo();
    expect(Date.now() - started).toBeGreaterThanOrEqual(2500);
    await bot.discord!.idle();
    expect(fake.answerOf(slowDone).map((m) => fake.textOf(m)).join('\n')).not.toBe('');
    expect(log.errors).toEqual([]);
  });
});
