// Where the package's own files live: its root, the built worker scripts, the built-in app definition.
// Works the same from compiled dist/ code and from TypeScript run under vitest.
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

let cachedRoot: string | undefined;

/** The directory holding micro-agi's package.json. */
export function packageRoot(): string {
  if (cachedRoot) return cachedRoot;
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const candidate = join(dir, 'package.json');
    if (existsSync(candidate) && existsSync(join(dir, 'src', 'app'))) {
      cachedRoot = dir;
      return dir;
    }
    const parent = dirname(dir);
    if (parent === dir) throw new Error('micro-agi package root not found above ' + fileURLToPath(import.meta.url));
    dir = parent;
  }
}

/** Absolute path of a compiled file, e.g. distPath('workers/isolate-worker.js'). */
export function distPath(rel: string): string {
  return resolve(packageRoot(), 'dist', rel);
}

/** The built-in Micro AGI app definition directory (Wippy YAML). */
export function builtinAppDir(): string {
  return join(packageRoot(), 'src', 'app');
}

/** The module reference pages served by doc_search. */
export function docsDir(): string {
  return join(packageRoot(), 'docs');
}

/** The compiled entry script of a dedicated process worker (ProcessHost's default, and a prestarted worker's). */
export function processWorkerPath(): string {
  return distPath('workers/process-worker.js');
}

/** The compiled agent process module (what the runtime spawns, and what a prestarted agent worker imports). */
export function agentWorkerPath(): string {
  return distPath('workers/agent-worker.js');
}
