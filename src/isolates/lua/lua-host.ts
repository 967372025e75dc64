// The body of the one Lua-callable C function `host(op, ...)`: module calls, require, print and the
// kill query. Only plain values cross; every JS fault becomes a status code, never a JS exception.
import type { GuestValue, Multi } from '../../modules/module-spec.js';
import { killMessage } from './call-context.js';
import type { LuaState } from './lua-state.js';
import { luaInteger, MarshalError } from './lua-marshal.js';
import { LUA_REGISTRYINDEX, LuaT, luaTypeName, type LuaPtr } from './lua-raw.js';

export const OP_INVOKE = 1;
export const OP_PRINT = 2;
export const OP_REQUIRE = 3;
export const OP_STORE = 4;
export const OP_KILLED = 5;

/** Status codes understood by the prelude's `finish`. */
const ST_OK = 0;
const ST_FAILURE = 1;
const ST_ARGUMENT = 2;
const ST_INTERNAL = 3;
const ST_KILLED = 4;

export function hostOp(state: LuaState, L: LuaPtr): number {
  const m = state.m;
  try {
    const op = m._lua_tonumberx(L, 1, 0);
    const c = state.call;
    if (!c) return statusMessage(state, L, ST_INTERNAL, 'host called outside a tool call');
    switch (op) {
      case OP_INVOKE:
        return invoke(state, L);
      case OP_PRINT: {
        const bytes = m._lua_type(L, 2) === LuaT.String ? state.marshal.bytesAt(L, 2) : new Uint8Array();
        c.logBytes += bytes.length + 1;
        if (c.logBytes > c.outputBytes) {
          c.kill ??= { kind: 'OutputLimit', message: killMessage('OutputLimit', c) };
          m._lua_pushboolean(L, 1);
          return 1;
        }
        c.logs.push(state.marshal.stringAt(L, 2));
        return 0;
      }
      case OP_KILLED:
        if (m._lua_tonumberx(L, 2, 0) === 1 && !c.kill) {
          c.kill = { kind: 'MemoryLimit', message: killMessage('MemoryLimit', c) };
        }
        m._lua_pushboolean(L, c.kill ? 1 : 0);
        return 1;
      case OP_REQUIRE:
        return requireModule(state, L);
      case OP_STORE: {
        const spec = c.bridge.modules.get(state.marshal.stringAt(L, 2));
        if (spec && m._lua_type(L, 3) === LuaT.Table) state.storeModule(spec, L, 3);
        return 0;
      }
      default:
        return statusMessage(state, L, ST_INTERNAL, `unknown host operation ${op}`);
    }
  } catch (e) {
    if (mustUnwind(e)) throw e;
    return statusMessage(state, L, ST_INTERNAL, `host fault: ${e instanceof Error ? e.message : String(e)}`);
  }
}

const WasmRuntimeError = (globalThis as unknown as { WebAssembly: { RuntimeError: new () => Error } }).WebAssembly.RuntimeError;

/**
 * Emscripten unwinds a Lua error (longjmp) by throwing Infinity through JS frames: it must pass.
 * A WebAssembly trap means the state may be corrupt: let it reach the engine, which rebuilds.
 */
export function mustUnwind(e: unknown): boolean {
  return e === Infinity || e instanceof WasmRuntimeError;
}

function statusMessage(state: LuaState, L: LuaPtr, status: number, message: string): number {
  state.m._lua_checkstack(L, 3);
  state.m._lua_pushinteger(L, luaInteger(status));
  state.marshal.pushString(L, message);
  return 2;
}

function requireModule(state: LuaState, L: LuaPtr): number {
  const m = state.m;
  const c = state.call!;
  const name = m._lua_type(L, 2) === LuaT.String ? state.marshal.stringAt(L, 2) : '';
  const id = c.tool.id;
  if (!c.granted.has(name)) {
    const granted = c.tool.modules.length ? c.tool.modules.join(', ') : '(none)';
    return requireError(state, L, 2, `module '${name}' is not granted to ${id}; granted: ${granted}`, 'ModuleNotFound');
  }
  const spec = c.bridge.modules.get(name);
  if (!spec) {
    return requireError(state, L, 2, `module '${name}' is granted to ${id} but does not exist in this isolate`, 'ModuleNotFound');
  }
  if (spec.privileged && !c.tool.trusted) {
    return requireError(state, L, 3, `module '${name}' is privileged and ${id} is not a trusted entry`, 'PermissionDenied');
  }
  const ref = state.moduleRef(spec);
  m._lua_checkstack(L, 4);
  if (ref !== undefined) {
    m._lua_pushinteger(L, 0n);
    m._lua_rawgeti(L, LUA_REGISTRYINDEX, BigInt(ref));
    return 2;
  }
  m._lua_pushinteger(L, 1n);
  state.marshal.push(L, Object.keys(spec.functions), name);
  state.marshal.push(L, spec.constants ?? {}, name, true);
  return 3;
}

function requireError(state: LuaState, L: LuaPtr, status: number, message: string, kind: string): number {
  state.m._lua_checkstack(L, 4);
  state.m._lua_pushinteger(L, luaInteger(status));
  state.marshal.pushString(L, message);
  state.marshal.pushString(L, kind);
  return 3;
}

function invoke(state: LuaState, L: LuaPtr): number {
  const m = state.m;
  const c = state.call!;
  const module = state.marshal.stringAt(L, 2);
  const fn = state.marshal.stringAt(L, 3);
  const top = m._lua_gettop(L);
  const label = fn.includes(':') ? fn : `${module}.${fn}`;
  if (!c.granted.has(module)) return statusMessage(state, L, ST_ARGUMENT, `module '${module}' is not granted to ${c.tool.id}`);
  const args: GuestValue[] = [];
  for (let i = 4; i <= top; i++) {
    try {
      args.push(state.marshal.read(L, i, 'args'));
    } catch (e) {
      if (!(e instanceof MarshalError)) throw e;
      return statusMessage(state, L, ST_ARGUMENT, `bad argument #${i - 3} to '${label}' (${e.message}${e.where()})`);
    }
  }
  const colon = fn.indexOf(':');
  if (colon > 0) {
    const typeName = fn.slice(0, colon);
    const self = args[0] as { __type?: unknown } | null | undefined;
    if (!self || typeof self !== 'object' || self.__type !== typeName) {
      const got = top >= 4 ? luaTypeName(m._lua_type(L, 4)) : 'no value';
      return statusMessage(state, L, ST_ARGUMENT, `bad self for '${label}' (${typeName} expected, got ${got}; call methods with ':')`);
    }
  }
  let result: GuestValue;
  try {
    result = c.bridge.invoke(module, fn, args);
  } catch (e) {
    if (mustUnwind(e)) throw e;
    const err = e as { code?: unknown; kind?: unknown; message?: unknown; retryable?: unknown; details?: unknown };
    if (err && err.code === 'MODULE_ERROR') {
      m._lua_checkstack(L, 6);
      m._lua_pushinteger(L, luaInteger(ST_FAILURE));
      state.marshal.pushString(L, typeof err.kind === 'string' ? err.kind : '');
      state.marshal.pushString(L, typeof err.message === 'string' ? err.message : String(err.message));
      if (typeof err.retryable === 'boolean') m._lua_pushboolean(L, err.retryable ? 1 : 0);
      else m._lua_pushnil(L);
      state.marshal.push(L, err.details ?? null, module);
      return 5;
    }
    if (Date.now() > c.deadline) return killed(state, L);
    const message = e instanceof Error ? e.message : String(e);
    if (err && err.code === 'MODULE_ARG_ERROR') return statusMessage(state, L, ST_ARGUMENT, `${label}: ${message}`);
    return statusMessage(state, L, ST_INTERNAL, `${label} failed: ${message}`);
  }
  if (c.kill || Date.now() > c.deadline) return killed(state, L);
  if (result && typeof (result as { then?: unknown }).then === 'function') {
    return statusMessage(state, L, ST_INTERNAL, `${label} returned a promise; module functions must be synchronous here`);
  }
  const multi = result && typeof result === 'object' && '__multi' in result ? (result as Multi).__multi : undefined;
  const values = multi ?? [result];
  m._lua_checkstack(L, values.length + 4);
  m._lua_pushinteger(L, luaInteger(ST_OK));
  for (const v of values) state.marshal.push(L, v, module);
  return values.length + 1;
}

function killed(state: LuaState, L: LuaPtr): number {
  const c = state.call!;
  c.kill ??= { kind: 'Timeout', message: killMessage('Timeout', c) };
  state.m._lua_pushinteger(L, luaInteger(ST_KILLED));
  return 1;
}
