import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { projectFile } from '../paths.ts';
import { send, type WebServer } from './server.ts';

/**
 * verify.mjs as the results pages offer it: the one-file replay that `npm run build` bundles (scripts/build-verify.ts)
 * into dist/, with its SHA-256 (of the bytes served, never taken on trust from the record beside it) and the commit
 * it was built from. Auditors run it with plain `node`: no package name to trust.
 */
export interface Verifier {
  bytes: Buffer;
  sha256: string;
  /** The commit the bundle was built from; null when it was not built in a git checkout. */
  commit: string | null;
  /** Whether the files it was built from differed from that commit. */
  modified: boolean;
}

export const VERIFIER_PATH = '/assets/verify.mjs';

/** The bundle in `dir` (dist/ by default), or undefined when this install has not built it. */
export function loadVerifier(dir = projectFile('dist')): Verifier | undefined {
  const file = join(dir, 'verify.mjs');
  if (!existsSync(file)) return undefined;
  const bytes = readFileSync(file);
  const sha256 = createHash('sha256').update(bytes).digest('hex');
  const record = (() => {
    try {
      return JSON.parse(readFileSync(join(dir, 'verify.json'), 'utf8')) as { sha256?: string; commit?: string | null; modified?: boolean };
    } catch {
      return {};
    }
  })();
  // a record of another build says nothing about these bytes
  const same = record.sha256 === sha256;
  return { bytes, sha256, commit: same ? (record.commit ?? null) : null, modified: same ? record.modified === true : false };
}

export function verifierRoute(server: WebServer, verifier: Verifier): void {
  server.route(VERIFIER_PATH, (_req, res) => {
    res.writeHead(200, {
      'content-type': 'text/javascript; charset=utf-8',
      'content-length': verifier.bytes.length,
      'content-disposition': 'attachment; filename="verify.mjs"',
      'x-content-type-options': 'nosniff',
      'cache-control': 'public, max-age=3600',
    });
    res.end(verifier.bytes);
  });
}
