// The one pino logger: JSON lines to a file (MICRO_AGI_LOG_FILE) or stderr, never to stdout.
// Level from MICRO_AGI_LOG_LEVEL (default "warn" so the terminal stays clean).
import pino, { type Logger } from 'pino';

let root: Logger | undefined;

function createRoot(): Logger {
  const level = process.env.MICRO_AGI_LOG_LEVEL ?? 'warn';
  const file = process.env.MICRO_AGI_LOG_FILE;
  const destination = file ? pino.destination({ dest: file, sync: false, mkdir: true }) : pino.destination(2);
  return pino({ level, base: { pid: process.pid } }, destination);
}

/** A child logger for one component, e.g. logger('registry'). */
export function logger(component: string): Logger {
  root ??= createRoot();
  return root.child({ component });
}
