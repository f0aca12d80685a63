import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import { FakeDiscord } from '../../fakes/discord.ts';
import { tempDatabaseUrl } from '../../helpers/db.ts';
import { outboxDrained, startBotProcess } from '../../helpers/process.ts';
import { cleanupAfterEach } from '../../helpers/cleanup.ts';

/** Waves of clicks, each followed by a kill this many ms later: at once, mid-way, once answered (receipts being posted). */
const WAVES = [
  { clicks: 10, killAfterMs: 5 },
  { clicks: 10, killAfterMs: 60 },
  { clicks: 10, killAfterMs: 1500 },
];
/** Clicks after the last restart, answered by a bot left running. */
const LAST_WAVE = 5;
const VOTERS = WAVES.reduce((n, w) => n + w.clicks, 0) + LAST_WAVE;
const RECEIPT = /Your vote on q1 is recorded/;

const cleanup = cleanupAfterEach();

describe('discord: a crash at any moment', () => {
  it('GIVEN a burst of poll clicks and SIGKILL at several moments THEN every vote a member was told of counts once, every counted vote gets exactly one receipt, and the database is intact', async () => {
    const fake = await FakeDiscord.start();
    cleanup.push(() => fake.close());
    const moderator = fake.member('1', 'mod', { moderator: true });
    const voters = Array.from({ length: VOTERS }, (_, i) => fake.member(String(2_000_000_000_000_000 + i), `voter${i}`));
    const url = tempDatabaseUrl();
    const env = {
      DISCORD_TOKEN: fake.token,
      DISCORD_APP_ID: fake.appId,
      DISCORD_GUILD_ID: fake.guildId,
      DISCORD_API_URL: `${fake.url}/api`,
      DATABASE_URL: url,
      EXPORT_DIR: mkdtempSync(join(tmpdir(), 'govbot-exports-')),
    };
    let bot = await startBotProcess(env);
    cleanup.push(() => bot.kill());

    await fake.command(moderator, 'round', { id: 'r1', name: 'R' }, 'create');
    for (const [i, voter] of voters.entries()) {
      await fake.command(voter, 'reputation');
      await fake.command(moderator, 'wallet', { member: voter.id, address: `0x${(i + 1).toString(16).padStart(40, '0')}`, tokens: '100', unverified: 'true' }, 'add');
    }
    await fake.command(moderator, 'poll', { question: 'Which?', options: 'A|B' }, 'open');
    await (await outboxDrained(url)).destroy();
    const poll = [...fake.messages.values()].find((m) => m.components.length > 0);
    expect(poll, bot.output()).toBeDefined();

    const clicks: { voter: (typeof voters)[number]; interaction: ReturnType<FakeDiscord['clickNow']> }[] = [];
    for (const wave of WAVES) {
      for (const voter of voters.slice(clicks.length, clicks.length + wave.clicks)) clicks.push({ voter, interaction: fake.clickNow(voter, poll!, clicks.length % 2) });
      await sleep(wave.killAfterMs);
      await bot.kill();
      bot = await startBotProcess(env);
    }
    for (const voter of voters.slice(clicks.length)) clicks.push({ voter, interaction: fake.clickNow(voter, poll!, clicks.length % 2) });
    const receiptsOf = (click: (typeof clicks)[number]) =>
      [...fake.answerOf(click.interaction), ...fake.directMessagesTo(click.voter.id)].filter((m) => RECEIPT.test(fake.textOf(m))).length;
    await expect.poll(() => clicks.slice(-LAST_WAVE).every((c) => receiptsOf(c) > 0), { timeout: 30_000, interval: 100 }).toBe(true);
    const db = await outboxDrained(url);
    cleanup.push(() => db.destroy());
    await bot.stop();

    const votes = await db.selectFrom('votes').innerJoin('members', 'members.id', 'votes.member_id').select(['members.handle', 'votes.option_idx']).execute();
    const votesOf = (handle: string) => votes.filter((v) => v.handle === handle);
    // Discord does not deliver an interaction twice: one that died with the bot before its commit is not counted, and
    // its member was not told it was (a deferral, "thinking…", tells nothing). Whoever saw a receipt has their vote.
    const told = clicks.filter((c) => receiptsOf(c) > 0);
    expect(told.length).toBeGreaterThan(0);
    for (const { voter } of told) expect(votesOf(voter.username), voter.username).toHaveLength(1);
    clicks.forEach((click, i) => {
      const counted = votesOf(click.voter.username);
      expect(counted.length, click.voter.username).toBeLessThanOrEqual(1);
      if (counted.length === 1) expect(counted[0]!.option_idx).toBe(i % 2);
      expect(receiptsOf(click), click.voter.username).toBe(counted.length);
    });
    expect((await sql<{ integrity_check: string }>`pragma integrity_check`.execute(db)).rows).toEqual([{ integrity_check: 'ok' }]);
  }, 120_000);
});
