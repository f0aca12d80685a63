import { execFileSync } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { randomUUID } from 'node:crypto';
import { inject } from 'vitest';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';

/** The server programs of Debian's postgresql package, which are not on PATH; the newest version installed. */
function installedServerBin(): string | undefined {
  const root = '/usr/lib/postgresql';
  const versions = existsSync(root) ? readdirSync(root).sort((a, b) => Number(b) - Number(a)) : [];
  return versions.map((v) => join(root, v, 'bin')).find((dir) => existsSync(join(dir, 'initdb')));
}

export function isPostgresInstalled(): boolean {
  return installedServerBin() !== undefined;
}

function serverBin(): string {
  const bin = installedServerBin();
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
  /** postgres://user@host:port, to which a database's name is appended. */
  url: string;
  /** A new, empty database on the server, as a DATABASE_URL. */
  freshDatabase(): Promise<string>;
  stop(): void;
}

/**
 * A PostgreSQL server of the test's own, in a temporary folder, listening on 127.0.0.1 only, with trust
 * authentication; fsync off, since nothing outlives the test. PostgreSQL refuses to run as root, so as root it runs
 * as the postgres user the package creates.
 */
export async function startPostgres(settings: string[] = []): Promise<PostgresServer> {
  const bin = serverBin();
  const dir = mkdtempSync(join(tmpdir(), 'govbot-pg-'));
  const asRoot = process.getuid?.() === 0;
  if (asRoot) chownSync(dir, Number(execFileSync('id', ['-u', 'postgres'])), Number(execFileSync('id', ['-g', 'postgres'])));
  const run = (program: string, args: string[]) =>
    asRoot ? execFileSync('runuser', ['-u', 'postgres', '--', join(bin, program), ...args], { stdio: 'pipe' }) : execFileSync(join(bin, program), args, { stdio: 'pipe' });
  const data = join(dir, 'data');
  run('initdb', ['-D', data, '-A', 'trust', '-U', 'postgres', '--no-sync', '-E', 'UTF8', '--locale=C']);
  const port = await freePort();
  run('pg_ctl', ['-D', data, '-o', `-h 127.0.0.1 -p ${port} -k ${dir} -F${settings.map((setting) => ` -c ${setting}`).join('')}`, '-l', join(dir, 'server.log'), '-w', 'start']);
  const url = (database: string) => `postgres://postgres@127.0.0.1:${port}/${database}`;
  return {
    url: `postgres://postgres@127.0.0.1:${port}`,
    freshDatabase: () => createDatabase(url),
    stop() {
      run('pg_ctl', ['-D', data, '-m', 'immediate', 'stop']);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/**
 * A new database on the server at url('postgres'). Named at random, not counted: the test files that share one
 * server run in processes that each start counting afresh.
 */
async function createDatabase(url: (database: string) => string): Promise<string> {
  const name = `govbot_${randomUUID().replaceAll('-', '')}`;
  const admin = new pg.Client({ connectionString: url('postgres') });
  await admin.connect();
  try {
    await admin.query(`create database ${name}`);
  } finally {
    await admin.end();
  }
  return url(name);
}

/**
 * Databases for the tests of one file, on the one server test/setup/postgres-server.ts starts for the whole run:
 * starting a server costs over a second of both cores, and each database is as empty and as separate as a server
 * of its own would be.
 */
export function postgresForTheseTests(): Pick<PostgresServer, 'freshDatabase'> {
  return {
    freshDatabase() {
      const server = inject('postgresServerUrl');
      if (server === undefined) throw new Error('PostgreSQL is not installed: apt-get install postgresql, as .ci/run does');
      return createDatabase((database) => `${server}/${database}`);
    },
  };
}
