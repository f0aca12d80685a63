import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { afterEach, describe, expect, it } from 'vitest';
import type { Db } from '../../src/db/database.ts';
import { ensureCommunity, importRound } from '../../src/db/repositories.ts';
import { parseRoundFileText } from '../../src/roundfile/schema.ts';
import { resultsRoutes } from '../../src/web/results.ts';
import { WebServer } from '../../src/web/server.ts';
import { freshDb } from '../helpers/db.ts';
import { member, round as roundFile, tokens } from '../helpers/round.ts';

const sample = parseRoundFileText(readFileSync(new URL('../../examples/governance-round-1.json', import.meta.url), 'utf8'));

let db: Db | undefined;
let web: WebServer | undefined;
afterEach(async () => {
  await web?.close();
  await db?.destroy();
  db = web = undefined;
});

async function serve(file = sample) {
  db = await freshDb();
  const community = await ensureCommunity(db, { platform: 'console', chatId: 'default', name: 'Console' });
  const round = await importRound(db, community.id, file);
  web = new WebServer();
  resultsRoutes(web, db);
  const { port } = await web.listen(0, '127.0.0.1');
  return { db, round, url: `http://127.0.0.1:${port}/rounds/${round.id}` };
}

describe('the results page is built once per state of the round', () => {
  it('GIVEN the page asked twice THEN it is the same build, gzip-compressed when the client takes it, and a client holding it gets a 304', async () => {
    const { url } = await serve();
    const first = await fetch(url, { headers: { 'accept-encoding': 'identity' } });
    const page = await first.text();
    const etag = first.headers.get('etag')!;
    expect(etag).toMatch(/^"[\w-]+"$/);
    expect(first.headers.get('last-modified')).toBeTruthy();
    expect(first.headers.get('content-security-policy')).toContain("script-src 'self'");
    // fetch undoes gzip itself; node:http shows the bytes as sent.
    const { request } = await import('node:http');
    const compressed = await new Promise<{ headers: Record<string, unknown>; body: Buffer }>((resolve) =>
      request(url, { headers: { 'accept-encoding': 'gzip' } }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c)).on('end', () => resolve({ headers: res.headers, body: Buffer.concat(chunks) }));
      }).end(),
    );
    expect(compressed.headers['content-encoding']).toBe('gzip');
    expect(compressed.headers['etag']).toBe(etag);
    expect(gunzipSync(compressed.body).toString('utf8')).toBe(page);
    expect(compressed.body.length).toBeLessThan(Buffer.byteLength(page) / 3);
    const again = await fetch(url, { headers: { 'if-none-match': etag } });
    expect(again.status).toBe(304);
    expect(await again.text()).toBe('');
  });

  it('GIVEN a member who lets the page show their handle, then a rule change THEN each change is on the page at once, under a new ETag', async () => {
    const { db, url } = await serve();
    const before = await fetch(url);
    const shown = sample.members.find((m) => m.handle === 'erin')!;
    expect(await before.text()).not.toContain('>erin<');
    await db.updateTable('members').set({ public_handle: 1 }).where('key', '=', shown.id).execute();
    const after = await fetch(url, { headers: { 'if-none-match': before.headers.get('etag')! } });
    expect(after.status).toBe(200);
    expect(await after.text()).toContain('>erin<');
    const report = await (await fetch(`${url}/report.json`)).json();
    await db.updateTable('rounds').set({ config: JSON.stringify({ ...JSON.parse((await db.selectFrom('rounds').select('config').executeTakeFirstOrThrow()).config), reputation: { commentPoints: 7 } }) }).execute();
    expect(await (await fetch(`${url}/report.json`)).json()).not.toEqual(report);
  });

  it('GIVEN a round with more members than a table shows THEN the page shows the first ones and says the report JSON has all', async () => {
    const members = Array.from({ length: 260 }, (_, i) => member(`m${String(i).padStart(3, '0')}`, tokens(i + 1)));
    const file = roundFile({
      members,
      proposals: [{ id: 'p1', author: 'm000', title: 'P', createdAt: '2025-01-01T00:00:00Z' }],
      comments: members.map((m, i) => ({ id: `c${i}`, author: m.id, proposal: 'p1', createdAt: '2025-01-01T00:00:00Z' })),
    });
    const { url } = await serve(file);
    const page = await (await fetch(url)).text();
    const table = page.slice(page.indexOf('<table class="reputation">'), page.indexOf('</table>', page.indexOf('<table class="reputation">')));
    expect(table.match(/<tr data-member=/g)).toHaveLength(200);
    expect(page).toContain('The first 200 of 260 members; the report JSON below has every one.');
  });

  it('GIVEN a path that is no file of the round THEN it is a 404, also for names every object has', async () => {
    const { url } = await serve();
    for (const name of ['constructor', '__proto__', 'toString', 'nope.json']) expect((await fetch(`${url}/${name}`)).status).toBe(404);
  });
});
