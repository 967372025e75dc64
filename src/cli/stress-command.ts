// `micro-agi stress`: parses the flags, runs the isolation stress test, shows a one-line progress counter
// on a terminal (stderr), prints only the report on stdout (text or --json) and exits 1 on any failure.
import { AppError } from '../errors/app-error.js';
import { exitCodeOf, renderReport } from '../stress/report.js';
import { runStress } from '../stress/runner.js';
import type { StressOptions, StressProgress } from '../stress/stress-types.js';
import { boolFlag, stringFlag, type ParsedArgs } from './argv.js';
import type { CommandIO } from './command-spec.js';

function numberFlag(args: ParsedArgs, name: string, check: (n: number) => boolean, what: string): number | undefined {
  const text = stringFlag(args, name);
  if (text === undefined) return undefined;
  const n = Number(text);
  if (!Number.isFinite(n) || !check(n)) throw new AppError('USAGE', `--${name} must be ${what}, got "${text}"`, { option: name });
  return n;
}

const positiveInt = (n: number): boolean => Number.isInteger(n) && n >= 1;

export function stressOptionsFrom(args: ParsedArgs): StressOptions {
  const calls = numberFlag(args, 'calls', positiveInt, 'a positive integer');
  const concurrency = numberFlag(args, 'concurrency', positiveInt, 'a positive integer');
  const hostileRatio = numberFlag(args, 'hostile', (n) => n >= 0 && n <= 1, 'a ratio between 0 and 1');
  const duration = numberFlag(args, 'duration', (n) => n > 0, 'a positive number of seconds');
  const seed = numberFlag(args, 'seed', (n) => Number.isInteger(n) && n >= 0 && n < 2 ** 32, 'an integer in 0..2^32-1');
  return {
    ...(calls !== undefined ? { calls } : {}),
    ...(concurrency !== undefined ? { concurrency } : {}),
    ...(hostileRatio !== undefined ? { hostileRatio } : {}),
    ...(duration !== undefined ? { durationMs: duration * 1000 } : {}),
    ...(seed !== undefined ? { seed } : {}),
  };
}

/** A one-line counter rewritten in place, at most every 100 ms (and always at the end of a phase). */
function progressLine(io: CommandIO): { update: (p: StressProgress) => void; clear: () => void } {
  let last = 0;
  let shown = false;
  return {
    update: (p) => {
      const now = Date.now();
      if (now - last < 100 && p.done < p.total) return;
      last = now;
      shown = true;
      const hostile = p.phase === 'mix' ? `  hostile contained ${p.hostileContained}/${p.hostileDone}` : '';
      io.err(`\r\x1b[2K${p.phase} ${p.done}/${p.total}${hostile}  failures ${p.failures}`);
    },
    clear: () => {
      if (shown) io.err('\r\x1b[2K');
    },
  };
}

export async function stressCommand(args: ParsedArgs, io: CommandIO): Promise<number> {
  const options = stressOptionsFrom(args);
  const controller = new AbortController();
  const onSigint = (): void => controller.abort();
  process.once('SIGINT', onSigint);
  const progress = process.stderr.isTTY === true ? progressLine(io) : undefined;
  let report;
  try {
    report = await runStress({ ...options, signal: controller.signal, ...(progress ? { onProgress: progress.update } : {}) });
  } finally {
    progress?.clear();
    process.removeListener('SIGINT', onSigint);
  }
  if (controller.signal.aborted) io.err('micro-agi: stress: interrupted; the report covers the calls that finished\n');
  io.out(boolFlag(args, 'json') ? JSON.stringify(report) + '\n' : renderReport(report));
  return exitCodeOf(report);
}
