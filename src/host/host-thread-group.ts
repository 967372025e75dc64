// The supervisor's side of shared placement: a small group of process host threads, started lazily (or all
// at once by warm()), each running many processes; messages to and from them are checked against their schemas here.
import { Worker } from 'node:worker_threads';
import {
  FromHostThreadGuard,
  ToHostThreadGuard,
  type FromHostThread,
  type ToHostThread,
} from '../../schemas/messages/process.js';
import { logger } from '../log/logger.js';
import type { Pid } from './pid.js';

export interface HostThreadGroupOptions {
  /** Most threads (they start one by one as processes arrive, or all at once with warm()). */
  readonly size: number;
  /** The compiled host thread entry (workers/process-host-thread.js). */
  readonly script: string;
  /** A validated message about one process on one of the threads. */
  readonly onMessage: (thread: HostThread, msg: Exclude<FromHostThread, { type: 'preloaded' }>) => void;
  /** A message that failed its schema (the raw value is handed on so the host can name the process). */
  readonly onInvalid: (thread: HostThread, raw: unknown) => void;
  /** The thread died on its own (not terminated by the group): every process on it is gone. */
  readonly onDeath: (thread: HostThread, message: string) => void;
}

const log = logger('host.threads');

/** One process host thread: its worker, the pids it runs, and its pending preloads. */
export class HostThread {
  readonly pids = new Set<Pid>();
  readonly #worker: Worker;
  readonly #preloads = new Map<string, Array<() => void>>();
  #dead = false;

  constructor(readonly id: number, worker: Worker) {
    this.#worker = worker;
    worker.unref();
  }

  get dead(): boolean {
    return this.#dead;
  }

  /** Validate and post; throws when the message is malformed or cannot be cloned (e.g. a function in args). */
  post(msg: ToHostThread): void {
    this.#worker.postMessage(ToHostThreadGuard.parse(msg));
  }

  add(pid: Pid): void {
    this.pids.add(pid);
    this.#refresh();
  }

  remove(pid: Pid): void {
    if (this.pids.delete(pid)) this.#refresh();
  }

  /** Import `module` on the thread; resolves when it is loaded, failed, or the thread died. */
  preload(module: string): Promise<void> {
    return new Promise((resolve) => {
      if (this.#dead) return resolve();
      const waiting = this.#preloads.get(module);
      if (waiting) return waiting.push(resolve);
      this.#preloads.set(module, [resolve]);
      this.#refresh();
      this.post({ type: 'preload', module });
    });
  }

  preloaded(module: string, error?: string): void {
    if (error) log.warn({ thread: this.id, module, error }, 'a process module failed to preload');
    const waiting = this.#preloads.get(module) ?? [];
    this.#preloads.delete(module);
    this.#refresh();
    for (const resolve of waiting) resolve();
  }

  /** Mark dead; releases warm() waiters. */
  died(): void {
    this.#dead = true;
    for (const waiting of this.#preloads.values()) for (const resolve of waiting) resolve();
    this.#preloads.clear();
  }

  terminate(): Promise<number> {
    this.#dead = true;
    return this.#worker.terminate();
  }

  /** A busy thread keeps the supervisor's event loop alive; an idle one does not. */
  #refresh(): void {
    if (this.pids.size > 0 || this.#preloads.size > 0) this.#worker.ref();
    else this.#worker.unref();
  }
}

export class HostThreadGroup {
  readonly #options: HostThreadGroupOptions;
  readonly #threads: HostThread[] = [];
  #nextId = 1;
  #terminating = false;

  constructor(options: HostThreadGroupOptions) {
    if (!Number.isInteger(options.size) || options.size < 1) throw new Error(`host threads must be a positive integer, got ${options.size}`);
    this.#options = options;
  }

  /** Threads running now. */
  get size(): number {
    return this.#threads.length;
  }

  /** The thread for a new process: an idle one, else a new one while below size, else the least loaded. */
  pick(): HostThread {
    let best: HostThread | undefined;
    for (const t of this.#threads) if (!best || t.pids.size < best.pids.size) best = t;
    if (best && (best.pids.size === 0 || this.#threads.length >= this.#options.size)) return best;
    return this.#start();
  }

  /** Start every thread now and import `modules` on each; resolves when all are loaded (failures are logged). */
  async warm(modules: readonly string[] = []): Promise<void> {
    while (this.#threads.length < this.#options.size) this.#start();
    await Promise.all(this.#threads.flatMap((t) => modules.map((m) => t.preload(m))));
  }

  /** Terminate every thread (the host has already finished their processes). */
  async terminate(): Promise<void> {
    this.#terminating = true;
    const threads = this.#threads.splice(0);
    await Promise.all(threads.map((t) => t.terminate()));
  }

  #start(): HostThread {
    if (this.#terminating) throw new Error('process host threads are shutting down');
    const worker = new Worker(this.#options.script);
    const thread = new HostThread(this.#nextId++, worker);
    this.#threads.push(thread);
    let reported = false;
    const death = (message: string): void => {
      if (reported) return;
      reported = true;
      const i = this.#threads.indexOf(thread);
      if (i >= 0) this.#threads.splice(i, 1);
      const expected = thread.dead;
      thread.died();
      if (expected || this.#terminating) return;
      log.error({ thread: thread.id, processes: thread.pids.size, message }, 'a process host thread died');
      this.#options.onDeath(thread, message);
    };
    worker.on('message', (raw: unknown) => {
      const parsed = FromHostThreadGuard.safeParse(raw);
      if (!parsed.success) return this.#options.onInvalid(thread, raw);
      const msg = parsed.data;
      if (msg.type === 'preloaded') thread.preloaded(msg.module, msg.error);
      else this.#options.onMessage(thread, msg);
    });
    worker.on('error', (err) => death(err.message));
    worker.on('exit', (code) => death(`the thread exited with code ${code}`));
    return thread;
  }
}
