// Runs the agent's jobs one at a time (prompts, resets) while cancel acts at once: each prompt gets an
// AbortController keyed by its turn number, whether it is running or still waiting its go.
import { logger } from '../log/logger.js';

const log = logger('agent.turns');

export class TurnQueue {
  #tail: Promise<void> = Promise.resolve();
  readonly #controllers = new Map<number, AbortController>();

  /** Queue a turn; `job` gets a signal aborted by cancel(turn) or cancelAll(). */
  enqueueTurn(turn: number, job: (signal: AbortSignal) => Promise<unknown>): void {
    const controller = new AbortController();
    this.#controllers.set(turn, controller);
    this.#chain(async () => {
      try {
        await job(controller.signal);
      } finally {
        if (this.#controllers.get(turn) === controller) this.#controllers.delete(turn);
      }
    });
  }

  /** Queue a job that is not a turn (reset). */
  enqueue(job: () => Promise<unknown>): void {
    this.#chain(job);
  }

  /** Abort turn `turn` (running or queued); false when there is no such turn. */
  cancel(turn: number, reason = 'canceled by the user'): boolean {
    const c = this.#controllers.get(turn);
    if (!c) return false;
    c.abort(reason);
    return true;
  }

  cancelAll(reason = 'stopping'): void {
    for (const c of this.#controllers.values()) c.abort(reason);
  }

  /** Settles when everything queued so far has finished. */
  idle(): Promise<void> {
    return this.#tail;
  }

  #chain(job: () => Promise<unknown>): void {
    this.#tail = this.#tail.then(job).then(
      () => undefined,
      (err: unknown) => log.error({ err }, 'agent job failed'),
    );
  }
}
