// Test helper: a one-worker isolate pool over the module catalog (which lists `docs`), and whether
// the compiled worker and engines exist (the pool always loads its workers from dist/).
import { existsSync } from 'node:fs';
import { createIsolatePool, type IsolatePool, type IsolatePoolOptions } from '../../../src/isolates/pool.js';
import { MODULE_CATALOG } from '../../../src/isolates/module-catalog.js';
import { distPath } from '../../../src/paths.js';

export const modulesWithDocs = MODULE_CATALOG;

const haveWorker = existsSync(distPath('workers/isolate-worker.js'));
export const haveLuaBuild = haveWorker && existsSync(distPath('src/isolates/lua/lua-engine.js'));
export const haveJsBuild = haveWorker && existsSync(distPath('src/isolates/js/js-engine.js'));

export function docsPool(options: IsolatePoolOptions = {}): IsolatePool {
  return createIsolatePool({ size: 1, ...options });
}
