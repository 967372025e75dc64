// When and how long to wait before retrying a failed LLM request: exponential backoff with jitter,
// Retry-After honoured, bounded by attempts and a total wait budget. The provider calls it only before the first streamed byte.
import type { LlmError } from '../../schemas/llm-messages.js';

export interface RetryOptions {
  /** Total attempts including the first (default 4; 1 disables retries). */
  readonly maxAttempts: number;
  /** Delay before the first retry (default 500 ms); doubled for each further retry. */
  readonly baseDelayMs: number;
  /** Cap on one computed backoff delay (default 30 000 ms). */
  readonly maxDelayMs: number;
  /** Cap on the total time spent waiting between attempts (default 60 000 ms); a longer Retry-After gives up. */
  readonly budgetMs: number;
  /** Fraction of each backoff that is randomised (default 0.5: the delay falls in [d/2, d]). */
  readonly jitter: number;
  /** Source of randomness in [0,1) (default Math.random). */
  readonly random: () => number;
  /** How to wait (default a timer that the AbortSignal interrupts); tests pass a recorder. */
  readonly sleep: (ms: number, signal?: AbortSignal) => Promise<void>;
}

export const DEFAULT_RETRY: RetryOptions = Object.freeze({
  maxAttempts: 4,
  baseDelayMs: 500,
  maxDelayMs: 30_000,
  budgetMs: 60_000,
  jitter: 0.5,
  random: Math.random,
  sleep: abortableSleep,
});

export function retryOptions(partial: Partial<RetryOptions> = {}): RetryOptions {
  const o = { ...DEFAULT_RETRY, ...partial };
  if (!(o.maxAttempts >= 1)) throw new RangeError(`retry.maxAttempts must be >= 1, got ${o.maxAttempts}`);
  if (!(o.jitter >= 0 && o.jitter <= 1)) throw new RangeError(`retry.jitter must be within 0..1, got ${o.jitter}`);
  return o;
}

/** Backoff before retry number `retry` (1 = first retry), jittered, without Retry-After. */
export function backoffDelay(retry: number, o: RetryOptions): number {
  const full = Math.min(o.maxDelayMs, o.baseDelayMs * 2 ** (retry - 1));
  return Math.round(full * (1 - o.jitter * o.random()));
}

export type RetryDecision =
  | { readonly retry: true; readonly delayMs: number }
  | { readonly retry: false; readonly reason: 'not_retryable' | 'attempts_exhausted' | 'budget_exhausted' | 'stream_started' };

export interface RetryState {
  /** Attempts made so far (>= 1). */
  readonly attempts: number;
  /** Time already spent waiting between attempts. */
  readonly waitedMs: number;
  /** Stream chunks received by the failed attempt. */
  readonly chunksReceived: number;
}

/** Decide whether the failed attempt is retried and after how long. */
export function decideRetry(error: LlmError, retryAfterMs: number | undefined, state: RetryState, o: RetryOptions): RetryDecision {
  if (state.chunksReceived > 0) return { retry: false, reason: 'stream_started' };
  if (!error.retryable) return { retry: false, reason: 'not_retryable' };
  if (state.attempts >= o.maxAttempts) return { retry: false, reason: 'attempts_exhausted' };
  const delayMs = retryAfterMs !== undefined ? Math.ceil(retryAfterMs) : backoffDelay(state.attempts, o);
  if (state.waitedMs + delayMs > o.budgetMs) return { retry: false, reason: 'budget_exhausted' };
  return { retry: true, delayMs };
}

/** Resolves after `ms`, or early (without throwing) when the signal aborts. */
export function abortableSleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const t = setTimeout(done, ms);
    function done(): void {
      clearTimeout(t);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });
}
