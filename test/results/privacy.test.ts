import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Db } from '../../src/db/database.ts';
import { ensureCommunity, ensureMember, importRound } from '../../src/db/repositories.ts';
import type { RoundRow } from '../../src/db/schema.ts';
import { parseRoundFile } from '../../src/roundfile/schema.ts';
import { resultsRoutes } from '../../src/web/results.ts';
import { WebServer } from '../../src/web/server.ts';
import { consoleHarness } from '../helpers/console.ts';
import { freshDb } from '../helpers/db.ts';
import { member, tokens } from '../helpers/round.ts';

describe('/export round', () => {
  it('GIVEN a moderator exporting the full round file THEN only they see it', async () => {
    const h = await consoleHarness();
    await h.say('/demo');
    const out = await h.say('/export round');
    expect(out).toContain('(only you see this)');
    expect(out).toContain('attachment written to');
    await h.close();
  });
});

describe('the public round file', () => {
  const people = [
    { userId: '123456789', handle: 'alice' },
    { userId: '987654321012345678', handle: 'Bob_the_Builder' },
    { userId: '55555555', handle: 'erin' },
  ];
  let db: Db;
  let web: WebServer;
  let base: string;
  let round: RoundRow;
  let keys: string[];

  beforeAll(async () => {
    db = await freshDb();
    const community = await ensureCommunity(db, { platform: 'discord', chatId: '42', name: 'DAO' });
    const rows = await Promise.all(people.map((p) => ensureMember(db, community.id, { platform: 'discord', ...p })));
    keys = rows.map((m) => m.key);
    const file = parseRoundFile({
      version: 1,
      round: { id: 'r1', name: 'Round of @alice' },
      members: keys.map((key) => member(key, tokens(10))),
      proposals: [{ id: 'p1', author: keys[0]!, title: 'Docs, thanks to <@987654321012345678> and @ALICE', text: 'See tg://user?id=123456789 and <@!55555555>, or ask @erin.' }],
      questions: [{ id: 'q1', text: 'Fund @bob_the_builder (987654321012345678)?', options: ['Yes, @alice', 'No'] }],
      votes: keys.map((key, i) => ({ question: 'q1', member: key, option: i % 2, castAt: '2025-01-01T00:00:00Z' })),
    });
    // the members' handles in the file are what the bot stored
    file.members.forEach((m, i) => (m.handle = people[i]!.handle));
    round = await importRound(db, community.id, file);
    await db.updateTable('members').set({ public_handle: 1 }).where('key', '=', keys[2]!).execute();
    web = new WebServer();
    resultsRoutes(web, db);
    base = `http://127.0.0.1:${(await web.listen(0, '127.0.0.1')).port}/rounds/${round.id}`;
  });

  afterAll(async () => {
    await web?.close();
    await db?.destroy();
  });

  it('GIVEN mentions by handle and by platform id in titles and texts THEN the file, the report and the page carry no hidden handle and no platform id, only keys', async () => {
    for (const path of ['/round.json', '/report.json', '']) {
      const body = await (await fetch(`${base}${path}`)).text();
      for (const { userId } of people) expect(body).not.toContain(userId);
      expect(body.toLowerCase()).not.toContain('alice');
      expect(body.toLowerCase()).not.toContain('bob_the_builder');
    }
    const file = JSON.parse(await (await fetch(`${base}/round.json`)).text());
    expect(file.round.name).toBe(`Round of @${keys[0]}`);
    expect(file.proposals[0].title).toBe(`Docs, thanks to @${keys[1]} and @${keys[0]}`);
    // erin chose to be shown: her handle stays, and her platform id becomes it
    expect(file.proposals[0].text).toBe(`See tg://user?id=${keys[0]} and @erin, or ask @erin.`);
    expect(file.questions[0]).toMatchObject({ text: `Fund @${keys[1]} (${keys[1]})?`, options: [`Yes, @${keys[0]}`, 'No'] });
    for (const m of file.members as { id: string; handle: string }[]) expect(m.handle).toMatch(m.id === keys[2] ? /^erin$/ : /^member-[0-9a-f]{6}$/);
  });
});
