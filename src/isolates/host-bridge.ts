// The HostBridge an engine uses inside an isolate worker: local module functions run in-thread with a
// per-call CallContext; functions listed in `remote` block on the host channel until the supervisor answers.
import { ArgumentFailure, ModuleFailure, type CallContext, type GuestValue, type LocalCompileOutcome, type ModuleConfig, type ModuleSpec } from '../modules/module-spec.js';
import { MapHandleTable } from '../modules/handle-table.js';
import type { Actor } from '../security/types.js';
import type { HostBridge, ToolSpec } from './types.js';
import type { HostChannelClient } from './host-channel-client.js';
import type { HostRelease } from './pool-task.js';
import { isRemoteFn, resolveHostFn } from './module-catalog.js';

/** Who runs the current call; set by the worker before each task. */
export interface BridgeCallInfo {
  readonly actor: Actor;
  /** Nesting depth of this tool call (0 = called by the agent / CLI). */
  readonly depth: number;
  /** The call's context values (CallOptions.context), exposed as CallContext.context. */
  readonly context?: Readonly<Record<string, unknown>>;
}

const NO_CALL_INFO: BridgeCallInfo = { actor: { id: 'anonymous', meta: {} }, depth: 0 };

interface ActiveCall {
  readonly tool: ToolSpec;
  readonly ctx: CallContext;
  readonly callId: number;
  usedRemote: boolean;
}

export class WorkerHostBridge implements HostBridge {
  readonly modules: ReadonlyMap<string, ModuleSpec>;
  readonly #channel: HostChannelClient | undefined;
  readonly #compile: ((spec: ToolSpec) => LocalCompileOutcome) | undefined;
  readonly #moduleConfig: ModuleConfig | undefined;
  readonly #invoke = (module: string, fn: string, args: GuestValue[]): GuestValue => this.invoke(module, fn, args);
  readonly #handles = new MapHandleTable();
  #info: BridgeCallInfo = NO_CALL_INFO;
  #call: ActiveCall | undefined;
  #nextCallId = 1;
  /** The last ended call that used the host channel, until its release rides on the reply (takeRelease). */
  #unreleased: number | undefined;

  /**
   * `channel` is absent only where no supervisor exists (then remote functions fail with Unavailable).
   * `compile`, when given, becomes CallContext.compile (the worker's compile engines); `moduleConfig`
   * becomes CallContext.moduleConfig.
   */
  constructor(
    modules: ReadonlyMap<string, ModuleSpec>,
    channel: HostChannelClient | undefined,
    compile?: (spec: ToolSpec) => LocalCompileOutcome,
    moduleConfig?: ModuleConfig,
  ) {
    this.modules = modules;
    this.#channel = channel;
    this.#compile = compile;
    this.#moduleConfig = moduleConfig;
  }

  /** Set the actor and depth of the next call (the worker passes its task; kept until end()). */
  prepare(info: BridgeCallInfo): void {
    this.#info = info;
  }

  begin(tool: ToolSpec, deadline: number): void {
    if (this.#call && this.#call.tool === tool) return; // begin() from both the worker and the engine: one call
    if (this.#call) this.end();
    this.#call = {
      tool,
      callId: this.#nextCallId++,
      usedRemote: false,
      ctx: this.#context(tool, deadline),
    };
  }

  #context(tool: ToolSpec, deadline: number): CallContext {
    const ctx: { -readonly [K in keyof CallContext]: CallContext[K] } = {
      entryId: tool.id,
      trusted: tool.trusted,
      actor: this.#info.actor,
      deadline,
      handles: this.#handles,
      invoke: this.#invoke,
    };
    if (this.#info.context) ctx.context = this.#info.context;
    if (this.#compile) ctx.compile = this.#compile;
    if (this.#moduleConfig) ctx.moduleConfig = this.#moduleConfig;
    return ctx;
  }

  end(): void {
    const call = this.#call;
    if (!call) return;
    this.#call = undefined;
    this.#info = NO_CALL_INFO;
    this.#handles.release();
    if (!call.usedRemote || !this.#channel) return;
    // Normally the worker hands this release to the supervisor with the call's reply; one nobody took
    // (an engine path outside a task) goes as a message of its own.
    if (this.#unreleased !== undefined) this.#channel.release(this.#unreleased);
    this.#unreleased = call.callId;
  }

  /** The host-channel call that just ended, for the supervisor to release with the reply (once). */
  takeRelease(): HostRelease | undefined {
    const callId = this.#unreleased;
    if (callId === undefined || !this.#channel) return undefined;
    this.#unreleased = undefined;
    return { channel: this.#channel.name, callId };
  }

  invoke(module: string, fn: string, args: GuestValue[]): GuestValue {
    const call = this.#call;
    if (!call) throw new Error('HostBridge.invoke outside begin()/end()');
    const spec = this.modules.get(module);
    if (!spec || !call.tool.modules.includes(module)) {
      throw new ArgumentFailure(`module "${module}" is not available to ${call.tool.id}`);
    }
    if (spec.privileged && !call.tool.trusted) {
      throw new ModuleFailure('PermissionDenied', `module "${module}" is privileged: only app and app.tools entries may use it`);
    }
    const hostFn = resolveHostFn(spec, fn);
    if (!hostFn) throw new ArgumentFailure(`${module}.${fn} is not defined`);
    if (!isRemoteFn(spec, fn)) {
      const value = hostFn(call.ctx, ...args);
      if (value instanceof Promise) throw new Error(`${module}.${fn} is asynchronous but not listed in remote`);
      return value;
    }
    if (!this.#channel) throw new ModuleFailure('Unavailable', `${module}.${fn} needs the host, which is not reachable here`);
    call.usedRemote = true;
    return this.#channel.call({
      callId: call.callId,
      module,
      fn,
      args,
      entryId: call.tool.id,
      trusted: call.tool.trusted,
      actor: this.#info.actor,
      deadline: call.ctx.deadline,
      depth: this.#info.depth,
    });
  }
}
