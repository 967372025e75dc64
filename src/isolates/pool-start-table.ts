// A shared table where isolate workers record when each call actually started (ms since an epoch) and on
// which OS thread, so the hard deadline counts from the real start and a long call's thread can be found.
import { readlinkSync } from 'node:fs';

/**
 * Int32 cells per slot: the start (ms since epoch; 0 while not started; WITHDRAWN once the supervisor took
 * the call back before it started) and the OS thread id (0: unknown).
 */
const CELLS = 2;
const WITHDRAWN = -1;

export class StartTable {
  readonly buffer: SharedArrayBuffer;
  readonly epoch = Date.now();
  readonly #cells: Int32Array;
  readonly #free: number[];

  constructor(slots = 4096) {
    this.buffer = new SharedArrayBuffer(slots * CELLS * 4);
    this.#cells = new Int32Array(this.buffer);
    this.#free = Array.from({ length: slots }, (_, i) => slots - 1 - i);
  }

  /** A cleared slot for one call, or -1 when every slot is in use (the call then times from submission). */
  acquire(): number {
    const slot = this.#free.pop();
    if (slot === undefined) return -1;
    Atomics.store(this.#cells, slot * CELLS, 0);
    Atomics.store(this.#cells, slot * CELLS + 1, 0);
    return slot;
  }

  release(slot: number): void {
    if (slot >= 0) this.#free.push(slot);
  }

  /** Epoch ms at which the call in `slot` started in a worker, or undefined while it has not (or never will). */
  startedAt(slot: number): number | undefined {
    if (slot < 0) return undefined;
    const v = Atomics.load(this.#cells, slot * CELLS);
    return v <= 0 ? undefined : this.epoch + v;
  }

  /**
   * Take back the call in `slot` before a worker starts it: true when it had not started (the worker that
   * holds its task will skip it), false when it already had. The slot stays withdrawn until released.
   */
  withdraw(slot: number): boolean {
    if (slot < 0) return false;
    return Atomics.compareExchange(this.#cells, slot * CELLS, 0, WITHDRAWN) === 0;
  }

  /** The OS thread id (Linux tid) running the call in `slot`, or undefined when unknown or not started. */
  threadOf(slot: number): number | undefined {
    if (slot < 0) return undefined;
    const v = Atomics.load(this.#cells, slot * CELLS + 1);
    return v === 0 ? undefined : v;
  }
}

/**
 * Worker side: claim the call in `slot` as started at `started` (epoch ms) on OS thread `tid` (0: unknown).
 * False when the supervisor withdrew it first (see StartTable.withdraw): the worker must not run it.
 */
export function claimStart(cells: Int32Array, epoch: number, slot: number, started: number, tid: number): boolean {
  if (slot < 0) return true;
  Atomics.store(cells, slot * CELLS + 1, tid);
  return Atomics.compareExchange(cells, slot * CELLS, 0, Math.max(1, started - epoch)) === 0;
}

/**
 * The OS thread id of the calling thread (Linux: the tid behind /proc/thread-self), or 0 where the platform
 * has none to offer. Workers report it with each call start.
 */
export function osThreadId(): number {
  if (process.platform !== 'linux') return 0;
  try {
    const tid = Number(readlinkSync('/proc/thread-self').split('/').pop());
    return Number.isInteger(tid) && tid > 0 ? tid : 0;
  } catch {
    return 0;
  }
}
