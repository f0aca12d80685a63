import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { writeBenchRound } from '../../bench/generate.ts';
import { migrations } from '../../migrations/index.ts';
import { computeReport, reportJson } from '../../src/core/report.ts';
import { parseRoundFileText } from '../../src/roundfile/schema.ts';
import { openDatabase } from '../../src/db/database.ts';
import { govbot } from '../helpers/cli.ts';
import { FakeDiscord } from '../fakes/discord.ts';
import { FakeTelegram } from '../fakes/telegram.ts';
import { tempDatabaseUrl } from '../helpers/db.ts';

const SAMPLE = 'examples/governance-round-1.json';
const golden = readFileSync(new URL('../fixtures/governance-round-1.report.json', import.meta.url), 'utf8');
const tempFile = (name: string, text: string) => {
  const path = join(mkdtempSync(join(tmpdir(), 'govbot-')), name);
  writeFileSync(path, text);
  return path;
};

describe('govbot replay', () => {
  it('GIVEN the sample round THEN --json prints the pinned report, byte for byte', async () => {
    const { code, out } = await govbot(['replay', SAMPLE, '--json']);
    expect(code).toBe(0);
    expect(out).toBe(golden);
  });

  it('GIVEN the sample round THEN the readable report shows the three views, the changed winners, tiers and rewards', async () => {
    const { code, out } = await govbot(['replay', SAMPLE]);
    expect(code).toBe(0);
    expect(out).toContain('one token one vote');
    expect(out).toContain('Quadratic voting changed the outcome of q1');
    expect(out).toContain('Reputation changed the outcome of q2');
    expect(out).toMatch(/alice \(staff\)\s+76\.11\s+A/);
    expect(out).toContain('Pool 100,000 AGIX: 90,000 for contribution, 10,000 for participation.');
  });

  it('GIVEN a round file over 8 MiB, which the bin reads on two threads, THEN it prints what the ordinary path computes', async () => {
    const path = join(mkdtempSync(join(tmpdir(), 'govbot-')), 'large.json');
    await writeBenchRound(path, { members: 10_000, proposals: 200, ratings: 5_000, comments: 40_000, reactions: 60_000, questions: 3, votes: 50_000 });
    expect(statSync(path).size).toBeGreaterThan(8 << 20);
    const { stdout } = await promisify(execFile)(process.execPath, ['bin/govbot.js', 'replay', path, '--json'], { maxBuffer: 64 << 20 });
    expect(stdout).toBe(reportJson(computeReport(parseRoundFileText(readFileSync(path, 'utf8')))));
  });

  it('GIVEN the installed bin in a child process THEN it prints the same bytes', async () => {
    const { stdout } = await promisify(execFile)(process.execPath, ['bin/govbot.js', 'replay', SAMPLE, '--json']);
    expect(stdout).toBe(golden);
  });

  it('GIVEN a malformed file THEN it names the bad field and exits non-zero', async () => {
    const file = JSON.parse(readFileSync(SAMPLE, 'utf8'));
    file.votes[12].option = 7;
    const { code, err, out } = await govbot(['replay', tempFile('bad.json', JSON.stringify(file))]);
    expect(code).toBe(1);
    expect(out).toBe('');
    expect(err).toContain(`votes[12].option: 7 is not an option of ${file.votes[12].question}`);
  });

  it('GIVEN a missing file or wrong arguments THEN a clear message and a non-zero exit', async () => {
    expect((await govbot(['replay', 'nope.json'])).err).toContain('cannot read nope.json: ENOENT');
    expect((await govbot(['replay'])).code).toBe(1);
    expect((await govbot(['replay', SAMPLE, '--jsn'])).err).toMatch(/Unknown option '--jsn'/);
    const unknown = await govbot(['frobnicate']);
    expect(unknown.code).toBe(2);
    expect(unknown.err).toContain('usage: govbot');
  });
});

describe('govbot replay and import of a broken file', () => {
  const sample = readFileSync(SAMPLE);
  /** A refusal as a user should see it: the position named, exit 1, and no stack trace. */
  const refused = (result: { code: number; err: string }, position: RegExp) => {
    expect(result.code).toBe(1);
    expect(result.err).toMatch(position);
    expect(result.err).not.toMatch(/\n\s+at /);
  };

  it('GIVEN the sample cut short anywhere, inside a list item included, THEN replay refuses it naming where it ends', async () => {
    const inItem = sample.lastIndexOf('"castAt"') + 1;
    const cuts = [inItem, ...Array.from({ length: 60 }, (_, i) => Math.floor(((i + 1) * sample.length) / 61))];
    for (const cut of cuts) refused(await govbot(['replay', tempFile('cut.json', sample.subarray(0, cut).toString('latin1'))]), /not valid JSON.* at byte \d+ \(line \d+, column \d+\)/);
  });

  it('GIVEN a round file nested 20,000 deep THEN the installed bin refuses it where it goes too deep, exit 1', async () => {
    const deep = '['.repeat(20_000) + ']'.repeat(20_000);
    const path = tempFile('deep.json', `{"version":1,"round":{"id":"r1","name":"R"},"members":[],"proposals":[{"id":"p","author":"m","title":"t","createdAt":${deep}}]}`);
    const result = await promisify(execFile)(process.execPath, ['bin/govbot.js', 'replay', path]).then(
      () => ({ code: 0, err: '' }),
      (e: { code: number; stderr: string }) => ({ code: e.code, err: e.stderr }),
    );
    // the top-level object, the proposals and the proposal are three deep before the brackets start
    const at = readFileSync(path).indexOf('[[') + 64 - 3;
    refused(result, new RegExp(`nested more than 64 deep at byte ${at} \\(line 1, column ${at + 1}\\)`));
  });

  it('GIVEN a handle with a byte that is not UTF-8 THEN replay and import refuse it at that byte instead of reading U+FFFD', async () => {
    const at = sample.indexOf('"handle": "') + '"handle": "'.length;
    const bytes = Buffer.concat([sample.subarray(0, at), Buffer.from([0xc3, 0x28]), sample.subarray(at)]);
    const path = join(mkdtempSync(join(tmpdir(), 'govbot-')), 'latin.json');
    writeFileSync(path, bytes);
    const line = sample.subarray(0, at).toString().split('\n').length;
    refused(await govbot(['replay', path]), new RegExp(`not valid UTF-8 at byte ${at} \\(line ${line}, column 18\\)`));
    refused(await govbot(['import', path], { DATABASE_URL: tempDatabaseUrl() }), new RegExp(`not valid UTF-8 at byte ${at} `));
  });
});

describe('govbot import, export and migrate', () => {
  it('GIVEN an import THEN export gives a file that replays to the same report', async () => {
    const env = { DATABASE_URL: tempDatabaseUrl() };
    expect(await govbot(['import', SAMPLE], env)).toMatchObject({ code: 0, out: expect.stringContaining('imported round gr1') });
    const out = join(mkdtempSync(join(tmpdir(), 'govbot-')), 'gr1.json');
    expect((await govbot(['export', 'gr1', '--out', out], env)).code).toBe(0);
    expect((await govbot(['replay', out, '--json'])).out).toBe(golden);
    const again = await govbot(['import', SAMPLE], env);
    expect(again).toMatchObject({ code: 1, err: expect.stringContaining('round gr1 already exists in this community; add --replace') });
    expect((await govbot(['import', SAMPLE, '--replace'], env)).code).toBe(0);
    expect(await govbot(['export', 'gr9'], env)).toMatchObject({ code: 1, err: expect.stringContaining('there is no round gr9') });
  });

  it('GIVEN an invalid file THEN import exits non-zero and stores nothing', async () => {
    const env = { DATABASE_URL: tempDatabaseUrl() };
    const file = JSON.parse(readFileSync(SAMPLE, 'utf8'));
    file.members[3].wallets = [{ chain: 'eip155:1', address: '0x12', balance: 'lots' }];
    const { code, err } = await govbot(['import', tempFile('bad.json', JSON.stringify(file))], env);
    expect(code).toBe(1);
    expect(err).toContain('members[3].wallets[0].address: an Ethereum address is 0x followed by 40 hex digits');
    expect(err).toContain('members[3].wallets[0].balance: "lots" is not an integer');
    const db = await openDatabase(env.DATABASE_URL);
    await expect(db.selectFrom('rounds').select('id').execute()).rejects.toThrow(/no such table/);
    await db.destroy();
  });

  it('GIVEN migrate status, up and down THEN each reports what it did', async () => {
    const env = { DATABASE_URL: tempDatabaseUrl() };
    const names = Object.keys(migrations);
    const last = names.at(-1)!;
    expect((await govbot(['migrate', 'status'], env)).out).toBe(names.map((n) => `pending  ${n}\n`).join(''));
    expect((await govbot(['migrate'], env)).out).toBe(`${names.map((n) => `${n} up success`).join(', ')}\n`);
    expect((await govbot(['migrate', 'status'], env)).out).toBe(names.map((n) => `applied  ${n}\n`).join(''));
    expect((await govbot(['migrate', 'down'], env)).out).toBe(`${last} down success\n`);
    expect((await govbot(['migrate', 'status'], env)).out).toBe(`${names.slice(0, -1).map((n) => `applied  ${n}\n`).join('')}pending  ${last}\n`);
    expect((await govbot(['migrate', 'sideways'], env)).code).toBe(1);
  });

  it('GIVEN a DATABASE_URL that is no database URL THEN the configuration error names it', async () => {
    const { code, err } = await govbot(['migrate'], { DATABASE_URL: 'mysql://localhost/x' });
    expect(code).toBe(1);
    expect(err).toContain('DATABASE_URL: use file:PATH');
  });

  it('GIVEN unusable Telegram settings THEN each is named with what it should look like, before anything starts', async () => {
    const { code, err } = await govbot(['start'], { TELEGRAM_TOKEN: 'my-token', TELEGRAM_WEBHOOK_URL: 'example.org/hook', PORT: '99999', REACTION_EMOJI: '{"upvote":"👍"}' });
    expect(code).toBe(1);
    expect(err).toContain('TELEGRAM_TOKEN: a bot token looks like 123456789:AAE… (ask @BotFather)');
    expect(err).toContain('TELEGRAM_WEBHOOK_URL: write a full http(s) URL');
    expect(err).toContain('PORT: PORT is at most 65535');
    expect(err).toContain('REACTION_EMOJI.upvote:');
  });

  it('GIVEN a Discord token without its application id THEN start says which setting is missing', async () => {
    const { code, err } = await govbot(['start'], { DISCORD_TOKEN: 'MTEwMDAwMDAwMDAwMDAwMDAwMQ.abcd.efghijklmnopqrst', DISCORD_GUILD_ID: 'my server' });
    expect(code).toBe(1);
    expect(err).toContain('DISCORD_APP_ID: set it too when DISCORD_TOKEN is set');
    expect(err).toContain('DISCORD_GUILD_ID: write a server id');
  });
});

describe('govbot start', () => {
  it('GIVEN DISCORD_TOKEN and DISCORD_APP_ID THEN it runs in Discord until asked to stop', async () => {
    const fake = await FakeDiscord.start();
    const env = { PORT: '0', DATABASE_URL: tempDatabaseUrl(), DISCORD_TOKEN: fake.token, DISCORD_APP_ID: fake.appId, DISCORD_API_URL: `${fake.url}/api` };
    const running = govbot(['start'], env);
    while (!fake.commands.has('global')) await new Promise((r) => setTimeout(r, 10));
    process.emit('SIGTERM');
    const { code, out } = await running;
    await fake.close();
    expect(code).toBe(0);
    expect(out).toContain('govbot is running in Discord; results pages at http://localhost:');
    expect(fake.identified).toBe(1);
  });

  it('GIVEN TELEGRAM_TOKEN THEN it runs in Telegram until asked to stop', async () => {
    const fake = await FakeTelegram.start();
    const env = { PORT: '0', DATABASE_URL: tempDatabaseUrl(), TELEGRAM_TOKEN: fake.token, TELEGRAM_API_ROOT: fake.url };
    const running = govbot(['start'], env);
    while (!fake.calls.some((c) => c.method === 'getUpdates')) await new Promise((r) => setTimeout(r, 10));
    process.emit('SIGTERM');
    const { code, out } = await running;
    await fake.close();
    expect(code).toBe(0);
    expect(out).toContain('govbot is running in Telegram (long polling)');
    expect(fake.commands.get('all_chat_administrators')!.length).toBeGreaterThan(10);
  });

  it('GIVEN commands on standard input THEN the console chat answers each line and exits at the end of input', async () => {
    const env = { PORT: '0', DATABASE_URL: tempDatabaseUrl(), EXPORT_DIR: mkdtempSync(join(tmpdir(), 'govbot-')) };
    const { code, out } = await govbot(['start'], env, '/demo\n/as alice\n/reputation\n/vote poll:q1 option:1\n');
    expect(code).toBe(0);
    expect(out).toContain('> /demo\nLoaded round gr1');
    expect(out).toContain('alice in round gr1: 76.11 points, tier A, voting factor 5.');
    expect(out).toContain('Round gr1 is in its closed phase');
  });
});

describe('the test network', () => {
  it('GIVEN a test reaching beyond 127.0.0.1 THEN it fails at once', async () => {
    await expect(fetch('http://example.org/')).rejects.toThrow();
    const net = await import('node:net');
    expect(() => net.connect({ host: '93.184.216.34', port: 80 })).toThrow('tests may only reach 127.0.0.1');
  });
});
