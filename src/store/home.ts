// Where micro-agi keeps its state: `--home DIR`, else MICRO_AGI_HOME, else ~/.micro-agi (created on demand).
// The registry database lives in <home>/registry.db.
import { mkdirSync, statSync } from 'node:fs';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { AppError, errorMessage } from '../errors/app-error.js';

export const REGISTRY_DB_FILE = 'registry.db';

function expandTilde(p: string, env: NodeJS.ProcessEnv): string {
  if (p !== '~' && !p.startsWith('~/')) return p;
  const home = env.HOME && env.HOME !== '' ? env.HOME : homedir();
  return join(home, p.slice(1));
}

/** Where the home directory is (absolute) and which setting named it; nothing is created or checked. */
export function homeLocation(flag?: string, env: NodeJS.ProcessEnv = process.env): { dir: string; source: string } {
  if (flag !== undefined && flag !== '') return { dir: resolve(expandTilde(flag, env)), source: '--home' };
  if (env.MICRO_AGI_HOME !== undefined && env.MICRO_AGI_HOME !== '') return { dir: resolve(expandTilde(env.MICRO_AGI_HOME, env)), source: 'MICRO_AGI_HOME' };
  return { dir: resolve(expandTilde('~/.micro-agi', env)), source: 'default' };
}

/**
 * The home directory as an absolute path, created if missing. `flag` is the `--home` value; empty strings
 * count as unset. Fails with CONFIG_INVALID naming the path and where it came from.
 */
export function resolveHome(flag?: string, env: NodeJS.ProcessEnv = process.env): string {
  const { dir, source } = homeLocation(flag, env);
  try {
    mkdirSync(dir, { recursive: true });
  } catch (err) {
    throw new AppError('CONFIG_INVALID', `cannot create home directory ${dir} (from ${source}): ${errorMessage(err)}`, { path: dir, source }, { cause: err });
  }
  if (!statSync(dir).isDirectory()) {
    throw new AppError('CONFIG_INVALID', `home ${dir} (from ${source}) is not a directory`, { path: dir, source });
  }
  return dir;
}

/** The registry database file inside a home directory. */
export function registryDbPath(home: string): string {
  return join(home, REGISTRY_DB_FILE);
}
