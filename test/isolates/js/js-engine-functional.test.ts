// Functional behaviour of the QuickJS engine: entry conventions, async handlers, error lines,
// marshalling both ways, typed values, ModuleError, console capture and the per-version cache.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createJsEngine, type JsGuestEngine } from '../../../src/isolates/js/js-engine.js';
import type { CallResult } from '../../../src/isolates/types.js';
import { allModules } from './fake-modules.js';
import { jsTool, TestBridge } from './test-bridge.js';

let engine: JsGuestEngine;
let bridge: TestBridge;

beforeAll(async () => {
  engine = await createJsEngine();
  bridge = new TestBridge(allModules);
});

afterAll(() => engine.dispose());

function run(source: string, input: unknown = null, extra: Parameters<typeof jsTool>[1] = {}): CallResult {
  return engine.call(jsTool(source, extra), input, bridge);
}

function ok(result: CallResult): unknown {
  if (result.status !== 'ok') throw new Error(`expected ok, got ${JSON.stringify(result.error)}`);
  return result.value;
}

function err(result: CallResult) {
  if (result.status !== 'error') throw new Error(`expected an error, got ${JSON.stringify(result.value)}`);
  return result.error;
}

const clock = { modules: ['clock'] };
const bin = { modules: ['bin'] };

describe('entry conventions', () => {
  it('calls a named export with the input', () => {
    expect(ok(run('export function handler(input) { return input.a + input.b }', { a: 2, b: 3 }))).toBe(5);
  });

  it('calls the method of a default-exported object', () => {
    expect(ok(run('export default { handler(input) { return "hi " + input.name } }', { name: 'ada' }))).toBe('hi ada');
  });

  it('calls a default-exported function', () => {
    expect(ok(run('export default function (input) { return input * 2 }', 21))).toBe(42);
  });

  it('accepts a script defining a global function named like the method', () => {
    expect(ok(run('function handler(input) { return [input, typeof globalThis.handler] }', 7))).toEqual([7, 'function']);
  });

  it('uses tool.method as the entry name', () => {
    expect(ok(run('export function run(input) { return "run:" + input }', 'x', { method: 'run' }))).toBe('run:x');
  });

  it('reports a missing entry as NotFound naming the exports', () => {
    const e = err(run('export function other() { return 1 }\nexport const n = 1'));
    expect(e.kind).toBe('NotFound');
    expect(e.message).toContain("'handler'");
    expect(e.message).toContain('other');
  });

  it('settles an async handler by running pending jobs', () => {
    const src = 'export async function handler(input) { const a = await Promise.resolve(input); const b = await new Promise((r) => r(a + 1)); return b * 10 }';
    expect(ok(run(src, 4))).toBe(50);
  });

  it('supports top-level await in the module', () => {
    expect(ok(run('const base = await Promise.resolve(100);\nexport function handler(i) { return base + i }', 1))).toBe(101);
  });

  it('turns a rejected async handler into a RuntimeError with its line', () => {
    const e = err(run('export async function handler() {\n  await null;\n  throw new RangeError("late")\n}'));
    expect(e).toMatchObject({ kind: 'RuntimeError', message: 'RangeError: late', line: 3 });
  });

  it('reports a promise that can never settle instead of hanging', () => {
    const e = err(run('export function handler() { return new Promise(() => {}) }'));
    expect(e.kind).toBe('RuntimeError');
    expect(e.message).toContain('never settle');
  });
});

describe('errors with lines', () => {
  it('reports a thrown error with message and line', () => {
    const e = err(run('export function handler() {\n  const x = 1;\n  throw new Error("boom " + x);\n}'));
    expect(e).toMatchObject({ kind: 'RuntimeError', message: 'Error: boom 1', line: 3 });
  });

  it('reports a TypeError from the engine with its line', () => {
    const e = err(run('export function handler(input) {\n\n  return input.missing.deeper;\n}', {}));
    expect(e.kind).toBe('RuntimeError');
    expect(e.message).toMatch(/^TypeError: /);
    expect(e.line).toBe(3);
  });

  it('reports a syntax error as CompileError with its line, from call and from compile', () => {
    const src = 'export function handler(input) {\n  const a = 1;\n  return a +;\n}';
    const e = err(run(src));
    expect(e.kind).toBe('CompileError');
    expect(e.line).toBe(3);
    const compiled = engine.compile(jsTool(src));
    expect(compiled).toMatchObject({ kind: 'CompileError', line: 3 });
  });

  it('compile() returns undefined for a good module without running its handler', () => {
    expect(engine.compile(jsTool('export function handler() { while (true) {} }'))).toBeUndefined();
    expect(engine.compile(jsTool('function handler() { return 1 }'))).toBeUndefined();
  });

  it('treats a run-time SyntaxError (JSON.parse) as RuntimeError, not CompileError', () => {
    const e = err(run('export function handler() {\n  return JSON.parse("{bad")\n}'));
    expect(e.kind).toBe('RuntimeError');
    expect(e.message).toMatch(/^SyntaxError/);
  });

  it('reports a thrown non-error value', () => {
    expect(err(run('export function handler() { throw "plain string" }'))).toMatchObject({ kind: 'RuntimeError', message: 'thrown value: plain string' });
  });
});

describe('marshalling results and input', () => {
  it('round-trips nested JSON input and output', () => {
    const input = { list: [1, 'two', { three: [3, null, true] }], text: 'héllo ✓ 😀', n: -1.5 };
    expect(ok(run('export function handler(input) { return { echoed: input, keys: Object.keys(input) } }', input))).toEqual({
      echoed: input,
      keys: ['list', 'text', 'n'],
    });
  });

  it('returns null for undefined, numbers for safe bigints, latin1 strings for bytes', () => {
    expect(ok(run('export function handler() { return undefined }'))).toBeNull();
    expect(ok(run('export function handler() { return { big: 42n, huge: 2n ** 70n } }'))).toEqual({ big: 42, huge: '1180591620717411303424' });
    expect(ok(run('export function handler() { return new Uint8Array([104, 105, 255]) }'))).toBe('hi\u00ff');
  });

  it('passes host bytes to the guest as a latin1 binary string', () => {
    const value = ok(run('export function handler() { const s = require("bin").bytes(); return [typeof s, s.length, [...s].map((c) => c.charCodeAt(0))] }', null, bin));
    expect(value).toEqual(['string', 5, [0, 1, 127, 128, 255]]);
  });

  it('passes guest Uint8Array and ArrayBuffer to the host as Uint8Array', () => {
    const src = `export function handler() {
      const b = require("bin");
      const u = new Uint8Array([1, 2, 250]);
      return [b.sum(u), b.sum(u.buffer), b.length(new Uint8Array(u.buffer, 1, 2)), b.kind("text"), b.kind(undefined), b.kind([1])];
    }`;
    expect(ok(run(src, null, bin))).toEqual([253, 253, 2, 'string', 'null', 'array']);
  });

  it('passes bigint, NaN and nested values to the host intact', () => {
    const src = `export function handler() {
      const c = require("clock");
      return [require("bin").big(21n) === 42n, c.echo({ a: [1, { b: NaN }], "\\u0001k": 1 }, null)];
    }`;
    const value = ok(run(src, null, { modules: ['clock', 'bin'] })) as [boolean, unknown[]];
    expect(value[0]).toBe(true);
    const echoed = bridge.invocations.at(-1)!.args;
    expect(Number.isNaN((echoed[0] as { a: [number, { b: number }] }).a[1].b)).toBe(true);
    expect(Object.keys(echoed[0] as object)).toEqual(['a', '\u0001k']);
  });

  it('refuses functions as module arguments with a TypeError the guest can catch', () => {
    const src = 'export function handler() { try { require("clock").echo(() => 1) } catch (e) { return [e instanceof TypeError, e.message] } }';
    expect(ok(run(src, null, clock))).toEqual([true, 'a function cannot be passed to a module']);
  });
});

describe('module values from a ModuleSpec', () => {
  it('builds dotted functions, constants, typed values with methods and tostring, Multi as array', () => {
    const src = `export function handler() {
      const c = require("clock");
      const d = c.duration(1500);
      const [parsed, unit] = c.parse("2s");
      return {
        seconds: d.seconds(),
        sum: String(d.plus(parsed)),
        unit,
        second: c.SECOND,
        units: c.UNITS,
        zero: c.ZERO.seconds(),
        nested: c.util.add(d, parsed).ms,
        type: d.__type,
        same: require("clock") === c,
        frozen: Object.isFrozen(c),
      };
    }`;
    expect(ok(run(src, null, clock))).toEqual({
      seconds: 1.5,
      sum: '3500ms',
      unit: 's',
      second: 1000,
      units: ['ms', 's'],
      zero: 0,
      nested: 3500,
      type: 'Duration',
      same: true,
      frozen: true,
    });
  });

  it('sends the typed value itself back as self', () => {
    ok(run('export function handler() { return require("clock").duration(250).seconds() }', null, clock));
    expect(bridge.invocations.at(-1)).toEqual({ module: 'clock', fn: 'Duration:seconds', args: [{ __type: 'Duration', ms: 250 }] });
  });

  it('returns a typed value in a result as its data', () => {
    expect(ok(run('export function handler() { return { d: require("clock").duration(5) } }', null, clock))).toEqual({ d: { __type: 'Duration', ms: 5 } });
  });

  it('throws a ModuleError with kind, message, retryable and details', () => {
    const src = `export function handler() {
      const c = require("clock");
      const out = [];
      try { c.parse("nope") } catch (e) { out.push([e instanceof ModuleError, e instanceof Error, e.name, e.kind, e.message, e.retryable, e.details]) }
      try { c.flaky() } catch (e) { out.push([e.kind, e.retryable]) }
      return out;
    }`;
    expect(ok(run(src, null, clock))).toEqual([
      [true, true, 'ModuleError', 'Invalid', "cannot parse 'nope'", false, { input: 'nope' }],
      ['Unavailable', true],
    ]);
  });

  it('reports an uncaught ModuleError as ToolError with the guest kind and line', () => {
    const e = err(run('export function handler() {\n  return require("clock").parse("bad")\n}', null, clock));
    expect(e).toMatchObject({ kind: 'ToolError', errorKind: 'Invalid', message: "cannot parse 'bad'", line: 2 });
  });

  it('turns ArgumentFailure into a TypeError and other host exceptions into an Internal error', () => {
    const src = `export function handler() {
      const c = require("clock");
      const out = [];
      try { c.duration("x") } catch (e) { out.push([e instanceof TypeError, e.message]) }
      try { c.broken() } catch (e) { out.push([e instanceof ModuleError, e.kind, e.message]) }
      return out;
    }`;
    expect(ok(run(src, null, clock))).toEqual([
      [true, 'clock.duration: number expected'],
      [false, 'Internal', 'clock.broken failed: database exploded'],
    ]);
  });
});

describe('console, bridge and cache', () => {
  it('captures console output and print into logs', () => {
    const result = run('export function handler() { console.log("a", 1, { b: [2] }); print("p"); console.error("bad"); return 0 }');
    expect(result.logs).toEqual(['a 1 {"b":[2]}', 'p', '[error] bad']);
    expect(run('export function handler() { return 0 }').logs).toBeUndefined();
  });

  it('calls bridge.begin and bridge.end once per call, also on failure', () => {
    const before = [bridge.begins, bridge.ends];
    run('export function handler() { return 1 }');
    run('export function handler() { throw new Error("x") }');
    expect([bridge.begins - before[0]!, bridge.ends - before[1]!]).toEqual([2, 2]);
  });

  it('reuses the analysis of a (id, version) and picks up a new version', () => {
    const v1 = jsTool('export function handler() { return "v1" }');
    const hits = engine.stats.cacheHits;
    expect(ok(engine.call(v1, null, bridge))).toBe('v1');
    expect(ok(engine.call(v1, null, bridge))).toBe('v1');
    expect(engine.stats.cacheHits).toBeGreaterThan(hits);
    const v2 = { ...v1, version: v1.version + 1000, source: 'export function handler() { return "v2" }' };
    expect(ok(engine.call(v2, null, bridge))).toBe('v2');
  });
});

describe('contexts prepared in idle time', () => {
  const idle = () => new Promise<void>((resolve) => setImmediate(resolve));

  it('serves the next call from a prepared context, still fresh', async () => {
    // ES modules run in a frozen realm: the pollution attempt itself fails with a TypeError.
    const polluter = run('export function handler() { Object.prototype.leak = 1; globalThis.stash = 2; return 0 }');
    expect(polluter.status === 'error' && polluter.error.kind).toBe('RuntimeError');
    await idle();
    const before = engine.stats.prewarmedCalls;
    const value = ok(run('export function handler(i) { return [i, typeof ({}).leak, typeof stash, require("clock").duration(i).seconds()] }', 1500, clock));
    expect(value).toEqual([1500, 'undefined', 'undefined', 1.5]);
    expect(engine.stats.prewarmedCalls).toBe(before + 1);
  });

  it('prepares on demand with prewarm() and keeps logs and errors per call', async () => {
    engine.prewarm();
    const first = run('export function handler() { console.log("one"); throw new Error("first") }');
    expect(first.logs).toEqual(['one']);
    expect(err(first).message).toBe('Error: first');
    await idle();
    const second = run('export function handler() { console.log("two"); return 2 }');
    expect(second.logs).toEqual(['two']);
    expect(ok(second)).toBe(2);
  });
});

