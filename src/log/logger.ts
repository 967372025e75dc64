// The one logger: pino, JSON lines to a file (MICRO_AGI_LOG_FILE) or stderr, never to stdout. Level from
// MICRO_AGI_LOG_LEVEL (default "warn"); pino itself is loaded by the first record at an enabled level.
import { createRequire } from 'node:module';
import type { Logger } from 'pino';

/** pino's levels; a record is written when its level is at least the configured one. */
const LEVELS: Readonly<Record<string, number>> = { trace: 10, debug: 20, info: 30, warn: 40, error: 50, fatal: 60, silent: Infinity };
const DEFAULT_LEVEL = 'warn';

type LogFn = (objOrMsg: unknown, msg?: string) => void;

/** What components log through: pino's methods with pino's arguments (a merge object and/or a message). */
export interface Log {
  readonly debug: LogFn;
  readonly info: LogFn;
  readonly warn: LogFn;
  readonly error: LogFn;
}

let threshold: number | undefined;
let root: Logger | undefined;

function level(): string {
  const configured = process.env.MICRO_AGI_LOG_LEVEL;
  // An unknown level name logs at the default rather than failing whatever logs first.
  return configured !== undefined && LEVELS[configured] !== undefined ? configured : DEFAULT_LEVEL;
}

/**
 * Why lazy: pino and its dependencies cost ~30 ms to import in a fresh thread (the terminal, the
 * agent's worker, every isolate worker), and at the default level most threads never write a record.
 */
function createRoot(): Logger {
  const pino = createRequire(import.meta.url)('pino') as typeof import('pino').default;
  const file = process.env.MICRO_AGI_LOG_FILE;
  const destination = file ? pino.destination({ dest: file, sync: false, mkdir: true }) : pino.destination(2);
  return pino({ level: level(), base: { pid: process.pid } }, destination);
}

/** A logger for one component, e.g. logger('registry'): its records carry `component`. */
export function logger(component: string): Log {
  let child: Logger | undefined;
  const method = (name: keyof Log): LogFn => {
    const at = LEVELS[name]!;
    return (objOrMsg, msg) => {
      threshold ??= LEVELS[level()]!;
      if (at < threshold) return;
      root ??= createRoot();
      child ??= root.child({ component });
      if (msg === undefined) child[name](objOrMsg as object);
      else child[name](objOrMsg as object, msg);
    };
  };
  return { debug: method('debug'), info: method('info'), warn: method('warn'), error: method('error') };
}
