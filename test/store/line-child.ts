// Test helper: a child node process spoken to by lines (JSON or text) on stdin/stdout, awaited by
// message, never by sleeping. Fails with the child's stderr if it exits before answering.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { distPath } from '../../src/paths.js';

export interface LineChild {
  readonly child: ChildProcess;
  /** The next stdout line. */
  nextLine(): Promise<string>;
  /** Send one JSON command and parse the one-line JSON reply. */
  request<T = Record<string, unknown>>(cmd: unknown): Promise<T>;
  /** Resolves with the exit signal/code once the process has exited. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** Fail early with a clear message when the compiled code a child needs is missing. */
export function requireDist(rel: string): void {
  if (!existsSync(distPath(rel))) throw new Error(`dist/${rel} is missing: run "npx tsc -p tsconfig.build.json" (npm test does it)`);
}

export function spawnLineChild(script: string, args: readonly string[]): LineChild {
  const child = spawn(process.execPath, [script, ...args], { stdio: ['pipe', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr!.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  const lines: string[] = [];
  const waiters: { resolve: (l: string) => void; reject: (e: Error) => void }[] = [];
  let ended = false;
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.on('exit', (code, signal) => resolve({ code, signal }));
  });
  const rl = createInterface({ input: child.stdout! });
  rl.on('line', (line) => {
    const w = waiters.shift();
    if (w) w.resolve(line);
    else lines.push(line);
  });
  rl.on('close', () => {
    ended = true;
    void exited.then(({ code, signal }) => {
      for (const w of waiters.splice(0)) w.reject(new Error(`child exited (code ${code}, signal ${signal}) before answering; stderr:\n${stderr}`));
    });
  });
  const nextLine = (): Promise<string> => {
    const l = lines.shift();
    if (l !== undefined) return Promise.resolve(l);
    if (ended) return Promise.reject(new Error(`child output ended; stderr:\n${stderr}`));
    return new Promise((resolve, reject) => waiters.push({ resolve, reject }));
  };
  return {
    child,
    nextLine,
    exited,
    async request<T>(cmd: unknown): Promise<T> {
      child.stdin!.write(JSON.stringify(cmd) + '\n');
      return JSON.parse(await nextLine()) as T;
    },
  };
}
