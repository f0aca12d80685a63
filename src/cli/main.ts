import { existsSync } from 'node:fs';
import { runCli } from './cli.ts';
import { slicesOf } from './slices.ts';

// Settings may sit in a .env file beside the project; real environment variables win.
if (existsSync('.env')) process.loadEnvFile('.env');

/**
 * A replay's JSON report is tens of MiB (36 on the bench round). Written whole, it is first encoded into one buffer as
 * large, all fresh memory, which this kind of machine is slow to touch; a MiB at a time, the buffers are reused.
 */
const OUTPUT_SLICE = 2 ** 20;

process.exitCode = await runCli(process.argv.slice(2), {
  out: (text) => {
    for (const slice of slicesOf(text, OUTPUT_SLICE)) process.stdout.write(slice);
  },
  err: (t) => process.stderr.write(t),
  env: process.env,
  input: process.stdin,
  errIsTTY: process.stderr.isTTY === true,
});
