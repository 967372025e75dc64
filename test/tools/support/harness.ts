// The built-in app on a real registry (memory store) and the real isolate pool (Lua + QuickJS), with the
// tools/ctx modules and a draft pool wired in: what the agent's tool service does, minus the agent.
import type { Entry } from '../../../schemas/entry.js';
import { createIsolatePool, type CallOptions, type IsolatePool } from '../../../src/isolates/pool.js';
import type { CallResult } from '../../../src/isolates/types.js';
import { createDraftPool, authoringModules, type DraftPool } from '../../../src/modules/tools-services.js';
import { builtinAppDir } from '../../../src/paths.js';
import { loadDefinitions } from '../../../src/registry/loader.js';
import { createRegistry } from '../../../src/registry/registry.js';
import type { Registry } from '../../../src/registry/types.js';
import { AGENT_ACTOR } from '../../../src/security/actors.js';
import type { Actor } from '../../../src/security/types.js';
import { MemoryStore } from '../../../src/store/memory-store.js';

export type ToolContextValues = {
  readonly session?: string;
  readonly turn?: number;
  readonly prompt?: string;
  readonly agent?: string;
  readonly loaded_tools?: readonly string[];
};

export interface Harness {
  readonly registry: Registry;
  readonly pool: IsolatePool;
  /** Run the registry entry `id` as the agent would (actor service:agent unless given). */
  call(id: string, input: unknown, options?: { actor?: Actor; context?: ToolContextValues }): Promise<CallResult>;
  /** The value of an ok call, or a thrown error showing the isolate error (test failures read well). */
  value(id: string, input: unknown, options?: { actor?: Actor; context?: ToolContextValues }): Promise<Record<string, unknown>>;
  close(): Promise<void>;
}

/** A policy in the app's agent_security group (extra test policies join the built-in ones). */
export function agentPolicy(name: string, resources: string, effect: 'allow' | 'deny' = 'deny'): Entry {
  return {
    id: `app:${name}`,
    kind: 'security.policy',
    meta: { comment: `test policy ${name}` },
    data: { policy: { actions: '*', resources, effect }, groups: ['agent_security'] },
  };
}

export async function openHarness(extra: readonly Entry[] = []): Promise<Harness> {
  const app = await loadDefinitions(builtinAppDir(), { logWarnings: false });
  const registry = await createRegistry({ store: new MemoryStore(), base: [...app.entries, ...extra] });
  const drafts: DraftPool = createDraftPool();
  const pool = createIsolatePool({
    size: 2,
    services: { registry, scopeGroup: 'app:agent_security', ...drafts.services },
    ...authoringModules(),
  });
  const call: Harness['call'] = async (id, input, options = {}) => {
    const snap = registry.current();
    const entry = snap.get(id);
    if (!entry) throw new Error(`test setup: no entry ${id}`);
    const callOptions: CallOptions & { context?: ToolContextValues } = {
      actor: options.actor ?? AGENT_ACTOR,
      ...(options.context ? { context: options.context } : {}),
    };
    return pool.callEntry(entry, snap.version, input, callOptions);
  };
  return {
    registry,
    pool,
    call,
    value: async (id, input, options) => {
      const r = await call(id, input, options);
      if (r.status !== 'ok') throw new Error(`${id} failed: ${JSON.stringify(r.error)}`);
      return r.value as Record<string, unknown>;
    },
    close: async () => {
      await pool.close();
      await drafts.close();
      await registry.close();
    },
  };
}
