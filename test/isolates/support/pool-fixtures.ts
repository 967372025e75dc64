// Pool-test fixtures: a pool wired to the test engine and test modules, ToolSpec builders, a fake registry.
// The worker loads the .mjs files by URL; the supervisor side gets the same module specs from here.
import { MODULE_CATALOG } from '../../../src/isolates/module-catalog.js';
import { createIsolatePool, type IsolatePool, type IsolatePoolOptions } from '../../../src/isolates/pool.js';
import { DEFAULT_LIMITS, type Limits, type ToolSpec } from '../../../src/isolates/types.js';
import type { ModuleSpec } from '../../../src/modules/module-spec.js';
import type { Entry } from '../../../schemas/entry.js';
// @ts-expect-error -- plain ESM test helper without type declarations
import { privilegedTestModule, testModule } from './test-module.mjs';

export const ENGINE_URL = new URL('./test-engine.mjs', import.meta.url).href;
export const MODULE_URL = new URL('./test-module.mjs', import.meta.url).href;
export const actor = { id: 'tester', meta: {} };

export const testModules: ReadonlyMap<string, ModuleSpec> = new Map([
  ...MODULE_CATALOG,
  ['testmod', testModule as ModuleSpec],
  ['testpriv', privilegedTestModule as ModuleSpec],
]);

export function testPool(options: IsolatePoolOptions = {}): IsolatePool {
  return createIsolatePool({
    size: 2,
    engines: {
      'function.lua': { url: ENGINE_URL, export: 'createTestEngine' },
      'function.js': { url: ENGINE_URL, export: 'createTestEngine' },
    },
    modules: testModules,
    extraModules: [
      { url: MODULE_URL, export: 'testModule' },
      { url: MODULE_URL, export: 'privilegedTestModule' },
    ],
    ...options,
  });
}

export function program(op: Record<string, unknown>, overrides: Omit<Partial<ToolSpec>, 'limits'> & { limits?: Partial<Limits> } = {}): ToolSpec {
  const { limits, ...rest } = overrides;
  return {
    id: 'app.tools:test',
    version: 1,
    kind: 'function.lua',
    source: JSON.stringify(op),
    method: 'handler',
    modules: ['testmod'],
    trusted: true,
    ...rest,
    limits: { ...DEFAULT_LIMITS, ...limits },
  };
}

export function entry(id: string, op: Record<string, unknown>, data: Record<string, unknown> = {}): Entry {
  return { id, kind: 'function.lua', meta: {}, data: { source: JSON.stringify(op), modules: ['testmod'], ...data } };
}

/** Just enough of Registry for nested calls: current() with get/has/version. */
export function fakeRegistry(entries: Entry[]) {
  const byId = new Map(entries.map((e) => [e.id, e]));
  const snapshot = { version: 7, get: (id: string) => byId.get(id), has: (id: string) => byId.has(id) };
  return { current: () => snapshot as never };
}

/** Resolves when testmod.never is entered on the supervisor (proves the task is running in a worker). */
export function whenNeverCalled(): Promise<void> {
  return new Promise((resolve) => {
    (globalThis as { __testNeverCalled?: () => void }).__testNeverCalled = resolve;
  });
}
