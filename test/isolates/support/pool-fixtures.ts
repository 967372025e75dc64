// Pool-test fixtures: a pool wired to the test engine and test modules, ToolSpec builders, a fake registry.
// The worker loads the .mjs files by URL; the supervisor side gets the same module specs from here.
import { afterEach } from 'vitest';
import { MODULE_CATALOG } from '../../../src/isolates/module-catalog.js';
import { createIsolatePool, type IsolatePool, type IsolatePoolOptions } from '../../../src/isolates/pool.js';
import { DEFAULT_LIMITS, type CallResult, type Limits, type ToolSpec } from '../../../src/isolates/types.js';
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

/** Open a gate a 'wait-then-echo' call blocks on (no timing involved). */
export function releaseGate(cells: Int32Array): void {
  Atomics.store(cells, 0, 1);
  Atomics.notify(cells, 0);
}

/**
 * The gates a test file opened: `heldCall` adds to them, `releaseAll` (in afterEach) opens every one so no
 * worker is left blocked.
 */
export class Gates {
  readonly #open: Int32Array[] = [];

  open(): { flag: SharedArrayBuffer; cells: Int32Array } {
    const flag = new SharedArrayBuffer(4);
    const cells = new Int32Array(flag);
    this.#open.push(cells);
    return { flag, cells };
  }

  releaseAll(): void {
    for (const cells of this.#open.splice(0)) releaseGate(cells);
  }
}

/** A call that holds its worker until its gate is released; `done` says whether it has answered yet. */
export function heldCall(
  pool: IsolatePool,
  gates: Gates,
  value: string,
  id?: string,
): { result: Promise<CallResult>; cells: Int32Array; done: () => boolean } {
  const { flag, cells } = gates.open();
  let finished = false;
  const result = pool.call(program({ op: 'wait-then-echo' }, id ? { id } : {}), { flag, value }, { actor }).then((r) => {
    finished = true;
    return r;
  });
  return { result, cells, done: () => finished };
}

/** After each test of the file: open every gate, then close the pool the test used (read through `current`). */
export function cleanUpAfterEach(gates: Gates, current: () => IsolatePool | undefined): void {
  afterEach(async () => {
    gates.releaseAll();
    await current()?.close();
  });
}
