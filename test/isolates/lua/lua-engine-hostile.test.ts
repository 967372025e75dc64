// Hostile Lua against the engine: runaway loops (also behind pcall/xpcall/coroutines), memory and
// output bombs, deep recursion, sandbox escapes and cross-call poisoning; each must end with its exact kind.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLuaEngine, type LuaGuestEngine } from '../../../src/isolates/lua/lua-engine.js';
import type { IsolateErrorKind, Limits } from '../../../src/isolates/types.js';
import { handler, luaTool, recordingBridge } from './lua-test-kit.js';

let engine: LuaGuestEngine;
beforeAll(async () => {
  engine = await createLuaEngine();
});
afterAll(() => engine.dispose());

const QUICK: Partial<Limits> = { timeoutMs: 300 };

interface Case {
  readonly name: string;
  readonly body: string;
  readonly kind: IsolateErrorKind;
  readonly limits?: Partial<Limits>;
  readonly modules?: string[];
  /** A piece the error message must contain. */
  readonly says?: string;
}

const cases: Case[] = [
  // --- runaway CPU --------------------------------------------------------------------------
  { name: 'infinite loop hits the deadline', body: 'while true do end', kind: 'Timeout', limits: QUICK },
  {
    name: 'infinite loop hits the instruction budget first',
    body: 'while true do end',
    kind: 'InstructionLimit',
    limits: { instructions: 1_000_000, timeoutMs: 30_000 },
  },
  {
    name: 'pcall cannot swallow the kill',
    body: 'while true do pcall(function() while true do end end) end',
    kind: 'Timeout',
    limits: QUICK,
  },
  {
    name: 'xpcall with a swallowing handler cannot swallow the kill',
    body: 'while true do xpcall(function() while true do end end, function() return "fine" end) end',
    kind: 'Timeout',
    limits: QUICK,
  },
  {
    name: 'xpcall whose handler loops forever still ends',
    body: 'xpcall(function() error("x") end, function() while true do end end) while true do end',
    kind: 'Timeout',
    limits: QUICK,
  },
  {
    name: 'loop inside coroutine.wrap is covered by the hook',
    body: 'local co = coroutine.wrap(function() while true do end end) co()',
    kind: 'Timeout',
    limits: QUICK,
  },
  {
    name: 'coroutine.resume cannot swallow the kill',
    body: 'while true do coroutine.resume(coroutine.create(function() while true do end end)) end',
    kind: 'Timeout',
    limits: QUICK,
  },
  {
    name: 'coroutine.close cannot swallow the kill',
    body: `while true do
      local co = coroutine.create(function() while true do end end)
      pcall(coroutine.resume, co) coroutine.close(co)
    end`,
    kind: 'Timeout',
    limits: QUICK,
  },
  {
    name: 'loop inside a gsub callback',
    body: 'return (string.gsub("aaa", "a", function() while true do end end))',
    kind: 'Timeout',
    limits: QUICK,
  },
  {
    name: 'loop inside an __index metamethod',
    body: 'local t = setmetatable({}, {__index = function() while true do end end}) return t.x',
    kind: 'Timeout',
    limits: QUICK,
  },
  {
    name: 'error object whose __tostring loops',
    body: 'error(setmetatable({}, {__tostring = function() while true do end end}))',
    kind: 'Timeout',
    limits: QUICK,
  },
  // --- memory -------------------------------------------------------------------------------
  { name: 'string.rep of 1e9 bytes', body: 'local s = string.rep("x", 1e9) return #s', kind: 'MemoryLimit' },
  {
    name: 'string.rep with separator bomb',
    body: 'return #string.rep("ab", 1e8, ",")',
    kind: 'MemoryLimit',
  },
  { name: 'table growth', body: 'local t = {} for i = 1, 1e9 do t[i] = i end', kind: 'MemoryLimit' },
  { name: 'doubling concatenation', body: 'local s = "x" while true do s = s .. s end', kind: 'MemoryLimit' },
  {
    name: 'table.concat of many large pieces',
    body: 'local t = {} for i = 1, 200 do t[i] = string.rep("y", 1e6) end return #table.concat(t)',
    kind: 'MemoryLimit',
  },
  {
    name: 'memory error caught by pcall stays fatal',
    body: 'local ok = pcall(string.rep, "x", 1e9) local t = {} while true do t[#t + 1] = {} end',
    kind: 'MemoryLimit',
  },
  // --- stack --------------------------------------------------------------------------------
  {
    name: 'unbounded recursion',
    body: 'local function f() return f() + 1 end return f()',
    kind: 'StackOverflow',
  },
  {
    name: 'pcall-wrapped recursion',
    body: 'local function f() return f() + 1 end while true do pcall(f) end',
    kind: 'StackOverflow',
  },
  {
    name: 'recursion through pcall (C stack)',
    body: 'local function f() return pcall(f) end return f()',
    kind: 'StackOverflow',
  },
  {
    name: 'recursion through __index metamethods',
    body: 'local t = {} setmetatable(t, {__index = function(s, k) return s[k .. "x"] end}) return t.a',
    kind: 'StackOverflow',
  },
  // --- output -------------------------------------------------------------------------------
  { name: 'huge string result', body: 'return string.rep("x", 2e6)', kind: 'OutputLimit', limits: { outputBytes: 100_000 } },
  {
    name: 'huge table result',
    body: 'local t = {} for i = 1, 300000 do t[i] = i end return t',
    kind: 'OutputLimit',
    limits: { outputBytes: 100_000 },
  },
  {
    name: 'huge print output',
    body: 'for i = 1, 1e6 do print(string.rep("p", 100)) end return "done"',
    kind: 'OutputLimit',
    limits: { outputBytes: 100_000 },
  },
  // --- removed functions --------------------------------------------------------------------
  { name: 'load is absent', body: 'return load("return 1")()', kind: 'RuntimeError', says: "global 'load'" },
  { name: 'loadstring is absent', body: 'return loadstring("return 1")()', kind: 'RuntimeError', says: 'loadstring' },
  { name: 'dofile is absent', body: 'return dofile("/etc/passwd")', kind: 'RuntimeError', says: 'dofile' },
  { name: 'loadfile is absent', body: 'return loadfile("/etc/passwd")', kind: 'RuntimeError', says: 'loadfile' },
  { name: 'collectgarbage is absent', body: 'collectgarbage("stop")', kind: 'RuntimeError', says: 'collectgarbage' },
  { name: 'string.dump is absent', body: 'return string.dump(function() end)', kind: 'RuntimeError', says: 'dump' },
  { name: 'method-style dump is absent too', body: 'return ("").dump(print)', kind: 'RuntimeError', says: 'dump' },
  { name: 'os.execute is absent', body: 'return os.execute("id")', kind: 'RuntimeError', says: 'execute' },
  { name: 'os.exit is absent', body: 'os.exit(1)', kind: 'RuntimeError', says: 'exit' },
  { name: 'os.getenv is absent', body: 'return os.getenv("HOME")', kind: 'RuntimeError', says: 'getenv' },
  { name: 'io.open is absent', body: 'return io.open("/etc/passwd")', kind: 'RuntimeError', says: 'io' },
  { name: 'debug.sethook is absent', body: 'debug.sethook()', kind: 'RuntimeError', says: 'debug' },
  { name: 'require of io', body: 'return require("io")', kind: 'ModuleNotFound' },
  { name: 'require of os', body: 'return require("os")', kind: 'ModuleNotFound' },
  { name: 'require of debug', body: 'return require("debug")', kind: 'ModuleNotFound' },
  { name: 'require of package', body: 'return require("package")', kind: 'ModuleNotFound' },
  {
    name: 'require of an ungranted module names the grants',
    body: 'return require("time")',
    kind: 'ModuleNotFound',
    modules: ['json'],
    says: "module 'time' is not granted to app.generated:probe; granted: json",
  },
  // --- metatables and shared tables ---------------------------------------------------------
  { name: 'string metatable is hidden', body: 'return getmetatable("").__index', kind: 'RuntimeError' },
  { name: 'setmetatable on the string library', body: 'setmetatable(string, {})', kind: 'RuntimeError', says: 'protected' },
  { name: 'rawset on the string library', body: 'rawset(string, "upper", print)', kind: 'RuntimeError', says: 'read-only' },
  { name: 'assigning into the string library', body: 'string.upper = nil', kind: 'RuntimeError', says: 'read-only' },
  { name: 'assigning into the table library', body: 'table.insert = print', kind: 'RuntimeError', says: 'read-only' },
  { name: 'assigning into math', body: 'math.floor = function() return 7 end', kind: 'RuntimeError' },
  { name: 'setmetatable on _G', body: 'setmetatable(_G, {__index = function() return 1 end})', kind: 'RuntimeError' },
  {
    name: '__gc finalizers are refused',
    body: 'setmetatable({}, {__gc = function() while true do end end})',
    kind: 'RuntimeError',
    says: '__gc',
  },
  {
    name: 'module table cannot be modified',
    body: 'local t = require("time") t.now = function() return 1 end',
    kind: 'RuntimeError',
    modules: ['time'],
    says: 'read-only',
  },
  {
    name: 'module table cannot be rawset',
    body: 'local t = require("time") rawset(t, "now", print)',
    kind: 'RuntimeError',
    modules: ['time'],
  },
  { name: 'yield outside a coroutine', body: 'coroutine.yield(1)', kind: 'RuntimeError' },
  { name: 'module functions are not indexable', body: 'return require("time").now.constructor', kind: 'RuntimeError', modules: ['time'] },
  {
    name: 'privileged module refused for an untrusted entry',
    body: 'return 1',
    kind: 'PermissionDenied',
    modules: ['registry'],
    says: "module 'registry' is privileged",
  },
];

describe('hostile Lua tools', () => {
  it.each(cases)('$name -> $kind', ({ body, kind, limits, modules, says }) => {
    const r = engine.call(luaTool(handler(body), { limits, modules: modules ?? [] }), {}, recordingBridge());
    expect(r.status).toBe('error');
    if (r.status !== 'error') return;
    expect(r.error.kind).toBe(kind);
    if (says) expect(r.error.message).toContain(says);
  });

  it('a binary (precompiled) chunk is refused at compile time', () => {
    const r = engine.call(luaTool('\x1bLua\x54\x00junk'), {}, recordingBridge());
    expect(r.status === 'error' && r.error.kind).toBe('CompileError');
  });

  it('a privileged module is refused before the tool runs', () => {
    const bridge = recordingBridge();
    const r = engine.call(luaTool(handler('print("ran") return 1'), { modules: ['registry'] }), {}, bridge);
    expect(r.status === 'error' && r.error.kind).toBe('PermissionDenied');
    expect(bridge.begins).toBe(0);
    expect(r.logs).toBeUndefined();
  });

  it('a trusted entry may use the privileged module', () => {
    const src = handler('return #require("registry").find()');
    const r = engine.call(luaTool(src, { modules: ['registry'], trusted: true }), {}, recordingBridge());
    expect(r).toMatchObject({ status: 'ok', value: 0 });
  });

  it('JS globals and host objects are unreachable', () => {
    const body = `
      local t = require("time").now()
      local probes = {
        js = js, window = window, process = process, global = global, globalThis = globalThis,
        Error = Error, null = null, module = module, exports = exports,
        tmeta = getmetatable(t), tctor = t.constructor, tproto = t.__proto__,
        rmeta = type(getmetatable(require)), smeta = getmetatable(""), gmeta = getmetatable(_G),
        ttype = type(t),
      }
      return probes`;
    const r = engine.call(luaTool(handler(body), { modules: ['time'] }), {}, recordingBridge());
    expect(r).toMatchObject({
      status: 'ok',
      value: { tmeta: 'Time', rmeta: 'nil', smeta: false, gmeta: false, ttype: 'userdata' },
    });
    const value = (r as { value: Record<string, unknown> }).value;
    expect(Object.keys(value).sort()).toEqual(['gmeta', 'rmeta', 'smeta', 'tmeta', 'ttype']);
  });

  it('globals do not leak between calls', () => {
    const bridge = recordingBridge();
    const first = engine.call(luaTool(handler('leak = "secret"; _G.other = 1; print = nil; return true')), {}, bridge);
    expect(first).toMatchObject({ status: 'ok', value: true });
    const second = engine.call(luaTool(handler('print("still here") return {leak = leak, other = other}')), {}, bridge);
    expect(second).toMatchObject({ status: 'ok', value: {}, logs: ['still here'] });
  });

  it('shared libraries and modules are intact after poisoning attempts', () => {
    const bridge = recordingBridge();
    const attempts = [
      'string.upper = function() return "pwned" end',
      'rawset(string, "upper", function() return "pwned" end)',
      'table.insert = nil',
      'local t = require("time") t.now = nil',
      'math.randomseed(42)',
      'errors.new = nil',
      'rawset(errors, "new", print)',
    ];
    for (const a of attempts) engine.call(luaTool(handler(a), { modules: ['time'] }), {}, bridge);
    const body = `
      local t = {} table.insert(t, "a")
      return { upper = string.upper("a"), method = ("b"):upper(), n = #t,
               unix = require("time").now():unix(), err = tostring(errors.new("e")) }`;
    const r = engine.call(luaTool(handler(body), { modules: ['time'] }), {}, bridge);
    expect(r).toMatchObject({
      status: 'ok',
      value: { upper: 'A', method: 'B', n: 1, unix: 1_700_000_000, err: 'e' },
    });
  });

  it('after the whole battery the same engine still serves a benign call', () => {
    const src = handler('local s = 0 for i = 1, input.n do s = s + i end return { sum = s, words = {"a", "b"} }');
    const r = engine.call(luaTool(src), { n: 100 }, recordingBridge());
    expect(r).toMatchObject({ status: 'ok', value: { sum: 5050, words: ['a', 'b'] } });
  });

  it('memory bombs do not ratchet up the memory the state keeps', () => {
    const bomb = luaTool(handler('local t = {} for i = 1, 1e9 do t[i] = {i} end'));
    for (let i = 0; i < 3; i++) {
      expect(engine.call(bomb, {}, recordingBridge())).toMatchObject({ status: 'error', error: { kind: 'MemoryLimit' } });
    }
    expect(engine.stats().memoryBytes).toBeLessThan(4 * 1024 * 1024);
    expect(engine.call(luaTool(handler('return "ok"')), {}, recordingBridge())).toMatchObject({ status: 'ok', value: 'ok' });
  });
});
