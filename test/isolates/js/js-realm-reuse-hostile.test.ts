// Hostile pairs against reusable (frozen-realm) contexts: call N of a tool version tries to leave state
// behind, call N+1 of the same version (served by the same context) must see a clean world.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createJsEngine, type JsGuestEngine } from '../../../src/isolates/js/js-engine.js';
import type { CallResult, ToolSpec } from '../../../src/isolates/types.js';
import { allModules } from './fake-modules.js';
import { jsTool, TestBridge, testLimits } from './test-bridge.js';

let engine: JsGuestEngine;
let bridge: TestBridge;

beforeAll(async () => {
  engine = await createJsEngine();
  bridge = new TestBridge(allModules);
});

afterAll(() => engine.dispose());

afterEach(() => engine.ready());

function ok(result: CallResult): unknown {
  if (result.status !== 'ok') throw new Error(`expected ok, got ${JSON.stringify(result.error)}`);
  return result.value;
}

/** One tool version: `attack` runs (its errors swallowed) when input.attack is set, else `probe` runs. */
function pairTool(attack: string, probe: string, extra: Parameters<typeof jsTool>[1] = {}): ToolSpec {
  return jsTool(
    `export async function handler(input) {\n  if (input.attack) {\n    try { ${attack}\n } catch (e) { /* frozen: refused */ }\n    return 'attacked';\n  }\n  ${probe}\n}`,
    { limits: testLimits({ timeoutMs: 2_000 }), ...extra },
  );
}

/**
 * Runs the attack then the probe on the same tool version; asserts the probe ran in the reused context.
 * A first probe call evaluates the module (and verifies its factory), so the attack and the second probe
 * both run through the module factory when the source has one.
 */
function attackThenProbe(tool: ToolSpec, viaFactory = true): CallResult {
  engine.call(tool, { attack: false }, bridge);
  const factoryBefore = engine.stats.factoryCalls;
  expect(ok(engine.call(tool, { attack: true }, bridge))).toBe('attacked');
  const reusedBefore = engine.stats.reusedCalls;
  const probe = engine.call(tool, { attack: false }, bridge);
  expect(engine.stats.reusedCalls).toBe(reusedBefore + 1);
  expect(engine.stats.factoryCalls).toBe(factoryBefore + (viaFactory ? 2 : 0));
  return probe;
}

describe('state left by call N is not visible to call N+1 of the same tool version', () => {
  const pairs: [string, string, string, unknown][] = [
    ['assignment to globalThis', 'globalThis.leaked = 1;', 'return typeof globalThis.leaked;', 'undefined'],
    ['Object.defineProperty(globalThis)', 'Object.defineProperty(globalThis, "leaked", { value: 1 });', 'return typeof leaked;', 'undefined'],
    ['replacing a global binding', 'globalThis.JSON = { parse: () => "evil" };', 'return JSON.parse("[1]");', [1]],
    ['Object.prototype pollution', 'Object.prototype.polluted = 1;', 'return [typeof ({}).polluted, "polluted" in {}];', ['undefined', false]],
    ['Array.prototype.push override', 'Array.prototype.push = () => 0;', 'const a = []; a.push(7); return a;', [7]],
    ['Function.prototype.call override', 'Function.prototype.call = () => "evil";', 'function f() { return this.v } return f.call({ v: 2 });', 2],
    ['Promise.prototype.then override', 'Promise.prototype.then = function () { return "evil" };', 'return await Promise.resolve(3).then((x) => x + 1);', 4],
    ['JSON.parse override', 'JSON.parse = () => "evil";', 'return JSON.parse("[2]");', [2]],
    ['Symbol.prototype', 'Symbol.prototype.leak = 1; Object.defineProperty(Symbol.prototype, "description", { get() { return "evil" } });', 'return [typeof Symbol.prototype.leak, Symbol("ok").description];', ['undefined', 'ok']],
    ['iterator prototypes', 'const ai = Object.getPrototypeOf([][Symbol.iterator]()); ai.next = () => ({ done: true }); Object.getPrototypeOf(ai).leak = 1;', 'return [[...[1, 2]], typeof [][Symbol.iterator]().leak];', [[1, 2], 'undefined']],
    ['generator prototypes', 'Object.getPrototypeOf(function* () {}).prototype.next = () => ({ done: true });', 'function* g() { yield 1 } return [...g()];', [1]],
    ['RegExp.prototype.exec', 'RegExp.prototype.exec = () => null;', 'return /a/.test("a");', true],
    ['String.prototype.replace', 'String.prototype.replace = () => "evil";', 'return "abc".replace("b", "x");', 'axc'],
    ['Error.prototype and ModuleError', 'ModuleError.prototype.kind = "evil"; ModuleError.prototype.name = "Evil"; ModuleError.leak = 1; Error.prototype.message = "evil";', 'const e = new ModuleError("K", "m"); return [e.kind, String(e), typeof ModuleError.leak, new Error().message];', ['K', 'ModuleError: m', 'undefined', '']],
    ['Date.now and Math.random', 'Date.now = () => 0; Math.random = () => 4;', 'return [Date.now() > 1e12, Math.random() < 1];', [true, true]],
    ['new Function and indirect eval closing the wrapper', 'Function("}); globalThis.leak = 1; (function(){")(); (0, eval)("let leakedEval = 1");', 'return [typeof leak, (0, eval)("typeof leakedEval")];', ['undefined', 'undefined']],
    ['global lexical bindings from indirect eval', '(0, eval)("let leakedLex = 42; class LeakedClass {}");', 'return [(0, eval)("typeof leakedLex"), Function("return typeof LeakedClass")()];', ['undefined', 'undefined']],
  ];

  it.each(pairs)('%s', (_name, attack, probe, expected) => {
    expect(ok(attackThenProbe(pairTool(attack, probe)))).toEqual(expected);
  });

  it('module-level state starts fresh on every call', () => {
    const tool = jsTool('let count = 0;\nconst seen = [];\nexport function handler(i) { count += 1; seen.push(i.n); return [count, seen] }');
    expect(ok(engine.call(tool, { n: 1 }, bridge))).toEqual([1, [1]]);
    const factoryBefore = engine.stats.factoryCalls;
    expect(ok(engine.call(tool, { n: 2 }, bridge))).toEqual([1, [2]]);
    expect(ok(engine.call(tool, { n: 3 }, bridge))).toEqual([1, [3]]);
    expect(engine.stats.reusedCalls).toBeGreaterThan(0);
    expect(engine.stats.factoryCalls).toBe(factoryBefore + 2);
  });

  it('module-level state starts fresh for every export form served by the factory', () => {
    const tool = jsTool(
      'const state = { calls: [] };\nfunction record(n) { state.calls.push(n); return state.calls }\nexport default { handler(i) { return record(i.n) } }\nexport { state as shared };',
    );
    expect(ok(engine.call(tool, { n: 1 }, bridge))).toEqual([1]);
    const factoryBefore = engine.stats.factoryCalls;
    expect(ok(engine.call(tool, { n: 2 }, bridge))).toEqual([2]);
    expect(ok(engine.call(tool, { n: 3 }, bridge))).toEqual([3]);
    expect(engine.stats.factoryCalls).toBe(factoryBefore + 2);
  });

  it('top-level arguments and this hold nothing from an earlier call (factory or module scope)', () => {
    const tool = jsTool(
      'const top = typeof arguments === "object" ? arguments : {};\ntop.calls = (top.calls || 0) + 1;\nlet callee = "none";\ntry { callee = typeof arguments.callee } catch (e) { callee = "refused" }\nexport function handler() { return [top.calls, this === undefined, callee === "function" ? "reachable" : "ok"] }',
    );
    expect(ok(engine.call(tool, {}, bridge))).toEqual([1, true, 'ok']);
    expect(ok(engine.call(tool, {}, bridge))).toEqual([1, true, 'ok']);
    expect(ok(engine.call(tool, {}, bridge))).toEqual([1, true, 'ok']);
  });

  it('sources the factory cannot take (export inside a string) still get a fresh module per call', () => {
    const tool = jsTool('let count = 0;\nexport function handler() { count += 1; return [count, "export"] }');
    expect(ok(engine.call(tool, {}, bridge))).toEqual([1, 'export']);
    const factoryBefore = engine.stats.factoryCalls;
    expect(ok(engine.call(tool, {}, bridge))).toEqual([1, 'export']);
    expect(engine.stats.factoryCalls).toBe(factoryBefore);
  });

  it('errors thrown by module top-level code keep their line through the factory', () => {
    const tool = jsTool('const x = 1;\nif (globalThis.boom === undefined && x) { }\nexport function handler(i) {\n  if (i.fail) throw new Error("late " + x);\n  return x\n}');
    expect(ok(engine.call(tool, {}, bridge))).toBe(1);
    const failed = engine.call(tool, { fail: true }, bridge);
    expect(failed.status === 'error' && failed.error).toMatchObject({ kind: 'RuntimeError', message: 'Error: late 1', line: 4 });
    expect(engine.stats.factoryCalls).toBeGreaterThan(0);
  });

  it('require() returns fresh module objects: constants, typed-value prototypes and the module are not shared', () => {
    const tool = pairTool(
      'const c = require("clock"); try { c.extra = 1 } catch (e) {} c.UNITS.push("evil"); Object.getPrototypeOf(c.duration(1)).seconds = () => "evil"; Object.getPrototypeOf(c.ZERO).leak = 1;',
      'const c = require("clock"); return [c.UNITS, c.duration(1500).seconds(), typeof c.extra, typeof c.ZERO.leak];',
      { modules: ['clock'] },
    );
    expect(ok(attackThenProbe(tool))).toEqual([['ms', 's'], 1.5, 'undefined', 'undefined']);
  });

  it('console capture and its budget are per call, and console cannot be replaced', () => {
    const limits = testLimits({ outputBytes: 200 });
    const tool = pairTool('try { console.log = () => {} } catch (e) {} for (let i = 0; i < 100; i++) console.log("flood " + i);', 'console.log("hello"); return 1;', { limits });
    const first = engine.call(tool, { attack: true }, bridge);
    expect(first.logs?.at(-1)).toMatch(/truncated/);
    const second = engine.call(tool, { attack: false }, bridge);
    expect(ok(second)).toBe(1);
    expect(second.logs).toEqual(['hello']);
  });

  it('a leftover promise chain finishes inside its own call and never runs in the next', () => {
    const tool = pairTool(
      'let n = 0; (function loop() { if (n++ < 500) Promise.resolve().then(loop); else console.log("late") })();',
      'await null; return [typeof FinalizationRegistry, "clean"];',
    );
    const first = engine.call(tool, { attack: true }, bridge);
    expect(first.logs).toEqual(['late']);
    const second = engine.call(tool, { attack: false }, bridge);
    expect(ok(second)).toEqual(['undefined', 'clean']);
    expect(second.logs).toBeUndefined();
  });

  it('a call cannot import a previous call\'s module instance by the tool file name', async () => {
    const tool = pairTool('', 'try { await import("app.generated_test_tool.js"); return "imported" } catch (e) { return "refused" }');
    expect(ok(attackThenProbe(tool, false))).toBe('refused');
  });

  it('a limit kill of one tool leaves other tools\' contexts warm, and they stay isolated', () => {
    const victim = jsTool('let seen = [];\nexport function handler(i) { seen.push(i.n); return seen }');
    const killer = jsTool('export function handler() { for (;;) {} }', { limits: testLimits({ timeoutMs: 100 }) });
    const hog = jsTool('export function handler() { const a = []; for (;;) a.push(new Array(1000).fill(1)) }', { limits: testLimits({ memoryBytes: 8 * 1024 * 1024 }) });
    expect(ok(engine.call(victim, { n: 1 }, bridge))).toEqual([1]);
    expect(ok(engine.call(victim, { n: 2 }, bridge))).toEqual([2]);
    const created = engine.stats.realmsCreated;
    const recreations = engine.stats.runtimeRecreations;
    const killed = engine.call(killer, {}, bridge);
    expect(killed.status === 'error' && killed.error.kind).toBe('Timeout');
    const hogged = engine.call(hog, {}, bridge);
    expect(hogged.status === 'error' && hogged.error.kind).toBe('MemoryLimit');
    expect(engine.stats.runtimeRecreations).toBe(recreations + 2);
    const reusedBefore = engine.stats.reusedCalls;
    expect(ok(engine.call(victim, { n: 3 }, bridge))).toEqual([3]);
    expect(engine.stats.reusedCalls).toBe(reusedBefore + 1);
    // the killer and the hog each got (and lost) a context of their own; the victim's was not rebuilt
    expect(engine.stats.realmsCreated).toBe(created + 2);
  });

  it('discards the context after a limit kill and serves the next call from a new one', () => {
    const tool = jsTool('let hits = 0;\nexport function handler(i) { hits++; if (i.spin) for (;;) {} return hits }', { limits: testLimits({ timeoutMs: 200 }) });
    expect(ok(engine.call(tool, {}, bridge))).toBe(1);
    const created = engine.stats.realmsCreated;
    const killed = engine.call(tool, { spin: true }, bridge);
    expect(killed.status === 'error' && killed.error.kind).toBe('Timeout');
    expect(ok(engine.call(tool, {}, bridge))).toBe(1);
    expect(engine.stats.realmsCreated).toBe(created + 1);
  });
});

describe('ordinary code still works in a frozen realm', () => {
  it('assigning name/message/toString on own objects (the override mistake) is allowed', () => {
    const tool = jsTool('class E extends Error { constructor(m) { super(m); this.name = "E" } }\nexport function handler() { const o = {}; o.toString = () => "x"; const e = new E("m"); e.message = "changed"; return [e.name, String(o), e.message, e instanceof Error] }');
    expect(ok(engine.call(tool, null, bridge))).toEqual(['E', 'x', 'changed', true]);
    expect(ok(engine.call(tool, null, bridge))).toEqual(['E', 'x', 'changed', true]);
  });

  it('scripts (global function, no export) still run in fresh contexts', () => {
    const tool = jsTool('var count = (globalThis.count || 0) + 1;\nfunction handler() { return count }');
    expect(ok(engine.call(tool, null, bridge))).toBe(1);
    expect(ok(engine.call(tool, null, bridge))).toBe(1);
  });
});
