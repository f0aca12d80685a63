// `npm run build` step: bundles scripts/build-verify.entry.ts, with the src/core and src/roundfile code it imports
// and their packages (zod, @noble/hashes), into one dependency-free file, dist/verify.mjs, that auditors run with
// plain `node` (there is no published package to `npx`, and an impostor could register its name). The bundle depends
// only on the sources and the locked esbuild, so the same commit gives the same bytes on any machine; beside it,
// dist/verify.json records its SHA-256 and the commit it was built from, which the results page shows.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');

export interface VerifierBuild {
  /** Where the bundle was written. */
  file: string;
  sha256: string;
  /** The commit it was built from, when built in a git checkout. */
  commit: string | null;
  /** Whether any file it was built from differs from that commit. */
  modified: boolean;
}

export async function buildVerifier(file = join(ROOT, 'dist/verify.mjs')): Promise<VerifierBuild> {
  const result = await build({
    entryPoints: ['scripts/build-verify.entry.ts'],
    absWorkingDir: ROOT,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    write: false,
    metafile: true,
    charset: 'utf8',
    legalComments: 'eof',
    // readable, so that an auditor can read what runs
    minify: false,
    banner: { js: '#!/usr/bin/env node' },
    outfile: file,
  });
  const bundle = result.outputFiles[0]!.contents;
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, bundle);
  const sources = [...Object.keys(result.metafile.inputs).filter((f) => !f.startsWith('node_modules/')), 'package-lock.json', 'scripts/build-verify.ts'];
  return { file, sha256: createHash('sha256').update(bundle).digest('hex'), ...provenance(sources) };
}

function provenance(sources: string[]): { commit: string | null; modified: boolean } {
  const git = (...args: string[]) => execFileSync('git', args, { cwd: ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  try {
    return { commit: git('rev-parse', 'HEAD'), modified: git('status', '--porcelain', '--', ...sources) !== '' };
  } catch {
    return { commit: null, modified: false };
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const built = await buildVerifier();
  writeFileSync(join(dirname(built.file), 'verify.json'), `${JSON.stringify({ file: 'verify.mjs', sha256: built.sha256, commit: built.commit, modified: built.modified }, null, 2)}\n`);
  process.stdout.write(`wrote ${built.file} (sha256 ${built.sha256}${built.commit ? `, commit ${built.commit.slice(0, 12)}${built.modified ? ' with local changes' : ''}` : ''})\n`);
}
