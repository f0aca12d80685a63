import { Readable } from 'node:stream';
import { runCli } from '../../src/cli/cli.ts';

/** Runs a govbot command in-process and captures what it printed. */
export async function govbot(argv: string[], env: Record<string, string | undefined> = {}, stdin = '') {
  let out = '';
  let err = '';
  const code = await runCli(argv, { out: (t) => (out += t), err: (t) => (err += t), env, input: Readable.from([stdin]) });
  return { code, out, err };
}
