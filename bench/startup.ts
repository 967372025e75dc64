// Cold start bench: spawning `node bin/micro-agi.js` (REPL, instant fake LLM, temp --home) until the `> `
// prompt, the `--help` and bare-node floors, time to a first answered turn, and the supervisor's idle RSS.
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { packageRoot } from '../src/paths.js';
import { reply, startFakeOpenAI } from '../test/support/fake-openai.js';
import { percentile, type BenchRow } from './types.js';

const RUNS = 7;
/** How long the REPL sits at its prompt before its RSS is read (the agent worker and pool boot meanwhile). */
const IDLE_MS = 1000;
const BIN = join(packageRoot(), 'bin', 'micro-agi.js');
const TIMEOUT_MS = 60_000;

/** The environment of a run: no inherited OPENAI_* / MICRO_AGI_* settings, then `extra`. */
function env(extra: Record<string, string>): NodeJS.ProcessEnv {
  const out: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('OPENAI_') && !k.startsWith('MICRO_AGI_')) out[k] = v;
  return { ...out, ...extra };
}

/** ms from spawn to exit (status 0 required). */
async function timeToExit(args: readonly string[]): Promise<number> {
  const t0 = performance.now();
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let err = '';
  child.stdout.resume();
  child.stderr.setEncoding('utf8').on('data', (d: string) => (err += d));
  const status = await new Promise<number | null>((resolve) => child.on('close', resolve));
  const ms = performance.now() - t0;
  if (status !== 0) throw new Error(`node ${args.join(' ')} exited ${status}: ${err}`);
  return ms;
}

/** VmRSS of a live process in MB, from /proc (includes every thread: the agent worker, the isolate workers). */
function rssMb(pid: number): number {
  const m = /^VmRSS:\s+(\d+)\s+kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  if (!m) throw new Error(`no VmRSS for pid ${pid}`);
  return Number(m[1]) / 1024;
}

function threads(pid: number): number {
  const m = /^Threads:\s+(\d+)/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) : NaN;
}

interface ReplRun {
  readonly promptMs: number;
  /** Mode 'idle': RSS after IDLE_MS at the prompt; mode 'answer': ms from spawn to the first turn's answer. */
  readonly idleRssMb?: number;
  readonly threads?: number;
  readonly answerMs?: number;
}

/**
 * One REPL life: spawn, wait for the prompt, then either sit idle and read the RSS ('idle'), or type "hi"
 * at once and wait for the answer and the next prompt ('answer', the agent worker's boot included); quit.
 */
async function replRun(home: string, baseURL: string, mode: 'idle' | 'answer'): Promise<ReplRun> {
  const t0 = performance.now();
  const child = spawn(process.execPath, [BIN, '--home', home], {
    env: env({ OPENAI_BASE_URL: baseURL, OPENAI_API_KEY: 'bench' }),
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  let closed = false;
  const waiters = new Set<() => void>();
  const check = (): void => waiters.forEach((w) => w());
  child.stdout.setEncoding('utf8').on('data', (d: string) => {
    out += d;
    check();
  });
  child.stderr.setEncoding('utf8').on('data', (d: string) => (err += d));
  const exited = new Promise<number | null>((resolve) =>
    child.on('close', (status) => {
      closed = true;
      check();
      resolve(status);
    }),
  );
  /** Resolves with ms since spawn once stdout holds `count` prompts. */
  const prompts = (count: number): Promise<number> =>
    new Promise((resolve, reject) => {
      const timer = setTimeout(() => w(true), TIMEOUT_MS);
      const w = (timedOut = false): void => {
        const seen = out.split('> ').length - 1;
        if (seen >= count || closed || timedOut) {
          waiters.delete(w);
          clearTimeout(timer);
          if (seen >= count) resolve(performance.now() - t0);
          else reject(new Error(`micro-agi ${timedOut ? 'timed out' : 'exited'} before prompt #${count}\n--- stdout\n${out}\n--- stderr\n${err}`));
        }
      };
      waiters.add(w);
      w();
    });
  try {
    const promptMs = await prompts(1);
    let result: ReplRun;
    if (mode === 'idle') {
      await sleep(IDLE_MS);
      result = { promptMs, idleRssMb: rssMb(child.pid!), threads: threads(child.pid!) };
    } else {
      child.stdin.write('hi\n');
      const answerMs = await prompts(2);
      if (!out.includes('Hello.')) throw new Error(`the turn did not answer: ${out}\n${err}`);
      result = { promptMs, answerMs };
    }
    child.stdin.write('quit\n');
    child.stdin.end();
    const status = await exited;
    if (status !== 0) throw new Error(`micro-agi exited ${status}\n${err}`);
    return result;
  } finally {
    if (!closed) child.kill('SIGKILL');
  }
}

const median = (xs: readonly number[]): number => percentile(xs, 50);
const r1 = (v: number): number => Math.round(v * 10) / 10;

export async function run(): Promise<BenchRow[]> {
  const scratch = await mkdtemp(join(tmpdir(), 'micro-agi-bench-startup-'));
  const fake = await startFakeOpenAI({ fallback: reply.text('Hello.') });
  try {
    const home = join(scratch, 'home');
    // Warm-up (not counted): creates the home's registry.db and fills the OS file cache.
    await replRun(home, fake.url, 'answer');
    await timeToExit([BIN, '--help']);
    const node: number[] = [];
    const help: number[] = [];
    const idle: ReplRun[] = [];
    const answer: ReplRun[] = [];
    // Interleaved, so the machine's load affects each measure alike.
    for (let i = 0; i < RUNS; i++) {
      node.push(await timeToExit(['-e', '0']));
      help.push(await timeToExit([BIN, '--help']));
      idle.push(await replRun(home, fake.url, 'idle'));
      answer.push(await replRun(home, fake.url, 'answer'));
    }
    const repl = [...idle, ...answer];
    const nodeMs = median(node);
    const helpMs = median(help);
    const promptMs = median(repl.map((r) => r.promptMs));
    const idleRss = median(idle.map((r) => r.idleRssMb!));
    const firstTurn = median(answer.map((r) => r.answerMs!));
    const spread = (xs: number[]) => `min ${r1(Math.min(...xs))}, max ${r1(Math.max(...xs))}`;
    return [
      {
        area: 'startup',
        name: `\`micro-agi --help\` spawn to exit, median of ${RUNS}`,
        value: r1(helpMs),
        unit: 'ms',
        reference: { name: 'node -e 0', value: r1(nodeMs), unit: 'ms' },
        note: spread(help),
      },
      {
        area: 'startup',
        name: `cold start to REPL prompt \`> \` (temp --home, fake LLM), median of ${repl.length}`,
        value: r1(promptMs),
        unit: 'ms',
        reference: { name: '--help', value: r1(helpMs), unit: 'ms' },
        target: '<= 250 ms',
        met: promptMs <= 250,
        note: `${spread(repl.map((r) => r.promptMs))}; node -e 0: ${r1(nodeMs)} ms`,
      },
      {
        area: 'startup',
        name: `cold start to a first answer ("hi" typed at the prompt, instant text), median of ${RUNS}`,
        value: r1(firstTurn),
        unit: 'ms',
        reference: { name: 'to prompt', value: r1(promptMs), unit: 'ms' },
        note: `${spread(answer.map((r) => r.answerMs!))}; includes the agent worker's boot behind the prompt`,
      },
      {
        area: 'startup',
        name: `supervisor idle RSS, ${IDLE_MS} ms after the prompt (all threads), median`,
        value: r1(idleRss),
        unit: 'MB',
        target: '<= 120 MB',
        met: idleRss <= 120,
        note: `${spread(idle.map((r) => r.idleRssMb!))}; VmRSS of the one process: the agent worker and the isolate workers are its threads (${idle[0]!.threads} threads)`,
      },
    ];
  } finally {
    await fake.close();
    await rm(scratch, { recursive: true, force: true });
  }
}
