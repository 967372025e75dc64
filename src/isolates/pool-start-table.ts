// A shared table where isolate workers record when each call actually started (ms since an epoch) and on
// which OS thread, so the hard deadline counts from the real start and a long call's thread can be found.
import { readlinkSync } from 'node:fs';

/** Int32 cells per slot: the start (ms since epoch, 0 while not started) and the OS thread id (0: unknown). */
const CELLS = 2;

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

  /** Epoch ms at which the call in `slot` started in a worker, or undefined while it has not. */
  startedAt(slot: number): number | undefined {
    if (slot < 0) return undefined;
    const v = Atomics.load(this.#cells, slot * CELLS);
    return v === 0 ? undefined : this.epoch + v;
  }

  /** The OS thread id (Linux tid) running the call in `slot`, or undefined when unknown or not started. */
  threadOf(slot: number): number | undefined {
    if (slot < 0) return undefined;
    const v = Atomics.load(this.#cells, slot * CELLS + 1);
    return v === 0 ? undefined : v;
  }
}

/** Worker side: mark the call in `slot` started at `started` (epoch ms) on OS thread `tid` (0: unknown). */
export function recordStart(cells: Int32Array, epoch: number, slot: number, started: number, tid: number): void {
  if (slot < 0) return;
  Atomics.store(cells, slot * CELLS + 1, tid);
  Atomics.store(cells, slot * CELLS, Math.max(1, started - epoch));
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
