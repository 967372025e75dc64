// Headless batch throughput: 100 prompts at concurrency 16 against a fake model that takes 100 ms per
// step, vs concurrency 1 (a sample, extrapolated), through the real supervisor and agent processes.
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
/** Prompts measured at concurrency 1 (each costs an agent start plus a step; 100 would take minutes). */
const SERIAL_SAMPLE = 12;
const TARGET_SPEEDUP = 14;

function items(n: number, tag: string): BatchItem[] {
  return Array.from({ length: n }, (_, i) => ({ id: `${tag}${i}`, key: JSON.stringify(`${tag}${i}`), prompt: `prompt ${i}`, line: i + 1 }));
}

interface Timed {
  readonly wallMs: number;
  readonly summary: BatchSummary;
  /** Mean of the results' ms (agent spawn to turn end). */
  readonly meanPromptMs: number;
}

async function timedRun(fake: FakeOpenAI, home: string, n: number, concurrency: number, tag: string): Promise<Timed> {
  const supervisor = await openBatchSupervisor({ home, env: { OPENAI_BASE_URL: fake.url, OPENAI_API_KEY: 'bench' } });
  try {
    let promptMs = 0;
    let firstError: string | undefined;
    const t0 = performance.now();
    const summary = await runBatch({
      supervisor,
      items: items(n, tag),
      concurrency,
      onResult: (r) => {
        promptMs += r.ms;
        if (r.error) firstError ??= `${r.error.type}: ${r.error.message}`;
      },
    });
    const wallMs = performance.now() - t0;
    if (summary.failed > 0 || summary.answered !== n) throw new Error(`batch bench: ${summary.failed} of ${n} prompts failed (${firstError})`);
    return { wallMs, summary, meanPromptMs: promptMs / n };
  } finally {
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
    const serial = await timedRun(fake, home, SERIAL_SAMPLE, 1, 's');
    const serialWall = (serial.wallMs / SERIAL_SAMPLE) * PROMPTS;
    const speedup = serialWall / parallel.wallMs;
    const startMs = serial.meanPromptMs - STEP_MS;
    const bound = Math.min(CONCURRENCY, (serial.wallMs / SERIAL_SAMPLE) / Math.max(1, (serial.wallMs / SERIAL_SAMPLE - STEP_MS) / os.cpus().length));
    const cpus = os.cpus().length;
    return [
      {
        area: 'batch',
        name: `${PROMPTS} prompts @${CONCURRENCY}, ${STEP_MS} ms/step (wall)`,
        value: parallel.wallMs,
        unit: 'ms',
        reference: { name: `${PROMPTS} @1 (extrapolated)`, value: serialWall, unit: 'ms' },
        note: `mean per prompt at @${CONCURRENCY}: ${parallel.meanPromptMs.toFixed(0)} ms (agent spawn to answer)`,
      },
      {
        area: 'batch',
        name: `speed-up @${CONCURRENCY} vs @1`,
        value: speedup,
        unit: 'x',
        target: `>= ${TARGET_SPEEDUP}x`,
        met: speedup >= TARGET_SPEEDUP,
        note:
          `@1 measured on ${SERIAL_SAMPLE} prompts (${serial.wallMs.toFixed(0)} ms) and scaled to ${PROMPTS}. ` +
          `Each prompt is a new agent process: ~${startMs.toFixed(0)} ms of CPU-bound start-up (worker, imports, ` +
          `registry open, tool index) before its ${STEP_MS} ms step; with ${cpus} cores that start-up parallelises ` +
          `at most ${cpus}x, which bounds the speed-up near ${bound.toFixed(1)}x.`,
      },
    ];
  } finally {
    await fake.close();
    rmSync(home, { recursive: true, force: true });
  }
}
