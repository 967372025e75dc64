// Converts values between the Lua stack and GuestValues through the raw C API (plain data only).
// Lua->host: tables become arrays/objects (mixed, sparse, cyclic or >128 deep are refused), byte
// strings that are not UTF-8 become Uint8Array, typed-value userdata gives back its host data.
import type { GuestValue, TypedValue } from '../../modules/module-spec.js';
import { LUA_REGISTRYINDEX, LuaT, luaTypeName, type LuaPtr, type LuaRawModule } from './lua-raw.js';

const MAX_DEPTH = 128;
const PUSH_MAX_DEPTH = 200;
const SAFE = BigInt(Number.MAX_SAFE_INTEGER);
const I64_MAX = (1n << 63n) - 1n;
const I64_MIN = -(1n << 63n);
/** Marks userdata made by this engine for typed values: [magic, handle id]. */
const TYPED_MAGIC = 0x5a110c47;

const fatalDecoder = new TextDecoder('utf-8', { fatal: true });
const lossyDecoder = new TextDecoder('utf-8');
const encoder = new TextEncoder();

/** A value the guest tried to pass that has no host representation; `path` names where. */
export class MarshalError extends Error {
  readonly path: string[] = [];
  where(): string {
    return this.path.length ? ` at ${this.path.join('')}` : '';
  }
}

/** Thrown while reading a result that is already bigger than the output cap. */
export class OutputTooLarge extends Error {}

export interface TypeMetatables {
  /** Pushes the metatable for values of `module`'s type `typeName` onto L. */
  push(L: LuaPtr, module: string, typeName: string): void;
  /** The module a value of `typeName` returned by `module` belongs to (see typeOwner). */
  owner(module: string, typeName: string): string;
}

interface Handle {
  readonly module: string;
  readonly value: TypedValue;
}

export type ReadMode = 'args' | 'result';

export class LuaMarshal {
  private scratchPtr = 0;
  private scratchCap = 0;
  private readonly lenPtr: LuaPtr;
  private readonly handles = new Map<number, Handle>();
  private callHandles: number[] = [];
  private nextHandle = 1;
  private readonly seen = new Set<number>();
  private budget = Infinity;
  private mode: ReadMode = 'args';

  constructor(
    private readonly m: LuaRawModule,
    private readonly errMtRef: number,
    private readonly errDataRef: number,
    private readonly types: TypeMetatables,
  ) {
    this.lenPtr = m._malloc(8);
  }

  dispose(): void {
    if (this.scratchPtr) this.m._free(this.scratchPtr);
    this.m._free(this.lenPtr);
    this.scratchPtr = 0;
    this.handles.clear();
  }

  /** Forget the typed values handed out during the call that just ended. */
  endCall(): void {
    for (const id of this.callHandles) this.handles.delete(id);
    this.callHandles = [];
  }

  // ---- strings -------------------------------------------------------------------------------

  private scratch(size: number): LuaPtr {
    if (size > this.scratchCap) {
      if (this.scratchPtr) this.m._free(this.scratchPtr);
      const cap = Math.max(256, size);
      this.scratchPtr = this.m._malloc(cap);
      if (!this.scratchPtr) throw new Error(`cannot allocate ${cap} bytes of scratch memory`);
      this.scratchCap = cap;
    }
    return this.scratchPtr;
  }

  /** A NUL-terminated copy of `s` in wasm memory; the caller frees it. */
  cString(s: string): LuaPtr {
    const bytes = encoder.encode(s);
    const p = this.m._malloc(bytes.length + 1);
    this.m.HEAPU8.set(bytes, p);
    this.m.HEAPU8[p + bytes.length] = 0;
    return p;
  }

  pushString(L: LuaPtr, s: string): void {
    const n = s.length;
    const max = n * 3;
    const p = this.scratch(max);
    const heap = this.m.HEAPU8;
    // Most strings a tool gets are short ASCII (keys, ids, names): copied by hand, without the view and
    // the encoder call that cost more than the copy (a registry listing pushes tens of thousands).
    if (n <= SHORT_STRING) {
      let i = 0;
      for (; i < n; i++) {
        const c = s.charCodeAt(i);
        if (c > 0x7f) break;
        heap[p + i] = c;
      }
      if (i === n) {
        this.m._lua_pushlstring(L, p, n);
        return;
      }
    }
    const { written } = encoder.encodeInto(s, heap.subarray(p, p + max));
    this.m._lua_pushlstring(L, p, written);
  }

  pushBytes(L: LuaPtr, bytes: Uint8Array): void {
    const p = this.scratch(bytes.length);
    this.m.HEAPU8.set(bytes, p);
    this.m._lua_pushlstring(L, p, bytes.length);
  }

  /** The bytes of the string at idx (a view into wasm memory, valid until the next allocation). */
  bytesAt(L: LuaPtr, idx: number): Uint8Array {
    const p = this.m._lua_tolstring(L, idx, this.lenPtr);
    const len = this.m.HEAPU32[this.lenPtr >> 2]!;
    return this.m.HEAPU8.subarray(p, p + len);
  }

  /** The string at idx as JS text (invalid UTF-8 replaced). Only for values of type string. */
  stringAt(L: LuaPtr, idx: number): string {
    return decode(this.bytesAt(L, idx), true) as string;
  }

  // ---- Lua -> host ---------------------------------------------------------------------------

  /** Reads the value at idx. Throws MarshalError (or OutputTooLarge in result mode with a budget). */
  read(L: LuaPtr, idx: number, mode: ReadMode, budget = Infinity): GuestValue {
    this.mode = mode;
    this.budget = budget;
    this.seen.clear();
    try {
      return this.value(L, this.m._lua_absindex(L, idx), 0);
    } finally {
      this.seen.clear();
    }
  }

  private spend(n: number): void {
    this.budget -= n;
    if (this.budget < 0) throw new OutputTooLarge('result exceeds the output limit');
  }

  private value(L: LuaPtr, idx: number, depth: number): GuestValue {
    const m = this.m;
    const t = m._lua_type(L, idx);
    switch (t) {
      case LuaT.Nil:
        this.spend(4);
        return null;
      case LuaT.Boolean:
        this.spend(4);
        return m._lua_toboolean(L, idx) !== 0;
      case LuaT.Number: {
        this.spend(1);
        if (m._lua_isinteger(L, idx)) {
          const b = m._lua_tointegerx(L, idx, 0);
          if (b <= SAFE && b >= -SAFE) return Number(b);
          return this.mode === 'result' ? Number(b) : b;
        }
        const n = m._lua_tonumberx(L, idx, 0);
        if (this.mode === 'result' && !Number.isFinite(n)) return null;
        return n;
      }
      case LuaT.String: {
        const bytes = this.bytesAt(L, idx);
        this.spend(bytes.length + 2);
        return decode(bytes, this.mode === 'result');
      }
      case LuaT.Table:
        return this.table(L, idx, depth);
      case LuaT.Userdata: {
        const h = this.handleAt(L, idx);
        if (!h) throw new MarshalError('a userdata value cannot be passed to the host');
        this.spend(16);
        return h.value;
      }
      default:
        throw new MarshalError(`a ${luaTypeName(t)} value cannot be passed to the host`);
    }
  }

  private handleAt(L: LuaPtr, idx: number): Handle | undefined {
    const p = this.m._lua_touserdata(L, idx);
    if (!p || p % 4 !== 0) return undefined;
    const heap = this.m.HEAPU32;
    if (heap[p >> 2] !== TYPED_MAGIC) return undefined;
    return this.handles.get(heap[(p >> 2) + 1]!);
  }

  private isErrorValue(L: LuaPtr, idx: number): boolean {
    const m = this.m;
    if (!m._lua_getmetatable(L, idx)) return false;
    m._lua_rawgeti(L, LUA_REGISTRYINDEX, BigInt(this.errMtRef));
    const same = m._lua_rawequal(L, -1, -2) !== 0;
    m._lua_settop(L, -3);
    return same;
  }

  private errorValue(L: LuaPtr, idx: number): GuestValue {
    const m = this.m;
    m._lua_rawgeti(L, LUA_REGISTRYINDEX, BigInt(this.errDataRef));
    m._lua_pushvalue(L, idx);
    m._lua_rawget(L, -2);
    let kind = '';
    let message = '';
    if (m._lua_type(L, -1) === LuaT.Table) {
      if (m._lua_rawgeti(L, -1, 1n) === LuaT.String) kind = this.stringAt(L, -1);
      if (m._lua_rawgeti(L, -2, 2n) === LuaT.String) message = this.stringAt(L, -1);
      m._lua_settop(L, -3);
    }
    m._lua_settop(L, -3);
    this.spend(kind.length + message.length + 24);
    return { kind, message };
  }

  private table(L: LuaPtr, idx: number, depth: number): GuestValue {
    const m = this.m;
    if (depth >= MAX_DEPTH) throw new MarshalError(`table nesting deeper than ${MAX_DEPTH}`);
    if (this.isErrorValue(L, idx)) return this.errorValue(L, idx);
    const ptr = m._lua_topointer(L, idx);
    if (this.seen.has(ptr)) throw new MarshalError('table contains a cycle (a table inside itself)');
    this.seen.add(ptr);
    if (!m._lua_checkstack(L, 4)) throw new MarshalError('Lua stack exhausted');
    this.spend(2);
    const arr: GuestValue[] = [];
    let obj: Record<string, GuestValue> | undefined;
    let ints = 0;
    let maxInt = 0;
    let firstKey: string | undefined;
    m._lua_pushnil(L);
    while (m._lua_next(L, idx)) {
      const kt = m._lua_type(L, -2);
      let label: string;
      let intKey = 0;
      let strKey: string | undefined;
      if (kt === LuaT.String) {
        strKey = this.stringAt(L, -2);
        label = `.${strKey}`;
        if (ints > 0) throw new MarshalError(`table mixes array items and string keys ("${strKey}")`);
        firstKey ??= strKey;
      } else if (kt === LuaT.Number && m._lua_isinteger(L, -2)) {
        const k = m._lua_tointegerx(L, -2, 0);
        label = `[${k}]`;
        if (firstKey !== undefined) throw new MarshalError(`table mixes string keys ("${firstKey}") and array items ([${k}])`);
        if (k < 1n || k > 0x7fffffffn) throw new MarshalError(`array index ${k} is out of range (arrays start at 1)`);
        intKey = Number(k);
      } else {
        const what = kt === LuaT.Number ? `number ${m._lua_tonumberx(L, -2, 0)}` : luaTypeName(kt);
        throw new MarshalError(`table key of type ${what} is not allowed (use strings or 1..n)`);
      }
      let v: GuestValue;
      try {
        v = this.value(L, m._lua_gettop(L), depth + 1);
      } catch (e) {
        if (e instanceof MarshalError) e.path.unshift(label);
        throw e;
      }
      m._lua_settop(L, -2);
      if (strKey !== undefined) {
        obj ??= {};
        obj[strKey] = v;
        this.spend(strKey.length + 4);
      } else {
        arr[intKey - 1] = v;
        ints += 1;
        if (intKey > maxInt) maxInt = intKey;
        this.spend(1);
      }
    }
    this.seen.delete(ptr);
    if (obj) return obj;
    if (ints !== maxInt) {
      throw new MarshalError(`sparse array (${ints} items but index ${maxInt}; nil holes are not allowed)`);
    }
    return arr;
  }

  // ---- host -> Lua ---------------------------------------------------------------------------

  /** Pushes one value. `module` owns any typed values; `persistent` keeps their handles past the call. */
  push(L: LuaPtr, v: unknown, module: string, persistent = false, depth = 0): void {
    const m = this.m;
    switch (typeof v) {
      case 'undefined':
        m._lua_pushnil(L);
        return;
      case 'boolean':
        m._lua_pushboolean(L, v ? 1 : 0);
        return;
      case 'number':
        if (Number.isSafeInteger(v)) m._lua_pushinteger(L, luaInteger(v));
        else m._lua_pushnumber(L, v);
        return;
      case 'bigint':
        if (v >= I64_MIN && v <= I64_MAX) m._lua_pushinteger(L, v);
        else m._lua_pushnumber(L, Number(v));
        return;
      case 'string':
        this.pushString(L, v);
        return;
      case 'object':
        break;
      default:
        m._lua_pushnil(L);
        return;
    }
    if (v === null) {
      m._lua_pushnil(L);
      return;
    }
    if (depth > PUSH_MAX_DEPTH) throw new Error(`host value nested deeper than ${PUSH_MAX_DEPTH}`);
    if (!m._lua_checkstack(L, 4)) throw new Error('Lua stack exhausted');
    if (v instanceof Uint8Array) {
      this.pushBytes(L, v);
      return;
    }
    if (Array.isArray(v)) {
      m._lua_createtable(L, v.length, 0);
      for (let i = 0; i < v.length; i++) {
        this.push(L, v[i], module, persistent, depth + 1);
        m._lua_rawseti(L, -2, luaInteger(i + 1));
      }
      return;
    }
    const rec = v as Record<string, unknown>;
    if (typeof rec.__type === 'string') {
      this.pushTyped(L, module, rec as unknown as TypedValue, persistent);
      return;
    }
    const keys = Object.keys(rec);
    m._lua_createtable(L, 0, keys.length);
    for (const k of keys) {
      const item = rec[k];
      if (item === null || item === undefined) continue;
      this.pushString(L, k);
      this.push(L, item, module, persistent, depth + 1);
      m._lua_rawset(L, -3);
    }
  }

  private pushTyped(L: LuaPtr, from: string, value: TypedValue, persistent: boolean): void {
    const module = this.types.owner(from, value.__type);
    const id = this.nextHandle++;
    this.handles.set(id, { module, value });
    if (!persistent) this.callHandles.push(id);
    const p = this.m._lua_newuserdatauv(L, 8, 0);
    const heap = this.m.HEAPU32;
    heap[p >> 2] = TYPED_MAGIC;
    heap[(p >> 2) + 1] = id;
    this.types.push(L, module, value.__type);
    this.m._lua_setmetatable(L, -2);
  }
}

/** Strings up to this long are tried as ASCII first (pushString). */
const SHORT_STRING = 64;
/** Lua integers (i64: BigInt across the WASM boundary) for array indexes and small numbers, made once. */
const SMALL_INTS = 1024;
const SMALL_BIGINTS: readonly bigint[] = Array.from({ length: SMALL_INTS }, (_, i) => BigInt(i));

/** A safe integer as the BigInt a Lua integer slot takes (made once for 0..SMALL_INTS-1). */
export function luaInteger(i: number): bigint {
  return i >= 0 && i < SMALL_INTS ? SMALL_BIGINTS[i]! : BigInt(i);
}

function decode(bytes: Uint8Array, lossy: boolean): string | Uint8Array {
  const n = bytes.length;
  if (n < 48) {
    let s = '';
    let i = 0;
    for (; i < n; i++) {
      const b = bytes[i]!;
      if (b >= 0x80) break;
      s += String.fromCharCode(b);
    }
    if (i === n) return s;
  }
  try {
    return fatalDecoder.decode(bytes);
  } catch {
    return lossy ? lossyDecoder.decode(bytes) : bytes.slice();
  }
}
