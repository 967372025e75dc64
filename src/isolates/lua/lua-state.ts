// One sandboxed Lua state: the wasmoon global (allocation tracing for the memory cap), the prelude's
// internals held in the registry, the count hook, the single host C function and cached tables.
import { LuaEngine, type LuaWasm } from 'wasmoon';
import { typeOwner, type ModuleSpec } from '../../modules/module-spec.js';
import type { CallContext } from './call-context.js';
import { killMessage } from './call-context.js';
import { hostOp } from './lua-host.js';
import { LuaMarshal, type TypeMetatables } from './lua-marshal.js';
import { PRELUDE_CHUNK_NAME, PRELUDE_SOURCE } from './lua-prelude.js';
import { LUA_MASKCOUNT, LUA_OK, LUA_REGISTRYINDEX, LuaT, type LuaPtr, type LuaRawModule } from './lua-raw.js';

/** Instructions between two hook ticks (deadline, budget and depth checks). */
export const HOOK_EVERY = 1000;

export interface LoadResult {
  readonly ok: boolean;
  /** Registry ref of the compiled function when ok. */
  readonly ref: number;
  readonly message: string;
}

export class LuaState implements TypeMetatables {
  readonly m: LuaRawModule;
  readonly L: LuaPtr;
  readonly marshal: LuaMarshal;
  readonly runRef: number;
  /** runRef as the bigint lua_rawgeti takes (made once). */
  readonly runBigRef: bigint;
  readonly killRef: number;
  private readonly gcRef: number;
  private readonly typeMtRef: number;
  private readonly engine: LuaEngine;
  private readonly hookPtr: number;
  private readonly hostPtr: number;
  private readonly arPtr: LuaPtr;
  private readonly modePtr: LuaPtr;
  private readonly moduleRefs = new WeakMap<ModuleSpec, number>();
  private readonly typeRefs = new WeakMap<ModuleSpec, Map<string, number>>();
  private closed = false;
  /** The call in progress, if any. */
  call: CallContext | undefined;

  constructor(
    cmodule: LuaWasm,
    raw: LuaRawModule,
    private readonly cancelFlag?: Int32Array,
  ) {
    this.engine = new LuaEngine(cmodule, {
      openStandardLibs: true,
      injectObjects: false,
      enableProxy: false,
      traceAllocations: true,
    });
    this.m = raw;
    this.L = this.engine.global.address;
    const m = this.m;
    this.arPtr = m._malloc(256);
    this.modePtr = m._malloc(2);
    m.HEAPU8[this.modePtr] = 't'.charCodeAt(0);
    m.HEAPU8[this.modePtr + 1] = 0;
    this.hookPtr = m.addFunction((L: number) => this.onHook(L), 'vii');
    this.hostPtr = m.addFunction((L: number) => hostOp(this, L), 'ii');

    const L = this.L;
    const base = m._lua_gettop(L);
    const loaded = this.load(PRELUDE_SOURCE, PRELUDE_CHUNK_NAME, undefined);
    if (!loaded.ok) throw new Error(`Lua prelude failed to compile: ${loaded.message}`);
    m._lua_rawgeti(L, LUA_REGISTRYINDEX, BigInt(loaded.ref));
    m._luaL_unref(L, LUA_REGISTRYINDEX, loaded.ref);
    m._lua_pushcclosure(L, this.hostPtr, 0);
    if (m._lua_pcallk(L, 1, 1, 0, 0, 0) !== LUA_OK) {
      throw new Error(`Lua prelude failed: ${this.errorText(L, -1)}`);
    }
    const field = (name: string): number => {
      this.engine.global.lua.lua_getfield(L, -1, name);
      return m._luaL_ref(L, LUA_REGISTRYINDEX);
    };
    this.runRef = field('run');
    this.runBigRef = BigInt(this.runRef);
    this.typeMtRef = field('type_mt');
    this.gcRef = field('gc');
    this.killRef = field('KILL');
    const errMt = field('ERR_MT');
    const errData = field('ERRDATA');
    m._lua_settop(L, base);
    this.marshal = new LuaMarshal(m, errMt, errData, this);
  }

  /** Bytes the Lua allocator holds now. */
  memoryUsed(): number {
    return this.engine.global.getMemoryUsed();
  }

  /** Cap on the allocator (undefined = none). Only set around protected Lua execution. */
  setMemoryMax(bytes: number | undefined): void {
    this.engine.global.setMemoryMax(bytes);
  }

  /** Compiles text-only source into a registry ref (mode "t": binary chunks are refused). */
  load(source: string, chunkName: string, memoryBytes: number | undefined): LoadResult {
    const m = this.m;
    const L = this.L;
    const bytes = new TextEncoder().encode(source);
    const buf = m._malloc(bytes.length + 1);
    const name = this.marshal ? this.marshal.cString(chunkName) : cString(m, chunkName);
    try {
      m.HEAPU8.set(bytes, buf);
      if (memoryBytes !== undefined) this.setMemoryMax(this.memoryUsed() + memoryBytes);
      let status: number;
      try {
        status = m._luaL_loadbufferx(L, buf, bytes.length, name, this.modePtr);
      } finally {
        this.setMemoryMax(undefined);
      }
      if (status !== LUA_OK) {
        const message = this.errorText(L, -1);
        m._lua_settop(L, -2);
        return { ok: false, ref: 0, message };
      }
      return { ok: true, ref: m._luaL_ref(L, LUA_REGISTRYINDEX), message: '' };
    } finally {
      m._free(buf);
      m._free(name);
    }
  }

  unref(ref: number): void {
    if (!this.closed) this.m._luaL_unref(this.L, LUA_REGISTRYINDEX, ref);
  }

  /** Full garbage collection with no memory cap (after a memory bomb). */
  collectGarbage(): void {
    const m = this.m;
    const L = this.L;
    const base = m._lua_gettop(L);
    m._lua_rawgeti(L, LUA_REGISTRYINDEX, BigInt(this.gcRef));
    m._lua_pcallk(L, 0, 0, 0, 0, 0);
    m._lua_settop(L, base);
  }

  /** Text of the error value at idx (strings only; anything else is described by type). */
  errorText(L: LuaPtr, idx: number): string {
    if (this.m._lua_type(L, idx) === LuaT.String) {
      return this.marshal ? this.marshal.stringAt(L, idx) : readString(this.m, L, idx);
    }
    return `(error object is not a string)`;
  }

  // ---- module and type tables ----------------------------------------------------------------

  moduleRef(spec: ModuleSpec): number | undefined {
    return this.moduleRefs.get(spec);
  }

  storeModule(spec: ModuleSpec, L: LuaPtr, idx: number): void {
    this.m._lua_pushvalue(L, idx);
    this.moduleRefs.set(spec, this.m._luaL_ref(L, LUA_REGISTRYINDEX));
  }

  owner(module: string, typeName: string): string {
    const modules = this.call?.bridge.modules;
    return modules ? typeOwner(modules, module, typeName) : module;
  }

  push(L: LuaPtr, module: string, typeName: string): void {
    const m = this.m;
    const spec = this.call?.bridge.modules.get(module);
    const key = spec ?? NO_SPEC;
    let byType = this.typeRefs.get(key);
    if (!byType) {
      byType = new Map();
      this.typeRefs.set(key, byType);
    }
    const ref = byType.get(typeName);
    if (ref !== undefined) {
      m._lua_rawgeti(L, LUA_REGISTRYINDEX, BigInt(ref));
      return;
    }
    const type = spec?.types?.[typeName];
    m._lua_checkstack(L, 6);
    m._lua_rawgeti(L, LUA_REGISTRYINDEX, BigInt(this.typeMtRef));
    this.marshal.pushString(L, module);
    this.marshal.pushString(L, typeName);
    this.marshal.push(L, type ? Object.keys(type.methods) : [], module);
    m._lua_pushboolean(L, type?.tostring ? 1 : 0);
    m._lua_callk(L, 4, 1, 0, 0);
    m._lua_pushvalue(L, -1);
    byType.set(typeName, m._luaL_ref(L, LUA_REGISTRYINDEX));
  }

  // ---- the count hook ------------------------------------------------------------------------

  private onHook(L: LuaPtr): void {
    const c = this.call;
    if (!c) return;
    if (!c.kill) {
      c.counted += HOOK_EVERY;
      if (this.cancelFlag && Atomics.load(this.cancelFlag, 0) !== 0) {
        c.kill = { kind: 'Canceled', message: killMessage('Canceled', c) };
      } else if (c.counted > c.instructions) c.kill = { kind: 'InstructionLimit', message: killMessage('InstructionLimit', c) };
      else if (Date.now() > c.deadline) c.kill = { kind: 'Timeout', message: killMessage('Timeout', c) };
      else if (this.m._lua_getstack(L, c.depthProbe, this.arPtr)) {
        c.kill = { kind: 'StackOverflow', message: killMessage('StackOverflow', c) };
      }
    }
    if (c.kill) {
      this.m._lua_rawgeti(L, LUA_REGISTRYINDEX, BigInt(this.killRef));
      this.m._lua_error(L);
    }
  }

  /** Installs the count hook on a call thread (hooks are per thread; coroutines inherit it). */
  hookThread(T: LuaPtr): void {
    this.m._lua_sethook(T, this.hookPtr, LUA_MASKCOUNT, HOOK_EVERY);
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    try {
      this.marshal?.dispose();
      this.engine.global.close();
    } finally {
      this.m.removeFunction(this.hookPtr);
      this.m.removeFunction(this.hostPtr);
      this.m._free(this.arPtr);
      this.m._free(this.modePtr);
    }
  }
}

const NO_SPEC = { name: '', functions: {}, summary: '' } as ModuleSpec;

function cString(m: LuaRawModule, s: string): LuaPtr {
  const bytes = new TextEncoder().encode(s);
  const p = m._malloc(bytes.length + 1);
  m.HEAPU8.set(bytes, p);
  m.HEAPU8[p + bytes.length] = 0;
  return p;
}

function readString(m: LuaRawModule, L: LuaPtr, idx: number): string {
  const lenPtr = m._malloc(8);
  try {
    const p = m._lua_tolstring(L, idx, lenPtr);
    const len = m.HEAPU32[lenPtr >> 2]!;
    return new TextDecoder().decode(m.HEAPU8.subarray(p, p + len));
  } finally {
    m._free(lenPtr);
  }
}
