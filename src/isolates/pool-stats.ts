// Counters the isolate pool keeps: calls, results by error kind, worker replacements, spec resends, long calls.
// stats() returns a plain snapshot; the counters only ever grow.
import type { CallResult, IsolateErrorKind } from './types.js';

export interface PoolStats {
  readonly calls: number;
  readonly ok: number;
  readonly errors: Readonly<Partial<Record<IsolateErrorKind, number>>>;
  /** Workers terminated by the supervisor (deadline, cancellation) or that crashed, and replaced. */
  readonly workerReplacements: number;
  /** Workers replaced after a failed call left their WebAssembly heap above retireHeapBytes (memory given back). */
  readonly retiredForMemory: number;
  /** Remote module calls served over the host channel. */
  readonly hostCalls: number;
  /** Calls whose host-side handles the supervisor still holds (running calls that made host calls). */
  readonly hostOpenCalls: number;
  /** Host answers dropped because the worker had already given up waiting. */
  readonly staleHostAnswers: number;
  /** Tasks sent again with their spec because the worker lacked the spec named by key (a new worker, a new spec). */
  readonly specResends: number;
  /** Tools spare workers built warm contexts / chunks for in their warm-up, before taking calls. */
  readonly toolsPrepared: number;
  /** Calls waiting for a worker, over all levels, at the time of the snapshot. */
  readonly queued: number;
  /** Live worker threads over all levels. */
  readonly threads: number;
  /** Calls that ran past the long-call slice (longCallMs). */
  readonly longCalls: number;
  /** Of those, calls whose worker thread then ran at the lower priority (longCallNice; see cpu-share.ts). */
  readonly longCallsDemoted: number;
  /** Calls queued on a busy worker behind a fast call (IsolatePoolOptions.prefetch). */
  readonly prefetched: number;
  /** Of those, calls taken back before they started (the call ahead ran long or was stopped) and run elsewhere. */
  readonly prefetchWithdrawn: number;
  /** Whether long calls yield the CPU here (off: longCallNice 0, not Linux, or priorities cannot be restored). */
  readonly cpuShare: boolean;
}

export class PoolCounters {
  calls = 0;
  ok = 0;
  workerReplacements = 0;
  specResends = 0;
  toolsPrepared = 0;
  longCalls = 0;
  longCallsDemoted = 0;
  readonly errors: Partial<Record<IsolateErrorKind, number>> = {};

  record(result: CallResult): CallResult {
    if (result.status === 'ok') this.ok++;
    else this.errors[result.error.kind] = (this.errors[result.error.kind] ?? 0) + 1;
    return result;
  }
}
