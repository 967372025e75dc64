// A process's inbox: messages queue per process and are consumed by topic through async iterators.
// Unconsumed messages wait (bounded); closing ends every iterator.
import type { Pid } from './pid.js';

export interface Message {
  readonly from: Pid;
  readonly topic: string;
  readonly payload: unknown;
}

interface Waiter {
  topic: string | undefined;
  resolve: (r: IteratorResult<Message>) => void;
}

export interface MailboxOptions {
  /** Messages kept while nobody listens; the oldest are dropped past this (default 10,000). */
  readonly capacity?: number;
}

export class Mailbox {
  readonly #queue: Message[] = [];
  readonly #waiters: Waiter[] = [];
  readonly #capacity: number;
  #closed = false;
  #dropped = 0;

  constructor(options: MailboxOptions = {}) {
    this.#capacity = options.capacity ?? 10_000;
  }

  get closed(): boolean {
    return this.#closed;
  }

  /** Messages dropped because the queue was full. */
  get dropped(): number {
    return this.#dropped;
  }

  get size(): number {
    return this.#queue.length;
  }

  deliver(message: Message): boolean {
    if (this.#closed) return false;
    const i = this.#waiters.findIndex((w) => w.topic === undefined || w.topic === message.topic);
    if (i >= 0) {
      const [w] = this.#waiters.splice(i, 1);
      w!.resolve({ value: message, done: false });
      return true;
    }
    if (this.#queue.length >= this.#capacity) {
      this.#queue.shift();
      this.#dropped++;
    }
    this.#queue.push(message);
    return true;
  }

  /** Next message on `topic` (any topic when undefined); resolves done when the mailbox closes. */
  next(topic?: string, signal?: AbortSignal): Promise<IteratorResult<Message>> {
    const i = this.#queue.findIndex((m) => topic === undefined || m.topic === topic);
    if (i >= 0) {
      const [m] = this.#queue.splice(i, 1);
      return Promise.resolve({ value: m!, done: false });
    }
    if (this.#closed || signal?.aborted) return Promise.resolve({ value: undefined, done: true });
    return new Promise((resolve) => {
      const onAbort = (): void => {
        const at = this.#waiters.indexOf(waiter);
        if (at >= 0) this.#waiters.splice(at, 1);
        resolve({ value: undefined, done: true });
      };
      // The abort listener lives only while this waiter waits: a long-lived signal shared by many
      // receives must not collect one listener per message.
      const waiter: Waiter = {
        topic,
        resolve: (r) => {
          signal?.removeEventListener('abort', onAbort);
          resolve(r);
        },
      };
      this.#waiters.push(waiter);
      signal?.addEventListener('abort', onAbort, { once: true });
    });
  }

  /** Async iterator over messages on one topic (or all), ending when the mailbox closes or `signal` aborts. */
  listen(topic?: string, signal?: AbortSignal): AsyncIterableIterator<Message> {
    const self = this;
    return {
      [Symbol.asyncIterator]() {
        return this;
      },
      next() {
        return self.next(topic, signal);
      },
      return() {
        return Promise.resolve({ value: undefined, done: true });
      },
    };
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    for (const w of this.#waiters.splice(0)) w.resolve({ value: undefined, done: true });
  }
}
