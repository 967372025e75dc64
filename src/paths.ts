// Where the package's own files live: its root, the built worker scripts (bundled or not), the built-in
// app definition. Works the same from the bundle, from tsc's dist/ code and from TypeScript under vitest.
import { existsSync, statSync } from 'node:fs';
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

/**
 * Files loaded at run time by path or URL: the command's entry, thread entry points, and modules a worker
 * imports by URL. Each is an entry of the bundle (scripts/bundle.mjs builds dist/bundle/<name>.js from tsc's
 * dist/<file>, with the code they share in common chunks), so a thread loads a few files instead of hundreds.
 */
export const RUNTIME_FILES = {
  'cli/main': 'src/cli/main.js',
  'workers/agent-worker': 'workers/agent-worker.js',
  'workers/isolate-worker': 'workers/isolate-worker.js',
  'workers/process-host-thread': 'workers/process-host-thread.js',
  'workers/process-worker': 'workers/process-worker.js',
  'modules/tools': 'src/modules/tools.js',
  'modules/ctx': 'src/modules/ctx.js',
  'modules/tools-draft-engine': 'src/modules/tools-draft-engine.js',
} as const;

export type RuntimeFile = keyof typeof RUNTIME_FILES;

/** Written by scripts/bundle.mjs after a bundle build succeeded. */
export const BUNDLE_MANIFEST = 'dist/bundle/manifest.json';

let bundleCurrent: boolean | undefined;

/**
 * Whether dist/bundle is there and built from the current tsc output: a bundle older than tsc's last build
 * (`tsc` run alone after an edit) is stale, and tsc's files are used instead of old code.
 */
export function bundleIsCurrent(): boolean {
  bundleCurrent ??= bundleIsCurrentAt(packageRoot());
  return bundleCurrent;
}

/** bundleIsCurrent for the package at `root`, read now. */
export function bundleIsCurrentAt(root: string): boolean {
  const built = statSync(join(root, BUNDLE_MANIFEST), { throwIfNoEntry: false });
  const compiled = statSync(join(root, 'dist', '.tsbuildinfo'), { throwIfNoEntry: false });
  return built !== undefined && (compiled === undefined || built.mtimeMs >= compiled.mtimeMs);
}

/** Absolute path of a runtime file: the bundle's copy when current, else tsc's. */
export function runtimeFile(name: RuntimeFile): string {
  return bundleIsCurrent() ? resolve(packageRoot(), 'dist', 'bundle', `${name}.js`) : distPath(RUNTIME_FILES[name]);
}

/** The entry script of a dedicated process worker (ProcessHost's default, and a prestarted worker's). */
export function processWorkerPath(): string {
  return runtimeFile('workers/process-worker');
}

/** The agent process module (what the runtime spawns, and what a prestarted agent worker imports). */
export function agentWorkerPath(): string {
  return runtimeFile('workers/agent-worker');
}
