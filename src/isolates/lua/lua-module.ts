// Loads wasmoon's Lua WebAssembly module once per thread and captures its raw exports, so hot-path C API
// calls and the allocator's realloc/free skip the emscripten debug build's per-call assertion wrappers.
import { LuaFactory, type LuaWasm } from 'wasmoon';
import type { LuaRawModule } from './lua-raw.js';

export interface LoadedLuaModule {
  readonly cmodule: LuaWasm;
  readonly raw: LuaRawModule;
  /** False when the raw exports could not be captured and the wrapped ones are used. */
  readonly direct: boolean;
}

let loading: Promise<LoadedLuaModule> | undefined;

export function loadLuaModule(): Promise<LoadedLuaModule> {
  loading ??= load();
  return loading;
}

type WasmExports = Record<string, unknown>;
interface WasmApi {
  instantiate: (...args: unknown[]) => Promise<unknown>;
  Instance: abstract new (...args: never[]) => { readonly exports: WasmExports };
}

async function load(): Promise<LoadedLuaModule> {
  const wasm = (globalThis as unknown as { WebAssembly: WasmApi }).WebAssembly;
  const original = wasm.instantiate;
  let exports: WasmExports | undefined;
  wasm.instantiate = async function capture(...args: unknown[]): Promise<unknown> {
    const result = await original.apply(wasm, args);
    const instance = result instanceof wasm.Instance ? result : (result as { instance?: unknown }).instance;
    if (instance instanceof wasm.Instance && 'lua_newthread' in instance.exports) exports ??= instance.exports;
    return result;
  };
  let cmodule: LuaWasm;
  try {
    cmodule = await new LuaFactory().getLuaModule();
  } finally {
    wasm.instantiate = original;
  }
  const wrapped = cmodule.module as unknown as LuaRawModule;
  if (!exports || typeof exports.lua_gettop !== 'function' || typeof exports.malloc !== 'function') {
    return { cmodule, raw: wrapped, direct: false };
  }
  const raw: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(exports)) {
    if (typeof value === 'function') raw[`_${name}`] = value;
  }
  Object.defineProperties(raw, {
    HEAPU8: { get: () => wrapped.HEAPU8 },
    HEAPU32: { get: () => wrapped.HEAPU32 },
  });
  raw.addFunction = wrapped.addFunction.bind(wrapped);
  raw.removeFunction = wrapped.removeFunction.bind(wrapped);
  // wasmoon's allocation tracer (what enforces the memory cap) calls module._realloc and module._free from JS
  // on every Lua allocation, through the same wrappers: point those two at the raw exports as well.
  const shared = cmodule.module as unknown as Record<string, unknown>;
  if (typeof exports.realloc === 'function') shared._realloc = exports.realloc;
  if (typeof exports.free === 'function') shared._free = exports.free;
  return { cmodule, raw: raw as unknown as LuaRawModule, direct: true };
}
