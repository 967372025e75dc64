// The guest engine of the draft pool (tools.compile / tools.test): the real Lua or QuickJS engine, plus a
// compile-only mode (GuestEngine.compile inside the isolate worker, never running the source).
import type { CallResult, GuestEngine, HostBridge, ToolSpec } from '../isolates/types.js';

/** A ToolSpec with this method is compiled, not run (no tool can name it: it is not an identifier). */
export const COMPILE_ONLY_METHOD = '\u0000compile-only';

export interface DraftEngineOptions {
  readonly language: 'lua' | 'js';
}

class DraftEngine implements GuestEngine {
  readonly language: 'lua' | 'js';
  readonly #inner: GuestEngine;

  constructor(inner: GuestEngine) {
    this.#inner = inner;
    this.language = inner.language;
  }

  compile(tool: ToolSpec) {
    return this.#inner.compile(tool);
  }

  call(tool: ToolSpec, input: unknown, bridge: HostBridge): CallResult {
    if (tool.method !== COMPILE_ONLY_METHOD) return this.#inner.call(tool, input, bridge);
    const started = performance.now();
    const error = this.#inner.compile(tool);
    const stats = { ms: performance.now() - started };
    return error ? { status: 'error', error, stats } : { status: 'ok', value: true, stats };
  }

  dispose(): void {
    this.#inner.dispose();
  }
}

/** Engine factory named in the draft pool's `engines` option (the isolate worker calls it once per kind). */
export async function createDraftEngine(options: DraftEngineOptions): Promise<GuestEngine> {
  if (options?.language === 'js') {
    const { createJsEngine } = await import('../isolates/js/js-engine.js');
    return new DraftEngine(await createJsEngine());
  }
  const { createLuaEngine } = await import('../isolates/lua/lua-engine.js');
  return new DraftEngine(await createLuaEngine());
}
