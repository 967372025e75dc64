// Runs batch items with at most `concurrency` turns running at once (in input order of start), hands
// each result to `onResult` as it finishes, and keeps the counts the progress display shows.
import type { BatchItem } from './batch-input.js';
import type { BatchResult } from './batch-result.js';
import type { BatchSupervisor } from './batch-supervisor.js';
import { runPrompt, type PromptRun } from './prompt-run.js';

export const DEFAULT_CONCURRENCY = 4;

export interface BatchProgress {
  readonly total: number;
  readonly answered: number;
  readonly failed: number;
  readonly running: number;
  readonly tokens: number;
  readonly cost: number;
  /** Since the run started. */
  readonly elapsedMs: number;
}

export interface BatchRunOptions {
  readonly supervisor: BatchSupervisor;
  readonly items: readonly BatchItem[];
  /**
   * Prompts running at once (default 4). A prompt's agent process is stopped once its result is in; the
   * next prompt starts without waiting for that exit (runBatch resolves only after every agent exited).
   */
  readonly concurrency?: number;
  /** Each result as soon as its turn ended. */
  readonly onResult: (result: BatchResult) => void;
  /** Called whenever a count changed. */
  readonly onProgress?: (progress: BatchProgress) => void;
  /** Abort: start nothing more, cancel running turns; their results are not reported. */
  readonly signal?: AbortSignal;
  /** A turn still running this many ms after its start is canceled; its result is a `timeout` error. Default: none. */
  readonly timeoutMs?: number;
  /**
   * Dollars: once the finished prompts cost this much, no further prompt starts (those running finish, so
   * the total can pass it by what they cost). Default: no limit.
   */
  readonly maxCost?: number;
}

export interface BatchSummary {
  readonly answered: number;
  readonly failed: number;
  /** Items neither answered nor failed because the run was aborted or reached maxCost. */
  readonly notRun: number;
  /** Why items were not run: the signal, or the cost budget. */
  readonly stoppedBy?: 'signal' | 'budget';
  readonly tokens: number;
  readonly cost: number;
}

export async function runBatch(options: BatchRunOptions): Promise<BatchSummary> {
  const { supervisor, items, signal } = options;
  const concurrency = options.concurrency ?? DEFAULT_CONCURRENCY;
  if (!Number.isInteger(concurrency) || concurrency < 1) throw new Error(`concurrency must be a positive integer, got ${concurrency}`);
  if (options.timeoutMs !== undefined && !(options.timeoutMs > 0)) throw new Error(`timeoutMs must be positive, got ${options.timeoutMs}`);
  if (options.maxCost !== undefined && !(options.maxCost > 0)) throw new Error(`maxCost must be positive, got ${options.maxCost}`);
  const started = performance.now();
  let next = 0;
  let answered = 0;
  let failed = 0;
  let tokens = 0;
  let cost = 0;
  const overBudget = (): boolean => options.maxCost !== undefined && cost >= options.maxCost;
  const running = new Set<PromptRun>();
  /** Agent processes of finished prompts, still exiting. */
  const exiting = new Set<Promise<void>>();
  const progress = (): void =>
    options.onProgress?.({ total: items.length, answered, failed, running: running.size, tokens, cost, elapsedMs: performance.now() - started });

  const onAbort = (): void => {
    for (const run of running) run.cancel();
  };
  signal?.addEventListener('abort', onAbort, { once: true });

  async function lane(): Promise<void> {
    while (next < items.length && !signal?.aborted && !overBudget()) {
      const item = items[next++]!;
      const run = runPrompt(supervisor, item);
      running.add(run);
      progress();
      const limit = options.timeoutMs;
      const timer = limit === undefined ? undefined : setTimeout(() => run.timeOut(limit), limit);
      const result = await run.result;
      clearTimeout(timer);
      if (!signal?.aborted) {
        if (result.error) failed++;
        else answered++;
        tokens += result.tokens.total;
        cost += result.cost;
        options.onResult(result);
      }
      // Its process exits in the background (measured: a stop waited for at 16 wide put ~1-3 ms more
      // between one prompt's answer and the next one's request, in every wave).
      running.delete(run);
      const exit = run.finished.finally(() => exiting.delete(exit));
      exiting.add(exit);
      progress();
    }
  }

  try {
    await Promise.all(Array.from({ length: Math.min(concurrency, items.length) }, () => lane()));
  } finally {
    signal?.removeEventListener('abort', onAbort);
    await Promise.all(exiting);
  }
  const notRun = items.length - answered - failed;
  const stoppedBy = notRun === 0 ? undefined : signal?.aborted ? 'signal' : 'budget';
  return { answered, failed, notRun, tokens, cost, ...(stoppedBy ? { stoppedBy } : {}) };
}
