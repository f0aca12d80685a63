#!/usr/bin/env node
// Runs the compiled JS in dist/ (npm ci builds it through the `prepare` script) when it is newer than every source
// file; otherwise the TypeScript sources themselves through tsx, so an edit never runs stale code. The compiled JS
// starts about 0.2 s sooner, which a quick `govbot replay` feels.
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const built = (() => {
  try {
    return statSync(join(root, 'dist/src/cli/main.js')).mtimeMs;
  } catch {
    return -1;
  }
})();
// An install without the sources (the Docker image ships dist/ only) has nothing newer than dist/.
const sourcesOlder = () =>
  ['src', 'commands', 'migrations'].every((dir) =>
    !existsSync(join(root, dir)) ||
    readdirSync(join(root, dir), { recursive: true, withFileTypes: true }).every(
      (entry) => !entry.isFile() || !entry.name.endsWith('.ts') || statSync(join(entry.parentPath ?? entry.path, entry.name)).mtimeMs <= built,
    ),
  );

if (built > 0 && sourcesOlder()) await import('../dist/src/cli/main.js');
else {
  const { register } = await import('tsx/esm/api');
  register();
  await import('../src/cli/main.ts');
}
