// Test fixture for the privileged modules: a real registry (memory store) holding the app's deny
// policies and a few tools, and CallContexts carrying supervisor services like the host channel builds.
import type { Entry } from '../../schemas/entry.js';
import { MapHandleTable } from '../../src/modules/handle-table.js';
import type { ModuleServices } from '../../src/modules/host-services.js';
import type { CallContext, GuestValue, ModuleSpec, TypedValue } from '../../src/modules/module-spec.js';
import { createRegistry } from '../../src/registry/registry.js';
import type { Registry } from '../../src/registry/types.js';
import { AGENT_ACTOR } from '../../src/security/actors.js';
import { MemoryStore } from '../../src/store/memory-store.js';

export const fnEntry = (id: string, meta: Record<string, unknown> = {}): Entry => ({
  id,
  kind: 'function.lua',
  meta: { type: 'tool', ...meta },
  data: { source: 'return { handler = function(input) return input end }', modules: ['json'] },
});

export const policy = (name: string, resources: string): Entry => ({
  id: `app:${name}`,
  kind: 'security.policy',
  meta: {},
  data: { policy: { actions: '*', resources, effect: 'deny' }, groups: ['agent_security'] },
});

export const BASE: Entry[] = [
  { id: 'app:dev_assistant', kind: 'registry.entry', meta: { type: 'agent.note', title: 'Dev assistant' }, data: { prompt: 'hi' } },
  fnEntry('app.tools:doc_search', { tags: ['docs', 'search'], llm_alias: 'doc_search', title: 'Search the docs' }),
  fnEntry('app.tools:sha256_hex', { tags: ['hash'], llm_alias: 'sha256_hex', title: 'SHA-256 of text' }),
  fnEntry('app.generated:word_count', { tags: ['text', 'search'], title: 'Count words' }),
  policy('deny_core_ns', 'app:*'),
  policy('deny_tools_ns', 'app.tools:*'),
];

export async function freshRegistry(base: Entry[] = BASE): Promise<Registry> {
  return createRegistry({ store: new MemoryStore(), base });
}

export function ctxWith(services: ModuleServices, overrides: Partial<CallContext> = {}): CallContext {
  return {
    entryId: 'app.tools:registry_tool',
    trusted: true,
    actor: AGENT_ACTOR,
    deadline: Date.now() + 60_000,
    handles: new MapHandleTable(),
    services,
    ...overrides,
  };
}

/** Call a module function (awaiting remote ones). */
export async function fn(spec: ModuleSpec, ctx: CallContext, name: string, ...args: GuestValue[]): Promise<any> {
  const f = spec.functions[name];
  if (!f) throw new Error(`${spec.name}.${name} is not defined`);
  return await f(ctx, ...args);
}

/** Call `self:name(...)` the way the engines do. */
export async function m(spec: ModuleSpec, ctx: CallContext, self: GuestValue, name: string, ...args: GuestValue[]): Promise<any> {
  const type = (self as TypedValue).__type;
  const f = spec.types?.[type]?.methods[name];
  if (!f) throw new Error(`${type}:${name} is not defined in ${spec.name}`);
  return await f(ctx, self, ...args);
}

/** The ModuleFailure (or other error) a call rejects with. */
export async function failure(p: Promise<unknown> | (() => unknown)): Promise<any> {
  try {
    await (typeof p === 'function' ? p() : p);
  } catch (e) {
    return e;
  }
  throw new Error('expected the call to fail');
}
