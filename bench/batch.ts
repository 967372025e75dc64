// Headless batch throughput: 100 prompts at concurrency 16 against a fake model that takes 100 ms per
// step, vs the same 100 at concurrency 1, through the real supervisor and agent processes (shared placement).
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import type { BatchItem } from '../src/batch/batch-input.js';
import { runBatch, type BatchSummary } from '../src/batch/batch-runner.js';
import { openBatchSupervisor } from '../src/batch/batch-supervisor.js';
import { startFakeOpenAI, type FakeOpenAI } from '../test/support/fake-openai.js';
import type { BenchRow } from './types.js';

const PROMPTS = 100;
const CONCURRENCY = 16;
const STEP_MS = 100;
/** The run at concurrency 1 covers all prompts unless it passes this budget; it is then cut and extrapolated. */
const SERIAL_BUDGET_MS = 15_000;
const TARGET_SPEEDUP = 14;

function items(n: number, tag: string): BatchItem[] {
  return Array.from({ length: n }, (_, i) => ({ id: `${tag}${i}`, key: JSON.stringify(`${tag}${i}`), prompt: `prompt ${i}`, line: i + 1 }));
}

interface Timed {
  readonly wallMs: number;
  /** Its answered count is below the prompts asked only when the budget cut the run. */
  readonly summary: BatchSummary;
  /** Mean of the results' ms (agent spawn to turn end). */
  readonly meanPromptMs: number;
  /** CPU time of this whole process (every thread) during the run, per answered prompt. */
  readonly cpuPerPromptMs: number;
}

async function timedRun(fake: FakeOpenAI, home: string, n: number, concurrency: number, tag: string, budgetMs?: number): Promise<Timed> {
  // Opening the supervisor (host threads, isolate pool, warm-up agents) is not part of the measured run.
  const supervisor = await openBatchSupervisor({ home, env: { OPENAI_BASE_URL: fake.url, OPENAI_API_KEY: 'bench' } });
  const cut = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  try {
    let promptMs = 0;
    let firstError: string | undefined;
    if (budgetMs !== undefined) timer = setTimeout(() => cut.abort(), budgetMs);
    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    let last = t0;
    const summary = await runBatch({
      supervisor,
      items: items(n, tag),
      concurrency,
      signal: cut.signal,
      onResult: (r) => {
        promptMs += r.ms;
        last = performance.now();
        if (r.error) firstError ??= `${r.error.type}: ${r.error.message}`;
      },
    });
    // Cut short: time up to the last result (the canceled turn is not counted).
    const wallMs = (cut.signal.aborted ? last : performance.now()) - t0;
    const cpu = process.cpuUsage(cpu0);
    if (summary.failed > 0 || (!cut.signal.aborted && summary.answered !== n)) {
      throw new Error(`batch bench: ${summary.failed} of ${n} prompts failed (${firstError})`);
    }
    const answered = Math.max(1, summary.answered);
    return { wallMs, summary, meanPromptMs: promptMs / answered, cpuPerPromptMs: (cpu.user + cpu.system) / 1000 / answered };
  } finally {
    clearTimeout(timer);
    await supervisor.close();
  }
}

export async function run(): Promise<BenchRow[]> {
  const fake = await startFakeOpenAI({
    fallback: {
      type: 'chat',
      steps: [
        { type: 'delay', ms: STEP_MS },
        { type: 'text', text: 'done' },
        { type: 'finish', reason: 'stop' },
        { type: 'usage', usage: { prompt: 20, completion: 1 } },
      ],
    },
  });
  const home = mkdtempSync(join(os.tmpdir(), 'micro-agi-bench-batch-'));
  try {
    // A warm-up prompt so the first measured agent does not pay for creating the database.
    await timedRun(fake, home, 1, 1, 'warm');
    const parallel = await timedRun(fake, home, PROMPTS, CONCURRENCY, 'p');
    const serial = await timedRun(fake, home, PROMPTS, 1, 's', SERIAL_BUDGET_MS);
    const complete = serial.summary.answered === PROMPTS;
    const serialWall = complete ? serial.wallMs : (serial.wallMs / serial.summary.answered) * PROMPTS;
    const speedup = serialWall / parallel.wallMs;
    const waves = Math.ceil(PROMPTS / CONCURRENCY);
    const ceiling = PROMPTS / waves;
    const perSerial = serialWall / PROMPTS;
    const perWave = parallel.wallMs / waves;
    const cpus = os.availableParallelism();
    return [
      {
        area: 'batch',
        name: `${PROMPTS} prompts @${CONCURRENCY}, ${STEP_MS} ms/step (wall)`,
        value: parallel.wallMs,
        unit: 'ms',
        reference: { name: complete ? `${PROMPTS} @1 (measured)` : `${PROMPTS} @1 (extrapolated from ${serial.summary.answered})`, value: serialWall, unit: 'ms' },
        note:
          `mean per prompt (agent spawn to answer): ${parallel.meanPromptMs.toFixed(0)} ms at @${CONCURRENCY}, ` +
          `${serial.meanPromptMs.toFixed(0)} ms at @1; CPU of the whole process per prompt: ` +
          `${parallel.cpuPerPromptMs.toFixed(1)} ms at @${CONCURRENCY}, ${serial.cpuPerPromptMs.toFixed(1)} ms at @1`,
      },
      {
        area: 'batch',
        name: `speed-up @${CONCURRENCY} vs @1`,
        value: speedup,
        unit: 'x',
        target: `>= ${TARGET_SPEEDUP}x`,
        met: speedup >= TARGET_SPEEDUP,
        note:
          (complete
            ? `@1 measured on all ${PROMPTS} prompts. `
            : `@1 passed its ${SERIAL_BUDGET_MS / 1000} s budget: measured on ${serial.summary.answered} prompts and scaled to ${PROMPTS}. `) +
          `Ceiling: ${PROMPTS} prompts at ${CONCURRENCY} wide are ${waves} waves, so at best ${ceiling.toFixed(1)}x; ` +
          `that needs a prompt at @${CONCURRENCY} to take as long as at @1 (${perSerial.toFixed(0)} ms; here ${perWave.toFixed(0)} ms per wave). ` +
          `Agent processes share ${cpus} process host threads (started and warmed before the run), so what separates the two ` +
          `is CPU per prompt (HTTP client and streaming, session open, messages) queueing on ${cpus} cores with the fake server.`,
      },
    ];
  } finally {
    await fake.close();
    rmSync(home, { recursive: true, force: true });
  }
}
