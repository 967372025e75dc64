// prepare(): a tool's warm context built ahead of its first call (none of its code runs), and the warm-context
// LRU keeping tools in repeated use while a stream of one-shot tools passes through.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createJsEngine, type JsGuestEngine } from '../../../src/isolates/js/js-engine.js';
import { createLuaEngine } from '../../../src/isolates/lua/lua-engine.js';
import type { CallResult, ToolSpec } from '../../../src/isolates/types.js';
import { allModules } from './fake-modules.js';
import { jsTool, TestBridge } from './test-bridge.js';

let engine: JsGuestEngine;
let bridge: TestBridge;

beforeAll(async () => {
  engine = await createJsEngine({ realms: { maxRealms: 3 } });
  bridge = new TestBridge(allModules);
});

afterAll(() => {
  engine.dispose();
});

function ok(result: CallResult): unknown {
  if (result.status !== 'ok') throw new Error(`expected ok, got ${JSON.stringify(result)}`);
  return result.value;
}

function named(id: string, source: string): ToolSpec {
  return jsTool(source, { id: `app.generated:${id}` });
}

describe('JsEngine.prepare', () => {
  it('builds the warm context without running the module, and the first call reuses it', () => {
    const tool = named('prep_a', 'let n = 0;\nn += 1;\nexport function handler() { return n }');
    const created = engine.stats.realmsCreated;
    const calls = engine.stats.calls;
    expect(engine.prepare(tool, bridge.modules)).toBe(true);
    expect(engine.stats.realmsCreated).toBe(created + 1);
    expect(engine.stats.realmsPrepared).toBeGreaterThanOrEqual(1);
    expect(engine.stats.calls).toBe(calls);
    // Already warm: nothing more to build.
    expect(engine.prepare(tool, bridge.modules)).toBe(false);
    // The module's top level ran exactly once, in the call (a fresh module scope).
    expect(ok(engine.call(tool, {}, bridge))).toBe(1);
    expect(engine.stats.realmsCreated).toBe(created + 1);
  });

  it('does not prepare scripts (they get a fresh context per call) or other kinds', () => {
    expect(engine.prepare(named('prep_script', 'function handler() { return 1 }'), bridge.modules)).toBe(false);
    expect(engine.prepare({ ...named('prep_lua', 'return 1'), kind: 'function.lua' }, bridge.modules)).toBe(false);
  });

  it('keeps the contexts of tools in repeated use while one-shot tools come and go', () => {
    const busy = named('prep_busy', 'export function handler(i) { return i.n }');
    for (let n = 0; n < 3; n++) expect(ok(engine.call(busy, { n }, bridge))).toBe(n);
    const created = engine.stats.realmsCreated;
    // More distinct one-shot tools than the LRU holds (3): they evict each other, not the busy tool.
    for (let i = 0; i < 5; i++) expect(ok(engine.call(named(`prep_once_${i}`, `export function handler() { return ${i} }`), {}, bridge))).toBe(i);
    expect(engine.stats.realmsCreated).toBe(created + 5);
    const reused = engine.stats.reusedCalls;
    expect(ok(engine.call(busy, { n: 9 }, bridge))).toBe(9);
    expect(engine.stats.reusedCalls).toBe(reused + 1);
    expect(engine.stats.realmsCreated).toBe(created + 5);
  });
});

describe('LuaEngine.prepare', () => {
  it('compiles the chunk once without running it', async () => {
    const lua = await createLuaEngine();
    try {
      const tool: ToolSpec = { ...named('prep_lua_ok', ''), kind: 'function.lua', source: 'local function handler(i) return i.n end\nreturn { handler = handler }' };
      expect(lua.prepare!(tool, bridge.modules)).toBe(true);
      expect(lua.prepare!(tool, bridge.modules)).toBe(false);
      expect(lua.prepare!({ ...tool, id: 'app.generated:prep_lua_bad', source: 'return {' }, bridge.modules)).toBe(false);
    } finally {
      lua.dispose();
    }
  });
});
