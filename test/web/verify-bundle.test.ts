import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildVerifier } from '../../scripts/build-verify.ts';
import type { Db } from '../../src/db/database.ts';
import { ensureCommunity, importRound } from '../../src/db/repositories.ts';
import type { RoundRow } from '../../src/db/schema.ts';
import { projectFile } from '../../src/paths.ts';
import { parseRoundFileText } from '../../src/roundfile/schema.ts';
import { resultsRoutes } from '../../src/web/results.ts';
import { WebServer } from '../../src/web/server.ts';
import { govbot } from '../helpers/cli.ts';
import { freshDb } from '../helpers/db.ts';

const run = promisify(execFile);
const dir = mkdtempSync(join(tmpdir(), 'govbot-verify-'));
let built: Awaited<ReturnType<typeof buildVerifier>>;
let db: Db;
let web: WebServer;
let base: string;
let round: RoundRow;

beforeAll(async () => {
  // the test builds the bundle itself, so that it runs on a clean clone before any `npm run build`
  built = await buildVerifier(join(dir, 'built', 'verify.mjs'));
  db = await freshDb();
  const community = await ensureCommunity(db, { platform: 'console', chatId: 'default', name: 'Console' });
  round = await importRound(db, community.id, parseRoundFileText(readFileSync(projectFile('examples/governance-round-1.json'), 'utf8')));
  web = new WebServer();
  resultsRoutes(web, db, { verifier: { bytes: readFileSync(built.file), sha256: built.sha256, commit: built.commit, modified: built.modified } });
  base = `http://127.0.0.1:${(await web.listen(0, '127.0.0.1')).port}`;
}, 60_000);

afterAll(async () => {
  await web?.close();
  await db?.destroy();
});

describe('verify.mjs', () => {
  it('GIVEN the round file and verify.mjs downloaded from the results page THEN `node verify.mjs` prints, byte for byte, what govbot replay --json prints and the page\'s report JSON', async () => {
    const page = await (await fetch(`${base}/rounds/${round.id}`)).text();
    expect(page).not.toContain('npx');
    const download = join(dir, 'downloads');
    mkdirSync(download, { recursive: true });
    const script = Buffer.from(await (await fetch(`${base}/assets/verify.mjs`)).arrayBuffer());
    writeFileSync(join(download, 'verify.mjs'), script);
    // the SHA-256 the page shows is the one of the file it serves
    expect(page).toContain(`<code class="sha256">${createHash('sha256').update(script).digest('hex')}</code>`);
    if (built.commit) expect(page).toContain(built.commit);
    writeFileSync(join(download, 'gr1.json'), Buffer.from(await (await fetch(`${base}/rounds/${round.id}/round.json`)).arrayBuffer()));
    const { stdout } = await run(process.execPath, ['verify.mjs', 'gr1.json'], { cwd: download, maxBuffer: 64 << 20 });
    const replay = await govbot(['replay', join(download, 'gr1.json'), '--json']);
    expect(replay.code).toBe(0);
    expect(stdout).toBe(replay.out);
    expect(stdout).toBe(await (await fetch(`${base}/rounds/${round.id}/report.json`)).text());
  });

  it('GIVEN a pairwise round file THEN it prints what replay prints; GIVEN a broken file THEN it names the bad field and exits 1', async () => {
    const pairwise = projectFile('examples/pairwise-ethereum.json');
    expect((await run(process.execPath, [built.file, pairwise], { maxBuffer: 64 << 20 })).stdout).toBe((await govbot(['replay', pairwise, '--json'])).out);
    const broken = join(dir, 'broken.json');
    writeFileSync(broken, JSON.stringify({ version: 1, round: { id: 'r', name: 'R', config: {} }, members: [{ id: 'm1', handle: 'a', excluded: false, wallets: [{ chain: 'eip155:1', address: '0x00000000000000000000000000000000000000aa', balance: 'lots' }] }], proposals: [], ratings: [], comments: [], reactions: [], questions: [], votes: [] }));
    const failed = await run(process.execPath, [built.file, broken]).catch((e: { code: number; stderr: string }) => e);
    expect(failed).toMatchObject({ code: 1 });
    expect((failed as { stderr: string }).stderr).toContain('members[0].wallets[0].balance');
  });

  it('GIVEN the same sources built twice THEN the bundle is the same bytes, names no path of this machine and imports no package', async () => {
    const again = await buildVerifier(join(dir, 'again', 'verify.mjs'));
    expect(again.sha256).toBe(built.sha256);
    const text = readFileSync(built.file, 'utf8');
    expect(text).not.toContain(projectFile(''));
    expect(text).not.toContain(tmpdir());
    const imports = [...text.matchAll(/(?:^|\n)import\s[^;]*?from\s*["']([^"']+)["']/g), ...text.matchAll(/\b(?:require|import)\(\s*["']([^"']+)["']\s*\)/g)].map((m) => m[1]!);
    expect(imports.filter((name) => !name.startsWith('node:'))).toEqual([]);
  });
});
