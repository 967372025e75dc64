// Messages between the pool (supervisor) and the isolate worker: the task, the worker's reply, and its startup
// configuration (which module builds the engine for each tool kind). Plain data: it is structured-cloned.
import type { ModuleConfig } from '../modules/module-spec.js';
import type { Actor } from '../security/types.js';
import type { CallResult, ToolKind, ToolSpec } from './types.js';

export interface CallTask {
  readonly op: 'call';
  /** Key of the tool spec in the worker's spec cache (see pool-spec-cache.ts). */
  readonly key: string;
  /** The spec itself: only when the worker may not have `key` yet. */
  readonly tool?: ToolSpec;
  readonly input: unknown;
  readonly actor: Actor;
  /**
   * Epoch ms the call must end by whatever its limits say (a nested call inherits its caller's), or 0.
   * The guest's deadline is min(this, start + tool.limits.timeoutMs); the supervisor's hard stop comes later.
   */
  readonly deadline: number;
  readonly depth: number;
  /** CallOptions.context: what the ctx module returns in this call. */
  readonly context?: Readonly<Record<string, unknown>>;
  /** Index in the shared start table where the worker records when it began (-1: none). */
  readonly slot: number;
}

/** An empty round trip: the floor the bench compares tool calls with. */
export interface PingTask {
  readonly op: 'ping';
}

/** One tool a 'prepare' task names: its spec key and the spec (the worker keeps both, like a call's). */
export interface PrepareTool {
  readonly key: string;
  readonly tool: ToolSpec;
}

/**
 * Warm a worker for tools the level ran recently (a spare's warm-up): the worker stores each spec and lets
 * its engine build what a first call would (QuickJS warm context, Lua chunk) without running the handler.
 */
export interface PrepareTask {
  readonly op: 'prepare';
  readonly tools: readonly PrepareTool[];
}

export type PoolTask = CallTask | PingTask | PrepareTask;

/** A worker's answer to 'prepare': how many tools it built something for (already warm ones do not count). */
export interface Prepared {
  readonly status: 'prepared';
  readonly count: number;
}

/** The worker lacks the task's spec (it was sent by key only): the pool resends the task with `tool`. */
export interface NeedSpec {
  readonly status: 'need-spec';
}

/** The host-channel call of a task, released by the supervisor when the reply carrying it arrives. */
export interface HostRelease {
  readonly channel: string;
  readonly callId: number;
}

/**
 * A call's result as the worker sends it: `release` ends the call's host-channel handles; `retire` (the
 * worker's thread id) says its WebAssembly heap grew past retireHeapBytes: it starts no other call and
 * waits to be replaced.
 */
export type CallReply = CallResult & { readonly release?: HostRelease; readonly retire?: number };

/** The call was withdrawn by the supervisor before this worker started it (see StartTable.withdraw). */
export interface Withdrawn {
  readonly status: 'withdrawn';
}

/** What a worker answers: a call's result, 'need-spec', 'withdrawn', 'prepared', or null for a ping. */
export type WorkerReply = CallReply | NeedSpec | Withdrawn | Prepared | null;

/** Where a worker finds the engine for a tool kind: an ES module URL and the factory it exports. */
export interface EngineRef {
  readonly url: string;
  /** Name of an exported `async (options?) => GuestEngine` factory. */
  readonly export: string;
  readonly options?: unknown;
}

/** An ES module URL and the name of the ModuleSpec it exports. */
export interface ModuleRef {
  readonly url: string;
  readonly export: string;
}

/** workerData of every isolate worker. */
export interface IsolateWorkerConfig {
  /** Engine per tool kind; missing kinds use the built-in Lua / QuickJS engines. */
  readonly engines?: Partial<Record<ToolKind, EngineRef>>;
  /** Modules beyond the catalog (plugins, tests); the supervisor must be given the same specs. */
  readonly extraModules?: readonly ModuleRef[];
  /**
   * Shared start table: a worker stores (Date.now() - startEpoch) at task.slot when the call begins, so
   * the supervisor times its hard deadline from the real start, not from a cold worker's boot.
   */
  readonly starts?: SharedArrayBuffer;
  readonly startEpoch?: number;
  /**
   * Engines a worker loads while it boots (default: every kind). Other kinds load on their first call,
   * before that call's start is recorded, so compiling WebAssembly never eats into a call's deadline.
   */
  readonly preloadEngines?: readonly ToolKind[];
  /** Plain data the workers' local module functions read as CallContext.moduleConfig (see IsolatePoolOptions). */
  readonly moduleConfig?: ModuleConfig;
  /** IsolatePoolOptions.retireHeapBytes (the worker applies its default when absent). */
  readonly retireHeapBytes?: number;
}
