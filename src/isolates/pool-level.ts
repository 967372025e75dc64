// One nesting level of the isolate pool: `size` core piscina workers, spare workers started only while calls
// run long, and the admission gate that picks where each call runs so short calls never wait behind long ones.
import { Piscina } from 'piscina';
import type { ResourceLimits } from 'node:worker_threads';
import type { TaskAbort } from './pool-abort.js';
import type { PoolTask, WorkerReply } from './pool-task.js';
import { joinChain, longestChainTail, promoteNext, queuedBehind, shortestChainTail, unlinkQueued } from './pool-prefetch-chain.js';
import { RecentTools } from './pool-recent-tools.js';
import { TASK_TOOLS, WarmFirstBalancer, type CallRoute } from './pool-warm-balancer.js';
import type { ToolSpec } from './types.js';
import { PreparedSchema } from '../../schemas/messages/isolate.js';

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
  /** Recent tools a spare's boot warm-up prepares before it takes calls (0: a bare ping; lulls top up the rest). */
  readonly warmTools: number;
  /** Queue calls behind running fast ones when every core worker is busy (IsolatePoolOptions.prefetch). */
  readonly prefetch: boolean;
  /** Calls queued on one worker behind its running call at most (IsolatePoolOptions.prefetchDepth). */
  readonly prefetchDepth: number;
  /** A tool counts as fast below this run time (ms). */
  readonly prefetchFastMs: number;
  /** Take back the call in a start-table slot before a worker starts it (StartTable.withdraw). */
  readonly withdraw: (slot: number) => boolean;
  /** A spare's warm-up answered: it built something for `count` tools. */
  readonly onPrepared: (count: number) => void;
  /** A worker's parentPort message (host-channel requests). */
  readonly onMessage: (message: unknown) => void;
  /** A worker of this level exited (terminated, crashed or retired); `threadId` names it. */
  readonly onWorkerDestroy: (threadId: number) => void;
  readonly onError: (err: unknown) => void;
}

/**
 * One call as the level sees it: where it runs, and whether it has run past the long-call slice. Lane
 * 'prefetch': sent to a busy core worker, queued there behind `behind` (it becomes 'core' when that ends).
 */
export interface LevelTicket {
  lane: 'new' | 'waiting' | 'core' | 'prefetch' | 'spare' | 'done';
  long: boolean;
  /** Past the hold mark (spareBootMs): spares are booted ahead of need for it. */
  holding: boolean;
  /** Set while waiting: wakes the call (true: admitted to `lane`; false: dropped before it ran). */
  wake?: (admitted: boolean) => void;
  /** The call's spec key ('' when it has none to route by). */
  readonly key: string;
  /** The call's start-table slot (-1: none; such a call is never prefetched, it could not be taken back). */
  readonly slot: number;
  /** The worker (thread id) its task was given to. */
  worker?: number;
  /** While prefetched: the call it is queued behind (the running one, or one prefetched before it). */
  behind?: LevelTicket;
  /** The call prefetched behind this one (a chain of at most prefetchDepth behind a running call). */
  next?: LevelTicket;
  /**
   * While a prefetched call's run is pending: ends that run as a Withdrawal carrying the task already sent
   * (the pool admits the call again, and frees its old slot only once that task is done with).
   */
  withdrawn?: () => void;
}

/** A prefetched call's run ended because the level took it back before it started; `stale` is its old task. */
export class Withdrawal {
  constructor(readonly stale: Promise<unknown>) {}
}

/** A call dropped from the gate before it ran (canceled, or its hard stop passed while it waited). */
export class DroppedWhileWaiting extends Error {
  constructor() {
    super('dropped while waiting for a worker');
  }
}

/** Whether the call's task went to a worker (running there, or prefetched onto one): the lanes the marks count. */
function onWorker(ticket: LevelTicket): boolean {
  return ticket.lane === 'core' || ticket.lane === 'spare' || ticket.lane === 'prefetch';
}

/** Tools remembered for their speed (prefetch decisions); the map starts over past this. */
const MAX_SPEED_KEYS = 4096;

type Pool = Piscina<PoolTask, WorkerReply>;

/** Recent tools a level remembers for warm-ups: as many as a QuickJS engine keeps warm contexts (8). */
const RECENT_TOOLS = 8;
/**
 * Idle-time warm-ups (top-ups) prepare only tools that ended ok this often. Why: a tool just created and
 * called once or twice (the agent's create -> load -> call) made every other worker prepare it in the gaps
 * between the next calls, which then waited for those prepares (measured: create -> load -> first call
 * 7 ms with no spare workers, 12-17 ms with them).
 */
export const HOT_CALLS = 3;

export class PoolLevel {
  readonly core: Pool;
  #spare: Pool | undefined;
  readonly #config: LevelConfig;
  /** Calls admitted and not finished, per lane; `#long` counts those past the slice, over both lanes. */
  #coreIn = 0;
  #spareIn = 0;
  #long = 0;
  /** Calls past the hold mark, over both lanes: what spare boots ahead of need are sized by. */
  #holding = 0;
  /** Workers that finished booting (thread ids), per lane, and the warm-up pings running on spares. */
  readonly #coreReady = new Set<number>();
  readonly #spareReady = new Set<number>();
  #sparePings = 0;
  readonly #bootWaiters: (() => void)[] = [];
  readonly #waiting: LevelTicket[] = [];
  readonly #recent: RecentTools;
  /** Per worker set (core, spare): its balancer (which worker was given which tool) and its ready workers. */
  readonly #lanes = new Map<Pool, { readonly balancer: WarmFirstBalancer; readonly ready: Set<number> }>();
  /** Top-up prepares running (idle-time warm-ups of workers that lack recent tools). */
  #topUps = 0;
  /** Calls running on core workers (prefetch candidates). */
  readonly #coreRunning = new Set<LevelTicket>();
  /** Per spec key: ok calls seen and a decaying max of their run time (ms): which tools are fast. */
  readonly #speed = new Map<string, { ok: number; slow: number }>();
  /** Calls prefetched, and those taken back before they started (PoolStats). */
  prefetched = 0;
  withdrawals = 0;
  /** Workers ended because their WebAssembly heap grew past retireHeapBytes (PoolStats). */
  retiredForMemory = 0;
  #closed = false;

  constructor(config: LevelConfig) {
    this.#config = config;
    this.#recent = new RecentTools(RECENT_TOOLS);
    this.core = this.#piscina(config.minThreads, config.size, config.idleTimeout, this.#coreReady);
    // piscina marks the workers it starts with the pool as ready at once (they take tasks while booting).
    for (const worker of this.core.threads) this.#coreReady.add(worker.threadId);
  }

  #track(pool: Pool, ready: Set<number>): void {
    pool.on('workerCreate', (worker: { id: number }) => {
      const fresh = !ready.has(worker.id);
      ready.add(worker.id);
      if (fresh && pool === this.core) this.#prepareCore();
      this.#wakeBooted();
      this.#pump();
    });
    pool.on('workerDestroy', (worker: { id: number }) => {
      ready.delete(worker.id);
      this.#wakeBooted();
    });
  }

  /** Spare workers started and not yet ready (they burn CPU loading engines), and warm-ups still running. */
  #sparesBooting(): number {
    return (this.#spare ? this.#spare.threads.length - this.#spareReady.size : 0) + this.#topUps + this.#sparePings;
  }

  /** Resolves once no spare worker of this level is still booting and no warm-up (prepare) runs. */
  whenBooted(): Promise<void> {
    if (this.#closed || this.#sparesBooting() <= 0) return Promise.resolve();
    return new Promise((resolve) => this.#bootWaiters.push(resolve));
  }

  #wakeBooted(): void {
    if (this.#bootWaiters.length === 0 || (!this.#closed && this.#sparesBooting() > 0)) return;
    for (const resolve of this.#bootWaiters.splice(0)) resolve();
  }

  /** A piscina for one lane (core or spare) whose ready workers are tracked in `ready`. */
  #piscina(minThreads: number, maxThreads: number, idleTimeout: number, ready: Set<number>): Pool {
    const c = this.#config;
    const balancer = new WarmFirstBalancer();
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
      // piscina loads the worker file with require() first; on Node 20.19+ that is require(esm), which
      // under load (a worker stopped while it loaded) hit a V8 fatal error (IsGraphAsync on a module not
      // instantiated) that took the whole supervisor down. Without it, piscina falls back to import().
      execArgv: [...process.execArgv, '--no-experimental-require-module'],
      loadBalancer: balancer.balance,
      ...(c.resourceLimits ? { resourceLimits: c.resourceLimits } : {}),
    });
    // Host-channel requests arrive as the pool's 'message' event (a worker's parentPort.postMessage).
    pool.on('message', c.onMessage);
    pool.on('workerDestroy', (worker: { id: number }) => {
      balancer.forget(worker.id);
      c.onWorkerDestroy(worker.id);
    });
    // Closing terminates workers whose last answers may still be on the way: piscina then reports them as
    // unexpected messages; nothing waits for them any more.
    pool.on('error', (err: unknown) => {
      if (!this.#closed) c.onError(err);
    });
    this.#lanes.set(pool, { balancer, ready });
    this.#track(pool, ready);
    return pool;
  }

  #balancer(pool: Pool): WarmFirstBalancer {
    return this.#lanes.get(pool)!.balancer;
  }

  #spares(): Pool {
    if (!this.#spare) {
      this.#spare = this.#piscina(0, this.#config.spare, this.#config.spareIdleTimeout, this.#spareReady);
    }
    return this.#spare;
  }

  /**
   * Admit the call now (true), or queue it behind earlier calls: the promise resolves true once a core or
   * spare worker may take it, false if it was dropped meanwhile. 'full' when the queue is at maxQueue.
   */
  admit(ticket: LevelTicket, front = false): true | 'full' | Promise<boolean> {
    if (this.#waiting.length === 0 && this.#place(ticket)) return true;
    if (!front && this.#waiting.length >= this.#config.maxQueue) return 'full';
    ticket.lane = 'waiting';
    // A call taken back from a prefetch waited already: it goes first.
    if (front) this.#waiting.unshift(ticket);
    else this.#waiting.push(ticket);
    // Waiting behind long calls is a real need for a spare, whatever the hold mark says.
    if (this.#long > 0) this.#warmSpares();
    return new Promise<boolean>((resolve) => {
      ticket.wake = resolve;
    });
  }

  /**
   * Run an admitted call on the worker set its lane names (a prefetched one on the worker it waits on).
   * A prefetched call resolves as a Withdrawal when the level takes it back before it started, or when its
   * worker died before starting it: the pool then admits it again.
   */
  run(ticket: LevelTicket, task: PoolTask, signal: TaskAbort): Promise<WorkerReply | Withdrawal> {
    // Taken back between its admission and this run (nothing was sent: its slot is free at once).
    if (ticket.lane === 'new') return Promise.resolve(new Withdrawal(Promise.resolve()));
    const pool = ticket.lane === 'spare' ? this.#spares() : this.core;
    const behind = ticket.lane === 'prefetch' ? ticket.behind?.worker : undefined;
    const route: CallRoute = behind !== undefined ? { key: ticket.key, behind } : { key: ticket.key };
    (task as unknown as Record<symbol, unknown>)[TASK_TOOLS] = route;
    const sent = pool.run(task, { signal });
    ticket.worker = route.worker;
    if (ticket.lane !== 'prefetch') return sent;
    return new Promise<WorkerReply | Withdrawal>((resolve, reject) => {
      // The old task may still reach its worker (which then skips it): the Withdrawal carries it, so the
      // call's old slot is freed only once that task is done with (a reused slot could be claimed by it).
      ticket.withdrawn = () => resolve(new Withdrawal(sent));
      sent.then(
        (reply) => {
          ticket.withdrawn = undefined;
          resolve(reply);
        },
        (err: unknown) => {
          // Its worker died (the call ahead crashed it, or was stopped) before this one started.
          if (ticket.withdrawn && this.takeBack(ticket)) return;
          ticket.withdrawn = undefined;
          reject(err);
        },
      );
    });
  }

  /**
   * Worker `id` asked to be replaced (its WebAssembly heap grew past retireHeapBytes; it starts nothing
   * more): it gets no task again, no longer counts as a free worker, and is ended now (piscina starts a
   * core worker in its place). A call queued on it comes back withdrawn, or is taken back when it ends (as
   * behind a call stopped at its deadline), and runs elsewhere. A worker already gone needs nothing.
   */
  retireWorker(id: number): void {
    for (const [pool, lane] of this.#lanes) {
      const worker = pool.threads.find((w) => w.threadId === id);
      if (!worker) continue;
      lane.balancer.retire(id);
      lane.ready.delete(id);
      this.retiredForMemory++;
      void worker.terminate();
      return;
    }
  }

  /**
   * Take back a prefetched call its worker has not started (it runs elsewhere: its pending run resolves as
   * a Withdrawal); false when it is not prefetched or already started.
   */
  takeBack(ticket: LevelTicket): boolean {
    if (ticket.lane !== 'prefetch' || !this.#config.withdraw(ticket.slot)) return false;
    unlinkQueued(ticket);
    ticket.lane = 'new';
    this.withdrawals++;
    const withdrawn = ticket.withdrawn;
    ticket.withdrawn = undefined;
    withdrawn?.();
    this.#pump();
    return true;
  }

  /**
   * The call (about to be stopped, which ends its worker, or running long) gives back the calls prefetched
   * behind it, the last first (a call its worker already started stays: it runs there).
   */
  releaseNext(ticket: LevelTicket): void {
    const chain = queuedBehind(ticket);
    for (let i = chain.length - 1; i >= 0; i--) this.takeBack(chain[i]!);
  }

  /** The call is over (whatever its end): free its place and let waiting calls in. */
  leave(ticket: LevelTicket): void {
    const lane = ticket.lane;
    ticket.lane = 'done';
    if (lane === 'waiting') {
      this.#unqueue(ticket);
      return;
    }
    if (lane === 'prefetch') {
      unlinkQueued(ticket);
      this.#pump();
      return;
    }
    if (lane !== 'core' && lane !== 'spare') return;
    if (lane === 'core') {
      this.#coreIn--;
      this.#coreRunning.delete(ticket);
    } else this.#spareIn--;
    if (ticket.long) this.#long--;
    if (ticket.holding) this.#holding--;
    // The call prefetched behind this one runs on that worker now (those behind it stay queued behind it).
    const next = promoteNext(ticket);
    if (next) {
      next.worker ??= ticket.worker;
      this.#enter(next, 'core');
      // Marked while it ran as prefetched: counted now, as any core call past those marks.
      const { long, holding } = next;
      next.long = next.holding = false;
      if (long) this.markLong(next);
      if (holding) this.markHolding(next);
    }
    this.#pump();
    if (!next && lane === 'core') this.#steal();
  }

  /**
   * A core worker went idle with no call waiting at the gate: take back the last call of the longest chain
   * queued on another worker (two or more behind its running call), so it runs here now rather than after
   * the calls ahead of it there.
   */
  #steal(): void {
    if (this.#waiting.length > 0 || this.#coreIn >= this.#config.size || this.#coreReady.size <= this.#coreIn) return;
    const tail = longestChainTail(this.#coreRunning, 2);
    if (tail) this.takeBack(tail);
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
    if (ticket.long || !onWorker(ticket)) return;
    ticket.long = true;
    // Started on its worker before the call ahead's end reached the gate: counted when it takes over.
    if (ticket.lane === 'prefetch') return;
    this.#long++;
    // A call queued behind this one must not wait for it: it runs elsewhere.
    this.releaseNext(ticket);
    if (this.#waiting.length > 0) this.#warmSpares();
    this.#pump();
  }

  /** The call has run past the hold mark: boot spares ahead of need for it (see spareBootMs). */
  markHolding(ticket: LevelTicket): void {
    if (ticket.holding || !onWorker(ticket)) return;
    ticket.holding = true;
    if (ticket.lane === 'prefetch') return;
    this.#holding++;
    this.#warmSpares();
    this.#pump();
  }

  /** A call of this tool ended ok after `ms` in its engine: a new worker's warm-up should prepare it. */
  noteTool(key: string, spec: ToolSpec, ms: number): void {
    this.#recent.note(key, spec);
    let speed = this.#speed.get(key);
    if (!speed) {
      if (this.#speed.size >= MAX_SPEED_KEYS) this.#speed.clear();
      this.#speed.set(key, (speed = { ok: 0, slow: 0 }));
    }
    speed.ok++;
    speed.slow = Math.max(ms, speed.slow * 0.8);
  }

  /** A call of this tool failed: it is no longer trusted to be fast. */
  noteFailure(key: string): void {
    this.#speed.delete(key);
  }

  #fast(key: string): boolean {
    const speed = this.#speed.get(key);
    return speed !== undefined && speed.ok >= HOT_CALLS && speed.slow < this.#config.prefetchFastMs;
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
    if (coreRoom && this.core.threads.length < c.size) return this.#enter(ticket, 'core');
    return this.#prefetch(ticket);
  }

  /**
   * Every core worker is busy: queue the call on one that already holds this call's spec, whose running
   * call has not run long, with fewer than prefetchDepth calls queued behind it, all of tools known to be
   * fast; the shortest such queue.
   */
  #prefetch(ticket: LevelTicket): boolean {
    const c = this.#config;
    if (!c.prefetch || ticket.slot < 0 || ticket.key === '') return false;
    const balancer = this.#balancer(this.core);
    const tail = shortestChainTail(
      this.#coreRunning,
      c.prefetchDepth,
      (running) => !running.long && running.worker !== undefined && this.#fast(running.key) && balancer.knows(running.worker, ticket.key),
      (key) => this.#fast(key),
    );
    if (!tail) return false;
    joinChain(tail, ticket);
    this.prefetched++;
    return true;
  }

  #enter(ticket: LevelTicket, lane: 'core' | 'spare'): true {
    ticket.lane = lane;
    if (lane === 'core') {
      this.#coreIn++;
      this.#coreRunning.add(ticket);
    } else this.#spareIn++;
    return true;
  }

  /** A booted core worker has no call, or the core is below `size` (piscina starts a worker for the next). */
  #coreCanTakeOne(): boolean {
    return this.#coreReady.size > this.#coreIn || this.core.threads.length < this.#config.size;
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
    this.#topUp();
  }

  /**
   * In a lull (no call waits, and every booted worker of a set is idle, so the prepare goes to the worker it
   * names): warm one worker that lacks some recent tools (a core worker the warm-up calls missed, a spare
   * pinged before any tool was known, a replaced worker), at most 2 tools per task so a call arriving
   * meanwhile waits for at most 2 context builds. It holds a place like a call; on its end the pump runs
   * again and tops up the next worker.
   */
  #topUp(): void {
    if (this.#closed || this.#waiting.length > 0 || this.#recent.size === 0 || this.#topUps > 0) return;
    const keys = this.#recent.keys(HOT_CALLS);
    if (keys.length === 0) return;
    let pool: Pool | undefined;
    let lane: 'core' | 'spare' = 'core';
    let need = this.#coreIn === 0 && this.core.queueSize === 0 ? this.#balancer(this.core).lacking(this.#coreReady, keys) : undefined;
    if (need) pool = this.core;
    else if (this.#spare && this.#spareIn === 0 && this.#sparePings === 0 && this.#spare.queueSize === 0) {
      need = this.#balancer(this.#spare).lacking(this.#spareReady, keys);
      if (need) {
        pool = this.#spare;
        lane = 'spare';
      }
    }
    if (!pool || !need) return;
    const tools = this.#recent.pick(need.keys.slice(0, 2));
    if (tools.length === 0) return;
    this.#topUps++;
    if (lane === 'core') this.#coreIn++;
    else this.#spareIn++;
    const done = (reply: WorkerReply): void => {
      this.#topUps--;
      if (lane === 'core') this.#coreIn--;
      else this.#spareIn--;
      this.#pingDone(reply, false);
    };
    const task = Object.assign({ op: 'prepare' as const, tools }, { [TASK_TOOLS]: { target: need.target, keys: tools.map((t) => t.key) } });
    pool.run(task).then(done, () => done(null));
  }

  /**
   * While calls hold their workers (past spareBootMs) or calls wait behind long ones, keep one spare worker
   * booted beyond those in use (up to `spare`), so a short call finds a warm worker instead of paying a boot.
   * A ping makes piscina start a worker when every spare is busy; idle spares exit after spareIdleTimeout.
   * The ping is a 'prepare' task naming the tools
   * the level ran recently: the spare counts as idle only once their warm contexts are built, so the calls
   * it takes do not each pay a context build (6-10 ms idle, 40-150 ms while long calls burn the CPUs).
   */
  #warmSpares(): void {
    const c = this.#config;
    if (this.#closed || c.spare === 0 || this.#spareIdle() > 0) return;
    // The only call in the level, and the core can take a next one itself (an idle worker, or room for
    // piscina to start one): that is the one ahead. Why: an agent's turn runs its calls one after another,
    // and its first call of a tool is cold (engine, docs index: 60-200 ms here); spares booted for it took
    // 100-400 ms of CPU each from that very turn (first turn 446-505 ms with two spares booting, 240-330
    // without). With more calls in flight (a stress run, parallel calls) spares still boot ahead.
    if (this.#coreIn + this.#spareIn + this.#waiting.length <= 1 && this.core.queueSize === 0 && this.#coreCanTakeOne()) return;
    const spare = this.#spares();
    // Workers still booting count as threads: each ping below starts one more (no spare is idle).
    // Spares for the calls holding their workers, or for calls waiting behind long ones, plus one ahead.
    const waitingBehindLong = this.#long > 0 ? Math.min(this.#long, this.#waiting.length) : 0;
    const missing = Math.min(c.spare, Math.max(this.#holding, waitingBehindLong) + 1) - spare.threads.length;
    if (missing <= 0) return;
    const task: PoolTask = this.#recent.size > 0 && c.warmTools > 0 ? this.#prepareTask(c.warmTools) : { op: 'ping' };
    for (let i = 0; i < missing; i++) {
      this.#sparePings++;
      spare.run(task).then(
        (reply) => this.#pingDone(reply),
        () => this.#pingDone(null),
      );
    }
  }

  /**
   * A core worker started after the level was in use (a replacement for a stopped one, or one more up to
   * `size`) knows none of the level's tools: while no call waits for it, its first task prepares the recent
   * ones, holding a core place like a call so the gate never queues a call behind it in piscina.
   */
  #prepareCore(): void {
    if (this.#closed || this.#recent.size === 0 || this.#waiting.length > 0 || this.core.queueSize > 0) return;
    if (this.#coreIn >= this.#config.size || this.#coreReady.size <= this.#coreIn) return;
    this.#coreIn++;
    const done = (reply: WorkerReply): void => {
      this.#coreIn--;
      this.#pingDone(reply, false);
    };
    this.core.run(this.#prepareTask()).then(done, () => done(null));
  }

  /** A 'prepare' task for the recent tools, tagged with their keys for the balancer. */
  #prepareTask(most = RECENT_TOOLS): PoolTask {
    const tools = this.#recent.list().slice(0, most);
    return Object.assign({ op: 'prepare' as const, tools }, { [TASK_TOOLS]: tools.map((t) => t.key) });
  }

  #pingDone(reply: WorkerReply, spare = true): void {
    if (spare) this.#sparePings--;
    this.#counted(reply);
    this.#wakeBooted();
    this.#pump();
  }

  #counted(reply: WorkerReply): void {
    // The thread boundary: only a well-formed 'prepared' answer is counted.
    const prepared = PreparedSchema.safeParse(reply);
    if (prepared.success) this.#config.onPrepared(prepared.data.count);
  }
}
