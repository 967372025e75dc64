// A shared table where isolate workers record when each call actually started (ms since an epoch), so
// the supervisor's hard deadline counts from the real start, not from queueing or a cold worker's boot.

export class StartTable {
  readonly buffer: SharedArrayBuffer;
  readonly epoch = Date.now();
  readonly #cells: Int32Array;
  readonly #free: number[];

  constructor(slots = 4096) {
    this.buffer = new SharedArrayBuffer(slots * 4);
    this.#cells = new Int32Array(this.buffer);
    this.#free = Array.from({ length: slots }, (_, i) => slots - 1 - i);
  }

  /** A cleared slot for one call, or -1 when every slot is in use (the call then times from submission). */
  acquire(): number {
    const slot = this.#free.pop();
    if (slot === undefined) return -1;
    Atomics.store(this.#cells, slot, 0);
    return slot;
  }

  release(slot: number): void {
    if (slot >= 0) this.#free.push(slot);
  }

  /** Epoch ms at which the call in `slot` started in a worker, or undefined while it has not. */
  startedAt(slot: number): number | undefined {
    if (slot < 0) return undefined;
    const v = Atomics.load(this.#cells, slot);
    return v === 0 ? undefined : this.epoch + v;
  }
}
