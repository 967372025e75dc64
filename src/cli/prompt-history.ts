// The interactive prompt's history across sessions: <home>/history (or MICRO_AGI_HISTORY; empty turns it
// off), one typed line per line, readable only by its owner; best effort, a failure only turns it off.
import { appendFileSync, existsSync, mkdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { errorMessage } from '../errors/app-error.js';
import { replaceFile } from '../store/atomic-file.js';

/** Lines kept (readline's historySize); the file is cut back to this many once it holds twice as many. */
export const HISTORY_SIZE = 1000;

export interface PromptHistory {
  /** Earlier lines, newest first (readline's `history` option). */
  readonly lines: string[];
  /** Appends a typed line (not a repeat of the line before it). */
  record(line: string): void;
}

/** Where the history lives: MICRO_AGI_HISTORY when set (empty: none), else `history` in the home directory. */
export function historyFile(home: string, env: NodeJS.ProcessEnv): string | undefined {
  const set = env.MICRO_AGI_HISTORY;
  if (set !== undefined) return set === '' ? undefined : set;
  return join(home, 'history');
}

/**
 * Opens the history in `file` (none when undefined). Unreadable or unwritable, it warns once through `warn`
 * and goes on without: a prompt never fails because of its history.
 */
export function openPromptHistory(file: string | undefined, warn: (message: string) => void, size = HISTORY_SIZE): PromptHistory {
  if (file === undefined) return { lines: [], record: () => {} };
  let on = true;
  const off = (err: unknown): void => {
    on = false;
    warn(`prompt history off: ${file}: ${errorMessage(err)}`);
  };
  let stored: string[] = [];
  try {
    if (existsSync(file)) stored = readFileSync(file, 'utf8').split('\n').filter((l) => l.trim() !== '');
    if (stored.length > 2 * size) {
      stored = stored.slice(-size);
      replaceFile(file, `${stored.join('\n')}\n`, 0o600);
    }
  } catch (err) {
    off(err);
  }
  let last = stored.at(-1);
  return {
    // Newest first, each line once (readline's removeHistoryDuplicates only applies to lines added later).
    lines: [...new Set(stored.slice(-size).reverse())],
    record(line) {
      if (!on || line.trim() === '' || line === last || /[\r\n]/.test(line)) return;
      last = line;
      try {
        mkdirSync(dirname(file), { recursive: true });
        appendFileSync(file, `${line}\n`, { mode: 0o600 });
      } catch (err) {
        off(err);
      }
    },
  };
}
