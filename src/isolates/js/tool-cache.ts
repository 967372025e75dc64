// Per (tool id, version) cache of what can be reused across calls: the source's shape (ES module or
// script), its compile error if any, and the prelude configuration JSON per module map.
import type { ModuleSpec } from '../../modules/module-spec.js';
import type { IsolateError, ToolSpec } from '../types.js';
import type { ModuleFactory } from './module-factory.js';
import { describeModule, type ModuleDescriptor } from './module-descriptors.js';

export type SourceShape = 'module' | 'script';

export interface CachedTool {
  readonly source: string;
  readonly filename: string;
  readonly shape: SourceShape;
  /** First syntax error, once known (set when a module fails to parse). */
  compileError?: IsolateError;
  /** True once the source is known to compile (or compileError is set). */
  checked: boolean;
  /** The module factory rewrite (module-factory.ts): undefined until examined, null when not usable. */
  factory?: ModuleFactory | null;
  /** True once a module evaluation's export names matched the factory's (then calls use the factory). */
  factoryVerified?: boolean;
  /** Prelude config JSON per module map (and output/memory limits). */
  readonly configs: WeakMap<ReadonlyMap<string, ModuleSpec>, Map<string, string>>;
}

/** A file name for stack traces: the entry id, made safe for the line parser. */
export function toolFilename(tool: ToolSpec): string {
  return `${tool.id.replace(/[^A-Za-z0-9._:-]/g, '_')}.js`;
}

/** Array-likes longer than this are refused by the guarded Array.prototype methods. */
export function maxArrayLength(memoryBytes: number): number {
  return Math.max(1 << 20, Math.floor(memoryBytes / 8));
}

export class ToolCache {
  private readonly entries = new Map<string, CachedTool>();
  hits = 0;
  misses = 0;

  constructor(private readonly capacity: number) {}

  get(tool: ToolSpec): CachedTool | undefined {
    const key = `${tool.id}\u0000${tool.version}`;
    const entry = this.entries.get(key);
    if (!entry || entry.source !== tool.source) return undefined;
    this.entries.delete(key);
    this.entries.set(key, entry);
    this.hits += 1;
    return entry;
  }

  put(tool: ToolSpec, shape: SourceShape, compileError?: IsolateError): CachedTool {
    this.misses += 1;
    const key = `${tool.id}\u0000${tool.version}`;
    const entry: CachedTool = {
      source: tool.source,
      filename: toolFilename(tool),
      shape,
      ...(compileError ? { compileError } : {}),
      checked: shape === 'script' || compileError !== undefined,
      configs: new WeakMap(),
    };
    this.entries.delete(key);
    this.entries.set(key, entry);
    while (this.entries.size > this.capacity) {
      const oldest = this.entries.keys().next().value as string;
      this.entries.delete(oldest);
    }
    return entry;
  }

  clear(): void {
    this.entries.clear();
  }
}

/** The JSON handed to the prelude's boot(): identity, grants, module descriptors and caps. */
export function preludeConfig(entry: CachedTool, tool: ToolSpec, modules: ReadonlyMap<string, ModuleSpec>): string {
  let byLimits = entry.configs.get(modules);
  if (!byLimits) {
    byLimits = new Map();
    entry.configs.set(modules, byLimits);
  }
  const limitsKey = `${tool.limits.outputBytes}/${tool.limits.memoryBytes}/${tool.method}/${tool.modules.join(',')}`;
  const found = byLimits.get(limitsKey);
  if (found) return found;
  const descriptors: Record<string, ModuleDescriptor> = {};
  for (const name of tool.modules) {
    const spec = modules.get(name);
    if (spec && (!spec.privileged || tool.trusted)) descriptors[name] = describeModule(spec);
  }
  const config = JSON.stringify({
    toolId: tool.id,
    method: tool.method || 'handler',
    granted: tool.modules,
    modules: descriptors,
    outputBytes: tool.limits.outputBytes,
    logBytes: tool.limits.outputBytes,
    maxArrayLength: maxArrayLength(tool.limits.memoryBytes),
  });
  byLimits.set(limitsKey, config);
  return config;
}
