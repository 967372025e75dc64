// Test helper for module tests: a minimal CallContext with a real handle table,
// plus helpers to call a module's functions and typed-value methods directly.
import { MapHandleTable } from '../../src/modules/handle-table.js';
import type { CallContext, GuestValue, ModuleSpec, TypedValue } from '../../src/modules/module-spec.js';

export function makeContext(overrides: Partial<CallContext> = {}): CallContext {
  return {
    entryId: 'app.generated:test_tool',
    trusted: false,
    actor: { id: 'test', meta: {} },
    deadline: Date.now() + 10_000,
    handles: new MapHandleTable(),
    ...overrides,
  };
}

/** Calls `spec.functions[name]` synchronously with a fresh (or given) context. */
export function call(spec: ModuleSpec, name: string, ...args: GuestValue[]): any {
  const fn = spec.functions[name];
  if (!fn) throw new Error(`${spec.name}.${name} is not defined`);
  return fn(sharedCtx, ...args);
}

/** Calls a method of a typed value, the way the engines do (self first). */
export function method(spec: ModuleSpec, self: GuestValue, name: string, ...args: GuestValue[]): any {
  const type = (self as TypedValue).__type;
  const fn = spec.types?.[type]?.methods[name];
  if (!fn) throw new Error(`${type}:${name} is not defined`);
  return fn(sharedCtx, self, ...args);
}

export const sharedCtx: CallContext = makeContext({ deadline: Date.now() + 3_600_000 });

/** Values of a Multi. */
export function values(result: any): GuestValue[] {
  return result.__multi as GuestValue[];
}
