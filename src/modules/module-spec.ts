// The contract between tool modules (time, json, http_client, ...) and the guest engines (Lua, QuickJS).
// A module is written once in TypeScript; each engine builds `require(name)` from its spec generically.
import type { IsolateError, ToolSpec } from '../isolates/types.js';
import type { Actor } from '../security/types.js';

/**
 * Values crossing the guest/host boundary.
 * - null is Lua nil / JS null (undefined is normalised to null).
 * - Uint8Array is binary data: a Lua byte string, a latin1 "binary string" in JS.
 * - TypedValue objects are wrapped by the guest into objects with the methods of `types[__type]`.
 * - Multi is several return values (Lua `return a, b, c`; JS gets an array).
 */
export type GuestValue =
  | null
  | boolean
  | number
  | bigint
  | string
  | Uint8Array
  | GuestValue[]
  | TypedValue
  | Multi
  | { [key: string]: GuestValue };

export interface TypedValue {
  readonly __type: string;
  readonly [field: string]: GuestValue;
}

export interface Multi {
  readonly __multi: readonly GuestValue[];
}

export function multi(...values: GuestValue[]): Multi {
  return { __multi: values };
}

/** Error kinds, as Wippy spells their values (compare with errors.X constants in guest code). */
export type ModuleErrorKind =
  | ''
  | 'Invalid'
  | 'NotFound'
  | 'AlreadyExists'
  | 'PermissionDenied'
  | 'Unavailable'
  | 'Internal'
  | 'Canceled'
  | 'Conflict'
  | 'Timeout'
  | 'RateLimited';

export interface ModuleErrorData {
  readonly kind: ModuleErrorKind;
  readonly message: string;
  readonly retryable?: boolean;
  readonly details?: Record<string, GuestValue>;
}

/** Thrown by a host function to make the guest call return `nil, err` (Lua) / `[null, err]`-style (JS). */
export class ModuleFailure extends Error {
  readonly code = 'MODULE_ERROR' as const;
  readonly kind: ModuleErrorKind;
  readonly retryable?: boolean;
  readonly details?: Record<string, GuestValue>;
  constructor(kind: ModuleErrorKind, message: string, extra?: { retryable?: boolean; details?: Record<string, GuestValue> }) {
    super(message);
    this.kind = kind;
    if (extra?.retryable !== undefined) this.retryable = extra.retryable;
    if (extra?.details !== undefined) this.details = extra.details;
  }
  toData(): ModuleErrorData {
    return {
      kind: this.kind,
      message: this.message,
      ...(this.retryable !== undefined ? { retryable: this.retryable } : {}),
      ...(this.details !== undefined ? { details: this.details } : {}),
    };
  }
}

/** Thrown by a host function for argument misuse: the guest gets a raised error, not an err return. */
export class ArgumentFailure extends Error {
  readonly code = 'MODULE_ARG_ERROR' as const;
}

/** Per-call state a host function may use. */
export interface CallContext {
  /** Registry id of the tool being run. */
  readonly entryId: string;
  /** True for entries in trusted namespaces (app, app.tools). */
  readonly trusted: boolean;
  readonly actor: Actor;
  /** Epoch ms after which the call is out of time. */
  readonly deadline: number;
  /** Objects the host keeps for the guest during one call (compiled regexps...), released at call end. */
  readonly handles: HandleTable;
  /** Values the caller attached to this call (the agent's ToolCallContext); the ctx module reads them. */
  readonly context?: Readonly<Record<string, unknown>>;
  /** Supervisor-side services; present only when a function runs remotely (see ModuleSpec.remote). */
  readonly services?: HostServices;
  /**
   * Isolate worker only: compile (never run) `spec` synchronously with this worker's compile engine for
   * spec.kind (an engine of its own, not the one running the caller). `unavailable` when that engine is
   * not loaded in this worker: the caller then falls back to a remote path.
   */
  readonly compile?: (spec: ToolSpec) => LocalCompileOutcome;
  /**
   * Isolate worker only: call `module.fn` exactly as the calling guest would (same grants and checks;
   * remote functions go through the host channel). Lets a local function fall back to a remote one.
   */
  readonly invoke?: (module: string, fn: string, args: GuestValue[]) => GuestValue;
  /** Isolate worker only: the pool's moduleConfig (settings of local functions, by module name). */
  readonly moduleConfig?: ModuleConfig;
}

/** Settings of worker-local module functions, by module name: plain data, copied into every isolate worker. */
export type ModuleConfig = Readonly<Record<string, Readonly<Record<string, unknown>>>>;

/** What CallContext.compile did: compiled (with the CompileError, if any), or no engine for the kind here. */
export type LocalCompileOutcome = { readonly status: 'compiled'; readonly error?: IsolateError } | { readonly status: 'unavailable' };

export interface HandleTable {
  put(value: unknown): number;
  get<T>(id: number): T;
  release(): void;
}

/** What remote module functions may use on the supervisor side. Filled in by src/host. */
export interface HostServices {
  readonly [service: string]: unknown;
}

export type HostFn = (ctx: CallContext, ...args: GuestValue[]) => GuestValue | Promise<GuestValue>;

export interface TypeSpec {
  /** Methods called as `obj:method(...)` (Lua) / `obj.method(...)` (JS); `self` is the first argument. */
  readonly methods: Readonly<Record<string, HostFn>>;
  /** Optional `tostring(obj)` / `String(obj)`. */
  readonly tostring?: HostFn;
}

export interface ModuleSpec {
  /** The require name: `time`, `json`, `http_client`... */
  readonly name: string;
  /** Only entries in trusted namespaces may require it (registry, security, funcs, env). */
  readonly privileged?: boolean;
  /** Module functions; dotted names build nested tables (`random.bytes` -> crypto.random.bytes). */
  readonly functions: Readonly<Record<string, HostFn>>;
  /**
   * Names of functions (and `Type:method`s) that must run on the supervisor thread, because they
   * do I/O or touch the registry. The engine calls them through the synchronous host channel.
   */
  readonly remote?: readonly string[];
  /** Constants: `time.SECOND`, `time.RFC3339`, `errors.INVALID`... */
  readonly constants?: Readonly<Record<string, GuestValue>>;
  readonly types?: Readonly<Record<string, TypeSpec>>;
  /** One paragraph for docs and error messages. */
  readonly summary: string;
}

/**
 * The module a typed value belongs to (whose type methods it has): the module whose function returned it
 * when that module defines its type, else the module its type name is prefixed with, when that one defines
 * it (tools.target returns a `registry.Snapshot`). Calling its methods still needs a grant of that module.
 */
export function typeOwner(modules: ReadonlyMap<string, ModuleSpec>, module: string, typeName: string): string {
  if (modules.get(module)?.types?.[typeName]) return module;
  const dot = typeName.lastIndexOf('.');
  if (dot > 0) {
    const prefix = typeName.slice(0, dot);
    if (modules.get(prefix)?.types?.[typeName]) return prefix;
  }
  return module;
}
