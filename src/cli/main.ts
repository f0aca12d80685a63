import { existsSync } from 'node:fs';
import { runCli } from './cli.ts';

// Settings may sit in a .env file beside the project; real environment variables win.
if (existsSync('.env')) process.loadEnvFile('.env');

process.exitCode = await runCli(process.argv.slice(2), {
  out: (t) => process.stdout.write(t),
  err: (t) => process.stderr.write(t),
  env: process.env,
  input: process.stdin,
  errIsTTY: process.stderr.isTTY === true,
});
