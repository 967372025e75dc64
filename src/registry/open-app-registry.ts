// Opens the layered registry of an app: the definition read from YAML (version 0) under the versions
// stored in <home>/registry.db. Loading comes first, so a broken definition opens (and writes) nothing.
import { registryDbPath } from '../store/home.js';
import { openSqliteStore } from '../store/sqlite-store.js';
import { loadDefinitions, type EntrySource } from './loader.js';
import { createRegistry } from './registry.js';
import type { Registry } from './types.js';

export interface AppRegistry {
  readonly registry: Registry;
  readonly home: string;
  readonly warnings: readonly string[];
  /** Where each app-definition entry came from (file:line). */
  readonly sources: ReadonlyMap<string, EntrySource>;
}

/**
 * `home` is the state directory, or a function giving it (e.g. resolveHome, which creates it): called only
 * once the definition loaded. Throws AppError for a bad definition; closes the store on failure.
 */
export async function openAppRegistry(appDir: string, home: string | (() => string)): Promise<AppRegistry> {
  const loaded = await loadDefinitions(appDir, { logWarnings: false });
  const dir = typeof home === 'function' ? home() : home;
  const store = openSqliteStore(registryDbPath(dir));
  try {
    const registry = await createRegistry({ store, base: loaded.entries });
    return { registry, home: dir, warnings: loaded.warnings, sources: loaded.sources };
  } catch (err) {
    await store.close();
    throw err;
  }
}
