// The supervisor services behind the `tools` module (compileSpec, runSpec): a lazily started draft pool
// that compiles and runs unregistered tool sources, and the module wiring a pool needs for tools and ctx.
import { pathToFileURL } from 'node:url';
import { MODULE_CATALOG } from '../isolates/module-catalog.js';
import { createIsolatePool, type CallOptions, type IsolatePool } from '../isolates/pool.js';
import type { ModuleRef } from '../isolates/pool-task.js';
import type { CallResult, IsolateError, ToolSpec } from '../isolates/types.js';
import { runtimeFile, type RuntimeFile } from '../paths.js';
import { ctxModule } from './ctx.js';
import type { ModuleServices } from './host-services.js';
import type { HostServices, ModuleSpec } from './module-spec.js';
import { toolsModule } from './tools.js';

export interface ToolsServices extends ModuleServices {
  /** Compile a draft in an isolate without running it: undefined, or the CompileError (with its line). */
  readonly compileSpec?: (spec: ToolSpec, options: CallOptions) => Promise<IsolateError | undefined>;
  /** Run a draft (an unregistered, untrusted ToolSpec) once in an isolate. */
  readonly runSpec?: (spec: ToolSpec, input: unknown, options: CallOptions) => Promise<CallResult>;
}

export interface DraftPoolOptions {
  /** Services the drafts' remote module functions see (net policy for http_client...). Default {}. */
  readonly services?: HostServices;
  /** Worker threads of the draft pool. Default 1. */
  readonly size?: number;
}

export interface DraftPool {
  /** ToolsServices to merge into the main pool's services. */
  readonly services: Required<Pick<ToolsServices, 'compileSpec' | 'runSpec'>>;
  /** Stop the draft workers (started on first use). */
  close(): Promise<void>;
}

function runtimeUrl(name: RuntimeFile): string {
  return pathToFileURL(runtimeFile(name)).href;
}

const EXTRA_SPECS: readonly { readonly spec: ModuleSpec; readonly ref: ModuleRef }[] = [
  { spec: toolsModule, ref: { url: runtimeUrl('modules/tools'), export: 'toolsModule' } },
  { spec: ctxModule, ref: { url: runtimeUrl('modules/ctx'), export: 'ctxModule' } },
];

/**
 * Pool options that make `tools` and `ctx` requirable: nothing beyond the catalog once the catalog lists
 * them, else the specs for the supervisor and their compiled module URLs for the workers.
 */
export function authoringModules(): { modules: ReadonlyMap<string, ModuleSpec>; extraModules: ModuleRef[] } {
  const missing = EXTRA_SPECS.filter((m) => !MODULE_CATALOG.has(m.spec.name));
  return {
    modules: new Map([...MODULE_CATALOG, ...missing.map((m) => [m.spec.name, m.spec] as const)]),
    extraModules: missing.map((m) => m.ref),
  };
}

/**
 * A pool of its own for drafts: a draft that wedges its worker never costs the main pool a worker, and a
 * draft tested from inside create_tool (whose worker is blocked on the host channel) cannot starve it.
 */
export function createDraftPool(options: DraftPoolOptions = {}): DraftPool {
  let pool: IsolatePool | undefined;
  let closed = false;
  const { modules, extraModules } = authoringModules();
  const engine = (language: 'lua' | 'js') => ({ url: runtimeUrl('modules/tools-draft-engine'), export: 'createDraftEngine', options: { language } });
  const get = (): IsolatePool => {
    if (closed) throw new Error('the draft pool is closed');
    pool ??= createIsolatePool({
      size: options.size ?? 1,
      services: options.services ?? {},
      modules,
      extraModules: extraModules.filter((r) => !r.url.endsWith('/tools.js')),
      engines: { 'function.lua': engine('lua'), 'function.js': engine('js') },
    });
    return pool;
  };
  const closedError = (spec: ToolSpec): CallResult => ({ status: 'error', error: { kind: 'Canceled', message: `${spec.id}: the draft pool is closed` }, stats: { ms: 0 } });
  return {
    services: {
      compileSpec: async (spec, callOptions) => {
        if (closed) return { kind: 'Canceled', message: `${spec.id}: the draft pool is closed` };
        const result = await get().call(spec, null, callOptions);
        return result.status === 'error' ? result.error : undefined;
      },
      runSpec: async (spec, input, callOptions) => (closed ? closedError(spec) : get().call(spec, input, callOptions)),
    },
    close: async () => {
      closed = true;
      await pool?.close();
    },
  };
}
