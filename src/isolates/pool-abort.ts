// A minimal abort handle for one piscina task: piscina accepts any object with addEventListener/aborted,
// and a Node AbortController + EventTarget listener costs more than an empty task round trip.

export class TaskAbort {
  aborted = false;
  reason: unknown = undefined;
  #listener: (() => void) | undefined;

  addEventListener(_name: 'abort', listener: () => void): void {
    this.#listener = listener;
  }

  removeEventListener(_name: 'abort', listener: () => void): void {
    if (this.#listener === listener) this.#listener = undefined;
  }

  /** Abort once: piscina drops the task if queued, or terminates (and replaces) its worker if running. */
  abort(reason: unknown): void {
    if (this.aborted) return;
    this.aborted = true;
    this.reason = reason;
    const listener = this.#listener;
    this.#listener = undefined;
    listener?.();
  }
}
