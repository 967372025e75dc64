// The Lua WebAssembly module as the engine loads it: the raw C exports are captured, and wasmoon's
// allocation tracer (the memory cap) reaches realloc/free through them too, not the debug build's wrappers.
import { describe, expect, it } from 'vitest';
import { loadLuaModule } from '../../../src/isolates/lua/lua-module.js';

describe('loadLuaModule', () => {
  it('captures the raw exports, and the allocator path uses the raw realloc and free', async () => {
    const { cmodule, raw, direct } = await loadLuaModule();
    expect(direct).toBe(true);
    const shared = cmodule.module as unknown as Record<string, unknown>;
    const exported = raw as unknown as Record<string, unknown>;
    expect(shared._realloc).toBe(exported._realloc);
    expect(shared._free).toBe(exported._free);
    // A wrapper would be a JS closure; the raw exports are WebAssembly functions (native code, no source).
    expect(Function.prototype.toString.call(shared._realloc)).toMatch(/\[native code\]/);
  });
});
