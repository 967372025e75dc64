// Opens what a command needs: the app definition (loaded first, so a broken --app writes nothing),
// the home directory, the SQLite store and the layered registry.
import { loadDefinitions, type EntrySource } from '../registry/loader.js';
import { createRegistry } from '../registry/registry.js';
import type { Registry } from '../registry/types.js';
import { builtinAppDir } from '../paths.js';
import { registryDbPath, resolveHome } from '../store/home.js';
import { openSqliteStore } from '../store/sqlite-store.js';

export interface BootstrapOptions {
  /** `--home` (default: MICRO_AGI_HOME, else ~/.micro-agi). */
  readonly home?: string;
  /** `--app` directory (default: the built-in app, builtinAppDir()). */
  readonly app?: string;
  readonly env?: NodeJS.ProcessEnv;
  /** Called once per loader warning (default: ignored). */
  readonly onWarning?: (warning: string) => void;
}

export interface Session {
  readonly home: string;
  readonly appDir: string;
  readonly registry: Registry;
  /** Where each app-definition entry came from (file:line). */
  readonly sources: ReadonlyMap<string, EntrySource>;
  close(): Promise<void>;
}

/** Load the app definition, then open the store and registry. Throws AppError on bad input. */
export async function openSession(options: BootstrapOptions = {}): Promise<Session> {
  const appDir = options.app ?? builtinAppDir();
  const loaded = await loadDefinitions(appDir, { logWarnings: false });
  for (const w of loaded.warnings) options.onWarning?.(w);
  const home = resolveHome(options.home, options.env ?? process.env);
  const store = openSqliteStore(registryDbPath(home));
  let registry: Registry;
  try {
    registry = await createRegistry({ store, base: loaded.entries });
  } catch (err) {
    await store.close();
    throw err;
  }
  return {
    home,
    appDir,
    registry,
    sources: loaded.sources,
    close: () => registry.close(),
  };
}
