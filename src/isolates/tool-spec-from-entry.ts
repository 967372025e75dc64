// Builds the ToolSpec an isolate runs from a registry entry (function.lua / function.js): source, method,
// granted modules, trust (namespace app or app.tools) and limits (DEFAULT_LIMITS overridden by data.limits).
import { namespaceOf, type Entry } from '../../schemas/entry.js';
import { FunctionDataGuard, type FunctionLimits } from '../../schemas/kinds/function-code.js';
import type { ModuleSpec } from '../modules/module-spec.js';
import { DEFAULT_LIMITS, type IsolateError, type Limits, type ToolKind, type ToolSpec } from './types.js';

/** Namespaces whose entries may use privileged modules. */
export const TRUSTED_NAMESPACES: readonly string[] = ['app', 'app.tools'];

export type ToolSpecResult = { readonly ok: true; readonly spec: ToolSpec } | { readonly ok: false; readonly error: IsolateError };

export function isTrustedEntryId(id: string): boolean {
  return TRUSTED_NAMESPACES.includes(namespaceOf(id));
}

export function limitsFrom(overrides: FunctionLimits | undefined, base: Limits = DEFAULT_LIMITS): Limits {
  if (!overrides) return base;
  return {
    timeoutMs: overrides.timeout_ms ?? base.timeoutMs,
    memoryBytes: overrides.memory_mb !== undefined ? Math.round(overrides.memory_mb * 1024 * 1024) : base.memoryBytes,
    outputBytes: overrides.output_kb !== undefined ? Math.round(overrides.output_kb * 1024) : base.outputBytes,
    instructions: overrides.instructions ?? base.instructions,
    maxDepth: overrides.max_depth ?? base.maxDepth,
  };
}

/**
 * The ToolSpec for `entry` read at registry `version`, or the reason it cannot run: InvalidInput for a
 * non-tool kind or malformed data, ModuleNotFound for an unknown module, PermissionDenied for a
 * privileged module granted to an entry outside the trusted namespaces.
 */
export function toolSpecFromEntry(entry: Entry, version: number, modules: ReadonlyMap<string, ModuleSpec>): ToolSpecResult {
  if (entry.kind !== 'function.lua' && entry.kind !== 'function.js') {
    return { ok: false, error: { kind: 'InvalidInput', message: `${entry.id} is a ${entry.kind}, not a tool (function.lua or function.js)` } };
  }
  const parsed = FunctionDataGuard.safeParse(entry.data);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where = issue && issue.path.length > 0 ? `data.${issue.path.join('.')}` : 'data';
    return { ok: false, error: { kind: 'InvalidInput', message: `${entry.id}: ${where}: ${issue?.message ?? 'invalid'}` } };
  }
  const data = parsed.data;
  const trusted = isTrustedEntryId(entry.id);
  const granted = data.modules ?? [];
  for (const name of granted) {
    const spec = modules.get(name);
    if (!spec) return { ok: false, error: { kind: 'ModuleNotFound', message: `${entry.id}: module "${name}" does not exist` } };
    if (spec.privileged && !trusted) {
      return {
        ok: false,
        error: {
          kind: 'PermissionDenied',
          message: `${entry.id}: module "${name}" is privileged; only entries in ${TRUSTED_NAMESPACES.join(' or ')} may use it`,
        },
      };
    }
  }
  const spec: ToolSpec = {
    id: entry.id,
    version,
    kind: entry.kind as ToolKind,
    source: data.source,
    method: data.method ?? 'handler',
    modules: [...new Set(granted)],
    trusted,
    limits: limitsFrom(data.limits),
  };
  return { ok: true, spec };
}

/**
 * toolSpecFromEntry, remembered per entry object and module map: a tool called again and again gets the same
 * ToolSpec object, so its data is parsed once and the pool keys it once (see pool-spec-cache.ts). Registry
 * entries are frozen and shared by every snapshot until they change, so the spec keeps the registry version
 * at which the pool first saw that entry object: a write elsewhere in the registry does not make every tool
 * a new spec (a new key to hash and send to each worker, a new QuickJS context), while a changed entry is a
 * new object and gets a spec of its own.
 */
export class ToolSpecMemo {
  readonly #built = new WeakMap<Entry, { modules: ReadonlyMap<string, ModuleSpec>; result: ToolSpecResult }>();

  get(entry: Entry, version: number, modules: ReadonlyMap<string, ModuleSpec>): ToolSpecResult {
    const hit = this.#built.get(entry);
    if (hit && hit.modules === modules) return hit.result;
    const result = toolSpecFromEntry(entry, version, modules);
    this.#built.set(entry, { modules, result });
    return result;
  }
}
