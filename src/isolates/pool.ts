// The isolate pool: piscina workers running tool calls, a supervisor-enforced hard deadline, cancellation,
// worker replacement, elastic spare workers, the host channel, and one thread level per nesting depth.
import type { Entry } from '../../schemas/entry.js';
import type { HostServices } from '../modules/module-spec.js';
import type { ModuleServices } from '../modules/host-services.js';
import { logger } from '../log/logger.js';
import { HostChannelServer } from './host-channel-server.js';
import type { HostCallRequest } from './host-channel-protocol.js';
import { resolvePoolOptions, type CallOptions, type IsolatePoolOptions, type ResolvedPoolOptions } from './pool-options.js';
import { PoolCounters, type PoolStats } from './pool-stats.js';
import { StartTable } from './pool-start-table.js';
import { CpuShare, type Demotion } from './cpu-share.js';
import { TaskAbort } from './pool-abort.js';
import { DeadlineSweeper, type InFlightCall } from './pool-deadline-sweeper.js';
import { DroppedWhileWaiting, PoolLevel, Withdrawal, type LevelTicket } from './pool-level.js';
import { SpecRefs } from './pool-spec-cache.js';
import type { CallReply, CallTask, WorkerReply } from './pool-task.js';
import { ToolSpecMemo } from './tool-spec-from-entry.js';
import type { CallResult, IsolateError, ToolSpec } from './types.js';
import { CallResultGuard, HostReleaseGuard } from '../../schemas/messages/isolate.js';

export type { CallOptions, IsolatePoolOptions } from './pool-options.js';
export type { PoolStats } from './pool-stats.js';

const log = logger('isolate-pool');

/**
 * The service remote functions (funcs.call) use to run another tool: the pool resolves `id` in the
 * registry and runs it one nesting level deeper, as the same actor, within the caller's deadline.
 */
export type CallToolService = NonNullable<ModuleServices['callTool']>;

export interface IsolatePool {
  /** Run one tool. Never rejects for guest faults, deadlines, cancellation or worker crashes: see CallResult. */
  call(spec: ToolSpec, input: unknown, options: CallOptions): Promise<CallResult>;
  /** Run a registry entry (function.lua / function.js) read at `version`; refusals (privileged module...) come back as errors before dispatch. */
  callEntry(entry: Entry, version: number, input: unknown, options: CallOptions): Promise<CallResult>;
  /** Start the top-level workers now (a no-op once they run; calls start them anyway). Optional for fakes. */
  warm?(): void;
  /** An empty round trip through the top-level workers (the bench's floor). */
  ping(): Promise<void>;
  /** Resolves once no spare worker is still booting (a measurement waits for it so boots do not skew it). Optional for fakes. */
  settled?(): Promise<void>;
  stats(): PoolStats;
  /** Stop every worker; calls still running resolve as Canceled. */
  close(): Promise<void>;
}

/** Error kinds that mean a tool is not (or no longer) fast: no call is prefetched behind its next calls. */
const SLOW_KINDS: ReadonlySet<IsolateError['kind']> = new Set(['Timeout', 'InstructionLimit', 'MemoryLimit', 'StackOverflow', 'Canceled', 'Internal']);

function errorResult(error: IsolateError, started: number): CallResult {
  return { status: 'error', error, stats: { ms: Date.now() - started } };
}

/**
 * One call in flight, as every part of the pool sees it: the gate's ticket (lane, long), the deadline
 * sweeper's entry (slot, hard stop, onExpire/onLong), and the listener on the caller's AbortSignal.
 */
class PoolCall implements LevelTicket, InFlightCall {
  lane: LevelTicket['lane'] = 'new';
  long = false;
  wake?: (admitted: boolean) => void;
  longSeen?: boolean;
  holding = false;
  holdSeen?: boolean;
  /** Why the pool stopped the call, if it did. */
  stop: 'timeout' | 'cancel' | undefined;
  readonly controller = new TaskAbort();
  /** Set while the call's worker thread runs at a lower priority (see cpu-share.ts). */
  demotion: Demotion | undefined;
  worker?: number;
  behind?: LevelTicket;
  next?: LevelTicket;
  withdrawn?: () => void;

  constructor(
    readonly pool: PiscinaIsolatePool,
    readonly level: PoolLevel,
    readonly key: string,
    /** Start-table slot: a new one when a prefetched call is taken back (its old task may still claim the old). */
    public slot: number,
    readonly submitted: number,
    readonly hardMs: number,
  ) {}

  /** The hard stop passed (the sweeper). */
  onExpire(): void {
    this.#abort('timeout');
  }

  /** The call ran past the long-call slice (the sweeper): it stops holding back others and yields its core. */
  onLong(): void {
    this.level.markLong(this);
    this.demotion = this.pool.ranLong(this.slot);
  }

  /** The call ran past the hold mark (the sweeper): worth spare workers booted ahead of need. */
  onHolding(): void {
    this.level.markHolding(this);
  }

  /** The caller's AbortSignal fired (an EventListener object). */
  handleEvent(): void {
    this.#abort('cancel');
  }

  #abort(why: 'timeout' | 'cancel'): void {
    this.stop ??= why;
    this.pool.abortTask(this);
  }
}

class PiscinaIsolatePool implements IsolatePool {
  readonly #options: ResolvedPoolOptions;
  readonly #levels: PoolLevel[] = [];
  readonly #channel: HostChannelServer;
  readonly #counters = new PoolCounters();
  readonly #starts = new StartTable();
  readonly #cpuShare: CpuShare;
  readonly #sweeper: DeadlineSweeper;
  /** Spec keys, and which specs went to the workers already (tasks then name them by key). */
  readonly #specs = new SpecRefs();
  readonly #toolSpecs = new ToolSpecMemo();
  /** >0 while the pool itself aborts a task: worker destroys seen then are replacements. */
  #aborting = 0;
  #closed = false;

  constructor(options: ResolvedPoolOptions) {
    this.#options = options;
    this.#cpuShare = new CpuShare(options.longCallNice);
    this.#sweeper = new DeadlineSweeper(this.#starts, options.longCallMs, Math.max(5, Math.min(20, options.longCallMs / 2)), options.spareBootMs);
    this.#channel = new HostChannelServer({ modules: options.modules, services: (request) => this.#servicesFor(request) });
    if (!options.deferStart) this.#level(0);
  }

  warm(): void {
    if (!this.#closed) this.#level(0);
  }

  async settled(): Promise<void> {
    await Promise.all(this.#levels.filter(Boolean).map((level) => level.whenBooted()));
  }

  #level(depth: number): PoolLevel {
    let level = this.#levels[depth];
    if (level) return level;
    const o = this.#options;
    level = new PoolLevel({
      size: o.size,
      minThreads: depth === 0 ? o.minThreads : 0,
      spare: o.spareThreads,
      idleTimeout: o.idleTimeout,
      spareIdleTimeout: o.spareIdleTimeout,
      maxQueue: o.maxQueue,
      workerFile: o.workerFile,
      workerData: { ...o.workerData, starts: this.#starts.buffer, startEpoch: this.#starts.epoch },
      resourceLimits: o.resourceLimits,
      warmTools: o.spareWarmTools,
      prefetch: o.prefetch,
      prefetchFastMs: o.prefetchFastMs,
      prefetchDepth: o.prefetchDepth,
      withdraw: (slot: number) => this.#starts.withdraw(slot),
      onPrepared: (count: number) => {
        this.#counters.toolsPrepared += count;
      },
      onMessage: (message: unknown) => {
        if (!this.#channel.handle(message)) log.warn({ message }, 'unexpected message from an isolate worker');
      },
      onWorkerDestroy: (threadId: number) => {
        this.#channel.forgetThread(threadId);
        if (this.#aborting > 0) this.#counters.workerReplacements++;
      },
      onError: (err: unknown) => log.error({ err, depth }, 'isolate worker error'),
    });
    this.#levels[depth] = level;
    return level;
  }

  #servicesFor(request: HostCallRequest): HostServices {
    // Depth comes from the request (never from the module): a guest cannot reset it.
    const callTool: CallToolService = (id, input, options) =>
      this.#callNested(id, input, {
        actor: options?.actor ?? request.actor,
        deadline: Math.min(request.deadline, options?.deadline ?? Infinity),
        depth: request.depth + 1,
        ...(options?.signal ? { signal: options.signal } : {}),
      });
    return { ...this.#options.services, callTool };
  }

  async #callNested(id: string, input: unknown, options: CallOptions): Promise<CallResult> {
    const registry = this.#options.registry;
    const snapshot = registry?.current();
    const entry = snapshot?.get(id);
    if (!snapshot || !entry) {
      this.#counters.calls++;
      const message = snapshot ? `tool ${id} does not exist` : `cannot call ${id}: the isolate pool has no registry`;
      return this.#counters.record(errorResult({ kind: snapshot ? 'NotFound' : 'Internal', message }, Date.now()));
    }
    return this.callEntry(entry, snapshot.version, input, options);
  }

  async callEntry(entry: Entry, version: number, input: unknown, options: CallOptions): Promise<CallResult> {
    const built = this.#toolSpecs.get(entry, version, this.#options.modules);
    if (!built.ok) {
      this.#counters.calls++;
      return this.#counters.record(errorResult(built.error, Date.now()));
    }
    return this.call(built.spec, input, options);
  }

  async call(spec: ToolSpec, input: unknown, options: CallOptions): Promise<CallResult> {
    const started = Date.now();
    const counters = this.#counters;
    counters.calls++;
    const depth = options.depth ?? 0;
    if (this.#closed) return counters.record(errorResult({ kind: 'Canceled', message: 'the isolate pool is closed' }, started));
    if (options.signal?.aborted) return counters.record(errorResult({ kind: 'Canceled', message: `${spec.id}: canceled` }, started));
    if (depth > this.#options.maxNesting) {
      return counters.record(
        errorResult({ kind: 'StackOverflow', message: `${spec.id}: nested tool calls deeper than ${this.#options.maxNesting}` }, started),
      );
    }
    const cap = options.deadline ?? 0;
    const budget = Math.max(0, cap > 0 ? Math.min(spec.limits.timeoutMs, cap - started) : spec.limits.timeoutMs);
    const hardMs = Math.max(budget * this.#options.hardDeadlineFactor, budget + this.#options.hardDeadlineMinGraceMs);
    const ref = this.#specs.ref(spec);
    // The level routes the task (TASK_TOOLS, a symbol never cloned to the worker) by its key.
    let task: CallTask = {
      op: 'call',
      key: ref.key,
      ...(ref.carry ? { tool: spec } : {}),
      input,
      actor: options.actor,
      deadline: cap,
      depth,
      slot: this.#starts.acquire(),
      ...(options.context ? { context: options.context } : {}),
    };

    const level = this.#level(depth);
    // One object per call: the gate's ticket, the sweeper's entry and the abort path.
    const call = new PoolCall(this, level, ref.key, task.slot, started, hardMs);
    const signal = options.signal;
    if (signal) signal.addEventListener('abort', call, { once: true });
    this.#sweeper.add(call);
    try {
      let reply: WorkerReply | undefined;
      let admit: 'queue' | 'front' | 'no' = 'queue';
      while (reply === undefined) {
        if (admit !== 'no') {
          const admitted = level.admit(call, admit === 'front');
          if (admitted === 'full') {
            return counters.record(errorResult({ kind: 'Internal', message: `${spec.id}: the isolate pool is saturated (${this.#options.maxQueue} calls waiting)` }, started));
          }
          if (admitted !== true && !(await admitted)) throw new DroppedWhileWaiting();
        }
        if (task.slot !== call.slot) task = { ...task, slot: call.slot };
        const r = await level.run(call, task, call.controller);
        // Taken back before it started (the call ahead ran long, or this one was stopped): its old task may
        // still reach the worker, which skips it ('withdrawn'); the old slot stays withdrawn until then.
        if (r instanceof Withdrawal || r?.status === 'withdrawn') {
          const old = call.slot;
          const release = (): void => this.#starts.release(old);
          if (r instanceof Withdrawal) r.stale.then(release, release);
          else {
            // Not through takeBack: its worker is being replaced (retire) and starts nothing more. Give its
            // place back before it queues again.
            release();
            level.leave(call);
            call.lane = 'new';
            call.long = call.holding = false;
          }
          call.slot = call.stop ? -1 : this.#starts.acquire();
          if (call.stop) throw new DroppedWhileWaiting();
          admit = 'front';
          continue;
        }
        // The worker lacks the spec the task named by key (a new or replaced worker): send it along.
        if (r?.status === 'need-spec' && !task.tool) {
          counters.specResends++;
          task = { ...task, tool: spec };
          admit = 'no';
          continue;
        }
        reply = r;
      }
      if (!reply || reply.status === 'need-spec' || reply.status === 'withdrawn' || reply.status === 'prepared') {
        return counters.record(errorResult({ kind: 'Internal', message: 'the worker returned no result' }, started));
      }
      // The thread boundary: what the worker answers must be a CallResult.
      const checked = CallResultGuard.safeParse(reply);
      if (!checked.success) {
        const issue = checked.error.issues[0]!;
        log.error({ tool: spec.id, issue }, 'malformed result from an isolate worker');
        return counters.record(errorResult({ kind: 'Internal', message: `${spec.id}: malformed result from the isolate worker (${issue.path.join('.')}: ${issue.message})` }, started));
      }
      let result = reply as CallReply;
      if (result.release !== undefined) {
        const release = HostReleaseGuard.safeParse(result.release);
        if (release.success) this.#channel.release(release.data.channel, release.data.callId);
        else log.error({ tool: spec.id, issue: release.error.issues[0] }, 'malformed host-channel release from an isolate worker');
        const { release: _, ...rest } = result;
        result = rest as CallResult;
      }
      if (result.retire !== undefined) {
        // The worker names itself: the routing's record of where the call went may predate its start.
        level.retireWorker(result.retire);
        const { retire: _, ...rest } = result;
        result = rest as CallResult;
      }
      // A tool that answered ok is one a new worker's warm-up should prepare (a cold first call may run long);
      // one that hit a limit is no longer counted as fast (no call is prefetched behind it).
      if (result.status === 'ok') level.noteTool(ref.key, spec, result.stats.ms);
      else if (SLOW_KINDS.has(result.error.kind)) level.noteFailure(ref.key);
      return counters.record(result as CallResult);
    } catch (err) {
      level.noteFailure(ref.key);
      return counters.record(errorResult(this.#failure(spec, call.stop, err, hardMs), started));
    } finally {
      if (call.demotion) this.#cpuShare.restore(call.demotion);
      level.leave(call);
      this.#sweeper.delete(call);
      this.#starts.release(call.slot);
      if (signal) signal.removeEventListener('abort', call);
    }
  }

  /** The call in `slot` ran long (PoolCall's long path): count it and lower its worker thread's priority. */
  ranLong(slot: number): Demotion | undefined {
    this.#counters.longCalls++;
    const demotion = this.#cpuShare.demote(this.#starts.threadOf(slot));
    if (demotion) this.#counters.longCallsDemoted++;
    return demotion;
  }

  /** Stop a call (PoolCall's abort path): drop it from the gate, or abort its task (replacing the worker). */
  abortTask(call: PoolCall): void {
    if (call.level.drop(call)) return;
    // Prefetched and not started: taken back, nothing to stop (its worker runs someone else's call).
    if (call.level.takeBack(call)) return;
    // Stopping this call ends its worker: a call queued there behind it runs elsewhere.
    call.level.releaseNext(call);
    this.#aborting++;
    try {
      call.controller.abort(call.stop);
    } finally {
      this.#aborting--;
    }
  }

  #failure(spec: ToolSpec, stop: 'timeout' | 'cancel' | undefined, err: unknown, hardMs: number): IsolateError {
    if (stop === 'timeout' && err instanceof DroppedWhileWaiting) {
      return { kind: 'Timeout', message: `${spec.id}: no worker was free to start the call in time` };
    }
    if (stop === 'timeout') {
      return { kind: 'Timeout', message: `${spec.id}: no answer within ${Math.round(hardMs)} ms; the isolate was stopped` };
    }
    if (stop === 'cancel') return { kind: 'Canceled', message: `${spec.id}: canceled` };
    if (this.#closed) return { kind: 'Canceled', message: 'the isolate pool is closed' };
    const message = err instanceof Error ? err.message : String(err);
    if (/queue is at limit|no task queue/i.test(message)) {
      return { kind: 'Internal', message: `${spec.id}: the isolate pool is saturated (${message})` };
    }
    // Anything else escaping the worker's own try/catch means the thread died: piscina replaced it.
    this.#counters.workerReplacements++;
    log.error({ err, tool: spec.id }, 'isolate worker failed');
    return { kind: 'Internal', message: `${spec.id}: the isolate worker crashed (${message})` };
  }

  async ping(): Promise<void> {
    await this.#level(0).core.run({ op: 'ping' });
  }

  stats(): PoolStats {
    const c = this.#counters;
    const channel = this.#channel.stats;
    let queued = 0;
    let threads = 0;
    let prefetched = 0;
    let prefetchWithdrawn = 0;
    let retiredForMemory = 0;
    for (const level of this.#levels) {
      if (!level) continue;
      retiredForMemory += level.retiredForMemory;
      queued += level.queued;
      threads += level.threads;
      prefetched += level.prefetched;
      prefetchWithdrawn += level.withdrawals;
    }
    return {
      calls: c.calls,
      ok: c.ok,
      errors: { ...c.errors },
      workerReplacements: c.workerReplacements,
      retiredForMemory,
      hostCalls: channel.requests,
      hostOpenCalls: channel.openCalls,
      staleHostAnswers: channel.staleAnswers,
      specResends: c.specResends,
      toolsPrepared: c.toolsPrepared,
      queued,
      threads,
      longCalls: c.longCalls,
      longCallsDemoted: c.longCallsDemoted,
      prefetched,
      prefetchWithdrawn,
      cpuShare: this.#cpuShare.enabled,
    };
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#sweeper.stop();
    await Promise.all(this.#levels.filter(Boolean).map((level) => level.close()));
  }
}

/** Create an isolate pool; see IsolatePoolOptions for every option and its default. */
export function createIsolatePool(options: IsolatePoolOptions = {}): IsolatePool {
  return new PiscinaIsolatePool(resolvePoolOptions(options));
}
