// Hostile tools against one shared QuickJS engine: runaway loops, bombs, deep recursion, huge output,
// cross-call pollution, sandbox escapes and forbidden modules, each with its exact error kind.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createJsEngine, type JsGuestEngine } from '../../../src/isolates/js/js-engine.js';
import type { CallResult, IsolateErrorKind, Limits } from '../../../src/isolates/types.js';
import { allModules } from './fake-modules.js';
import { jsTool, TestBridge, testLimits } from './test-bridge.js';

let engine: JsGuestEngine;
let bridge: TestBridge;

beforeAll(async () => {
  engine = await createJsEngine();
  bridge = new TestBridge(allModules);
});

afterAll(() => engine.dispose());

// A worker's event loop turns between tasks; the engine reloads a spare WASM instance meanwhile.
afterEach(() => engine.ready());

/** Short deadline for runaway code; tests assert kinds, never durations. */
const fast = testLimits({ timeoutMs: 300 });

function run(source: string, input: unknown = null, extra: Parameters<typeof jsTool>[1] = {}): CallResult {
  return engine.call(jsTool(source, { limits: fast, ...extra }), input, bridge);
}

function expectKind(result: CallResult, kind: IsolateErrorKind): void {
  expect(result.status, JSON.stringify(result)).toBe('error');
  if (result.status === 'error') expect(result.error.kind, result.error.message).toBe(kind);
}

function ok(result: CallResult): unknown {
  if (result.status !== 'ok') throw new Error(`expected ok, got ${JSON.stringify(result.error)}`);
  return result.value;
}

function handler(body: string): string {
  return `export function handler(input) {\n${body}\n}`;
}

/** A benign call must still work after whatever ran before it. */
function expectHealthy(): void {
  expect(ok(engine.call(jsTool(handler('return [input.n * 2, typeof Object.prototype.polluted, [1, 2].map((x) => x + 1)]')), { n: 21 }, bridge))).toEqual([
    42,
    'undefined',
    [2, 3],
  ]);
}

describe('runaway CPU', () => {
  it('stops a plain infinite loop with Timeout', () => {
    expectKind(run(handler('while (true) {}')), 'Timeout');
  });

  it('cannot swallow the kill with try/catch', () => {
    expectKind(run(handler('while (true) { try { while (true) {} } catch (e) {} }')), 'Timeout');
  });

  it('cannot swallow the kill with finally + continue', () => {
    expectKind(run(handler('for (;;) { try { for (;;) {} } finally { continue; } }')), 'Timeout');
  });

  it('stops a loop inside an async handler after an await', () => {
    expectKind(run('export async function handler() { await null; while (true) {} }'), 'Timeout');
  });

  it('stops an endless promise chain and keeps serving, twice', async () => {
    expectKind(run(handler('function f() { return Promise.resolve().then(f) } return f()')), 'Timeout');
    expectHealthy();
    await engine.ready();
    expectKind(run(handler('function f() { return Promise.resolve().then(f) } return f()')), 'Timeout');
    expectHealthy();
  });

  it('stops a floating microtask loop left behind by a handler that returned', () => {
    expectKind(run(handler('Promise.resolve().then(() => { for (;;) {} }); return 1')), 'Timeout');
  });

  it('stops a loop in a getter', () => {
    expectKind(run(handler('const o = { get x() { for (;;) {} } }; return o.x')), 'Timeout');
  });

  it('stops a loop in a getter of the returned value during serialisation', () => {
    expectKind(run(handler('return { get x() { for (;;) {} } }')), 'Timeout');
  });

  it('stops a loop in a JSON.parse reviver', () => {
    expectKind(run(handler('return JSON.parse("[1,2,3]", (k, v) => { for (;;) {} })')), 'Timeout');
  });

  it('stops a loop in an Array.prototype.sort comparator', () => {
    expectKind(run(handler('return [3, 1, 2].sort(() => { for (;;) {} })')), 'Timeout');
  });

  it('stops a loop hidden in the message getter of a thrown object', () => {
    expectKind(run(handler('throw { get message() { for (;;) {} }, get name() { for (;;) {} } }')), 'Timeout');
  });

  it('stops catastrophic regex backtracking', () => {
    expectKind(run(handler('return /(a+)+$/.test("a".repeat(40) + "b")')), 'Timeout');
  });

  it('reports InstructionLimit when the instruction budget runs out before the deadline', () => {
    const limits: Limits = testLimits({ timeoutMs: 60_000, instructions: 2_000_000 });
    expectKind(run(handler('let n = 0; while (true) { n++ }'), null, { limits }), 'InstructionLimit');
  });

  it('refuses native loops over huge array-likes that never poll the interrupt handler', () => {
    expectKind(run(handler('return Array.prototype.indexOf.call({ length: 2 ** 53 - 1 }, 1)')), 'RuntimeError');
    expectKind(run(handler('const a = []; a.length = 2 ** 32 - 1; return [a].flat().length')), 'RuntimeError');
    expectKind(run(handler('return new Array(2 ** 32 - 1).join("").length')), 'RuntimeError');
    expectKind(run(handler('return Array.prototype.sort.call({ length: 2 ** 40 })')), 'RuntimeError');
  });
});

describe('memory and stack', () => {
  const small = testLimits({ timeoutMs: 20_000, memoryBytes: 4 * 1024 * 1024 });

  it('stops string doubling with MemoryLimit', () => {
    expectKind(run(handler('let s = "x"; while (true) { s += s; s.charCodeAt(s.length - 1) }'), null, { limits: small }), 'MemoryLimit');
  });

  it('stops a huge repeat with MemoryLimit', () => {
    expectKind(run(handler('return "abc".repeat(2 ** 26).length'), null, { limits: small }), 'MemoryLimit');
  });

  it('stops array growth with MemoryLimit', () => {
    expectKind(run(handler('const a = []; for (let i = 0; ; i++) a.push(i * 1.5)'), null, { limits: small }), 'MemoryLimit');
  });

  // QuickJS's own limit misses many small blocks under Emscripten (found by `micro-agi stress`):
  // the guard measures live memory itself, so these end at the cap instead of returning ~100 MB later.
  it('stops many small live buffers (bounded count) with MemoryLimit', () => {
    expectKind(run(handler('const k = []; for (let i = 0; i < 50000; i++) k.push(new ArrayBuffer(2048)); return k.length'), null, { limits: small }), 'MemoryLimit');
  });

  it('stops many small live strings (bounded count) with MemoryLimit', () => {
    expectKind(run(handler('const k = []; for (let i = 0; i < 400000; i++) k.push("x".repeat(64) + i); return k.length'), null, { limits: small }), 'MemoryLimit');
  });

  it('stops object spam with MemoryLimit', () => {
    expectKind(run(handler('const o = {}; for (let i = 0; ; i++) o["key" + i] = [i]'), null, { limits: small }), 'MemoryLimit');
  });

  it('stops a huge ArrayBuffer with MemoryLimit', () => {
    expectKind(run(handler('return new ArrayBuffer(512 * 1024 * 1024).byteLength'), null, { limits: small }), 'MemoryLimit');
  });

  it('stops deep recursion with StackOverflow', () => {
    expectKind(run(handler('function f(n) { return f(n + 1) + 1 } return f(0)')), 'StackOverflow');
  });

  it('stops mutual recursion through getters with StackOverflow', () => {
    expectKind(run(handler('const o = { get a() { return this.b }, get b() { return this.a } }; return o.a')), 'StackOverflow');
  });

  it('stops a deeply nested result during serialisation with StackOverflow', () => {
    const limits = testLimits({ timeoutMs: 10_000 });
    expectKind(run(handler('let o = {}; for (let i = 0; i < 50000; i++) o = { o }; return o'), null, { limits }), 'StackOverflow');
  });

  it('ends a loop that keeps catching stack overflows with Timeout', () => {
    expectKind(run(handler('function f() { return f() } for (;;) { try { f() } catch (e) {} }')), 'Timeout');
  });

  it('refuses absurd bracket nesting in the source before the parser can exhaust the host stack', () => {
    const result = run(`export function handler() {\n  return ${'('.repeat(100_000)}1${')'.repeat(100_000)}\n}`);
    expectKind(result, 'CompileError');
    if (result.status === 'error') expect(result.error.line).toBe(2);
  });

  it('survives the host thread stack running out inside QuickJS (run-time eval of deep nesting)', () => {
    const deep = `export function handler() { return (0, eval)("(".repeat(200000) + "1" + ")".repeat(200000)) }`;
    expectKind(run(deep), 'StackOverflow');
    expectHealthy();
  });

  it('refuses cyclic and too-deep module arguments with a TypeError', () => {
    const src = handler('const c = require("clock"); const a = {}; a.self = a; try { c.echo(a) } catch (e) { let d = []; for (let i = 0; i < 200; i++) d = [d]; try { c.echo(d) } catch (e2) { return [e.message, e2.message] } }');
    expect(ok(run(src, null, { modules: ['clock'] }))).toEqual([
      'a cyclic value cannot be passed to a module',
      'value nested deeper than 128 levels cannot be passed to a module',
    ]);
  });
});

describe('output caps', () => {
  it('refuses a result over outputBytes with OutputLimit', () => {
    expectKind(run(handler('return "x".repeat(2 * 1024 * 1024)')), 'OutputLimit');
  });

  it('counts UTF-8 bytes, not characters, against outputBytes', () => {
    const limits = testLimits({ outputBytes: 1000 });
    expect(ok(run(handler('return "é".repeat(400)'), null, { limits }))).toHaveLength(400);
    expectKind(run(handler('return "é".repeat(600)'), null, { limits }), 'OutputLimit');
  });

  it('caps a flood of console lines and marks the truncation', () => {
    const limits = testLimits({ outputBytes: 4096 });
    const result = run(handler('for (let i = 0; i < 100000; i++) console.log("line " + i); return "done"'), null, { limits });
    expect(ok(result)).toBe('done');
    const logs = result.logs ?? [];
    expect(logs[0]).toBe('line 0');
    expect(logs.at(-1)).toMatch(/truncated/);
    expect(logs.slice(0, -1).join('\n').length).toBeLessThanOrEqual(4096);
  });

  it('caps one giant console line', () => {
    const limits = testLimits({ outputBytes: 10_000 });
    const result = run(handler('console.log("y".repeat(5_000_000)); console.log("after"); return 1'), null, { limits });
    expect(ok(result)).toBe(1);
    const total = (result.logs ?? []).reduce((n, l) => n + l.length, 0);
    expect(total).toBeLessThan(11_000);
    expect(result.logs).not.toContain('after');
  });
});

/**
 * A tampering call: with reusable contexts (the default) ES modules run in a frozen realm and the tampering
 * itself fails with a TypeError; with fresh contexts it succeeds but dies with its context.
 */
function tamper(result: CallResult, reuse: boolean): void {
  if (reuse) {
    expectKind(result, 'RuntimeError');
    if (result.status === 'error') expect(result.error.message).toMatch(/TypeError: .*(read-only|not extensible|read only)/);
  } else {
    ok(result);
  }
}

describe.each([true, false])('nothing leaks between calls (reuseContexts: %s)', (reuse) => {
  let own: JsGuestEngine;
  beforeAll(async () => {
    own = await createJsEngine({ reuseContexts: reuse });
  });
  afterAll(() => own.dispose());
  const run = (source: string, input: unknown = null, extra: Parameters<typeof jsTool>[1] = {}): CallResult =>
    own.call(jsTool(source, { limits: fast, ...extra }), input, bridge);

  it('does not leak Object.prototype pollution', () => {
    tamper(run(handler('Object.prototype.polluted = "yes"; return ({}).polluted')), reuse);
    expect(ok(run(handler('return [typeof ({}).polluted, "polluted" in {}]')))).toEqual(['undefined', false]);
  });

  it('does not leak Array.prototype.map replaced with an evil one', () => {
    tamper(run(handler('Array.prototype.map = function () { return ["evil"] }; Array.prototype.push = null; return [1].map((x) => x)')), reuse);
    expect(ok(run(handler('const a = [1, 2]; a.push(3); return a.map((x) => x * 2)')))).toEqual([2, 4, 6]);
  });

  it('does not leak Function.prototype tampering', () => {
    tamper(run(handler('Function.prototype.call = () => "evil"; Function.prototype.apply = () => "evil"; Function.prototype.bind = () => () => "evil"; return 1')), reuse);
    expect(ok(run(handler('function f(a) { return a + this.b } return [f.call({ b: 1 }, 1), f.apply({ b: 2 }, [1]), f.bind({ b: 3 })(1)]')))).toEqual([2, 3, 4]);
  });

  it('does not let a JSON.stringify override change results, in the same call or later', () => {
    const forged = run(handler('JSON.stringify = () => "\\"forged\\""; JSON.parse = () => "forged"; return { real: true }'));
    if (reuse) tamper(forged, reuse);
    else expect(ok(forged)).toEqual({ real: true });
    expect(ok(run(handler('return JSON.stringify({ a: 1 })')))).toBe('{"a":1}');
  });

  it('does not leak Date and Math tampering', () => {
    tamper(run(handler('Date.now = () => 0; Math.random = () => 4; Date.prototype.getTime = () => 1; return 1')), reuse);
    const [now, random, time] = ok(run(handler('return [Date.now(), Math.random(), new Date(5).getTime()]'))) as number[];
    expect(now).toBeGreaterThan(1_600_000_000_000);
    expect(random).toBeGreaterThanOrEqual(0);
    expect(random).toBeLessThan(1);
    expect(time).toBe(5);
  });

  it('does not leak globals, require or console replacements', () => {
    tamper(run(handler('globalThis.stash = { secret: 1 }; globalThis.require = () => "evil"; console.log = () => {}; var leakedVar = 1; return 1')), reuse);
    const result = run(handler('console.log("still captured"); return [typeof stash, typeof leakedVar, typeof require("clock").duration]'), null, { modules: ['clock'] });
    expect(ok(result)).toEqual(['undefined', 'undefined', 'function']);
    expect(result.logs).toEqual(['still captured']);
  });

  it('does not let a tampered Promise.prototype.then break settling an async handler', () => {
    const tampered = run('export async function handler() { Promise.prototype.then = function () { return 42 }; return 5 }');
    if (reuse) tamper(tampered, reuse);
    else expect(ok(tampered)).toBe(5);
  });
});

describe('sandbox escapes reach only the sandbox global', () => {
  const probe = 'return [typeof g.process, typeof g.std, typeof g.os, typeof g.scriptArgs, typeof g.__host, typeof g.require === "function" ? (() => { try { g.require("fs"); return "fs!" } catch (e) { return e.message } })() : "none", g === globalThis]';

  it('Function("return this")()', () => {
    expect(ok(run(handler(`const g = Function("return this")(); ${probe}`)))).toEqual([
      'undefined', 'undefined', 'undefined', 'undefined', 'undefined',
      "module 'fs' is not granted to app.generated:test_tool; granted: (none)", true,
    ]);
  });

  it('(0, eval)("this")', () => {
    const value = ok(run(handler(`const g = (0, eval)("this"); ${probe}`))) as unknown[];
    expect(value.slice(0, 5)).toEqual(['undefined', 'undefined', 'undefined', 'undefined', 'undefined']);
    expect(value[6]).toBe(true);
  });

  it('constructor.constructor("return globalThis")() from a module value', () => {
    const value = ok(run(handler(`const d = require("clock").duration(1); const g = d.constructor.constructor("return globalThis")(); ${probe}`), null, { modules: ['clock'] })) as unknown[];
    expect(value.slice(0, 5)).toEqual(['undefined', 'undefined', 'undefined', 'undefined', 'undefined']);
    expect(value[6]).toBe(true);
  });

  it('has no Atomics or SharedArrayBuffer', () => {
    expect(ok(run(handler('return [typeof Atomics, typeof SharedArrayBuffer]')))).toEqual(['undefined', 'undefined']);
  });

  it('keeps an input "__proto__" key as plain data', () => {
    const input = JSON.parse('{"__proto__": {"polluted": 1}, "a": 1}') as unknown;
    expect(ok(run(handler('return [({}).polluted === undefined, Object.keys(input)]'), input))).toEqual([true, ['__proto__', 'a']]);
  });
});

describe('modules the tool may not have', () => {
  it('refuses an ungranted require with ModuleNotFound naming the grants', () => {
    const result = run(handler('return require("fs")'), null, { modules: ['clock', 'bin'] });
    expectKind(result, 'ModuleNotFound');
    if (result.status === 'error') expect(result.error.message).toBe("module 'fs' is not granted to app.generated:test_tool; granted: clock, bin");
  });

  it('refuses a privileged module for an untrusted entry before running anything', () => {
    const before = { begins: bridge.begins, calls: bridge.invocations.length };
    const result = run(handler('console.log("ran"); return require("secrets").get()'), null, { modules: ['secrets'] });
    expectKind(result, 'PermissionDenied');
    if (result.status === 'error') {
      expect(result.error.message).toContain("'secrets'");
      expect(result.error.message).toContain('app.generated:test_tool');
    }
    expect(result.logs).toBeUndefined();
    expect(bridge.begins).toBe(before.begins);
    expect(bridge.invocations.length).toBe(before.calls);
  });

  it('lets a trusted entry use a privileged module', () => {
    expect(ok(run(handler('return require("secrets").get()'), null, { modules: ['secrets'], trusted: true, id: 'app.tools:admin' }))).toBe('hunter2');
  });

  it('fails dynamic import("fs") with ModuleNotFound', () => {
    expectKind(run('export async function handler() { return await import("fs") }'), 'ModuleNotFound');
  });

  it('fails a static import of "os" with ModuleNotFound', () => {
    expectKind(run('import * as os from "os";\nexport function handler() { return typeof os }'), 'ModuleNotFound');
  });
});

describe('after the battery', () => {
  it('still serves a benign call correctly and has recreated its runtime', () => {
    expectHealthy();
    expect(engine.stats.runtimeRecreations).toBeGreaterThan(0);
  });
});
