// The supervisor's process host: pids, worker processes, local processes, send/listen by topic,
// monitors with exit notices, cancellation and clean shutdown. Every cross-thread message is zod-checked.
import { Worker } from 'node:worker_threads';
import { pathToFileURL } from 'node:url';
import {
  EXIT_TOPIC,
  FromWorkerSchema,
  ToWorkerSchema,
  type ExitNotice,
  type ToWorker,
} from '../../schemas/messages/process.js';
import { distPath } from '../paths.js';
import { logger } from '../log/logger.js';
import { Mailbox, type Message } from './mailbox.js';
import { PidAllocator, type Pid } from './pid.js';
import type { ProcessContext } from './process-context.js';
import { isAlive, type ExitReason, type ProcessState } from './process-state.js';

export interface ProcessHostOptions {
  /** Worker entry script (default: the compiled workers/process-worker.js). */
  readonly workerScript?: string;
  /** Capacity of each local mailbox (default 10,000 messages). */
  readonly mailboxCapacity?: number;
  /** Grace period for processes to exit on shutdown before they are terminated (default 2,000 ms). */
  readonly shutdownGraceMs?: number;
}

export interface SpawnOptions<Args> {
  /** Path or file URL of a compiled module exporting `main(ctx)`. */
  readonly module: string;
  readonly args?: Args;
  /** Parent pid (default: the host's own root pid). */
  readonly parent?: Pid;
  /** Pids that receive an exit notice on EXIT_TOPIC when this process ends. */
  readonly monitors?: readonly Pid[];
  /** Node worker resource limits (JS heap only). */
  readonly resourceLimits?: { maxOldGenerationSizeMb?: number; maxYoungGenerationSizeMb?: number };
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
  readonly rootPid: Pid;
  #closing = false;

  constructor(options: ProcessHostOptions = {}) {
    this.#options = {
      workerScript: options.workerScript ?? distPath('workers/process-worker.js'),
      mailboxCapacity: options.mailboxCapacity ?? 10_000,
      shutdownGraceMs: options.shutdownGraceMs ?? 2_000,
    };
    this.rootPid = this.#pids.next();
  }

  /** Spawn a process in its own worker thread. */
  spawn<Args>(options: SpawnOptions<Args>): Pid {
    if (this.#closing) throw new Error('process host is shutting down');
    const pid = this.#pids.next();
    const moduleUrl = options.module.startsWith('file:') ? options.module : pathToFileURL(options.module).href;
    const worker = new Worker(this.#options.workerScript, {
      workerData: { pid, parent: options.parent ?? this.rootPid, module: moduleUrl, args: options.args ?? null },
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
    const msg: ToWorker = { type: 'deliver', from, topic, payload };
    try {
      rec.worker!.postMessage(ToWorkerSchema.parse(msg));
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
    else rec.worker!.postMessage(ToWorkerSchema.parse({ type: 'cancel', reason }));
    return true;
  }

  /** Stop a process at once (terminates its worker). */
  async kill(pid: Pid, reason: ExitReason = 'killed'): Promise<ExitNotice | undefined> {
    const rec = this.#procs.get(pid);
    if (!rec || !isAlive(rec.state)) return rec?.state.status === 'exited' ? rec.state.notice : undefined;
    rec.state = { status: 'stopping', reason };
    if (rec.worker) await rec.worker.terminate();
    else this.#finish(rec, { pid, reason });
    return rec.exited;
  }

  /** Processes still alive. */
  alive(): Pid[] {
    return [...this.#procs.values()].filter((r) => isAlive(r.state)).map((r) => r.pid);
  }

  /** Cancel everything, give worker processes a grace period, then terminate what is left; local processes end too. */
  async shutdown(): Promise<void> {
    this.#closing = true;
    const live = [...this.#procs.values()].filter((r) => isAlive(r.state));
    for (const r of live) this.cancel(r.pid, 'shutdown');
    let timer: NodeJS.Timeout | undefined;
    const grace = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, this.#options.shutdownGraceMs);
    });
    await Promise.race([Promise.all(live.filter((r) => r.worker).map((r) => r.exited)), grace]);
    for (const r of live) if (!r.worker && isAlive(r.state)) this.#finish(r, { pid: r.pid, reason: 'shutdown' });
    clearTimeout(timer);
    await Promise.all(live.filter((r) => isAlive(r.state)).map((r) => this.kill(r.pid, 'shutdown')));
  }

  #record(pid: Pid, parts: { worker?: Worker; mailbox?: Mailbox; cancel?: AbortController }): ProcessRecord {
    let resolveExit!: (n: ExitNotice) => void;
    const exited = new Promise<ExitNotice>((r) => (resolveExit = r));
    const rec: ProcessRecord = { pid, state: { status: 'starting' }, ...parts, exited, resolveExit };
    this.#procs.set(pid, rec);
    return rec;
  }

  #fromWorker(rec: ProcessRecord, raw: unknown): void {
    const parsed = FromWorkerSchema.safeParse(raw);
    if (!parsed.success) {
      this.#log.error({ pid: rec.pid, issues: parsed.error.issues }, 'invalid message from process; killing it');
      void this.kill(rec.pid, 'crash');
      return;
    }
    const msg = parsed.data;
    switch (msg.type) {
      case 'ready':
        if (rec.state.status === 'starting') rec.state = { status: 'running' };
        return;
      case 'send':
        this.send(rec.pid, msg.to, msg.topic, msg.payload);
        return;
      case 'exit':
        rec.state = { status: 'stopping', reason: 'normal' };
        this.#finish(rec, { pid: rec.pid, reason: 'normal', ...(msg.result !== undefined ? { result: msg.result } : {}) });
        void rec.worker?.terminate();
        return;
      case 'crash':
        this.#finish(rec, {
          pid: rec.pid,
          reason: 'crash',
          error: { message: msg.error.message, ...(msg.error.code ? { code: msg.error.code } : {}) },
        });
        void rec.worker?.terminate();
        return;
    }
  }

  #finish(rec: ProcessRecord, notice: ExitNotice): void {
    if (rec.state.status === 'exited') return;
    rec.state = { status: 'exited', notice };
    rec.mailbox?.close();
    rec.cancel?.abort('exited');
    if (notice.reason === 'crash') this.#log.warn({ pid: rec.pid, error: notice.error }, 'process crashed');
    const watchers = this.#monitors.get(rec.pid);
    this.#monitors.delete(rec.pid);
    for (const w of watchers ?? []) this.send(rec.pid, w, EXIT_TOPIC, notice);
    rec.resolveExit(notice);
  }
}

export type { Message, Pid };
