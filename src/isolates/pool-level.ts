// One nesting level of the isolate pool: `size` core piscina workers, spare workers started only while calls
// run long, and the admission gate that picks where each call runs so short calls never wait behind long ones.
import { Piscina } from 'piscina';
import type { ResourceLimits } from 'node:worker_threads';
import type { TaskAbort } from './pool-abort.js';
import type { PoolTask, WorkerReply } from './pool-task.js';

export interface LevelConfig {
  /** Core workers (they run every call while no call runs long). */
  readonly size: number;
  /** Core workers kept alive when idle. */
  readonly minThreads: number;
  /** Spare workers this level may add while calls run long. */
  readonly spare: number;
  readonly idleTimeout: number;
  readonly spareIdleTimeout: number;
  readonly maxQueue: number;
  readonly workerFile: string;
  readonly workerData: unknown;
  readonly resourceLimits: ResourceLimits | undefined;
  /** A worker's parentPort message (host-channel requests). */
  readonly onMessage: (message: unknown) => void;
  /** A worker of this level exited (terminated, crashed or retired); `threadId` names it. */
  readonly onWorkerDestroy: (threadId: number) => void;
  readonly onError: (err: unknown) => void;
}

/** One call as the level sees it: where it runs, and whether it has run past the long-call slice. */
export interface LevelTicket {
  lane: 'new' | 'waiting' | 'core' | 'spare' | 'done';
  long: boolean;
  /** Set while waiting: wakes the call (true: admitted to `lane`; false: dropped before it ran). */
  wake?: (admitted: boolean) => void;
}

/** A call dropped from the gate before it ran (canceled, or its hard stop passed while it waited). */
export class DroppedWhileWaiting extends Error {
  constructor() {
    super('dropped while waiting for a worker');
  }
}

export function newTicket(): LevelTicket {
  return { lane: 'new', long: false };
}

type Pool = Piscina<PoolTask, WorkerReply>;

export class PoolLevel {
  readonly core: Pool;
  #spare: Pool | undefined;
  readonly #config: LevelConfig;
  /** Calls admitted and not finished, per lane; `#long` counts those past the slice, over both lanes. */
  #coreIn = 0;
  #spareIn = 0;
  #long = 0;
  /** Workers that finished booting (thread ids), per lane, and the warm-up pings running on spares. */
  readonly #coreReady = new Set<number>();
  readonly #spareReady = new Set<number>();
  #sparePings = 0;
  readonly #bootWaiters: (() => void)[] = [];
  readonly #waiting: LevelTicket[] = [];
  #closed = false;

  constructor(config: LevelConfig) {
    this.#config = config;
    this.core = this.#piscina(config.minThreads, config.size, config.idleTimeout);
    this.#track(this.core, this.#coreReady);
    // piscina marks the workers it starts with the pool as ready at once (they take tasks while booting).
    for (const worker of this.core.threads) this.#coreReady.add(worker.threadId);
  }

  #track(pool: Pool, ready: Set<number>): void {
    pool.on('workerCreate', (worker: { id: number }) => {
      ready.add(worker.id);
      this.#wakeBooted();
      this.#pump();
    });
    pool.on('workerDestroy', (worker: { id: number }) => {
      ready.delete(worker.id);
      this.#wakeBooted();
    });
  }

  /** Spare workers started and not yet ready (they burn CPU loading engines). */
  #sparesBooting(): number {
    return this.#spare ? this.#spare.threads.length - this.#spareReady.size : 0;
  }

  /** Resolves once no spare worker of this level is still booting. */
  whenBooted(): Promise<void> {
    if (this.#closed || this.#sparesBooting() <= 0) return Promise.resolve();
    return new Promise((resolve) => this.#bootWaiters.push(resolve));
  }

  #wakeBooted(): void {
    if (this.#bootWaiters.length === 0 || (!this.#closed && this.#sparesBooting() > 0)) return;
    for (const resolve of this.#bootWaiters.splice(0)) resolve();
  }

  #piscina(minThreads: number, maxThreads: number, idleTimeout: number): Pool {
    const c = this.#config;
    const pool: Pool = new Piscina<PoolTask, WorkerReply>({
      filename: c.workerFile,
      name: 'default',
      minThreads,
      maxThreads,
      idleTimeout,
      // The gate hands a piscina no more calls than it has workers: its own queue only covers booting workers,
      // so no call ever waits there behind a long one.
      maxQueue: Infinity,
      workerData: c.workerData,
      ...(c.resourceLimits ? { resourceLimits: c.resourceLimits } : {}),
    });
    // Host-channel requests arrive as the pool's 'message' event (a worker's parentPort.postMessage).
    pool.on('message', c.onMessage);
    pool.on('workerDestroy', (worker: { id: number }) => c.onWorkerDestroy(worker.id));
    pool.on('error', c.onError);
    return pool;
  }

  #spares(): Pool {
    if (!this.#spare) {
      this.#spare = this.#piscina(0, this.#config.spare, this.#config.spareIdleTimeout);
      this.#track(this.#spare, this.#spareReady);
    }
    return this.#spare;
  }

  /**
   * Admit the call now (true), or queue it behind earlier calls: the promise resolves true once a core or
   * spare worker may take it, false if it was dropped meanwhile. 'full' when the queue is at maxQueue.
   */
  admit(ticket: LevelTicket): true | 'full' | Promise<boolean> {
    if (this.#waiting.length === 0 && this.#place(ticket)) return true;
    if (this.#waiting.length >= this.#config.maxQueue) return 'full';
    ticket.lane = 'waiting';
    this.#waiting.push(ticket);
    return new Promise<boolean>((resolve) => {
      ticket.wake = resolve;
    });
  }

  /** Run an admitted call on the worker set its lane names. */
  run(ticket: LevelTicket, task: PoolTask, signal: TaskAbort): Promise<WorkerReply> {
    const pool = ticket.lane === 'spare' ? this.#spares() : this.core;
    return pool.run(task, { signal });
  }

  /** The call is over (whatever its end): free its place and let waiting calls in. */
  leave(ticket: LevelTicket): void {
    const lane = ticket.lane;
    ticket.lane = 'done';
    if (lane === 'waiting') {
      this.#unqueue(ticket);
      return;
    }
    if (lane !== 'core' && lane !== 'spare') return;
    if (lane === 'core') this.#coreIn--;
    else this.#spareIn--;
    if (ticket.long) this.#long--;
    this.#pump();
  }

  /** Drop a call still waiting for a worker; false when it already runs (the caller aborts it instead). */
  drop(ticket: LevelTicket): boolean {
    if (ticket.lane !== 'waiting') return false;
    ticket.lane = 'done';
    this.#unqueue(ticket);
    return true;
  }

  /** The call has run past the long-call slice: it no longer holds back the others. */
  markLong(ticket: LevelTicket): void {
    if (ticket.long || (ticket.lane !== 'core' && ticket.lane !== 'spare')) return;
    ticket.long = true;
    this.#long++;
    this.#warmSpares();
    this.#pump();
  }

  get queued(): number {
    return this.#waiting.length + this.core.queueSize + (this.#spare?.queueSize ?? 0);
  }

  get threads(): number {
    return this.core.threads.length + (this.#spare?.threads.length ?? 0);
  }

  async close(): Promise<void> {
    this.#closed = true;
    this.#wakeBooted();
    for (const ticket of this.#waiting.splice(0)) {
      ticket.lane = 'done';
      ticket.wake?.(false);
    }
    await Promise.all([this.core.destroy(), this.#spare?.destroy()]);
  }

  #unqueue(ticket: LevelTicket): void {
    const at = this.#waiting.indexOf(ticket);
    if (at >= 0) this.#waiting.splice(at, 1);
    ticket.wake?.(false);
    ticket.wake = undefined;
  }

  /**
   * Give the call a lane if one has room: an idle core worker; else an idle booted spare while calls run
   * long or a core worker is being replaced; else, while the core has fewer threads than `size`, a core
   * place (piscina starts a worker for it). Otherwise the call waits here, free to take whichever worker
   * frees or boots first: never in a piscina queue behind a long call.
   */
  #place(ticket: LevelTicket): boolean {
    const c = this.#config;
    const coreRoom = this.#coreIn < c.size;
    if (coreRoom && this.#coreReady.size > this.#coreIn) return this.#enter(ticket, 'core');
    const coreBooting = this.core.threads.length - this.#coreReady.size;
    if (this.#spareIn < Math.min(c.spare, this.#long + coreBooting) && this.#spareIdle() > 0) return this.#enter(ticket, 'spare');
    return coreRoom && this.core.threads.length < c.size && this.#enter(ticket, 'core');
  }

  #enter(ticket: LevelTicket, lane: 'core' | 'spare'): true {
    ticket.lane = lane;
    if (lane === 'core') this.#coreIn++;
    else this.#spareIn++;
    return true;
  }

  #spareIdle(): number {
    return this.#spareReady.size - this.#spareIn - this.#sparePings;
  }

  #pump(): void {
    while (this.#waiting.length > 0 && !this.#closed) {
      const ticket = this.#waiting[0]!;
      if (!this.#place(ticket)) return;
      this.#waiting.shift();
      const wake = ticket.wake;
      ticket.wake = undefined;
      wake?.(true);
    }
  }

  /**
   * While calls run long, keep one spare worker booted beyond those in use (up to `spare`), so a short
   * call finds a warm worker instead of paying a boot. A ping makes piscina start a worker when every
   * spare is busy; idle spares exit after spareIdleTimeout.
   */
  #warmSpares(): void {
    const c = this.#config;
    if (this.#closed || c.spare === 0 || this.#spareIdle() > 0) return;
    const spare = this.#spares();
    // Workers still booting count as threads: each ping below starts one more (no spare is idle).
    const missing = Math.min(c.spare, this.#long + 1) - spare.threads.length;
    for (let i = 0; i < missing; i++) {
      this.#sparePings++;
      spare.run({ op: 'ping' }).then(
        () => this.#pingDone(),
        () => this.#pingDone(),
      );
    }
  }

  #pingDone(): void {
    this.#sparePings--;
    this.#pump();
  }
}
