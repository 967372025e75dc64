// Isolate vocabulary: what a tool call is given (spec, limits, input) and what it returns.
// Results and errors are plain data: they cross worker threads and reach the model as JSON.
import type { GuestValue, ModuleSpec } from '../modules/module-spec.js';

export interface Limits {
  /** Wall-clock deadline per call. */
  readonly timeoutMs: number;
  /** Guest heap cap (Lua allocator / QuickJS runtime). */
  readonly memoryBytes: number;
  /** Cap on the JSON size of the result (and on captured print output). */
  readonly outputBytes: number;
  /** VM instruction budget (Lua count hook / QuickJS interrupt polls). */
  readonly instructions: number;
  /** Maximum call depth. */
  readonly maxDepth: number;
}

export const DEFAULT_LIMITS: Limits = Object.freeze({
  timeoutMs: 5_000,
  memoryBytes: 64 * 1024 * 1024,
  outputBytes: 1024 * 1024,
  instructions: 500_000_000,
  maxDepth: 200,
});

export type ToolKind = 'function.lua' | 'function.js';

/** Everything an isolate needs to run one entry; built from a registry entry by the supervisor. */
export interface ToolSpec {
  readonly id: string;
  /** Registry version the entry was read at: compiled code is cached per (id, version). */
  readonly version: number;
  readonly kind: ToolKind;
  readonly source: string;
  /** Name of the entry function in the table/object the source returns (default `handler`). */
  readonly method: string;
  /** Granted modules: the only names `require` can see. */
  readonly modules: readonly string[];
  /** Entries in trusted namespaces (app, app.tools) may use privileged modules. */
  readonly trusted: boolean;
  readonly limits: Limits;
}

export type IsolateErrorKind =
  | 'CompileError'
  | 'RuntimeError'
  | 'ToolError'
  | 'Timeout'
  | 'InstructionLimit'
  | 'MemoryLimit'
  | 'OutputLimit'
  | 'StackOverflow'
  | 'PermissionDenied'
  | 'ModuleNotFound'
  | 'NotFound'
  | 'InvalidInput'
  | 'Canceled'
  | 'Internal';

export interface IsolateError {
  readonly kind: IsolateErrorKind;
  readonly message: string;
  /** 1-based line in the tool's source, when known. */
  readonly line?: number;
  /** For ToolError: the guest error's own kind (`Invalid`, `NotFound`...). */
  readonly errorKind?: string;
}

export interface CallStats {
  readonly ms: number;
  /** Guest memory in use at the end of the call, when the engine can tell. */
  readonly memoryBytes?: number;
}

export type CallResult =
  | { readonly status: 'ok'; readonly value: unknown; readonly stats: CallStats; readonly logs?: readonly string[] }
  | { readonly status: 'error'; readonly error: IsolateError; readonly stats: CallStats; readonly logs?: readonly string[] };

/** How an engine reaches module functions during a call. Synchronous from the guest's point of view. */
export interface HostBridge {
  /** Module specs the engine may expose (it still filters by ToolSpec.modules and trust). */
  readonly modules: ReadonlyMap<string, ModuleSpec>;
  /**
   * Call `module.fn` (or `module.Type:method`) with guest arguments. Local functions run in-thread;
   * remote ones block on the host channel until the supervisor answers or the deadline passes.
   * Throws ModuleFailure (-> `nil, err`) or ArgumentFailure (-> raised error).
   */
  invoke(module: string, fn: string, args: GuestValue[]): GuestValue;
  /** Called once per call before the guest runs and after it ends (handle tables, accounting). */
  begin(tool: ToolSpec, deadline: number): void;
  end(): void;
}

/** One guest language runtime inside an isolate worker. Calls are synchronous and never throw for guest faults. */
export interface GuestEngine {
  readonly language: 'lua' | 'js';
  /** Compile only; returns the first syntax error (with line) or undefined. */
  compile(tool: ToolSpec): IsolateError | undefined;
  call(tool: ToolSpec, input: unknown, bridge: HostBridge): CallResult;
  /**
   * Optional: build now what the tool's first call would (a warm context, a compiled chunk) without running
   * any of the tool's code; true when something was built (false: already warm, refused, or not possible).
   */
  prepare?(tool: ToolSpec, modules: ReadonlyMap<string, ModuleSpec>): boolean;
  /**
   * Optional: bytes of WebAssembly memory the engine's instance holds now. WebAssembly memory never shrinks
   * (not even when the instance is dropped, measured: V8 keeps or reuses it), so a worker whose engines a
   * failed call grew past IsolatePoolOptions.retireHeapBytes is replaced (isolate-worker.ts).
   */
  heapBytes?(): number;
  dispose(): void;
}
