import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FakeTelegram } from '../fakes/telegram.ts';
import { postgresForTheseTests } from '../helpers/postgres.ts';
import { outboxDrained, startBotProcess } from '../helpers/process.ts';
import { startBalancer, webOf } from './balancer.ts';
import { cleanupAfterEach } from '../helpers/cleanup.ts';

const server = postgresForTheseTests();

const cleanup = cleanupAfterEach();

const GROUP = -1001234567890;
const SORRY = /Something went wrong on our side/;

describe('telegram: several webhook workers on one PostgreSQL', () => {
  it('GIVEN two worker processes behind a load balancer and new members each sending two commands at once THEN every update is handled once, none fails, each member exists once, and a redelivered update is applied once', async () => {
    const fake = await FakeTelegram.start();
    cleanup.push(() => fake.close());
    fake.addGroup({ id: GROUP, title: 'Scale DAO', admins: [1] });
    const balancer = await startBalancer();
    cleanup.push(() => balancer.close());
    const url = await server.freshDatabase();
    const env = { TELEGRAM_TOKEN: fake.token, TELEGRAM_API_ROOT: fake.url, TELEGRAM_WEBHOOK_URL: `${balancer.url.replace('http:', 'https:')}/telegram/hook`, DATABASE_URL: url, EXPORT_DIR: mkdtempSync(join(tmpdir(), 'govbot-exports-')) };
    for (let i = 0; i < 2; i++) {
      const worker = await startBotProcess(env);
      cleanup.push(() => worker.stop());
      balancer.workers.push(webOf(worker.output()));
    }
    const moderator = fake.user(1, 'mod');
    fake.say(GROUP, moderator, '/round create id:r1 name:R');
    await fake.settled();
    // Each member's two commands arrive together, one at each worker: both would create the member.
    const members = Array.from({ length: 20 }, (_, i) => fake.user(500 + i, `m${i}`));
    for (const m of members) {
      fake.say(GROUP, m, '/reputation');
      fake.say(GROUP, m, '/reputation');
    }
    await fake.settled();
    const db = await outboxDrained(url);
    cleanup.push(() => db.destroy());
    expect(fake.calls.filter((c) => SORRY.test(String(c.params['text'])))).toEqual([]);
    const handles = (await db.selectFrom('members').select('handle').execute()).map((m) => m.handle).sort();
    expect(handles).toEqual(['mod', ...members.map((m) => m.username)].sort());
    expect(await db.selectFrom('handled_events').select('event_id').where('platform', '=', 'telegram').execute()).toHaveLength(41);

    // Telegram sends an update again (the answer was lost): the other worker gets it, and it is not applied again.
    const last = fake.lastUpdate();
    const before = fake.calls.length;
    const rows = async () => Number((await db.selectFrom('audit_log').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow()).n);
    const audit = await rows();
    fake.redeliver(last.update_id, last);
    fake.redeliver(last.update_id, last);
    await fake.settled();
    await outboxDrained(url).then((d) => d.destroy());
    expect(fake.calls.length).toBe(before);
    expect(await rows()).toBe(audit);
  }, 90_000);
});
