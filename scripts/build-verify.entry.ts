// verify.mjs: `node verify.mjs ROUND.json` prints the report JSON of a round file, byte for byte what
// `govbot replay ROUND.json --json` prints, from the same src/core and src/roundfile code bundled into this one file
// (scripts/build-verify.ts). It needs Node 20 or newer and nothing else: no package to install, no network.
import { readFileSync } from 'node:fs';
import { PairwiseError } from '../src/core/pairwise/types.ts';
import { computePairwiseReport, pairwiseReportJson } from '../src/core/pairwise/report.ts';
import { computeReport, reportJson } from '../src/core/report.ts';
import { isPairwiseFile, parsePairwiseRoundBytes } from '../src/roundfile/pairwise.ts';
import { indexRoundFileBytes, RoundFileError } from '../src/roundfile/schema.ts';

const [path, ...rest] = process.argv.slice(2);
if (!path || rest.length || path.startsWith('-')) {
  process.stderr.write('usage: node verify.mjs ROUND.json\n  prints the report JSON that `govbot replay ROUND.json --json` prints\n');
  process.exit(2);
}
try {
  const bytes = readFileSync(path);
  // the validating reader: replay's faster column reader gives the same report (test/roundfile pins that they agree)
  process.stdout.write(isPairwiseFile(bytes) ? pairwiseReportJson(computePairwiseReport(parsePairwiseRoundBytes(bytes))) : reportJson(computeReport(indexRoundFileBytes(bytes))));
} catch (e) {
  if (!(e instanceof RoundFileError || e instanceof PairwiseError || (e as NodeJS.ErrnoException).code)) throw e;
  process.stderr.write(`verify.mjs: ${(e as Error).message}\n`);
  process.exitCode = 1;
}
