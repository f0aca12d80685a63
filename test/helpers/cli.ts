import { runCli } from '../../src/cli/cli.ts';

/** Runs a govbot command in-process and captures what it printed. */
export async function govbot(argv: string[], env: Record<string, string | undefined> = {}) {
  let out = '';
  let err = '';
  const code = await runCli(argv, { out: (t) => (out += t), err: (t) => (err += t), env });
  return { code, out, err };
}
