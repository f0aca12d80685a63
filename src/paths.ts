import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The project's root: the folder with package.json above this file, whether it runs from src/ or from dist/src/. */
function findRoot(from: string): string {
  for (let dir = from; ; dir = dirname(dir)) {
    if (existsSync(join(dir, 'package.json'))) return dir;
    if (dirname(dir) === dir) throw new Error(`govbot: no package.json above ${from}`);
  }
}
const ROOT = findRoot(dirname(fileURLToPath(import.meta.url)));

/** A file shipped with the project (assets, examples), by its path from the root. */
export const projectFile = (path: string): string => join(ROOT, path);
