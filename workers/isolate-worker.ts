// Isolate worker (a piscina task module): runs one tool call on the Lua or QuickJS engine chosen by
// tool.kind, with a HostBridge whose remote functions go to the supervisor over the host channel.
import { parentPort, threadId, workerData } from 'node:worker_threads';
import { HostChannelClient } from '../src/isolates/host-channel-client.js';
import { WorkerHostBridge } from '../src/isolates/host-bridge.js';
import { MODULE_CATALOG } from '../src/isolates/module-catalog.js';
import { SpecCache } from '../src/isolates/pool-spec-cache.js';
import { claimStart, osThreadId } from '../src/isolates/pool-start-table.js';
import type { CallReply, CallTask, Withdrawn, IsolateWorkerConfig, NeedSpec, PoolTask, Prepared, PrepareTask, WorkerReply } from '../src/isolates/pool-task.js';
import type { CallResult, GuestEngine, ToolKind, ToolSpec } from '../src/isolates/types.js';
import type { LocalCompileOutcome, ModuleSpec } from '../src/modules/module-spec.js';
import { CallTaskGuard, PrepareTaskGuard } from '../schemas/messages/isolate.js';

/**
 * The built-in engines, imported on first use. Literal import() paths, so a bundle keeps each engine in a
 * chunk of its own that this worker loads only when a tool of that kind runs.
 */
const BUILTIN_ENGINES: Record<ToolKind, () => Promise<() => Promise<GuestEngine>>> = {
  'function.lua': async () => (await import('../src/isolates/lua/lua-engine.js')).createLuaEngine,
  'function.js': async () => (await import('../src/isolates/js/js-engine.js')).createJsEngine,
};

const config = (workerData ?? {}) as IsolateWorkerConfig;
const port = parentPort;
const channel = port ? new HostChannelClient((message) => port.postMessage(message)) : undefined;

async function loadModules(): Promise<ReadonlyMap<string, ModuleSpec>> {
  if (!config.extraModules || config.extraModules.length === 0) return MODULE_CATALOG;
  const all = new Map(MODULE_CATALOG);
  for (const ref of config.extraModules) {
    const spec = ((await import(ref.url)) as Record<string, unknown>)[ref.export] as ModuleSpec | undefined;
    if (!spec || typeof spec.name !== 'string') throw new Error(`${ref.url} does not export a ModuleSpec "${ref.export}"`);
    all.set(spec.name, spec);
  }
  return all;
}

const engines = new Map<ToolKind, GuestEngine>();
const loading = new Map<ToolKind, Promise<GuestEngine>>();
/** Engines of their own that only compile drafts (CallContext.compile): never the one running the caller. */
const compileEngines = new Map<ToolKind, GuestEngine>();
let compileEnginesLoaded: Promise<void> | undefined;
let compileEnginesReady = false;

function compileLocally(spec: ToolSpec): LocalCompileOutcome {
  const engine = compileEngines.get(spec.kind);
  if (!engine) return { status: 'unavailable' };
  const error = engine.compile(spec);
  return error ? { status: 'compiled', error } : { status: 'compiled' };
}

/** Set by boot() before piscina hands this worker its first task. */
let bridge!: WorkerHostBridge;
const starts = config.starts ? new Int32Array(config.starts) : undefined;
const startEpoch = config.startEpoch ?? 0;
/** This worker's OS thread, for the supervisor's CPU-share policy (cpu-share.ts). */
const osThread = osThreadId();

async function createEngine(kind: ToolKind): Promise<GuestEngine> {
  const ref = config.engines?.[kind];
  if (!ref) {
    const builtin = BUILTIN_ENGINES[kind];
    if (!builtin) throw new Error(`no engine for tool kind "${kind}"`);
    return (await builtin())();
  }
  const mod = (await import(ref.url)) as Record<string, unknown>;
  const factory = mod[ref.export];
  if (typeof factory !== 'function') throw new Error(`${ref.url} does not export a function "${ref.export}"`);
  return (await (factory as (options?: unknown) => Promise<GuestEngine>)(ref.options)) as GuestEngine;
}

async function loadEngine(kind: ToolKind): Promise<GuestEngine> {
  const engine = await createEngine(kind);
  engines.set(kind, engine);
  return engine;
}

/**
 * The compile engines (one per kind), loaded once, before the first call of a tool that may use `tools`.
 * A kind whose engine fails to load stays unavailable: tools.compile then uses the draft pool.
 */
function loadCompileEngines(): Promise<void> {
  compileEnginesLoaded ??= Promise.allSettled(
    (Object.keys(BUILTIN_ENGINES) as ToolKind[]).map(async (kind) => compileEngines.set(kind, await createEngine(kind))),
  ).then(() => {
    compileEnginesReady = true;
  });
  return compileEnginesLoaded;
}

const COMPILING_MODULE = 'tools';

function failure(kind: 'Timeout' | 'Internal', message: string, started: number): CallResult {
  return { status: 'error', error: { kind, message }, stats: { ms: Date.now() - started } };
}

function runCall(engine: GuestEngine, task: CallTask, spec: ToolSpec, started: number): CallReply {
  const limit = spec.limits.timeoutMs;
  const deadline = task.deadline > 0 ? Math.min(task.deadline, started + limit) : started + limit;
  const remaining = deadline - Date.now();
  if (remaining <= 0) return failure('Timeout', `${spec.id}: deadline passed before the call started`, started);
  // The engine times the call from tool.limits.timeoutMs: give it what is left of the wall deadline.
  const tool: ToolSpec = remaining < limit ? { ...spec, limits: { ...spec.limits, timeoutMs: remaining } } : spec;
  // The task carries exactly the bridge's per-call info (actor, depth, context).
  bridge.prepare(task);
  bridge.begin(tool, deadline);
  let result: CallResult;
  try {
    result = engine.call(tool, task.input, bridge);
  } catch (err) {
    result = failure('Internal', `engine failed: ${err instanceof Error ? err.message : String(err)}`, started);
  } finally {
    bridge.end();
  }
  const release = bridge.takeRelease();
  return release ? { ...result, release } : result;
}

function engineFor(kind: ToolKind): Promise<GuestEngine> {
  let pending = loading.get(kind);
  if (!pending) {
    pending = loadEngine(kind);
    loading.set(kind, pending);
    // A failed load is retried by the next call rather than cached forever.
    pending.catch(() => loading.delete(kind));
  }
  return pending;
}

const WITHDRAWN_REPLY: Withdrawn = { status: 'withdrawn' };

/** IsolatePoolOptions.retireHeapBytes: 64 MB, the default per-call memory cap, unless the pool says otherwise. */
const retireHeapBytes = config.retireHeapBytes ?? 64 * 1024 * 1024;
/**
 * Set after a call that failed (a memory bomb stopped at its cap, most often) and left an engine's
 * WebAssembly heap above retireHeapBytes: this worker then starts nothing more (calls sent to it come back
 * withdrawn and run elsewhere) and the supervisor replaces it. A call that succeeded keeps its worker: a
 * tool that needs that much memory will likely need it again, and a replacement costs a worker boot.
 * Why the whole worker: dropping the engine does not give the memory back (V8 keeps or reuses a freed
 * WebAssembly memory, measured); ending the thread does.
 */
let retiring = false;

function grownPastLimit(): boolean {
  for (const engine of [...engines.values(), ...compileEngines.values()]) {
    if ((engine.heapBytes?.() ?? 0) > retireHeapBytes) return true;
  }
  return false;
}

/**
 * The call begins: claim its start (the supervisor's hard deadline counts from it) and run it; a call the
 * supervisor withdrew first (it was queued here behind one that ran long) is skipped: it runs elsewhere.
 */
function startCall(engine: GuestEngine, task: CallTask, spec: ToolSpec): CallReply | Withdrawn {
  if (retiring) return WITHDRAWN_REPLY;
  const started = Date.now();
  if (starts && !claimStart(starts, startEpoch, task.slot, started, osThread)) return WITHDRAWN_REPLY;
  const reply = runCall(engine, task, spec, started);
  if (reply.status === 'ok' || !grownPastLimit()) return reply;
  retiring = true;
  return { ...reply, retire: threadId };
}

/** Specs this worker was sent, by key (tasks name them; see pool-spec-cache.ts). */
const specs = new SpecCache();
const NEED_SPEC: NeedSpec = { status: 'need-spec' };

/**
 * Warm this worker for the tools a 'prepare' task names (a spare's warm-up): keep each spec by key (later
 * calls name it by key alone) and let its engine build what the first call would. No tool code runs.
 */
async function prepareTools(task: PrepareTask): Promise<Prepared> {
  const checked = PrepareTaskGuard.safeParse(task);
  if (!checked.success) return { status: 'prepared', count: 0 };
  let count = 0;
  for (const { key, tool } of checked.data.tools) {
    specs.put(key, tool);
    try {
      const engine = await engineFor(tool.kind);
      if (engine.prepare?.(tool, bridge.modules)) count++;
    } catch {
      // A tool that cannot be prepared is simply cold: its first call reports whatever is wrong.
    }
  }
  return { status: 'prepared', count };
}

function isolateTask(task: PoolTask): WorkerReply | Promise<WorkerReply> {
  if (task.op === 'ping') return null;
  if (task.op === 'prepare') return retiring ? { status: 'prepared', count: 0 } : prepareTools(task);
  if (retiring) return WITHDRAWN_REPLY;
  const received = Date.now();
  // The thread boundary: a task is checked against its schema before any engine sees it (the spec, when
  // the task carries one, once: later tasks name it by key).
  const checked = CallTaskGuard.safeParse(task);
  if (!checked.success) {
    const issue = checked.error.issues[0]!;
    return failure('Internal', `malformed isolate task: ${issue.path.join('.') || 'task'}: ${issue.message}`, received);
  }
  const spec = task.tool ?? specs.get(task.key);
  if (!spec) return NEED_SPEC;
  if (task.tool) specs.put(task.key, task.tool);
  const engine = engines.get(spec.kind);
  const compiles = spec.modules.includes(COMPILING_MODULE);
  if (engine && (!compiles || compileEnginesReady)) return startCall(engine, task, spec);
  // First call of a kind (or of a tool that may compile drafts) in this worker: load its engines, then
  // start the clock (the caller's absolute deadline, task.deadline, still bounds the call; the
  // supervisor stops a load that never ends).
  const ready = compiles ? loadCompileEngines().then(() => engineFor(spec.kind)) : engineFor(spec.kind);
  return ready.then(
    (loaded) => startCall(loaded, task, spec),
    (err: unknown) => failure('Internal', `cannot load the ${spec.kind} engine: ${err instanceof Error ? err.message : String(err)}`, received),
  );
}

/**
 * Boot: the module specs, then the preloaded engines (default: both) while the worker starts; other kinds
 * load on their first call, whose clock starts after the load (see isolateTask), so no call's deadline is
 * spent compiling WebAssembly. A failed preload is reported by the first call of that kind.
 */
async function boot(): Promise<typeof isolateTask> {
  bridge = new WorkerHostBridge(await loadModules(), channel, compileLocally, config.moduleConfig);
  const preload = config.preloadEngines ?? (Object.keys(BUILTIN_ENGINES) as ToolKind[]);
  await Promise.allSettled(preload.map(engineFor));
  return isolateTask;
}

// piscina awaits the default export before the first task. No top-level await here: on Node 20, a worker
// terminated (pool close, a replaced worker) while a module graph with top-level await is still evaluating
// can abort the whole process with a V8 fatal error.
export default boot();
