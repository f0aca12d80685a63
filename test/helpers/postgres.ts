import { execFileSync } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { afterAll, beforeAll } from 'vitest';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';

/** The server programs of Debian's postgresql package, which are not on PATH; the newest version installed. */
function serverBin(): string {
  const root = '/usr/lib/postgresql';
  const versions = existsSync(root) ? readdirSync(root).sort((a, b) => Number(b) - Number(a)) : [];
  const bin = versions.map((v) => join(root, v, 'bin')).find((dir) => existsSync(join(dir, 'initdb')));
  if (!bin) throw new Error('PostgreSQL is not installed: apt-get install postgresql, as .ci/run does');
  return bin;
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

export interface PostgresServer {
  /** A new, empty database on the server, as a DATABASE_URL. */
  freshDatabase(): Promise<string>;
  stop(): void;
}

/**
 * A PostgreSQL server of the test's own, in a temporary folder, listening on 127.0.0.1 only, with trust
 * authentication; fsync off, since nothing outlives the test. PostgreSQL refuses to run as root, so as root it runs
 * as the postgres user the package creates.
 */
export async function startPostgres(): Promise<PostgresServer> {
  const bin = serverBin();
  const dir = mkdtempSync(join(tmpdir(), 'govbot-pg-'));
  const asRoot = process.getuid?.() === 0;
  if (asRoot) chownSync(dir, Number(execFileSync('id', ['-u', 'postgres'])), Number(execFileSync('id', ['-g', 'postgres'])));
  const run = (program: string, args: string[]) =>
    asRoot ? execFileSync('runuser', ['-u', 'postgres', '--', join(bin, program), ...args], { stdio: 'pipe' }) : execFileSync(join(bin, program), args, { stdio: 'pipe' });
  const data = join(dir, 'data');
  run('initdb', ['-D', data, '-A', 'trust', '-U', 'postgres', '--no-sync', '-E', 'UTF8', '--locale=C']);
  const port = await freePort();
  run('pg_ctl', ['-D', data, '-o', `-h 127.0.0.1 -p ${port} -k ${dir} -F`, '-l', join(dir, 'server.log'), '-w', 'start']);
  const url = (database: string) => `postgres://postgres@127.0.0.1:${port}/${database}`;
  let databases = 0;
  return {
    async freshDatabase() {
      const name = `govbot_${++databases}`;
      const admin = new pg.Client({ connectionString: url('postgres') });
      await admin.connect();
      await admin.query(`create database ${name}`);
      await admin.end();
      return url(name);
    },
    stop() {
      run('pg_ctl', ['-D', data, '-m', 'immediate', 'stop']);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** A server of their own for the tests of one file (or describe block): started before them, stopped after. */
export function postgresForTheseTests(): Pick<PostgresServer, 'freshDatabase'> {
  let server: PostgresServer | undefined;
  beforeAll(async () => {
    server = await startPostgres();
  }, 60_000);
  afterAll(() => server?.stop());
  return {
    freshDatabase() {
      if (!server) throw new Error('PostgreSQL is not started yet: ask for a database inside a test');
      return server.freshDatabase();
    },
  };
}
