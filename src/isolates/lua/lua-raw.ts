// Typed access to the raw Lua C API exported by wasmoon's emscripten module (no JS-object bridging).
// Hot paths use these directly: plain numbers, pointers and byte buffers cross, never JS objects.

export type LuaPtr = number;

/** The subset of the emscripten module exports the Lua engine uses. Integers in i64 slots are bigint. */
export interface LuaRawModule {
  readonly HEAPU8: Uint8Array;
  readonly HEAPU32: Uint32Array;
  _malloc(size: number): LuaPtr;
  _free(ptr: LuaPtr): void;
  addFunction(fn: (...args: number[]) => number | void, signature: string): number;
  removeFunction(ptr: number): void;

  _lua_gettop(L: LuaPtr): number;
  _lua_settop(L: LuaPtr, idx: number): void;
  _lua_absindex(L: LuaPtr, idx: number): number;
  _lua_checkstack(L: LuaPtr, n: number): number;
  _lua_pushvalue(L: LuaPtr, idx: number): void;
  _lua_type(L: LuaPtr, idx: number): number;
  _lua_typename(L: LuaPtr, t: number): LuaPtr;
  _lua_isinteger(L: LuaPtr, idx: number): number;
  _lua_tointegerx(L: LuaPtr, idx: number, isnum: LuaPtr): bigint;
  _lua_tonumberx(L: LuaPtr, idx: number, isnum: LuaPtr): number;
  _lua_toboolean(L: LuaPtr, idx: number): number;
  _lua_tolstring(L: LuaPtr, idx: number, len: LuaPtr): LuaPtr;
  _lua_touserdata(L: LuaPtr, idx: number): LuaPtr;
  _lua_topointer(L: LuaPtr, idx: number): LuaPtr;
  _lua_rawequal(L: LuaPtr, a: number, b: number): number;
  _lua_rawlen(L: LuaPtr, idx: number): number;

  _lua_pushnil(L: LuaPtr): void;
  _lua_pushboolean(L: LuaPtr, b: number): void;
  _lua_pushinteger(L: LuaPtr, n: bigint): void;
  _lua_pushnumber(L: LuaPtr, n: number): void;
  _lua_pushlstring(L: LuaPtr, s: LuaPtr, len: number): LuaPtr;
  _lua_pushcclosure(L: LuaPtr, fn: number, n: number): void;

  _lua_createtable(L: LuaPtr, narr: number, nrec: number): void;
  _lua_newuserdatauv(L: LuaPtr, size: number, nuv: number): LuaPtr;
  _lua_getmetatable(L: LuaPtr, idx: number): number;
  _lua_setmetatable(L: LuaPtr, idx: number): number;
  _lua_rawget(L: LuaPtr, idx: number): number;
  _lua_rawgeti(L: LuaPtr, idx: number, n: bigint): number;
  _lua_rawset(L: LuaPtr, idx: number): void;
  _lua_rawseti(L: LuaPtr, idx: number, n: bigint): void;
  _lua_next(L: LuaPtr, idx: number): number;

  _lua_newthread(L: LuaPtr): LuaPtr;
  _lua_callk(L: LuaPtr, nargs: number, nresults: number, ctx: number, k: number): void;
  _lua_pcallk(L: LuaPtr, nargs: number, nresults: number, errfunc: number, ctx: number, k: number): number;
  _lua_error(L: LuaPtr): number;
  _lua_sethook(L: LuaPtr, fn: number, mask: number, count: number): void;
  _lua_getstack(L: LuaPtr, level: number, ar: LuaPtr): number;
  _luaL_loadbufferx(L: LuaPtr, buf: LuaPtr, size: number, name: LuaPtr, mode: LuaPtr): number;
  _luaL_ref(L: LuaPtr, t: number): number;
  _luaL_unref(L: LuaPtr, t: number, ref: number): void;
}

export const LUA_REGISTRYINDEX = -1_000_000 - 1000;
export const LUA_MULTRET = -1;
export const LUA_OK = 0;
export const LUA_ERRMEM = 4;
export const LUA_MASKCOUNT = 8;

export const LuaT = {
  None: -1,
  Nil: 0,
  Boolean: 1,
  LightUserdata: 2,
  Number: 3,
  String: 4,
  Table: 5,
  Function: 6,
  Userdata: 7,
  Thread: 8,
} as const;

const TYPE_NAMES = ['nil', 'boolean', 'userdata', 'number', 'string', 'table', 'function', 'userdata', 'thread'];

export function luaTypeName(t: number): string {
  return TYPE_NAMES[t] ?? 'no value';
}
