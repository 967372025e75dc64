// Functional behaviour of the Lua engine: entry conventions, value/err mapping, error values,
// marshalling both ways, module tables built from a ModuleSpec (typed values, Multi), line numbers.
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createLuaEngine, type LuaGuestEngine } from '../../../src/isolates/lua/lua-engine.js';
import type { ModuleSpec } from '../../../src/modules/module-spec.js';
import type { CallResult } from '../../../src/isolates/types.js';
import { fakeTime, handler, luaTool, recordingBridge, type TimeValue } from './lua-test-kit.js';

let engine: LuaGuestEngine;
beforeAll(async () => {
  engine = await createLuaEngine({ cacheSize: 8 });
});
afterAll(() => engine.dispose());

function run(body: string, input: unknown = {}, modules: string[] = ['time']): CallResult {
  return engine.call(luaTool(handler(body), { modules }), input, recordingBridge());
}
function ok(body: string, input: unknown = {}, modules?: string[]): unknown {
  const r = run(body, input, modules);
  if (r.status !== 'ok') throw new Error(`expected ok, got ${JSON.stringify(r.error)}`);
  return r.value;
}

describe('entry conventions', () => {
  it('calls the named method of the returned table with the input', () => {
    const src = 'local M = {}\nfunction M.greet(input) return "hi " .. input.name end\nreturn M';
    const r = engine.call(luaTool(src, { method: 'greet' }), { name: 'ada' }, recordingBridge());
    expect(r).toMatchObject({ status: 'ok', value: 'hi ada' });
  });

  it('accepts a bare returned function and a global handler', () => {
    expect(engine.call(luaTool('return function(i) return i.x * 2 end'), { x: 21 }, recordingBridge())).toMatchObject({
      status: 'ok',
      value: 42,
    });
    expect(engine.call(luaTool('function handler(i) return i.x + 1 end'), { x: 1 }, recordingBridge())).toMatchObject({
      status: 'ok',
      value: 2,
    });
  });

  it('a missing method is a RuntimeError naming the functions the chunk returned', () => {
    const r = engine.call(luaTool('return { run = function() end, help = function() end, n = 1 }'), {}, recordingBridge());
    expect(r.status === 'error' && r.error.kind).toBe('RuntimeError');
    expect(r.status === 'error' && r.error.message).toContain("function 'handler'");
    expect(r.status === 'error' && r.error.message).toContain('help, run');
  });

  it('print output is captured into logs', () => {
    const r = run('print("a", 1, true, nil) print(errors.new("e")) return 0');
    expect(r.logs).toEqual(['a\t1\ttrue\tnil', 'e']);
  });

  it('compile() reports the first syntax error with its line and caches good chunks', () => {
    expect(engine.compile(luaTool('return {\n handler = function() return 1 end\n}'))).toBeUndefined();
    const err = engine.compile(luaTool('local a = 1\nlocal b = \nreturn {'));
    expect(err).toMatchObject({ kind: 'CompileError', line: 3 });
    const tool = luaTool(handler('return 5'));
    expect(engine.compile(tool)).toBeUndefined();
    const before = engine.stats().cachedChunks;
    expect(engine.call(tool, {}, recordingBridge())).toMatchObject({ status: 'ok', value: 5 });
    expect(engine.stats().cachedChunks).toBe(before);
  });

  it('a new version of the same entry runs its new source', () => {
    const a = luaTool(handler('return "v1"'), { id: 'app.generated:ver' });
    const b = { ...a, version: a.version + 1, source: handler('return "v2"') };
    expect(engine.call(a, {}, recordingBridge())).toMatchObject({ value: 'v1' });
    expect(engine.call(b, {}, recordingBridge())).toMatchObject({ value: 'v2' });
  });
});

describe('value, err mapping and line numbers', () => {
  it('nil, err from the handler is a ToolError carrying the error kind', () => {
    const r = run('return nil, errors.new({ kind = errors.NOT_FOUND, message = "no such city" })');
    expect(r).toMatchObject({ status: 'error', error: { kind: 'ToolError', message: 'no such city', errorKind: 'NotFound' } });
  });

  it('nil, "string" from the handler is a ToolError too', () => {
    expect(run('return nil, "plain failure"')).toMatchObject({
      status: 'error',
      error: { kind: 'ToolError', message: 'plain failure', errorKind: '' },
    });
  });

  it('a raised error is a RuntimeError with the line in the tool source', () => {
    const src = 'local M = {}\n\nfunction M.handler(input)\n  local x = input.missing\n  return x.field\nend\nreturn M';
    const r = engine.call(luaTool(src), {}, recordingBridge());
    expect(r).toMatchObject({ status: 'error', error: { kind: 'RuntimeError', line: 5 } });
    expect(r.status === 'error' && r.error.message).toContain("attempt to index a nil value (local 'x')");
  });

  it('error(value) reports its kind, message and the raising line', () => {
    const r = run('local a = 1\nerror(errors.new({ kind = errors.CONFLICT, message = "taken" }))');
    expect(r).toMatchObject({ status: 'error', error: { kind: 'RuntimeError', errorKind: 'Conflict', line: 3 } });
    expect(r.status === 'error' && r.error.message).toContain('taken');
  });

  it('errors from library C functions get the calling line', () => {
    const r = run('\n\nreturn string.rep()');
    expect(r).toMatchObject({ status: 'error', error: { kind: 'RuntimeError', line: 4 } });
  });
});

describe('error values', () => {
  it('support methods, tostring and concatenation on both sides', () => {
    const v = ok(`
      local e = errors.new({ message = "boom", kind = errors.TIMEOUT, retryable = true, details = { n = 1 } })
      return { kind = e:kind(), msg = e:message(), retry = e:retryable(), n = e:details().n,
               str = tostring(e), left = "x: " .. e, right = e .. "!", num = 1 .. e,
               is = errors.is(e, errors.TIMEOUT), isnt = errors.is(e, errors.INVALID), plain = errors.is("boom", "") }`);
    expect(v).toEqual({
      kind: 'Timeout', msg: 'boom', retry: true, n: 1, str: 'boom', left: 'x: boom', right: 'boom!', num: '1boom',
      is: true, isnt: false, plain: false,
    });
  });

  it('errors.new is lenient about (kind, message), wrap keeps the kind', () => {
    const v = ok(`
      local a = errors.new("INVALID", "bad input")
      local b = errors.new(errors.NOT_FOUND, "gone")
      local c = errors.new("just a message")
      local w = errors.wrap(b, "lookup failed")
      return { a = a:kind() .. "|" .. a:message(), b = b:kind(), c = c:kind() .. "|" .. c:message(),
               w = w:kind() .. "|" .. w:message(), nilwrap = errors.wrap(nil, "x") == nil }`);
    expect(v).toEqual({
      a: 'Invalid|bad input', b: 'NotFound', c: '|just a message', w: 'NotFound|lookup failed: gone', nilwrap: true,
    });
  });

  it('kind constants have the CamelCase values', () => {
    const v = ok(`return { errors.UNKNOWN, errors.INVALID, errors.NOT_FOUND, errors.ALREADY_EXISTS, errors.PERMISSION_DENIED,
      errors.UNAVAILABLE, errors.INTERNAL, errors.CANCELED, errors.CONFLICT, errors.TIMEOUT, errors.RATE_LIMITED }`);
    expect(v).toEqual(['', 'Invalid', 'NotFound', 'AlreadyExists', 'PermissionDenied', 'Unavailable', 'Internal',
      'Canceled', 'Conflict', 'Timeout', 'RateLimited']);
  });
});

describe('marshalling', () => {
  it('input arrays are 1-based tables, objects have dot fields, nulls are nil', () => {
    const v = ok('return { n = #input.list, first = input.list[1], deep = input.a.b.c, gone = input.z == nil, t = math.type(input.i) }', {
      list: ['x', 'y', 'z'],
      a: { b: { c: 'deep' } },
      z: null,
      i: 7,
    });
    expect(v).toEqual({ n: 3, first: 'x', deep: 'deep', gone: true, t: 'integer' });
  });

  it('results: arrays, objects, empty table as [], nested, floats, NaN as null', () => {
    const v = ok('return { arr = {1, 2, 3}, empty = {}, nested = { { a = 1 }, { b = { 2.5 } } }, nan = 0/0, s = "é" }');
    expect(v).toEqual({ arr: [1, 2, 3], empty: [], nested: [{ a: 1 }, { b: [2.5] }], nan: null, s: 'é' });
  });

  it('a result that cannot become JSON is a RuntimeError naming the place', () => {
    const r = run('return { list = { 1, 2, nil, 4 }, f = 1 }');
    expect(r.status === 'error' && r.error.kind).toBe('RuntimeError');
    const r2 = run('return { ok = { fn = print } }');
    expect(r2.status === 'error' && r2.error.message).toContain('.ok.fn');
  });

  it('Lua values reach the host as GuestValues', () => {
    const bridge = recordingBridge();
    const body = `
      local time = require("time")
      time.echo({1, 2}, {a = "b"}, {}, "\\0\\255binary", "text", 9007199254740993, 1.5, true, nil,
                errors.new({kind = errors.INVALID, message = "m"}), {x = {y = {z = 1}}})
      return true`;
    const r = engine.call(luaTool(handler(body), { modules: ['time'] }), {}, bridge);
    expect(r.status).toBe('ok');
    const args = bridge.invocations[0]!.args;
    expect(args.slice(0, 3)).toEqual([[1, 2], { a: 'b' }, []]);
    expect(args[3]).toEqual(new Uint8Array([0, 255, 98, 105, 110, 97, 114, 121]));
    expect(args.slice(4)).toEqual(['text', 9007199254740993n, 1.5, true, null, { kind: 'Invalid', message: 'm' }, { x: { y: { z: 1 } } }]);
  });

  it('tables the host cannot take raise catchable errors naming the problem', () => {
    const v = ok(`
      local time = require("time")
      local cyc = {} cyc.self = cyc
      local deep = {} local cur = deep for i = 1, 200 do cur.n = {} cur = cur.n end
      local function try(x) local ok, e = pcall(time.echo, x) return ok and "accepted" or tostring(e) end
      return { mixed = try({1, a = 2}), sparse = try({[1] = 1, [3] = 3}), cycle = try(cyc), deep = try(deep),
               fn = try(print), float = try({[1.5] = 1}) }`);
    const m = v as Record<string, string>;
    expect(m.mixed).toContain('mixes');
    expect(m.sparse).toContain('sparse');
    expect(m.cycle).toContain('cycle');
    expect(m.deep).toContain('deeper than 128');
    expect(m.fn).toContain('function value cannot be passed');
    expect(m.float).toContain('number 1.5');
    expect(m.mixed).toContain("bad argument #1 to 'time.echo'");
  });

  it('host values reach Lua: arrays 1-based, null as nil, bytes as byte strings, bigint as integer', () => {
    const v = ok(`
      local time = require("time")
      local b = time.bytes()
      local l = time.list()
      local r = time.obj()
      return { blen = #b, b1 = b:byte(2), big = time.big(), bigtype = math.type(time.big()),
               l1 = l[1], l2 = l[2] == nil, l3 = l[3], status = r.status_code, ct = r.headers["Content-Type"],
               missing = r.missing == nil }`);
    expect(v).toEqual({
      blen: 4, b1: 255, big: 2 ** 60, bigtype: 'integer', l1: 'a', l2: true, l3: 'c', status: 200, ct: 'text/plain', missing: true,
    });
  });
});

describe('module tables from a ModuleSpec', () => {
  it('builds functions, dotted namespaces, constants and Multi returns', () => {
    const v = ok(`
      local time = require("time")
      local h, m, s = time.clock.split(3723)
      return { h = h, m = m, s = s, second = time.SECOND, layout = time.RFC3339, b = time.nested.a.b,
               same = require("time") == time, utc = time.utc:string() }`);
    expect(v).toEqual({ h: 1, m: 2, s: 3, second: 1_000_000_000, layout: fakeTime.constants!.RFC3339, b: 1, same: true, utc: 'UTC' });
  });

  it('typed values have methods that get the original host data back as self', () => {
    const bridge = recordingBridge();
    const body = `
      local time = require("time")
      local t = time.now()
      local later = t:add(60)
      local y, mo, d = t:date()
      return { unix = t:unix(), later = later:unix(), str = tostring(t), y = y, mo = mo, d = d }`;
    const r = engine.call(luaTool(handler(body), { modules: ['time'] }), {}, bridge);
    expect(r).toMatchObject({
      status: 'ok',
      value: { unix: 1_700_000_000, later: 1_700_000_060, str: '2023-11-14T22:13:20.000Z', y: 2023, mo: 11, d: 14 },
    });
    const now = bridge.invocations.find((i) => i.fn === 'now')!.result as TimeValue;
    const unix = bridge.invocations.find((i) => i.fn === 'Time:unix')!;
    expect(unix.args[0]).toBe(now);
  });

  it('a typed value in the result is its host data', () => {
    expect(ok('return require("time").unix(5)')).toEqual({ __type: 'Time', ms: 5000 });
  });

  it('ModuleFailure becomes nil, err with kind, message, retryable and details', () => {
    const v = ok(`
      local t, err = require("time").parse("layout", "bad")
      return { t = t == nil, kind = err:kind(), msg = err:message(), retry = err:retryable(), input = err:details().input,
               is = errors.is(err, errors.INVALID) }`);
    expect(v).toEqual({ t: true, kind: 'Invalid', msg: 'cannot parse "bad"', retry: false, input: 'bad', is: true });
  });

  it('ArgumentFailure is a raised error at the calling line, catchable by pcall', () => {
    const caught = ok('local ok, e = pcall(require("time").parse, 5, "x") return { ok = ok, e = tostring(e) }');
    expect(caught).toMatchObject({ ok: false });
    expect((caught as { e: string }).e).toContain('layout must be a string');
    const r = run('local time = require("time")\n\nlocal t = time.parse(5, "x")\nreturn t');
    expect(r).toMatchObject({ status: 'error', error: { kind: 'RuntimeError', line: 4 } });
  });

  it('a method called with "." instead of ":" is a raised argument error', () => {
    const r = run('local t = require("time").now() return t.unix()');
    expect(r.status === 'error' && r.error.message).toContain("call methods with ':'");
  });

  it('other host exceptions are raised errors of kind Internal', () => {
    const v = ok('local ok, e = pcall(require("time").crash) return { ok = ok, kind = e:kind(), msg = e:message() }');
    expect(v).toEqual({ ok: false, kind: 'Internal', msg: 'time.crash failed: disk on fire' });
    expect(run('return require("time").crash()')).toMatchObject({ status: 'error', error: { kind: 'Internal' } });
  });

  it('the bridge is told when each call begins and ends', () => {
    const bridge = recordingBridge();
    engine.call(luaTool(handler('return 1')), {}, bridge);
    engine.call(luaTool(handler('while true do end'), { limits: { timeoutMs: 50 } }), {}, bridge);
    expect([bridge.begins, bridge.ends]).toEqual([2, 2]);
  });
});

describe('engine reuse', () => {
  it('serves thousands of value-returning calls on one engine', () => {
    const tool = luaTool(handler('return { i = input.i, sq = input.i * input.i, tag = "n" .. input.i }'));
    const bridge = recordingBridge();
    for (let i = 0; i < 3000; i++) {
      const r = engine.call(tool, { i }, bridge);
      if (r.status !== 'ok') throw new Error(`call ${i} failed: ${JSON.stringify(r.error)}`);
      expect(r.value).toEqual({ i, sq: i * i, tag: `n${i}` });
    }
    expect(engine.stats().rebuilds).toBe(0);
  });

  it('recursion within maxDepth is allowed', () => {
    const src = handler('local function f(n) if n == 0 then return 0 end return 1 + f(n - 1) end return f(input.n)');
    const tool = luaTool(src, { limits: { maxDepth: 200 } });
    expect(engine.call(tool, { n: 150 }, recordingBridge())).toMatchObject({ status: 'ok', value: 150 });
    expect(engine.call(tool, { n: 5000 }, recordingBridge())).toMatchObject({ status: 'error', error: { kind: 'StackOverflow' } });
  });

  it('the chunk cache is bounded', () => {
    for (let i = 0; i < 20; i++) engine.call(luaTool(handler(`return ${i}`)), {}, recordingBridge());
    expect(engine.stats().cachedChunks).toBeLessThanOrEqual(8);
  });
});

describe('faults outside the guest', () => {
  it('a WebAssembly trap escaping a host call rebuilds the state and the next call works', async () => {
    const own = await createLuaEngine();
    const trap: ModuleSpec = {
      name: 'trap',
      summary: 'Simulates a trap inside a host function.',
      functions: {
        fire: () => {
          const wasm = (globalThis as unknown as { WebAssembly: { RuntimeError: new (m: string) => Error } }).WebAssembly;
          throw new wasm.RuntimeError('simulated trap');
        },
      },
    };
    const bridge = recordingBridge([fakeTime, trap]);
    const r = own.call(luaTool(handler('pcall(require("trap").fire) return 1'), { modules: ['trap'] }), {}, bridge);
    expect(r).toMatchObject({ status: 'error', error: { kind: 'Internal' } });
    expect(own.stats().rebuilds).toBe(1);
    const next = own.call(luaTool(handler('return require("time").now():unix()'), { modules: ['time'] }), {}, bridge);
    expect(next).toMatchObject({ status: 'ok', value: 1_700_000_000 });
    own.dispose();
  });

  it('a host call that returns after the deadline ends the call with Timeout, even under pcall', () => {
    const late: ModuleSpec = {
      name: 'late',
      summary: 'A host function that returns after the deadline.',
      functions: {
        wait: () => {
          vi.spyOn(Date, 'now').mockReturnValue(Date.now() + 3_600_000);
          return 'late';
        },
      },
    };
    try {
      const src = handler('local ok = pcall(require("late").wait) local s = 0 for i = 1, 1e6 do s = s + i end return s');
      const r = engine.call(luaTool(src, { modules: ['late'] }), {}, recordingBridge([late]));
      expect(r).toMatchObject({ status: 'error', error: { kind: 'Timeout' } });
    } finally {
      vi.restoreAllMocks();
    }
  });
});

describe('cancellation', () => {
  it('a raised cancel flag stops a running call with Canceled, and the engine serves the next one', async () => {
    const flag = new Int32Array(new SharedArrayBuffer(4));
    const own = await createLuaEngine({ cancelFlag: flag });
    const stop: ModuleSpec = {
      name: 'stop',
      summary: 'Raises the cancel flag the way another thread would.',
      functions: { now: () => (Atomics.store(flag, 0, 1), true) },
    };
    const bridge = recordingBridge([stop]);
    const r = own.call(luaTool(handler('require("stop").now() while true do end'), { modules: ['stop'] }), {}, bridge);
    expect(r).toMatchObject({ status: 'error', error: { kind: 'Canceled' } });
    Atomics.store(flag, 0, 0);
    expect(own.call(luaTool(handler('return "again"')), {}, bridge)).toMatchObject({ status: 'ok', value: 'again' });
    own.dispose();
  });
});
