// Opens what a command needs: the app definition (loaded first, so a broken --app writes nothing),
// the home directory, the SQLite store and the layered registry.
import type { EntrySource } from '../registry/loader.js';
import { openAppRegistry } from '../registry/open-app-registry.js';
import type { Registry } from '../registry/types.js';
import { builtinAppDir } from '../paths.js';
import { resolveHome } from '../store/home.js';

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
  // The home directory is resolved (and created) only once the definition loaded.
  const { registry, home, warnings, sources } = await openAppRegistry(appDir, () => resolveHome(options.home, options.env ?? process.env));
  for (const w of warnings) options.onWarning?.(w);
  return { home, appDir, registry, sources, close: () => registry.close() };
}
