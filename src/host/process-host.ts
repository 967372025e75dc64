// The supervisor's process host: pids, worker processes (dedicated or shared placement), local processes,
// send/listen by topic, monitors with exit notices, cancellation and shutdown. Cross-thread messages are checked against their schemas.
import os from 'node:os';
import { Worker } from 'node:worker_threads';
import {
  EXIT_TOPIC,
  FromWorkerGuard,
  type FromWorker,
  ToWorkerGuard,
  type ExitNotice,
  type FromHostThread,
  type ToWorker,
} from '../../schemas/messages/process.js';
import { processWorkerPath, runtimeFile } from '../paths.js';
import { logger } from '../log/logger.js';
import { HostThreadGroup, type HostThread } from './host-thread-group.js';
import { Mailbox, type Message } from './mailbox.js';
import { PidAllocator, type Pid } from './pid.js';
import { moduleHref, type PrestartedWorker } from './prestart.js';
import type { Placement, ProcessContext } from './process-context.js';
import { isAlive, type ExitReason, type ProcessState } from './process-state.js';

export interface ProcessHostOptions {
  /** Worker entry script (default: the built workers/process-worker, see paths.ts runtimeFile). */
  readonly workerScript?: string;
  /** Capacity of each local mailbox (default 10,000 messages). */
  readonly mailboxCapacity?: number;
  /** Grace period for processes to exit on shutdown before they are terminated (default 2,000 ms). */
  readonly shutdownGraceMs?: number;
  /** Process host threads for shared placement, started as needed or by warm() (default os.availableParallelism()). */
  readonly hostThreads?: number;
  /** Entry script of a process host thread (default: the built workers/process-host-thread). */
  readonly hostThreadScript?: string;
}

export interface SpawnOptions<Args> {
  /** Path or file URL of a compiled module exporting `main(ctx)`. */
  readonly module: string;
  readonly args?: Args;
  /** Parent pid (default: the host's own root pid). */
  readonly parent?: Pid;
  /** Pids that receive an exit notice on EXIT_TOPIC when this process ends. */
  readonly monitors?: readonly Pid[];
  /**
   * 'dedicated' (default): a worker thread of its own, started for this process (tens of ms and its own
   * module imports). 'shared': one of the host's process host threads, beside other processes: starting
   * costs almost nothing once the thread is warm, but kill() is cooperative (see kill) and a process that
   * never yields blocks its neighbours, so only trusted modules (the agent loop) may run shared.
   */
  readonly placement?: Placement;
  /** Node worker resource limits (JS heap only; dedicated placement only: a shared thread's heap is shared). */
  readonly resourceLimits?: { maxOldGenerationSizeMb?: number; maxYoungGenerationSizeMb?: number };
  /**
   * A worker already importing this module (prestartProcess), adopted for a dedicated process so its start
   * skips the thread boot and the import. Not adopted (stopped, and a new worker started) when it died, runs
   * another module, or resourceLimits are asked for; spawn consumes it either way.
   */
  readonly prestarted?: PrestartedWorker;
}

export interface WarmOptions {
  /** Process modules (paths or file URLs) to import on every host thread now, so first starts skip the import. */
  readonly preload?: readonly string[];
}

/** A process living on the supervisor thread (the terminal is one). */
export interface LocalProcess extends ProcessContext<undefined> {
  /** Ends the process: monitors are told, its mailbox closes. */
  exit(result?: unknown): void;
}

interface ProcessRecord {
  readonly pid: Pid;
  state: ProcessState;
  readonly worker?: Worker;
  /** The host thread of a shared-placement process. */
  readonly thread?: HostThread;
  readonly mailbox?: Mailbox;
  readonly cancel?: AbortController;
  readonly exited: Promise<ExitNotice>;
  resolveExit: (n: ExitNotice) => void;
}

export class ProcessHost {
  readonly #pids = new PidAllocator(0);
  readonly #procs = new Map<Pid, ProcessRecord>();
  readonly #monitors = new Map<Pid, Set<Pid>>();
  readonly #options: Required<ProcessHostOptions>;
  readonly #log = logger('host');
  readonly #threads: HostThreadGroup;
  readonly rootPid: Pid;
  #closing = false;

  constructor(options: ProcessHostOptions = {}) {
    this.#options = {
      workerScript: options.workerScript ?? processWorkerPath(),
      mailboxCapacity: options.mailboxCapacity ?? 10_000,
      shutdownGraceMs: options.shutdownGraceMs ?? 2_000,
      hostThreads: options.hostThreads ?? os.availableParallelism(),
      hostThreadScript: options.hostThreadScript ?? runtimeFile('workers/process-host-thread'),
    };
    this.#threads = new HostThreadGroup({
      size: this.#options.hostThreads,
      script: this.#options.hostThreadScript,
      onMessage: (thread, msg) => this.#fromThread(thread, msg),
      onInvalid: (thread, raw) => this.#invalidFromThread(thread, raw),
      onDeath: (thread, message) => this.#threadDied(thread, message),
    });
    this.rootPid = this.#pids.next();
  }

  /** Spawn a process in its own worker thread (default) or on a shared process host thread (`placement: 'shared'`). */
  spawn<Args>(options: SpawnOptions<Args>): Pid {
    const moduleUrl = moduleHref(options.module);
    // A prestarted worker is consumed either way: adopted when it can run this process, else stopped.
    let adopted: Worker | undefined;
    if (!this.#closing && options.placement !== 'shared' && !options.resourceLimits) {
      adopted = options.prestarted?.adopt(moduleUrl, this.#options.workerScript);
    } else options.prestarted?.dispose();
    if (this.#closing) throw new Error('process host is shutting down');
    if (options.placement === 'shared') return this.#spawnShared(options, moduleUrl);
    const pid = this.#pids.next();
    const parent = options.parent ?? this.rootPid;
    const args = options.args ?? null;
    if (adopted) {
      // Posted first (as workerData would be cloned): args that cannot cross a thread throw here, before the process exists.
      try {
        adopted.postMessage(ToWorkerGuard.parse({ type: 'start', pid, parent, args } satisfies ToWorker));
      } catch (err) {
        void adopted.terminate();
        throw err;
      }
    }
    const worker =
      adopted ??
      new Worker(this.#options.workerScript, {
        workerData: { pid, parent, module: moduleUrl, args },
        ...(options.resourceLimits ? { resourceLimits: options.resourceLimits } : {}),
      });
    const rec = this.#record(pid, { worker });
    for (const m of options.monitors ?? []) this.monitor(m, pid);
    worker.on('message', (raw: unknown) => this.#fromWorker(rec, raw));
    worker.on('error', (err) => this.#finish(rec, { pid, reason: 'crash', error: { message: err.message } }));
    worker.on('exit', (code) => {
      if (rec.state.status === 'exited') return;
      const reason: ExitReason = rec.state.status === 'stopping' ? rec.state.reason : code === 0 ? 'normal' : 'crash';
      this.#finish(rec, {
        pid,
        reason,
        ...(reason === 'crash' ? { error: { message: `worker exited with code ${code}` } } : {}),
      });
    });
    return pid;
  }

  /**
   * Start every process host thread now (shared placement) and import `preload` on each, so the first
   * shared processes start warm. Resolves when the threads have loaded the modules (failures are logged).
   */
  async warm(options: WarmOptions = {}): Promise<void> {
    if (this.#closing) throw new Error('process host is shutting down');
    await this.#threads.warm((options.preload ?? []).map(moduleHref));
  }

  /** Process host threads running now (shared placement). */
  hostThreads(): number {
    return this.#threads.size;
  }

  #spawnShared<Args>(options: SpawnOptions<Args>, moduleUrl: string): Pid {
    const pid = this.#pids.next();
    const thread = this.#threads.pick();
    // Posted first: args that cannot cross a thread throw here, before the process exists.
    thread.post({ type: 'start', pid, parent: options.parent ?? this.rootPid, module: moduleUrl, args: options.args ?? null });
    thread.add(pid);
    this.#record(pid, { thread });
    for (const m of options.monitors ?? []) this.monitor(m, pid);
    return pid;
  }

  /** Create a process on this thread; its messages are read with listen/receive. */
  local(parent: Pid = this.rootPid): LocalProcess {
    const pid = this.#pids.next();
    const mailbox = new Mailbox({ capacity: this.#options.mailboxCapacity });
    const cancel = new AbortController();
    const rec = this.#record(pid, { mailbox, cancel });
    rec.state = { status: 'running' };
    return {
      pid,
      parent,
      args: undefined,
      signal: cancel.signal,
      send: (to, topic, payload) => this.send(pid, to, topic, payload),
      listen: (topic, signal) => mailbox.listen(topic, signal),
      receive: async (topic, signal) => (await mailbox.next(topic, signal)).value,
      exit: (result) => this.#finish(rec, { pid, reason: 'normal', ...(result !== undefined ? { result } : {}) }),
    };
  }

  /** Deliver a message; false when the target is unknown or gone. */
  send(from: Pid, to: Pid, topic: string, payload: unknown): boolean {
    const rec = this.#procs.get(to);
    if (!rec || !isAlive(rec.state)) return false;
    if (rec.mailbox) return rec.mailbox.deliver({ from, topic, payload });
    try {
      if (rec.thread) {
        rec.thread.post({ type: 'deliver', pid: to, from, topic, payload });
        return true;
      }
      const msg: ToWorker = { type: 'deliver', from, topic, payload };
      rec.worker!.postMessage(ToWorkerGuard.parse(msg));
      return true;
    } catch (err) {
      this.#log.warn({ err, to, topic }, 'message could not be delivered');
      return false;
    }
  }

  /** `watcher` receives an exit notice (topic EXIT_TOPIC) when `target` ends; immediately if it already has. */
  monitor(watcher: Pid, target: Pid): void {
    const rec = this.#procs.get(target);
    if (rec && rec.state.status === 'exited') {
      this.send(target, watcher, EXIT_TOPIC, rec.state.notice);
      return;
    }
    let set = this.#monitors.get(target);
    if (!set) this.#monitors.set(target, (set = new Set()));
    set.add(watcher);
  }

  demonitor(watcher: Pid, target: Pid): void {
    this.#monitors.get(target)?.delete(watcher);
  }

  /** Resolves with the exit notice of `pid`. */
  wait(pid: Pid): Promise<ExitNotice> {
    const rec = this.#procs.get(pid);
    if (!rec) return Promise.reject(new Error(`no such process ${pid}`));
    return rec.exited;
  }

  state(pid: Pid): ProcessState | undefined {
    return this.#procs.get(pid)?.state;
  }

  /** Ask a process to stop: its ctx.signal aborts; it decides how to finish. */
  cancel(pid: Pid, reason = 'canceled'): boolean {
    const rec = this.#procs.get(pid);
    if (!rec || !isAlive(rec.state)) return false;
    if (rec.cancel) rec.cancel.abort(reason);
    else if (rec.thread) rec.thread.post({ type: 'cancel', pid, reason });
    else rec.worker!.postMessage(ToWorkerGuard.parse({ type: 'cancel', reason }));
    return true;
  }

  /**
   * Stop a process at once. Dedicated: its worker is terminated. Shared: cooperative, since the thread hosts
   * others: the process's signal aborts, its mailbox closes and it is reported ended now; whatever it still
   * runs is not stopped, but its later sends and its exit are dropped. A shared process stuck in a loop
   * holds its thread until the host shuts down (which terminates the threads).
   */
  async kill(pid: Pid, reason: ExitReason = 'killed'): Promise<ExitNotice | undefined> {
    const rec = this.#procs.get(pid);
    if (!rec || !isAlive(rec.state)) return rec?.state.status === 'exited' ? rec.state.notice : undefined;
    rec.state = { status: 'stopping', reason };
    if (rec.worker) await rec.worker.terminate();
    else {
      if (rec.thread && !rec.thread.dead) {
        try {
          rec.thread.post({ type: 'kill', pid, reason });
        } catch (err) {
          this.#log.warn({ err, pid }, 'kill could not reach the process host thread');
        }
      }
      this.#finish(rec, { pid, reason });
    }
    return rec.exited;
  }

  /** Processes still alive. */
  alive(): Pid[] {
    return [...this.#procs.values()].filter((r) => isAlive(r.state)).map((r) => r.pid);
  }

  /**
   * Cancel everything, give worker processes a grace period, then terminate what is left (shared ones are
   * killed, then their host threads terminated); local processes end too.
   */
  async shutdown(): Promise<void> {
    this.#closing = true;
    const live = [...this.#procs.values()].filter((r) => isAlive(r.state));
    for (const r of live) this.cancel(r.pid, 'shutdown');
    let timer: NodeJS.Timeout | undefined;
    const grace = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, this.#options.shutdownGraceMs);
    });
    await Promise.race([Promise.all(live.filter((r) => r.worker || r.thread).map((r) => r.exited)), grace]);
    for (const r of live) if (!r.worker && !r.thread && isAlive(r.state)) this.#finish(r, { pid: r.pid, reason: 'shutdown' });
    clearTimeout(timer);
    await Promise.all(live.filter((r) => isAlive(r.state)).map((r) => this.kill(r.pid, 'shutdown')));
    await this.#threads.terminate();
  }

  #record(pid: Pid, parts: { worker?: Worker; thread?: HostThread; mailbox?: Mailbox; cancel?: AbortController }): ProcessRecord {
    let resolveExit!: (n: ExitNotice) => void;
    const exited = new Promise<ExitNotice>((r) => (resolveExit = r));
    const rec: ProcessRecord = { pid, state: { status: 'starting' }, ...parts, exited, resolveExit };
    this.#procs.set(pid, rec);
    return rec;
  }

  #fromWorker(rec: ProcessRecord, raw: unknown): void {
    const parsed = FromWorkerGuard.safeParse(raw);
    if (!parsed.success) {
      this.#log.error({ pid: rec.pid, issues: parsed.error.issues }, 'invalid message from process; killing it');
      void this.kill(rec.pid, 'crash');
      return;
    }
    const msg = parsed.data;
    if (msg.type === 'exit') rec.state = { status: 'stopping', reason: 'normal' };
    this.#lifecycle(rec, msg);
    if (msg.type === 'exit' || msg.type === 'crash') void rec.worker?.terminate();
  }

  /** What a process (dedicated or shared) reports: it is ready, it sends, it ended or it crashed. */
  #lifecycle(rec: ProcessRecord, msg: FromWorker | Exclude<FromHostThread, { type: 'preloaded' }>): void {
    switch (msg.type) {
      case 'ready':
        if (rec.state.status === 'starting') rec.state = { status: 'running' };
        return;
      case 'send':
        this.send(rec.pid, msg.to, msg.topic, msg.payload);
        return;
      case 'exit':
        this.#finish(rec, { pid: rec.pid, reason: 'normal', ...(msg.result !== undefined ? { result: msg.result } : {}) });
        return;
      case 'crash':
        this.#finish(rec, {
          pid: rec.pid,
          reason: 'crash',
          error: { message: msg.error.message, ...(msg.error.code ? { code: msg.error.code } : {}) },
        });
        return;
    }
  }

  /** A message from a host thread about one of its processes; dropped once that process has ended (killed). */
  #fromThread(thread: HostThread, msg: Exclude<FromHostThread, { type: 'preloaded' }>): void {
    const rec = this.#procs.get(msg.pid);
    if (!rec || rec.thread !== thread || rec.state.status === 'exited') return;
    this.#lifecycle(rec, msg);
  }

  /** A malformed message from a host thread: the process it names (if any) is killed as crashed, like a dedicated one. */
  #invalidFromThread(thread: HostThread, raw: unknown): void {
    const pid = (raw as { pid?: unknown } | null)?.pid;
    this.#log.error({ thread: thread.id, pid }, 'invalid message from a process host thread');
    if (typeof pid === 'string' && thread.pids.has(pid)) void this.kill(pid, 'crash');
  }

  /** Every process of a host thread that died gets a crash notice. */
  #threadDied(thread: HostThread, message: string): void {
    for (const pid of [...thread.pids]) {
      const rec = this.#procs.get(pid);
      if (rec) this.#finish(rec, { pid, reason: 'crash', error: { message: `its process host thread died: ${message}` } });
    }
  }

  #finish(rec: ProcessRecord, notice: ExitNotice): void {
    if (rec.state.status === 'exited') return;
    rec.state = { status: 'exited', notice };
    rec.thread?.remove(rec.pid);
    rec.mailbox?.close();
    rec.cancel?.abort('exited');
    if (notice.reason === 'crash') this.#log.warn({ pid: rec.pid, error: notice.error }, 'process crashed');
    const watchers = this.#monitors.get(rec.pid);
    this.#monitors.delete(rec.pid);
    for (const w of watchers ?? []) this.send(rec.pid, w, EXIT_TOPIC, notice);
    rec.resolveExit(notice);
  }
}

export type { Message, Pid, Placement };
