// Drives the real `micro-agi` binary (bin/micro-agi.js over the built dist/) as a child process for the
// end-to-end tests: collects stdout/stderr, waits for markers in the output, writes lines, sends signals.
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { join } from 'node:path';
import { packageRoot } from '../../src/paths.js';

export const BIN = join(packageRoot(), 'bin', 'micro-agi.js');

export interface CliResult {
  readonly status: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
}

export interface CliChild {
  readonly child: ChildProcessWithoutNullStreams;
  stdout(): string;
  stderr(): string;
  /** Resolves once stdout (or stderr) contains `marker` at least `times` times; rejects if the child exits first. */
  waitFor(marker: string, options?: { stream?: 'stdout' | 'stderr'; times?: number }): Promise<void>;
  /** Write one line to stdin. */
  line(text: string): void;
  /** Close stdin (Ctrl-D). */
  end(): void;
  readonly exited: Promise<CliResult>;
}

/**
 * The environment of a run: the caller's PATH etc., no inherited OPENAI_* / MICRO_AGI_* settings, then
 * `extra` (undefined values remove a variable).
 */
export function cliEnv(extra: Readonly<Record<string, string | undefined>>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (k.startsWith('OPENAI_') || k.startsWith('MICRO_AGI_')) continue;
    env[k] = v;
  }
  for (const [k, v] of Object.entries(extra)) {
    if (v === undefined) delete env[k];
    else env[k] = v;
  }
  return env;
}

function count(haystack: string, needle: string): number {
  let n = 0;
  for (let i = haystack.indexOf(needle); i >= 0; i = haystack.indexOf(needle, i + needle.length)) n++;
  return n;
}

/** Start the binary with `args`; stdin, stdout and stderr are pipes (no TTY). */
export function startCli(args: readonly string[], env: NodeJS.ProcessEnv): CliChild {
  const child = spawn(process.execPath, [BIN, ...args], { env, stdio: ['pipe', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  const waiters = new Set<() => void>();
  const check = (): void => {
    for (const w of [...waiters]) w();
  };
  child.stdout.setEncoding('utf8').on('data', (d: string) => {
    out += d;
    check();
  });
  child.stderr.setEncoding('utf8').on('data', (d: string) => {
    err += d;
    check();
  });
  let done = false;
  const exited = new Promise<CliResult>((resolve) => {
    child.on('close', (status, signal) => {
      done = true;
      resolve({ status, signal, stdout: out, stderr: err });
      check();
    });
  });
  return {
    child,
    stdout: () => out,
    stderr: () => err,
    waitFor(marker, options = {}) {
      const times = options.times ?? 1;
      const text = (): string => (options.stream === 'stderr' ? err : out);
      return new Promise<void>((resolve, reject) => {
        const w = (): void => {
          if (count(text(), marker) >= times) {
            waiters.delete(w);
            resolve();
          } else if (done) {
            waiters.delete(w);
            reject(new Error(`micro-agi exited before printing ${JSON.stringify(marker)}\n--- stdout\n${out}\n--- stderr\n${err}`));
          }
        };
        waiters.add(w);
        w();
      });
    },
    line(text) {
      child.stdin.write(text + '\n');
    },
    end() {
      child.stdin.end();
    },
    exited,
  };
}

/** Run the binary to completion with stdin closed at once. */
export async function runCli(args: readonly string[], env: NodeJS.ProcessEnv): Promise<CliResult> {
  const c = startCli(args, env);
  c.end();
  return c.exited;
}
