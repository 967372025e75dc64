// The supervisor's hard deadlines: one unref'd interval sweeps the calls in flight and aborts those past
// their hard stop (counted from the real start in a worker), instead of a timer per call on the hot path.
import type { StartTable } from './pool-start-table.js';

export interface InFlightCall {
  /** Start-table slot of the call (-1: none, then the hard stop counts from submission). */
  readonly slot: number;
  readonly submitted: number;
  /** Hard stop, in ms after the call started in a worker. */
  readonly hardMs: number;
  /** Called once when the hard stop passes. */
  readonly onExpire: () => void;
}

/** A call never picked up by a worker is stopped after this many hard-stop periods since submission. */
const UNSTARTED_PERIODS = 3;

export class DeadlineSweeper {
  readonly #calls = new Set<InFlightCall>();
  readonly #starts: StartTable;
  readonly #intervalMs: number;
  #timer: NodeJS.Timeout | undefined;
  #idleTicks = 0;

  constructor(starts: StartTable, intervalMs = 20) {
    this.#starts = starts;
    this.#intervalMs = intervalMs;
  }

  add(call: InFlightCall): void {
    this.#calls.add(call);
    if (!this.#timer) {
      this.#timer = setInterval(() => this.#sweep(), this.#intervalMs);
      this.#timer.unref();
    }
  }

  delete(call: InFlightCall): void {
    this.#calls.delete(call);
  }

  stop(): void {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = undefined;
  }

  #sweep(): void {
    if (this.#calls.size === 0) {
      // Stay armed briefly across gaps between calls, then stop until the next add().
      if (++this.#idleTicks > 50) this.stop();
      return;
    }
    this.#idleTicks = 0;
    const now = Date.now();
    for (const call of this.#calls) {
      const startedAt = this.#starts.startedAt(call.slot);
      const expired =
        startedAt !== undefined ? now >= startedAt + call.hardMs : now >= call.submitted + call.hardMs * UNSTARTED_PERIODS;
      if (expired) {
        this.#calls.delete(call);
        call.onExpire();
      }
    }
  }
}
