// The JavaScript GuestEngine on QuickJS (quickjs-emscripten, synchronous build): a frozen reusable context on its
// own runtime per tool version (a shared runtime for scripts), limits per call, recreation after faults.
import { randomUUID } from 'node:crypto';
import type { QuickJSContext, QuickJSHandle, QuickJSRuntime } from 'quickjs-emscripten';
import { logger } from '../../log/logger.js';
import type { ModuleSpec } from '../../modules/module-spec.js';
import type { CallResult, GuestEngine, HostBridge, IsolateError, IsolateErrorKind, ToolSpec } from '../types.js';
import { CallGuard, type MemoryProbe } from './call-guard.js';
import { classifyGuestError, type ErrorPhase, type GuestErrorDescription } from './guest-errors.js';
import { GUEST_HARDEN_SOURCE } from './guest-harden-source.js';
import { GUEST_PRELUDE, PRELUDE_FILENAME } from './guest-prelude.js';
import { HostGate, LogSink, preludeSource } from './host-gate.js';
import { factoryBodyCheck, factoryScript, moduleFactory, type ModuleFactory } from './module-factory.js';
import { analyzeSource, checkModuleSyntax } from './source-analysis.js';
import { preludeConfig, ToolCache, type CachedTool } from './tool-cache.js';
import { DEFAULT_REALM_LIMITS, FOOTPRINT_EVERY, WarmRealms, type Realm, type RealmLimits } from './warm-realms.js';
import { WasmInstances, wasmHeapBytes } from './wasm-instances.js';
import { toWire } from './wire-codec.js';
import { refusedPrivilegedModule } from '../privileged-grants.js';

const log = logger('isolates.js');

/** Above this QuickJS stack cap, deep recursion can overflow the host thread's native stack. */
export const MAX_STACK_BYTES = 256 * 1024;

/**
 * QuickJS stack per unit of Limits.maxDepth: 320 bytes gives at least maxDepth plain JS frames (64 KB
 * allowed ~310-370 frames here). Measured: with Node's default 4 MB worker stack, 128 KB kept every
 * tested native recursion (JSON, join, proxies, parser) inside QuickJS; 256 KB did not (parser).
 */
export const STACK_BYTES_PER_DEPTH = 320;
const MIN_STACK_BYTES = 32 * 1024;

/** The QuickJS stack for one call: enough for maxDepth frames, capped. */
export function stackBytesFor(maxDepth: number, cap: number): number {
  return Math.min(cap, Math.max(MIN_STACK_BYTES, maxDepth * STACK_BYTES_PER_DEPTH));
}

export interface JsEngineOptions {
  /**
   * Cap on the QuickJS stack in bytes; each call uses min(cap, maxDepth * 320 B). Clamped to 256 KB.
   * Default 128 KB (safe with Node's default 4 MB worker stack).
   */
  readonly maxStackBytes?: number;
  /** Keep a second WASM instance loaded to swap in synchronously if the first faults. Default true. */
  readonly spareModule?: boolean;
  /**
   * After each call, prepare the next context (context + prelude) on the event loop (setImmediate), so a
   * call that arrives after an idle moment skips that setup. Default true.
   */
  readonly prewarm?: boolean;
  /** How many (tool id, version) analyses to keep. Default 256. */
  readonly cacheSize?: number;
  /** Fill CallStats.memoryBytes (costs ~0.1 ms per call). Default false. */
  readonly reportMemory?: boolean;
  /**
   * Run ES-module tools in a reusable hardened context per tool version (frozen intrinsics and global,
   * fresh module instance per call; see README "Frozen realms"). Scripts always get a fresh context.
   * Default true.
   */
  readonly reuseContexts?: boolean;
  /** Bounds on the reusable contexts. Defaults: 8 contexts, 512 calls each, 4 MB retained each. */
  readonly realms?: Partial<RealmLimits>;
}

/** Counters a worker can report; recreations grow only after failures. */
export interface JsEngineStats {
  calls: number;
  /** Runtimes disposed and replaced after a limit hit, an internal fault or left-over jobs. */
  runtimeRecreations: number;
  /** WASM module instances replaced after the module itself faulted. */
  moduleRecreations: number;
  cacheHits: number;
  cacheMisses: number;
  /** Calls that found a context prepared in idle time. */
  prewarmedCalls: number;
  /** Calls served by an already hardened reusable context. */
  reusedCalls: number;
  /** Calls that got their fresh module scope from the tool's module factory (no module evaluation). */
  factoryCalls: number;
  /** Reusable contexts created (hardened). */
  realmsCreated: number;
  /** Reusable contexts created by prepare() ahead of the tool's first call here (part of realmsCreated). */
  realmsPrepared: number;
}

export interface JsGuestEngine extends GuestEngine {
  readonly language: 'js';
  readonly stats: Readonly<JsEngineStats>;
  /**
   * Resolves once a spare WASM instance is loaded again after a module replacement. Calls made while
   * none is available fail with Internal; a worker may await this between tasks.
   */
  ready(): Promise<void>;
  /** Prepares the next call's context now (done automatically after each call unless prewarm: false). */
  prewarm(): void;
  /** Builds the tool's reusable context ahead of its first call (nothing of the tool runs). */
  prepare(tool: ToolSpec, modules: ReadonlyMap<string, ModuleSpec>): boolean;
}

/** Guest failures after which a reusable context is kept (anything else discards it). */
const REALM_KEEP_KINDS: ReadonlySet<IsolateErrorKind> = new Set(['ToolError', 'RuntimeError']);

/** File name the hardening script is evaluated under. */
const HARDEN_FILENAME = '<sandbox-harden>';

/** Errors after which the runtime is not reused. */
const RECYCLE_KINDS: ReadonlySet<IsolateErrorKind> = new Set([
  'Timeout',
  'InstructionLimit',
  'MemoryLimit',
  'StackOverflow',
  'Internal',
]);

type Outcome = { readonly value: unknown } | { readonly error: IsolateError };

/** A fresh context with __host installed and the prelude evaluated: `boot` awaits the call's config. */
interface Prepared {
  readonly rt: QuickJSRuntime;
  readonly ctx: QuickJSContext;
  readonly boot: QuickJSHandle;
}

/** A context prepared in idle time on a runtime of its own, for the next realm to be created. */
interface WarmPrepared extends Prepared {
  readonly generation: number;
  /** The runtime's used bytes before the context was made. */
  readonly baseBytes: number;
}

function message(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** A host-side exception out of QuickJS as an IsolateError. */
function hostFault(err: unknown, guard: CallGuard): IsolateError {
  if (err instanceof RangeError && /call stack/i.test(err.message)) {
    return { kind: 'StackOverflow', message: 'stack overflow: the call stack went too deep (the host thread stack ran out)' };
  }
  if (guard.killed) return { kind: guard.killed, message: guard.message() };
  return { kind: 'Internal', message: `JavaScript engine fault: ${message(err)}` };
}

/** Bytes the runtime's objects use now (walks the heap: ~0.1 ms on a small heap). */
function runtimeUsedBytes(rt: QuickJSRuntime): number {
  // computeMemoryUsage builds its result in the runtime's system context; read it there.
  const system = (rt as unknown as { getSystemContext(): QuickJSContext }).getSystemContext();
  const usage = rt.computeMemoryUsage();
  try {
    return system.getProp(usage, 'memory_used_size').consume((h) => system.getNumber(h));
  } finally {
    usage.dispose();
  }
}

/**
 * The guard's view of one runtime's memory (see MemoryProbe in call-guard.ts). `idleBytes` (held by
 * warm contexts the call cannot reach) is not counted against the call's cap.
 */
function memoryProbe(rt: QuickJSRuntime, capBytes: number, idleBytes: number): MemoryProbe {
  return {
    capBytes,
    heapBytes: () => wasmHeapBytes(rt),
    usedBytes: () => runtimeUsedBytes(rt) - idleBytes,
  };
}

function isErrorOutcome(o: Outcome): o is { readonly error: IsolateError } {
  return 'error' in o;
}

class JsEngine implements JsGuestEngine {
  readonly language = 'js' as const;
  private readonly counters = { calls: 0, prewarmedCalls: 0, reusedCalls: 0, realmsCreated: 0, realmsPrepared: 0, factoryCalls: 0 };
  /** Realm runtimes discarded after a limit kill, left-over jobs or a fault (counted as runtime recreations). */
  private realmRecycles = 0;
  /** Set when disposing a realm's runtime aborted the WASM instance: retire it at the next safe point. */
  private instanceBroken = false;
  private readonly guard = new CallGuard();
  private readonly cache: ToolCache;
  private readonly stackBytes: number;
  private readonly autoPrewarm: boolean;
  private warm: WarmPrepared | undefined;
  private prewarmScheduled = false;
  /** The gate of the call in progress; the prepared context's __host answers through it. */
  private activeGate: HostGate | undefined;
  private readonly reportMemory: boolean;
  private readonly reuse: boolean;
  private readonly realms: WarmRealms;
  private instances!: WasmInstances;
  private disposed = false;

  constructor(options: JsEngineOptions) {
    this.cache = new ToolCache(options.cacheSize ?? 256);
    this.stackBytes = Math.min(Math.max(options.maxStackBytes ?? 128 * 1024, MIN_STACK_BYTES), MAX_STACK_BYTES);
    this.autoPrewarm = options.prewarm ?? true;
    this.reportMemory = options.reportMemory ?? false;
    this.reuse = options.reuseContexts ?? true;
    this.realms = new WarmRealms({ ...DEFAULT_REALM_LIMITS, ...options.realms }, (realm, dispose) => this.releaseRealm(realm, dispose));
  }

  /** Frees a dropped realm's handles, context and runtime (nothing when the instance must not be touched). */
  private releaseRealm(realm: Realm, dispose: boolean): void {
    if (!dispose || this.instanceBroken) return;
    try {
      realm.factoryH?.dispose();
      realm.runH.dispose();
      realm.ctx.dispose();
      realm.rt.dispose();
    } catch (err) {
      // Measured: freeing a runtime killed inside an endless promise chain can trip QuickJS's leak
      // assertion, which aborts the WASM instance; it is retired (the spare swapped in) at the next safe point.
      log.warn({ err, tool: realm.key }, 'QuickJS realm runtime did not dispose cleanly; retiring its WASM instance');
      this.instanceBroken = true;
    }
  }

  /** Retires the WASM instance if freeing a realm aborted it. */
  private retireIfBroken(): void {
    if (!this.instanceBroken) return;
    this.instances.retire();
    this.instanceBroken = false;
  }

  async load(keepSpare: boolean): Promise<void> {
    this.instances = await WasmInstances.load(keepSpare, {
      interruptHandler: this.guard.shouldInterrupt,
      // The warm context and the realms have runtimes of their own: they go only with the whole instance,
      // and then nothing of the faulted instance may be touched (dropWarm(false) disposes nothing).
      beforeInstanceGone: () => {
        this.dropWarm(false);
        this.realms.clearAll(false);
      },
    });
  }

  get stats(): Readonly<JsEngineStats> {
    return {
      ...this.counters,
      runtimeRecreations: this.instances.runtimeRecreations + this.realmRecycles,
      moduleRecreations: this.instances.moduleRecreations,
      cacheHits: this.cache.hits,
      cacheMisses: this.cache.misses,
    };
  }

  /**
   * Builds the tool's reusable hardened context now, as its first call would (analysis, factory check,
   * prelude, boot, hardening), so that call finds it warm. None of the tool's code runs: the analysis and the
   * factory check only compile. False when the context exists already or the tool cannot have one.
   */
  prepare(tool: ToolSpec, modules: ReadonlyMap<string, ModuleSpec>): boolean {
    if (!this.reuse || this.disposed || tool.kind !== 'function.js' || !this.instances.available) return false;
    if (refusedPrivilegedModule(tool, modules) !== undefined) return false;
    try {
      const slot = this.realmSlot(this.instances.runtimeNow(), tool, modules);
      if (!slot) return false;
      if (this.realms.take(slot.key, this.instances.generation, slot.entry, slot.config)) return false;
      const realm = this.createRealm(slot.key, slot.entry, slot.config);
      if ('kind' in realm) return false;
      realm.prepared = true;
      this.counters.realmsPrepared += 1;
      return true;
    } catch (err) {
      log.warn({ err, tool: tool.id }, 'QuickJS faulted while preparing a reusable context ahead of a call');
      this.instances.retire();
      return false;
    } finally {
      this.retireIfBroken();
    }
  }

  compile(tool: ToolSpec): IsolateError | undefined {
    const cached = this.cache.get(tool);
    if (cached?.compileError || cached?.checked) return cached.compileError;
    try {
      const rt = this.instances.runtimeNow();
      rt.setMemoryLimit(-1);
      rt.setMaxStackSize(stackBytesFor(tool.limits.maxDepth, this.stackBytes));
      const ctx = rt.newContext();
      try {
        const entry = cached ?? analyzeSource(ctx, tool, this.cache);
        if (entry.shape === 'module') entry.compileError = checkModuleSyntax(rt, ctx, entry, tool, this.guard);
        entry.checked = true;
        return entry.compileError;
      } finally {
        ctx.dispose();
        if (rt.hasPendingJob()) this.instances.recycleRuntime();
      }
    } catch (err) {
      log.warn({ err, tool: tool.id }, 'QuickJS faulted while compiling a JavaScript tool');
      this.instances.retire();
      return hostFault(err, this.guard);
    }
  }

  call(tool: ToolSpec, input: unknown, bridge: HostBridge): CallResult {
    const started = performance.now();
    this.counters.calls += 1;
    const logs = new LogSink(tool.limits.outputBytes);
    const outcome = this.callOutcome(tool, input, bridge, logs);
    this.schedulePrewarm();
    const stats = { ms: performance.now() - started, ...(this.lastMemory !== undefined ? { memoryBytes: this.lastMemory } : {}) };
    const extra = logs.lines.length ? { logs: logs.lines } : {};
    if (isErrorOutcome(outcome)) return { status: 'error', error: outcome.error, stats, ...extra };
    return { status: 'ok', value: outcome.value, stats, ...extra };
  }

  /** WebAssembly memory of the instance calls run on now (the spare is fresh and not counted). */
  heapBytes(): number {
    return this.disposed ? 0 : this.instances.heapBytes();
  }

  dispose(): void {
    this.disposed = true;
    this.realms.clearAll(true);
    this.dropWarm(!this.instanceBroken);
    this.instances.close();
    this.cache.clear();
  }

  private lastMemory: number | undefined;

  private refusal(tool: ToolSpec, bridge: HostBridge): IsolateError | undefined {
    if (tool.kind !== 'function.js') {
      return { kind: 'InvalidInput', message: `the JavaScript engine cannot run ${tool.kind} entry ${tool.id}` };
    }
    const privileged = refusedPrivilegedModule(tool, bridge.modules);
    if (privileged !== undefined) {
      return {
        kind: 'PermissionDenied',
        message: `module '${privileged}' is privileged; entry ${tool.id} is not in a trusted namespace and may not use it`,
      };
    }
    return undefined;
  }

  private callOutcome(tool: ToolSpec, input: unknown, bridge: HostBridge, logs: LogSink): Outcome {
    this.lastMemory = undefined;
    if (this.disposed) return { error: { kind: 'Internal', message: 'the JavaScript engine was disposed' } };
    const refused = this.refusal(tool, bridge);
    if (refused) return { error: refused };
    let inputJson: string;
    try {
      inputJson = JSON.stringify(toWire(input));
    } catch (err) {
      return { error: { kind: 'InvalidInput', message: `input cannot reach the tool: ${message(err)}` } };
    }
    let rt: QuickJSRuntime;
    try {
      rt = this.instances.runtimeNow();
    } catch (err) {
      log.error({ err }, 'no usable QuickJS module');
      this.instances.retire();
      return { error: { kind: 'Internal', message: `the JavaScript engine is restarting: ${message(err)}` } };
    }
    if (this.reuse) {
      const viaRealm = this.realmOutcome(rt, tool, inputJson, bridge, logs);
      this.retireIfBroken();
      if (viaRealm !== undefined) return viaRealm;
    }
    let ctx: QuickJSContext | undefined;
    let recycle = false;
    const { outcome, faulted } = this.guarded(rt, 0, tool, bridge, logs, () => {
      const prepared = this.preparedContext(rt);
      if ('kind' in prepared) return { error: prepared };
      ctx = prepared.ctx;
      const ran = this.runInContext(rt, prepared, tool, inputJson, bridge);
      if (this.reportMemory) this.lastMemory = this.memoryUsed(rt, ctx);
      return ran;
    });
    if (faulted) {
      this.instances.retire();
      return outcome;
    }
    if (ctx) {
      try {
        ctx.dispose();
      } catch (err) {
        recycle = true;
        log.warn({ err, tool: tool.id }, 'QuickJS context did not dispose cleanly');
      }
    }
    if (isErrorOutcome(outcome) && RECYCLE_KINDS.has(outcome.error.kind)) recycle = true;
    if (!recycle && rt.hasPendingJob()) recycle = true;
    // Measured: freeing a runtime killed inside an endless promise chain can trip QuickJS's leak
    // assertion, which aborts the WASM instance; recycleRuntime then swaps in the spare instance.
    if (recycle) this.instances.recycleRuntime();
    return outcome;
  }

  /**
   * One call under the tool's limits (memory above `baseBytes`, stack, deadline, instructions) with its host
   * gate open: `body` runs the guest. Only the WASM module can throw in there (a trap, or the host thread's own
   * stack running out); that comes back as `faulted`: the module's state is no longer trusted.
   */
  private guarded(
    rt: QuickJSRuntime,
    baseBytes: number,
    tool: ToolSpec,
    bridge: HostBridge,
    logs: LogSink,
    body: () => Outcome,
  ): { outcome: Outcome; faulted: boolean } {
    const { limits } = tool;
    const deadline = Date.now() + limits.timeoutMs;
    rt.setMemoryLimit(limits.memoryBytes + baseBytes);
    rt.setMaxStackSize(stackBytesFor(limits.maxDepth, this.stackBytes));
    this.guard.arm(deadline, limits.timeoutMs, limits.instructions, memoryProbe(rt, limits.memoryBytes, baseBytes));
    bridge.begin(tool, deadline);
    this.activeGate = new HostGate(tool, bridge, logs);
    try {
      return { outcome: body(), faulted: false };
    } catch (err) {
      log.warn({ err, tool: tool.id }, 'QuickJS faulted while running a JavaScript tool');
      return { outcome: { error: hostFault(err, this.guard) }, faulted: true };
    } finally {
      this.guard.disarm();
      this.activeGate = undefined;
      bridge.end();
    }
  }

  /** The tool's cached analysis; a scratch context analyses it on a miss (nothing runs). */
  private analyzed(rt: QuickJSRuntime, tool: ToolSpec): CachedTool {
    const cached = this.cache.get(tool);
    if (cached) return cached;
    rt.setMemoryLimit(-1);
    const ctx = rt.newContext();
    try {
      return analyzeSource(ctx, tool, this.cache);
    } finally {
      ctx.dispose();
    }
  }

  /**
   * Runs an ES-module tool in its reusable hardened context; undefined when the tool must take the fresh
   * path (a script, a known compile error). Throws only what the fresh path would (WASM faults are caught).
   */
  private realmOutcome(shared: QuickJSRuntime, tool: ToolSpec, inputJson: string, bridge: HostBridge, logs: LogSink): Outcome | undefined {
    let realm: Realm | IsolateError;
    try {
      const slot = this.realmSlot(shared, tool, bridge.modules);
      if (!slot) return undefined;
      realm = this.realms.take(slot.key, this.instances.generation, slot.entry, slot.config) ?? this.createRealm(slot.key, slot.entry, slot.config);
    } catch (err) {
      log.warn({ err, tool: tool.id }, 'QuickJS faulted while preparing a reusable context');
      this.instances.retire();
      return { error: hostFault(err, this.guard) };
    }
    if ('kind' in realm) return { error: realm };
    const { limits } = tool;
    const { rt, ctx, runH, entry } = realm;
    let evaluatedModule = false;
    realm.uses += 1;
    if (realm.uses > 1) this.counters.reusedCalls += 1;
    const { outcome, faulted } = this.guarded(rt, realm.baseBytes, tool, bridge, logs, () => {
      let outcome: Outcome;
      const factoryH = entry.factoryVerified ? this.realmFactory(realm) : undefined;
      if (factoryH !== undefined && 'kind' in factoryH) {
        outcome = { error: factoryH };
      } else if (factoryH !== undefined) {
        this.counters.factoryCalls += 1;
        outcome = this.runFactory(rt, ctx, runH, factoryH, entry, inputJson, limits.outputBytes);
      } else {
        const modeH = ctx.newString('begin');
        const begun = ctx.callFunction(runH, ctx.undefined, modeH);
        modeH.dispose();
        if (begun.error) {
          outcome = { error: this.setupFailure(ctx, begun.error, 'call reset') };
        } else {
          begun.value.dispose();
          evaluatedModule = true;
          realm.moduleUses += 1;
          // A module name no other call can guess: a later call cannot import this call's module instance.
          const moduleName = `${randomUUID()}/${entry.filename}`;
          const verify = entry.factory && !entry.factoryVerified ? entry : undefined;
          outcome = this.runTool(rt, ctx, runH, entry, inputJson, limits.outputBytes, moduleName, verify);
        }
      }
      if (this.reportMemory) this.lastMemory = this.memoryUsed(rt, ctx);
      return outcome;
    });
    if (faulted) {
      this.realms.drop(realm, false);
      this.instances.retire();
      return outcome;
    }
    const failed = isErrorOutcome(outcome) ? outcome.error.kind : undefined;
    const worn = evaluatedModule ? realm.moduleUses >= this.realms.limits.maxUses : realm.uses >= this.realms.limits.maxFactoryUses;
    let keep = (failed === undefined || REALM_KEEP_KINDS.has(failed)) && !worn;
    try {
      rt.setMemoryLimit(-1);
      if (keep && rt.hasPendingJob()) keep = false;
      if (keep && realm.uses % FOOTPRINT_EVERY === 0) {
        realm.footprint = runtimeUsedBytes(rt) - realm.baseBytes;
        if (realm.footprint > this.realms.limits.maxFootprintBytes) keep = false;
      }
    } catch (err) {
      log.warn({ err, tool: tool.id }, 'QuickJS realm could not be checked after a call');
      keep = false;
    }
    if (!keep) {
      // A limit kill, left-over jobs or a fault: only this tool version's context and runtime are discarded.
      if ((failed !== undefined && RECYCLE_KINDS.has(failed)) || !worn) this.realmRecycles += 1;
      this.realms.drop(realm);
    }
    return outcome;
  }

  /**
   * Decides once per tool version whether calls may use a module factory: the rewrite must exist and its
   * body must compile alone as a strict script (compile only, nothing runs), so the factory text is a
   * single function expression. The export names are checked later, against one real module evaluation.
   */
  private examineFactory(shared: QuickJSRuntime, entry: CachedTool): ModuleFactory | null {
    const factory = moduleFactory(entry.source);
    if (!factory) return null;
    shared.setMemoryLimit(-1);
    const scratch = shared.newContext();
    try {
      const res = scratch.evalCode(factoryBodyCheck(factory), entry.filename, { type: 'global', compileOnly: true });
      if (res.error) {
        res.error.dispose();
        return null;
      }
      res.value.dispose();
      return factory;
    } finally {
      scratch.dispose();
    }
  }

  /** The realm's compiled, frozen module factory (made on first use, inside the call's limits). */
  private realmFactory(realm: Realm): QuickJSHandle | IsolateError {
    if (realm.factoryH) return realm.factoryH;
    const { ctx, entry } = realm;
    const compiled = ctx.evalCode(factoryScript(entry.factory!), entry.filename, { type: 'global' });
    if (compiled.error) return this.setupFailure(ctx, compiled.error, 'module factory');
    if (ctx.typeof(compiled.value) !== 'function') {
      compiled.value.dispose();
      entry.factory = null;
      entry.factoryVerified = false;
      return { kind: 'Internal', message: 'the module factory did not compile to a function' };
    }
    const modeH = ctx.newString('seal');
    const sealed = ctx.callFunction(realm.runH, ctx.undefined, [modeH, compiled.value]);
    modeH.dispose();
    if (sealed.error) {
      compiled.value.dispose();
      return this.setupFailure(ctx, sealed.error, 'module factory');
    }
    sealed.value.dispose();
    realm.factoryH = compiled.value;
    return compiled.value;
  }

  /** One call through the factory: a single host call does the reset, the fresh module scope and the entry. */
  private runFactory(
    rt: QuickJSRuntime,
    ctx: QuickJSContext,
    runH: QuickJSHandle,
    factoryH: QuickJSHandle,
    entry: CachedTool,
    inputJson: string,
    outputBytes: number,
  ): Outcome {
    const modeH = ctx.newString('factory');
    const inputH = ctx.newString(inputJson);
    const taggedH = inputJson.includes('\\u0001') ? ctx.true : ctx.false;
    let envelope: string | undefined;
    try {
      envelope = this.envelopeOf(rt, ctx, runH, [modeH, factoryH, inputH, taggedH]);
    } finally {
      modeH.dispose();
      inputH.dispose();
    }
    return this.conclude(rt, envelope, entry.filename, 'run', outputBytes);
  }

  /**
   * Where a module tool's reusable context lives: its realm key, analysed source and prelude config;
   * undefined for the fresh path (a script, a known compile error). Only compiles, never runs the tool.
   */
  private realmSlot(shared: QuickJSRuntime, tool: ToolSpec, modules: ReadonlyMap<string, ModuleSpec>): { key: string; entry: CachedTool; config: string } | undefined {
    const entry = this.analyzed(shared, tool);
    if (entry.shape !== 'module' || entry.compileError) return undefined;
    if (entry.factory === undefined) entry.factory = this.examineFactory(shared, entry);
    return { key: `${tool.id}\u0000${tool.version}`, entry, config: preludeConfig(entry, tool, modules) };
  }

  /** A new hardened context, on a runtime of its own, for one tool config: prelude, boot(config), freeze. */
  private createRealm(key: string, entry: CachedTool, config: string): Realm | IsolateError {
    const generation = this.instances.generation;
    const warm = this.takeWarm();
    const rt = warm?.rt ?? this.instances.newRuntime();
    let owned = true;
    try {
      rt.setMemoryLimit(-1);
      const baseBytes = warm?.baseBytes ?? runtimeUsedBytes(rt);
      const prepared = warm ?? this.preparedContext(rt);
      if ('kind' in prepared) return prepared;
      const { ctx } = prepared;
      const configH = ctx.newString(config);
      const booted = ctx.callFunction(prepared.boot, ctx.undefined, configH);
      configH.dispose();
      prepared.boot.dispose();
      if (booted.error) {
        const failure = this.setupFailure(ctx, booted.error, 'prelude boot');
        ctx.dispose();
        return failure;
      }
      const hardened = ctx.evalCode(GUEST_HARDEN_SOURCE, HARDEN_FILENAME);
      if (hardened.error) {
        const failure = this.setupFailure(ctx, hardened.error, 'hardening');
        booted.value.dispose();
        ctx.dispose();
        return failure;
      }
      hardened.value.dispose();
      this.counters.realmsCreated += 1;
      const realm: Realm = {
        key,
        rt,
        ctx,
        generation,
        runH: booted.value,
        entry,
        config,
        factoryH: undefined,
        uses: 0,
        moduleUses: 0,
        baseBytes,
        footprint: runtimeUsedBytes(rt) - baseBytes,
      };
      owned = false;
      this.realms.add(realm);
      return realm;
    } finally {
      if (owned) rt.dispose();
    }
  }

  /** A fresh context on `rt` with __host and the prelude; an IsolateError if the prelude cannot run. */
  private preparedContext(rt: QuickJSRuntime): Prepared | IsolateError {
    const ctx = rt.newContext();
    const hostFn = ctx.newFunction('__host', (moduleH, fnH, payloadH) => {
      if (ctx.typeof(moduleH) !== 'string' || ctx.typeof(fnH) !== 'string' || ctx.typeof(payloadH) !== 'string') {
        return ctx.newString('{"e":{"t":"arg","message":"malformed host request"}}');
      }
      const module = ctx.getString(moduleH);
      const fn = ctx.getString(fnH);
      const payload = ctx.getString(payloadH);
      const gate = this.activeGate;
      const answer = gate ? gate.handle(module, fn, payload) : preludeSource(module, fn, payload);
      return answer === undefined ? undefined : ctx.newString(answer);
    });
    ctx.setProp(ctx.global, '__host', hostFn);
    hostFn.dispose();
    const boot = ctx.evalCode(GUEST_PRELUDE, PRELUDE_FILENAME);
    if (boot.error) {
      const failure = this.setupFailure(ctx, boot.error, 'prelude');
      ctx.dispose();
      return failure;
    }
    return { rt, ctx, boot: boot.value };
  }

  /** The context prepared in idle time (with its own runtime), if it belongs to the current instance. */
  private takeWarm(): WarmPrepared | undefined {
    const warm = this.warm;
    this.warm = undefined;
    if (!warm) return undefined;
    if (warm.generation === this.instances.generation) {
      this.counters.prewarmedCalls += 1;
      return warm;
    }
    return undefined;
  }

  private dropWarm(dispose: boolean): void {
    const warm = this.warm;
    this.warm = undefined;
    if (!warm || !dispose || warm.generation !== this.instances.generation) return;
    warm.boot.dispose();
    warm.ctx.dispose();
    warm.rt.dispose();
  }

  private schedulePrewarm(): void {
    if (!this.autoPrewarm || this.prewarmScheduled || this.warm || this.disposed) return;
    this.prewarmScheduled = true;
    setImmediate(() => {
      this.prewarmScheduled = false;
      this.prewarm();
    });
  }

  /** Prepares the next call's context now (normally done automatically after each call). */
  prewarm(): void {
    if (this.warm || this.disposed || !this.instances.available) return;
    try {
      const generation = this.instances.generation;
      const rt = this.instances.newRuntime();
      rt.setMemoryLimit(-1);
      const baseBytes = runtimeUsedBytes(rt);
      const prepared = this.preparedContext(rt);
      if ('kind' in prepared) {
        rt.dispose();
        return;
      }
      const warm = prepared.ctx.getProp(prepared.boot, 'warm');
      const res = prepared.ctx.callFunction(warm, prepared.ctx.undefined);
      warm.dispose();
      if (res.error) {
        res.error.dispose();
        prepared.boot.dispose();
        prepared.ctx.dispose();
        rt.dispose();
        return;
      }
      res.value.dispose();
      this.warm = { ...prepared, generation, baseBytes };
    } catch (err) {
      log.warn({ err }, 'QuickJS faulted while preparing a context');
      this.instances.retire();
    }
  }

  private runInContext(rt: QuickJSRuntime, prepared: Prepared, tool: ToolSpec, inputJson: string, bridge: HostBridge): Outcome {
    const { ctx } = prepared;
    const entry = this.cache.get(tool) ?? analyzeSource(ctx, tool, this.cache);
    if (entry.compileError) {
      prepared.boot.dispose();
      return { error: entry.compileError };
    }
    const configH = ctx.newString(preludeConfig(entry, tool, bridge.modules));
    const booted = ctx.callFunction(prepared.boot, ctx.undefined, configH);
    configH.dispose();
    prepared.boot.dispose();
    if (booted.error) return { error: this.setupFailure(ctx, booted.error, 'prelude boot') };
    const runH = booted.value;
    try {
      return this.runTool(rt, ctx, runH, entry, inputJson, tool.limits.outputBytes, entry.filename);
    } finally {
      runH.dispose();
    }
  }

  private runTool(
    rt: QuickJSRuntime,
    ctx: QuickJSContext,
    runH: QuickJSHandle,
    entry: CachedTool,
    inputJson: string,
    outputBytes: number,
    moduleName: string,
    verifyFactory?: CachedTool,
  ): Outcome {
    const evaluated = ctx.evalCode(entry.source, moduleName, { type: entry.shape === 'module' ? 'module' : 'global' });
    let envelope: string | undefined;
    let phase: ErrorPhase = 'run';
    if (evaluated.error) {
      if (this.guard.killed) {
        evaluated.error.dispose();
        return this.killed();
      }
      envelope = this.describeError(ctx, runH, evaluated.error);
      evaluated.error.dispose();
      phase = 'evaluate';
    } else {
      const valueH = evaluated.value;
      if (verifyFactory) this.verifyFactory(ctx, runH, valueH, verifyFactory);
      const inputH = ctx.newString(inputJson);
      const modeH = ctx.newString(entry.shape);
      const taggedH = inputJson.includes('\\u0001') ? ctx.true : ctx.false;
      try {
        envelope = this.envelopeOf(rt, ctx, runH, [modeH, valueH, inputH, taggedH]);
      } finally {
        inputH.dispose();
        modeH.dispose();
        valueH.dispose();
      }
    }
    const outcome = this.conclude(rt, envelope, entry.filename, phase, outputBytes);
    if (isErrorOutcome(outcome) && outcome.error.kind === 'CompileError') {
      entry.compileError = outcome.error;
      entry.checked = true;
    }
    return outcome;
  }

  /**
   * Compares a freshly evaluated module's export names with the factory rewrite's: equal names let later
   * calls of this tool version use the factory; anything else (or a namespace not yet settled) rules it out.
   */
  private verifyFactory(ctx: QuickJSContext, runH: QuickJSHandle, namespaceH: QuickJSHandle, entry: CachedTool): void {
    const factory = entry.factory;
    if (!factory) return;
    const modeH = ctx.newString('keys');
    const res = ctx.callFunction(runH, ctx.undefined, [modeH, namespaceH]);
    modeH.dispose();
    if (res.error) {
      res.error.dispose();
      return;
    }
    const json = ctx.typeof(res.value) === 'string' ? ctx.getString(res.value) : undefined;
    res.value.dispose();
    if (this.guard.killed) return;
    let names: unknown;
    try {
      names = json === undefined ? undefined : JSON.parse(json);
    } catch {
      names = undefined;
    }
    const expected = factory.exports.map(([name]) => name);
    const actual = Array.isArray(names) ? names.map(String).sort() : undefined;
    if (actual && actual.length === expected.length && actual.every((n, i) => n === expected[i])) entry.factoryVerified = true;
    else entry.factory = null;
  }

  /** Calls run('error', handle) to describe a raw exception. */
  private describeError(ctx: QuickJSContext, runH: QuickJSHandle, valueH: QuickJSHandle): string | undefined {
    const modeH = ctx.newString('error');
    try {
      const res = ctx.callFunction(runH, ctx.undefined, [modeH, valueH]);
      if (res.error) {
        res.error.dispose();
        return undefined;
      }
      const out = ctx.typeof(res.value) === 'string' ? ctx.getString(res.value) : undefined;
      res.value.dispose();
      return out;
    } finally {
      modeH.dispose();
    }
  }

  /** Runs jobs until the runner's promise settles, the guest is killed or nothing can run. */
  private settle(rt: QuickJSRuntime, ctx: QuickJSContext, promiseH: QuickJSHandle): string | undefined {
    for (;;) {
      const state = ctx.getPromiseState(promiseH);
      if (state.type === 'fulfilled') {
        const out = ctx.typeof(state.value) === 'string' ? ctx.getString(state.value) : undefined;
        state.value.dispose();
        return out;
      }
      if (state.type === 'rejected') {
        state.error.dispose();
        return undefined;
      }
      if (this.guard.expired()) return undefined;
      if (!rt.hasPendingJob()) {
        return `E${JSON.stringify({
          name: 'Error',
          message: 'the handler returned a promise that can never settle (no pending jobs; timers are not available)',
        })}`;
      }
      const ran = rt.executePendingJobs();
      if (ran.error) {
        ran.error.dispose();
        if (this.guard.killed) return undefined;
      }
    }
  }

  /** Runs left-over jobs (floating promise chains) within the deadline; false if the guest was killed. */
  private drain(rt: QuickJSRuntime): boolean {
    while (rt.hasPendingJob()) {
      if (this.guard.expired()) return false;
      const ran = rt.executePendingJobs();
      if (ran.error) ran.error.dispose();
      if (this.guard.killed) return false;
    }
    return true;
  }

  private decode(envelope: string, filename: string, phase: ErrorPhase, limit: number): Outcome {
    const body = envelope.slice(1);
    if (envelope[0] === 'R') {
      // utf8 bytes >= utf16 length, so the guest already refused anything longer than the cap
      const bytes = Buffer.byteLength(body);
      if (bytes > limit) {
        return { error: { kind: 'OutputLimit', message: `result is ${bytes} bytes of JSON, over the ${limit} byte limit` } };
      }
      return { value: JSON.parse(body) as unknown };
    }
    let desc: GuestErrorDescription;
    try {
      desc = JSON.parse(body) as GuestErrorDescription;
    } catch {
      return { error: { kind: 'Internal', message: 'malformed error description from the sandbox' } };
    }
    return { error: classifyGuestError(desc, filename, phase) };
  }

  /**
   * Calls the realm's run function and reads its envelope (a JSON string, directly or from a settled
   * promise); undefined when the guest threw past the harness (a kill, or a failure it could not describe).
   */
  private envelopeOf(rt: QuickJSRuntime, ctx: QuickJSContext, runH: QuickJSHandle, args: QuickJSHandle[]): string | undefined {
    const res = ctx.callFunction(runH, ctx.undefined, args);
    if (res.error) {
      res.error.dispose();
      return undefined;
    }
    const envelope = ctx.typeof(res.value) === 'string' ? ctx.getString(res.value) : this.settle(rt, ctx, res.value);
    res.value.dispose();
    return envelope;
  }

  /** After a run: the kill outcome if a limit stopped the guest (also while draining its jobs), else the decoded envelope. */
  private conclude(rt: QuickJSRuntime, envelope: string | undefined, filename: string, phase: ErrorPhase, outputBytes: number): Outcome {
    if (this.guard.killed) return this.killed();
    if (envelope !== undefined && !this.drain(rt)) return this.killed();
    if (envelope === undefined) {
      return { error: { kind: 'Internal', message: 'the tool failed in a way the sandbox could not describe' } };
    }
    return this.decode(envelope, filename, phase, outputBytes);
  }

  private killed(): Outcome {
    return { error: { kind: this.guard.killed ?? 'Timeout', message: this.guard.message() } };
  }

  private setupFailure(ctx: QuickJSContext, errorH: QuickJSHandle, what: string): IsolateError {
    let detail = '';
    try {
      const dumped = ctx.dump(errorH) as { message?: unknown } | null;
      detail = String(dumped && typeof dumped === 'object' ? dumped.message : dumped);
    } catch {
      detail = 'unreadable exception';
    }
    errorH.dispose();
    if (this.guard.killed) return { kind: this.guard.killed, message: this.guard.message() };
    if (detail === 'out of memory') {
      return { kind: 'MemoryLimit', message: `memory limit too small to set up the JavaScript sandbox (${what})` };
    }
    return { kind: 'Internal', message: `sandbox ${what} failed: ${detail}` };
  }

  private memoryUsed(rt: QuickJSRuntime, ctx: QuickJSContext): number | undefined {
    try {
      const usage = rt.computeMemoryUsage();
      const used = ctx.getProp(usage, 'memory_used_size').consume((h) => ctx.getNumber(h));
      usage.dispose();
      return used;
    } catch {
      return undefined;
    }
  }

  ready(): Promise<void> {
    return this.instances.ready();
  }
}

/** Creates a JavaScript engine with its own QuickJS WASM instance (and a spare loading in the background). */
export async function createJsEngine(options: JsEngineOptions = {}): Promise<JsGuestEngine> {
  const engine = new JsEngine(options);
  await engine.load(options.spareModule ?? true);
  return engine;
}
