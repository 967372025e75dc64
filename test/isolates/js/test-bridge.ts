// Test support: an in-thread HostBridge that runs ModuleSpec functions directly (the boundary fake for
// the worker's real bridge), plus a ToolSpec builder with test-sized limits.
import type { GuestValue, HandleTable, ModuleSpec } from '../../../src/modules/module-spec.js';
import { DEFAULT_LIMITS, type HostBridge, type Limits, type ToolSpec } from '../../../src/isolates/types.js';

export class TestBridge implements HostBridge {
  readonly modules: ReadonlyMap<string, ModuleSpec>;
  readonly invocations: { module: string; fn: string; args: GuestValue[] }[] = [];
  begins = 0;
  ends = 0;
  private tool: ToolSpec | undefined;
  private deadline = 0;
  private handles: unknown[] = [];

  constructor(specs: readonly ModuleSpec[]) {
    this.modules = new Map(specs.map((s) => [s.name, s]));
  }

  begin(tool: ToolSpec, deadline: number): void {
    this.begins += 1;
    this.tool = tool;
    this.deadline = deadline;
  }

  end(): void {
    this.ends += 1;
    this.handles = [];
  }

  invoke(module: string, fn: string, args: GuestValue[]): GuestValue {
    this.invocations.push({ module, fn, args });
    const spec = this.modules.get(module);
    if (!spec || !this.tool) throw new Error(`no module ${module}`);
    const handles: HandleTable = {
      put: (value) => this.handles.push(value) - 1,
      get: <T>(id: number) => this.handles[id] as T,
      release: () => {
        this.handles = [];
      },
    };
    const ctx = {
      entryId: this.tool.id,
      trusted: this.tool.trusted,
      actor: { id: 'test', meta: {} },
      deadline: this.deadline,
      handles,
    };
    const colon = fn.indexOf(':');
    let impl;
    if (colon > 0) {
      const type = spec.types?.[fn.slice(0, colon)];
      const method = fn.slice(colon + 1);
      impl = method === '__tostring' ? type?.tostring : type?.methods[method];
    } else {
      impl = spec.functions[fn];
    }
    if (!impl) throw new Error(`no function ${module}.${fn}`);
    const out = impl(ctx, ...args);
    if (out instanceof Promise) throw new Error('async host functions are not supported by the test bridge');
    return out;
  }
}

export function testLimits(overrides: Partial<Limits> = {}): Limits {
  return { ...DEFAULT_LIMITS, timeoutMs: 2_000, memoryBytes: 32 * 1024 * 1024, ...overrides };
}

let nextVersion = 1;

/** A function.js ToolSpec with a fresh version (so each test compiles its own source). */
export function jsTool(source: string, extra: Partial<Omit<ToolSpec, 'source'>> = {}): ToolSpec {
  return {
    id: 'app.generated:test_tool',
    version: nextVersion++,
    kind: 'function.js',
    source,
    method: 'handler',
    modules: [],
    trusted: false,
    limits: testLimits(),
    ...extra,
  };
}
