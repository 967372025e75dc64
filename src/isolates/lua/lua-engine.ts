// The Lua 5.4 GuestEngine (wasmoon): compiles tool sources once per (id, version), runs each call
// on a fresh hooked Lua thread with a fresh _ENV, under deadline, instruction, depth, memory and output caps.
import { logger } from '../../log/logger.js';
import type { ModuleSpec } from '../../modules/module-spec.js';
import type { CallResult, GuestEngine, HostBridge, IsolateError, IsolateErrorKind, ToolSpec } from '../types.js';
import { killMessage, newCallContext, type CallContext } from './call-context.js';
import { ChunkCache, type CachedChunk } from './chunk-cache.js';
import { chunkLabel, locate } from './error-line.js';
import { mustUnwind } from './lua-host.js';
import { MarshalError, OutputTooLarge } from './lua-marshal.js';
import { LUA_ERRMEM, LUA_MULTRET, LUA_OK, LUA_REGISTRYINDEX, LuaT } from './lua-raw.js';
import { loadLuaModule, type LoadedLuaModule } from './lua-module.js';
import { LuaState } from './lua-state.js';
import { refusedPrivilegedModule } from '../privileged-grants.js';

export interface LuaEngineOptions {
  /** Compiled chunks kept in the LRU cache (default 128). */
  readonly cacheSize?: number;
  /**
   * Optional cancellation cell (e.g. over a SharedArrayBuffer written by another thread): while
   * `cancelFlag[0] !== 0` a running call stops at its next hook tick with kind Canceled.
   * The owner resets it to 0 before the next call.
   */
  readonly cancelFlag?: Int32Array;
}

export interface LuaEngineStats {
  readonly calls: number;
  /** Times the Lua state was thrown away and rebuilt after a fault. */
  readonly rebuilds: number;
  readonly cachedChunks: number;
  /** Bytes held by the Lua allocator now. */
  readonly memoryBytes: number;
}

export interface LuaGuestEngine extends GuestEngine {
  readonly language: 'lua';
  stats(): LuaEngineStats;
}

const log = logger('isolates.lua');
let totalRebuilds = 0;

/** Rebuilds of Lua states across all engines in this thread. */
export function luaStateRebuilds(): number {
  return totalRebuilds;
}

/** Creates an engine; the WebAssembly module is compiled once per thread and shared. */
export async function createLuaEngine(options: LuaEngineOptions = {}): Promise<LuaGuestEngine> {
  return new WasmoonLuaEngine(await loadLuaModule(), options);
}

const bigintAsNumber = (_k: string, v: unknown): unknown => (typeof v === 'bigint' ? Number(v) : v);

/** The JSON text of a result (bigints as numbers); the replacer-free stringify first, it is much faster. */
function resultJson(value: unknown): string {
  try {
    return JSON.stringify(value) ?? 'null';
  } catch {
    // A bigint (or anything else stringify refuses): the replacer path, as before.
    return JSON.stringify(value, bigintAsNumber) ?? 'null';
  }
}

class WasmoonLuaEngine implements LuaGuestEngine {
  readonly language = 'lua' as const;
  private state: LuaState | undefined;
  private readonly cache: ChunkCache;
  private calls = 0;
  private rebuilds = 0;
  private disposed = false;
  private readonly cancelFlag: Int32Array | undefined;

  constructor(
    private readonly lua: LoadedLuaModule,
    options: LuaEngineOptions,
  ) {
    this.cancelFlag = options.cancelFlag;
    this.state = new LuaState(lua.cmodule, lua.raw, options.cancelFlag);
    this.cache = new ChunkCache(Math.max(1, options.cacheSize ?? 128), (chunk) => this.state?.unref(chunk.ref));
  }

  stats(): LuaEngineStats {
    return {
      calls: this.calls,
      rebuilds: this.rebuilds,
      cachedChunks: this.cache.size,
      memoryBytes: this.state?.memoryUsed() ?? 0,
    };
  }

  compile(tool: ToolSpec): IsolateError | undefined {
    if (this.disposed) return { kind: 'Internal', message: 'the Lua engine was disposed' };
    try {
      const r = this.compiled(tool);
      return 'kind' in r ? r : undefined;
    } catch (e) {
      this.rebuild(e);
      return { kind: 'Internal', message: `Lua engine fault while compiling ${tool.id}: ${errorText(e)}` };
    }
  }

  /** Compiles the tool's chunk into the cache now (nothing runs), so its first call here skips that. */
  prepare(tool: ToolSpec, modules: ReadonlyMap<string, ModuleSpec>): boolean {
    if (this.disposed || tool.kind !== 'function.lua') return false;
    if (refusedPrivilegedModule(tool, modules) !== undefined) return false;
    if (this.cache.get(ChunkCache.key(tool.id, tool.version), tool.source)) return false;
    try {
      return !('kind' in this.compiled(tool));
    } catch (e) {
      this.rebuild(e);
      return false;
    }
  }

  call(tool: ToolSpec, input: unknown, bridge: HostBridge): CallResult {
    const t0 = performance.now();
    this.calls += 1;
    if (this.disposed) return failed('Internal', 'the Lua engine was disposed', t0);
    if (tool.kind !== 'function.lua') return failed('InvalidInput', `${tool.id} is ${tool.kind}, not function.lua`, t0);
    const privileged = refusedPrivilegedModule(tool, bridge.modules);
    if (privileged !== undefined) {
      return failed(
        'PermissionDenied',
        `module '${privileged}' is privileged: ${tool.id} is not in a trusted namespace (app, app.tools) and may not use it`,
        t0,
      );
    }
    let chunk: CachedChunk | IsolateError;
    try {
      chunk = this.compiled(tool);
    } catch (e) {
      this.rebuild(e);
      return failed('Internal', `Lua engine fault while compiling ${tool.id}: ${errorText(e)}`, t0);
    }
    if ('kind' in chunk) return { status: 'error', error: chunk, stats: { ms: performance.now() - t0 } };
    const c = newCallContext(tool, bridge, Date.now());
    try {
      bridge.begin(tool, c.deadline);
    } catch (e) {
      return failed('Internal', `host bridge refused to begin ${tool.id}: ${errorText(e)}`, t0);
    }
    try {
      return this.execute(c, chunk, input, t0);
    } finally {
      try {
        bridge.end();
      } catch (e) {
        log.warn({ err: errorText(e), tool: tool.id }, 'host bridge end() failed');
      }
    }
  }

  /** The WebAssembly memory of the module (shared by this thread's Lua engines). */
  heapBytes(): number {
    return this.lua.raw.HEAPU8.length;
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.cache.forget();
    this.state?.close();
    this.state = undefined;
  }

  // ---- internals -----------------------------------------------------------------------------

  private live(): LuaState {
    if (!this.state) {
      this.state = new LuaState(this.lua.cmodule, this.lua.raw, this.cancelFlag);
    }
    return this.state;
  }

  private compiled(tool: ToolSpec): CachedChunk | IsolateError {
    const key = ChunkCache.key(tool.id, tool.version);
    const hit = this.cache.get(key, tool.source);
    if (hit) return hit;
    const label = chunkLabel(tool.id);
    const r = this.live().load(tool.source, `=${label}`, tool.limits.memoryBytes);
    if (!r.ok) {
      if (r.message === 'not enough memory') {
        return { kind: 'MemoryLimit', message: `compiling ${tool.id} exceeded its memory limit` };
      }
      const at = locate(r.message, label);
      return { kind: 'CompileError', ...at, message: `${tool.id}: ${at.message}` };
    }
    const chunk: CachedChunk = { ref: r.ref, source: tool.source, bigRef: BigInt(r.ref), label };
    this.cache.set(key, chunk);
    return chunk;
  }

  private execute(c: CallContext, chunk: CachedChunk, input: unknown, t0: number): CallResult {
    const s = this.live();
    const m = s.m;
    const L = s.L;
    const base = m._lua_gettop(L);
    const label = chunk.label;
    let result: { error: IsolateError } | { value: unknown };
    s.call = c;
    try {
      const T = m._lua_newthread(L);
      s.hookThread(T);
      m._lua_checkstack(T, 8);
      m._lua_rawgeti(T, LUA_REGISTRYINDEX, s.runBigRef);
      m._lua_rawgeti(T, LUA_REGISTRYINDEX, chunk.bigRef);
      s.marshal.pushString(T, `=${label}`);
      s.marshal.pushString(T, c.tool.method || 'handler');
      let pushed = true;
      try {
        s.marshal.push(T, input, '');
      } catch (e) {
        if (mustUnwind(e)) throw e;
        pushed = false;
        result = { error: { kind: 'InvalidInput', message: `input cannot be given to Lua: ${errorText(e)}` } };
      }
      if (pushed) {
        s.setMemoryMax(s.memoryUsed() + c.memoryBytes);
        let status: number;
        try {
          status = m._lua_pcallk(T, 4, LUA_MULTRET, 0, 0, 0);
        } finally {
          s.setMemoryMax(undefined);
        }
        result = this.interpret(s, c, T, status, label);
      }
    } catch (e) {
      this.rebuild(e);
      result = { error: { kind: 'Internal', message: `Lua engine fault in ${c.tool.id}: ${errorText(e)}` } };
    } finally {
      if (this.state === s) {
        s.call = undefined;
        s.marshal.endCall();
        m._lua_settop(L, base);
      }
    }
    if (c.kill?.kind === 'MemoryLimit' && this.state === s) s.collectGarbage();
    const stats = { ms: performance.now() - t0, memoryBytes: this.state?.memoryUsed() };
    const logs = c.logs.length ? { logs: c.logs } : {};
    if ('error' in result!) return { status: 'error', error: result.error, stats, ...logs };
    return { status: 'ok', value: result!.value, stats, ...logs };
  }

  private interpret(
    s: LuaState,
    c: CallContext,
    T: number,
    status: number,
    label: string,
  ): { error: IsolateError } | { value: unknown } {
    const m = s.m;
    if (c.kill) return { error: { kind: c.kill.kind, message: c.kill.message } };
    const id = c.tool.id;
    if (status !== LUA_OK) {
      const text = s.errorText(T, -1);
      if (status === LUA_ERRMEM || text === 'not enough memory') return this.memoryKill(c);
      if (text.includes('stack overflow')) return { error: { kind: 'StackOverflow', message: `${id}: ${text}` } };
      const at = locate(text, label);
      return { error: { kind: 'RuntimeError', ...at, message: `${id}: ${at.message}` } };
    }
    const code = luaString(s, T, 1);
    if (code === 'ok') return this.readResult(s, c, T);
    if (code === 'toolerr') {
      const errorKind = luaString(s, T, 3) ?? '';
      return { error: { kind: 'ToolError', message: luaString(s, T, 2) ?? '', errorKind } };
    }
    if (code === 'raise') {
      const raw = luaString(s, T, 2) ?? 'error';
      if (raw === 'not enough memory' && m._lua_type(T, 4) !== LuaT.String) return this.memoryKill(c);
      const line = m._lua_type(T, 3) === LuaT.Number ? m._lua_tonumberx(T, 3, 0) : undefined;
      const errorKind = luaString(s, T, 4);
      const isolateKind = luaString(s, T, 5) as IsolateErrorKind | undefined;
      const at = locate(raw, label, line);
      const kind: IsolateErrorKind =
        isolateKind ?? (/\b(C )?stack overflow\b/.test(raw) && !errorKind ? 'StackOverflow' : 'RuntimeError');
      return {
        error: { kind, ...at, message: `${id}: ${at.message}`, ...(errorKind ? { errorKind } : {}) },
      };
    }
    if (code === 'nomethod') {
      const names = luaString(s, T, 2) ?? '';
      const what = luaString(s, T, 3) ?? 'nil';
      const method = c.tool.method || 'handler';
      const detail = what === 'table' ? `its functions are: ${names || '(none)'}` : `it returned ${what}`;
      return {
        error: {
          kind: 'RuntimeError',
          message: `${id}: the source must return a table with a function '${method}' (or a function); ${detail}`,
        },
      };
    }
    return { error: { kind: 'Internal', message: `${id}: unexpected runner result` } };
  }

  private memoryKill(c: CallContext): { error: IsolateError } {
    c.kill = { kind: 'MemoryLimit', message: killMessage('MemoryLimit', c) };
    return { error: c.kill };
  }

  private readResult(s: LuaState, c: CallContext, T: number): { error: IsolateError } | { value: unknown } {
    const id = c.tool.id;
    let value: unknown;
    try {
      value = s.marshal.read(T, 2, 'result', c.outputBytes);
    } catch (e) {
      if (e instanceof OutputTooLarge) {
        return { error: { kind: 'OutputLimit', message: `${id}: the result is larger than ${c.outputBytes} bytes` } };
      }
      if (e instanceof MarshalError) {
        return { error: { kind: 'RuntimeError', message: `${id}: the result cannot be turned into JSON: ${e.message}${e.where()}` } };
      }
      throw e;
    }
    const json = resultJson(value);
    // UTF-8 takes at most 3 bytes per UTF-16 unit: only a long text needs its exact byte length.
    if (json.length * 3 > c.outputBytes && Buffer.byteLength(json) > c.outputBytes) {
      return { error: { kind: 'OutputLimit', message: `${id}: the result is larger than ${c.outputBytes} bytes` } };
    }
    return { value };
  }

  private rebuild(cause: unknown): void {
    this.rebuilds += 1;
    totalRebuilds += 1;
    log.warn({ err: errorText(cause) }, 'Lua state fault: rebuilding the state');
    const old = this.state;
    this.state = undefined;
    this.cache.forget();
    try {
      old?.close();
    } catch (e) {
      log.warn({ err: errorText(e) }, 'closing the faulted Lua state failed');
    }
    try {
      this.state = new LuaState(this.lua.cmodule, this.lua.raw, this.cancelFlag);
    } catch (e) {
      log.error({ err: errorText(e) }, 'rebuilding the Lua state failed');
    }
  }
}

/** The string at stack index i of T, or undefined when it is not a string. */
function luaString(s: LuaState, T: number, i: number): string | undefined {
  return s.m._lua_type(T, i) === LuaT.String ? s.marshal.stringAt(T, i) : undefined;
}

function failed(kind: IsolateErrorKind, message: string, t0: number): CallResult {
  return { status: 'error', error: { kind, message }, stats: { ms: performance.now() - t0 } };
}

function errorText(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}
