import type { TestProject } from 'vitest/node';
import { isPostgresInstalled, startPostgres } from '../helpers/postgres.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    /** postgres://user@host:port of the run's one PostgreSQL server; undefined where PostgreSQL is not installed. */
    postgresServerUrl: string | undefined;
  }
}

/**
 * One PostgreSQL server for the whole run, in which each test file makes its own databases
 * (postgresForTheseTests), instead of a server per file. Two files run at once, and several bot processes in
 * each of the scale tests hold pools of connections, hence more connections than the default 100.
 */
export default async function setup(project: TestProject): Promise<() => void> {
  if (!isPostgresInstalled()) {
    project.provide('postgresServerUrl', undefined);
    return () => {};
  }
  const server = await startPostgres(['max_connections=400']);
  project.provide('postgresServerUrl', server.url);
  return () => server.stop();
}
