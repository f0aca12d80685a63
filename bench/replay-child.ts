// Runs `govbot replay FILE --json` in this process, then reports its own peak memory on stderr.
import { runCli } from '../src/cli/cli.ts';

const started = performance.now();
const code = await runCli(['replay', process.argv[2]!, '--json'], { out: () => {}, err: (t) => process.stderr.write(t), env: {}, input: process.stdin });
process.stderr.write(`${JSON.stringify({ code, ms: performance.now() - started, maxRssKiB: process.resourceUsage().maxRSS })}\n`);
process.exitCode = code;
