// The isolate pool's one options object, its defaults, and the per-call options of call()/callEntry().
// Defaults are filled in one place (resolvePoolOptions) so the pool and the bench build pools the same way.
import { availableParallelism } from 'node:os';
import type { ResourceLimits } from 'node:worker_threads';
import type { HostServices, ModuleConfig, ModuleSpec } from '../modules/module-spec.js';
import type { Registry } from '../registry/types.js';
import type { Actor } from '../security/types.js';
import { runtimeFile } from '../paths.js';
import { MODULE_CATALOG } from './module-catalog.js';
import type { IsolateWorkerConfig } from './pool-task.js';
import { MAX_PREPARE_TOOLS } from '../../schemas/messages/isolate.js';
import type { ToolKind } from './types.js';

export interface IsolatePoolOptions {
  /** Worker threads serving top-level calls (and again per nesting level, lazily). Default: os.availableParallelism(). */
  readonly size?: number;
  /** Supervisor services remote module functions see as ctx.services (registry, security, env, net...). Default {}. */
  readonly services?: HostServices;
  /** Resolves entry ids for nested calls (services.callTool). Default: services.registry when it has current(). */
  readonly registry?: Pick<Registry, 'current'>;
  /**
   * Top-level workers kept alive when idle (default: size). Under load the pool grows to `size`; the
   * extra workers exit after `idleTimeout` idle ms.
   */
  readonly minThreads?: number;
  /** Start no worker until the first call or warm() (default false: minThreads start at creation). */
  readonly deferStart?: boolean;
  /**
   * Engines each worker loads while booting (default: both). Other kinds load on their first call in a
   * worker; that call's deadline counts from after the load.
   */
  readonly preloadEngines?: readonly ToolKind[];
  /**
   * Settings of module functions that run inside the workers, by module name, e.g. `{docs: {remote: url}}`
   * (docs.remote). Plain data, copied into every worker at start: a local function reads it without a
   * round trip to the supervisor. Default: none.
   */
  readonly moduleConfig?: ModuleConfig;
  /**
   * A worker whose engines' WebAssembly heap a failed call left above this many bytes starts no other call
   * and is replaced once that call's result is in: WebAssembly memory never shrinks, so a memory bomb stopped
   * at its cap would otherwise keep the worker that much bigger for the rest of the session (a call that
   * succeeded keeps its worker and heap for its next call). Default 64 MB (the default per-call memory cap;
   * a fresh Lua heap is 16 MB).
   */
  readonly retireHeapBytes?: number;
  /** Calls that may wait per level when every worker is busy; beyond it a call fails with Internal "saturated". Default size * 1024. */
  readonly maxQueue?: number;
  /** Idle ms after which workers beyond minThreads (and of nested-call levels) exit. Default 30_000. */
  readonly idleTimeout?: number;
  /**
   * Elastic capacity: spare workers per level the pool may add beyond `size` while calls run long, so a
   * short call never waits behind a long one (a runaway tool holding a worker until its deadline). A call
   * that has run `longCallMs` in a worker stops counting against `size`: a waiting call may then go to a
   * spare worker, one per long call, up to this many. Spares start for calls past `spareBootMs` or for
   * calls waiting behind long ones (one booted ahead of need) and exit after `spareIdleTimeout` idle ms.
   * 0 disables. Default: 2 * size (long calls overlap, and with longCallNice they cost memory, not CPU).
   */
  readonly spareThreads?: number;
  /** Ms a call runs in a worker before it counts as long (see spareThreads, longCallNice). Default 10. */
  readonly longCallMs?: number;
  /**
   * Ms a call runs before the level boots spare workers ahead of need for it (one per such call, plus one
   * kept idle). Calls that are merely long use spares already booted but start none unless a call waits
   * behind them: a boot costs a core for ~100 ms, a waste for a call that ends at 12 ms (measured: create
   * -> load -> call 12 ms with spares booted at 10 ms, 5-6 ms without spares). At least longCallMs.
   * None boots for the only call in the level while the core can take a next one (an agent's cold first
   * call of a tool). Default 50.
   */
  readonly spareBootMs?: number;
  /**
   * Prefetch: when every core worker is busy, a call may be queued on a worker behind a running call of a
   * tool known to be fast (3 ok calls, recent ones under prefetchFastMs), so that worker takes it the moment
   * it is free instead of sleeping until the supervisor hands it the next call (a thread wake costs ~40 us
   * of CPU per call on a VM). A queued call not yet started is taken back (and runs elsewhere) as soon as
   * the call ahead of it runs long or is stopped, so a runaway tool still delays no one past `longCallMs`.
   * Default true.
   */
  readonly prefetch?: boolean;
  /** Run time (ms, decaying max of recent ok calls) under which a tool counts as fast for prefetch. Default 2. */
  readonly prefetchFastMs?: number;
  /**
   * Calls queued on one worker behind its running call at most (a chain of fast calls): deeper queues let a
   * busy worker go from call to call without sleeping while the supervisor, which shares the 2 cores with
   * it, catches up. A worker that goes idle takes back the last call of the longest chain elsewhere.
   * Measured (2 workers, 64 calls in flight, medians of 8 alternating rounds in one process): 1 -> 3 gave
   * Lua 12.9k -> 18.6k calls/s, JS 6.0k -> 9.0k; 3 -> 6 / 10 another +20-35% (JS 7.4k -> 9.8k / 9.9k,
   * Lua 15.0k -> 17.7k / 19.5k). A queued call waits at most for the chain ahead of it (each a tool whose
   * recent runs stayed under prefetchFastMs) or until the call ahead runs long. Default 8.
   */
  readonly prefetchDepth?: number;
  /**
   * CPU share of long calls: the OS thread running a call past `longCallMs` runs at this nice value until
   * the call ends (1..19; at 19 it gets ~1.5% of a core that short calls also want), so a runaway tool
   * burning a core until its deadline does not slow the short calls beside it; its deadline is wall time
   * and still holds. Linux only, and only where the process may restore priorities (CAP_SYS_NICE or
   * RLIMIT_NICE, as root in a container); elsewhere off. 0 turns it off. Default 19.
   */
  readonly longCallNice?: number;
  /**
   * A spare's warm-up builds the warm contexts (QuickJS) / chunks (Lua) of this many tools the level ran
   * recently (calls that ended ok), before the gate sends it calls; idle-time top-ups prepare the rest
   * later, 2 per task. 0: a bare ping. Default 2 (at most 16). Why not more: a call waiting for that spare
   * waits for the whole warm-up; under a hostile mix, 8 builds at 40-150 ms each kept benign calls waiting
   * (traced: a spare busy warming while the others were held by demoted hostile calls), and benign p99 went
   * past 2x the baseline in 9 of 24 stress runs with 8 against 6 of 24 with 2 (extreme outliers 6 vs 2).
   */
  readonly spareWarmTools?: number;
  /** Idle ms after which a spare worker exits. Default 10_000. */
  readonly spareIdleTimeout?: number;
  /** Deepest nested tool call (a tool calling a tool through funcs) allowed. Default 3. */
  readonly maxNesting?: number;
  /** The supervisor aborts a call (and replaces its worker) after this many times the call's timeout. Default 1.5. */
  readonly hardDeadlineFactor?: number;
  /** ...but never sooner than this many ms after the guest deadline. Default 500. */
  readonly hardDeadlineMinGraceMs?: number;
  /** Module specs by require name, on the supervisor side. Default: the module catalog. */
  readonly modules?: ReadonlyMap<string, ModuleSpec>;
  /** Modules the workers load beyond the catalog (give their specs in `modules` too). Default none. */
  readonly extraModules?: IsolateWorkerConfig['extraModules'];
  /** Engine modules per tool kind (tests plug their own engine here). Default: the built-in Lua and QuickJS engines. */
  readonly engines?: IsolateWorkerConfig['engines'];
  /** Worker script. Default the built workers/isolate-worker (paths.ts runtimeFile: bundled when built). */
  readonly workerFile?: string;
  /** V8 heap limits per worker (they do not cap WebAssembly memory: engines cap that themselves). */
  readonly resourceLimits?: ResourceLimits;
}

export interface ResolvedPoolOptions {
  readonly size: number;
  readonly minThreads: number;
  readonly deferStart: boolean;
  readonly services: HostServices;
  readonly registry: Pick<Registry, 'current'> | undefined;
  readonly maxQueue: number;
  readonly idleTimeout: number;
  readonly spareThreads: number;
  readonly longCallMs: number;
  readonly longCallNice: number;
  readonly spareBootMs: number;
  readonly prefetch: boolean;
  readonly prefetchFastMs: number;
  readonly prefetchDepth: number;
  readonly spareWarmTools: number;
  readonly spareIdleTimeout: number;
  readonly maxNesting: number;
  readonly hardDeadlineFactor: number;
  readonly hardDeadlineMinGraceMs: number;
  readonly modules: ReadonlyMap<string, ModuleSpec>;
  readonly workerData: IsolateWorkerConfig;
  readonly workerFile: string;
  readonly resourceLimits: ResourceLimits | undefined;
}

function hasCurrent(value: unknown): value is Pick<Registry, 'current'> {
  return typeof value === 'object' && value !== null && typeof (value as { current?: unknown }).current === 'function';
}

export function resolvePoolOptions(options: IsolatePoolOptions = {}): ResolvedPoolOptions {
  const size = Math.max(1, Math.floor(options.size ?? availableParallelism()));
  const longCallMs = Math.max(1, options.longCallMs ?? 10);
  const services = options.services ?? {};
  const fromServices = services['registry'];
  return {
    size,
    minThreads: Math.min(size, Math.max(0, Math.floor(options.minThreads ?? size))),
    deferStart: options.deferStart ?? false,
    services,
    registry: options.registry ?? (hasCurrent(fromServices) ? fromServices : undefined),
    maxQueue: options.maxQueue ?? size * 1024,
    idleTimeout: options.idleTimeout ?? 30_000,
    spareThreads: Math.max(0, Math.floor(options.spareThreads ?? 2 * size)),
    longCallMs,
    longCallNice: Math.min(19, Math.max(0, Math.floor(options.longCallNice ?? 19))),
    spareBootMs: Math.max(longCallMs, options.spareBootMs ?? 50),
    prefetch: options.prefetch ?? true,
    prefetchFastMs: Math.max(0, options.prefetchFastMs ?? 2),
    prefetchDepth: Math.max(1, Math.floor(options.prefetchDepth ?? 8)),
    spareWarmTools: Math.min(MAX_PREPARE_TOOLS, Math.max(0, Math.floor(options.spareWarmTools ?? 2))),
    spareIdleTimeout: options.spareIdleTimeout ?? 10_000,
    maxNesting: options.maxNesting ?? 3,
    hardDeadlineFactor: options.hardDeadlineFactor ?? 1.5,
    hardDeadlineMinGraceMs: options.hardDeadlineMinGraceMs ?? 500,
    modules: options.modules ?? MODULE_CATALOG,
    workerData: {
      ...(options.engines ? { engines: options.engines } : {}),
      ...(options.extraModules ? { extraModules: options.extraModules } : {}),
      ...(options.preloadEngines ? { preloadEngines: [...options.preloadEngines] } : {}),
      ...(options.moduleConfig ? { moduleConfig: options.moduleConfig } : {}),
      ...(options.retireHeapBytes !== undefined ? { retireHeapBytes: options.retireHeapBytes } : {}),
    },
    workerFile: options.workerFile ?? runtimeFile('workers/isolate-worker'),
    resourceLimits: options.resourceLimits,
  };
}

export interface CallOptions {
  /** Cancels the call: the result is {kind: 'Canceled'} (a running worker is replaced). */
  readonly signal?: AbortSignal;
  /** Who the call runs as (remote functions and security see it). */
  readonly actor: Actor;
  /** Epoch ms the call must end by at the latest (nested calls inherit their caller's). */
  readonly deadline?: number;
  /** Nesting depth: 0 for calls from the agent or CLI; set by the pool for nested calls. */
  readonly depth?: number;
  /** Values the guest reads with the ctx module (session, turn, prompt, agent, loaded_tools). Plain data. */
  readonly context?: Readonly<Record<string, unknown>>;
}
