// The supervisor's clock over calls in flight: one unref'd interval marks calls that run past the long-call
// slice (and later the hold mark), and aborts those past their hard stop, all from the real start in a worker.
import type { StartTable } from './pool-start-table.js';

export interface InFlightCall {
  /** Start-table slot of the call (-1: none, then the hard stop counts from submission). */
  readonly slot: number;
  readonly submitted: number;
  /** Hard stop, in ms after the call started in a worker. */
  readonly hardMs: number;
  /** Called once when the hard stop passes. */
  readonly onExpire: () => void;
  /** Called once when the call has run `longMs` in a worker (it stops holding back the calls behind it). */
  readonly onLong?: () => void;
  longSeen?: boolean;
  /** Called once when the call has run `holdMs` (it will likely hold its worker a while: worth a spare). */
  readonly onHolding?: () => void;
  holdSeen?: boolean;
}

/** A call never picked up by a worker is stopped after this many hard-stop periods since submission. */
const UNSTARTED_PERIODS = 3;

export class DeadlineSweeper {
  readonly #calls = new Set<InFlightCall>();
  readonly #starts: StartTable;
  readonly #intervalMs: number;
  #timer: NodeJS.Timeout | undefined;
  #idleTicks = 0;

  readonly #longMs: number;
  readonly #holdMs: number;

  /** `longMs`: the long-call slice (onLong); `holdMs`: the hold mark (onHolding); the sweep runs every intervalMs. */
  constructor(starts: StartTable, longMs = Infinity, intervalMs = 20, holdMs = Infinity) {
    this.#starts = starts;
    this.#longMs = longMs;
    this.#holdMs = Math.max(longMs, holdMs);
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
      } else if (startedAt !== undefined) {
        if (!call.longSeen && now >= startedAt + this.#longMs) {
          call.longSeen = true;
          call.onLong?.();
        }
        if (!call.holdSeen && now >= startedAt + this.#holdMs) {
          call.holdSeen = true;
          call.onHolding?.();
        }
      }
    }
  }
}
