// What every agent-running command opens on the supervisor: the registry session, the isolate pool with
// its services (registry, scope, net policy, tool env, create_tool's draft pool) and the process host.
import { ProcessHost } from '../host/process-host.js';
import { createIsolatePool, type IsolatePool } from '../isolates/pool.js';
import { NET_SERVICE, netPolicyFrom } from '../modules/net-guard.js';
import { authoringModules, createDraftPool, type DraftPool, type ToolsServices } from '../modules/tools-services.js';
import { openSession, type Session } from './bootstrap.js';
import { toolEnv, toolModuleConfig } from './tool-env.js';

/** The named scope every tool the agent runs is checked against (registry writes, http requests). */
export const AGENT_SCOPE_GROUP = 'app:agent_security';

export interface ToolRuntimeOptions {
  /** `--home` (default MICRO_AGI_HOME, else ~/.micro-agi). */
  readonly home?: string;
  /** `--app` directory (default: the built-in app). */
  readonly app?: string;
  /** The environment (MICRO_AGI_NET_ALLOW for the net policy, the tool env). */
  readonly env: NodeJS.ProcessEnv;
  /** Isolate worker threads (default: the pool's, one per core). */
  readonly poolSize?: number;
  /** Loader warnings of the app definition. */
  readonly onWarning?: (warning: string) => void;
  /**
   * 'eager' (default): every isolate worker starts now with both engines. 'idle': no worker starts until
   * the first call or pool.warm(), one is kept when idle (more under load, up to poolSize), and workers
   * preload only the Lua engine (the app's tools are Lua; QuickJS loads on the first JavaScript call).
   */
  readonly poolStart?: 'eager' | 'idle';
}

/** Pool options of poolStart 'idle': the interactive session's footprint at its prompt. */
const IDLE_POOL = { minThreads: 1, deferStart: true, preloadEngines: ['function.lua'] } as const;

export interface ToolRuntime {
  readonly session: Session;
  readonly pool: IsolatePool;
  readonly drafts: DraftPool;
  readonly host: ProcessHost;
  /** Shut down the host, both pools and the registry, in that order. */
  close(): Promise<void>;
}

/** Open the registry, pools and host. Throws AppError for a bad --app (nothing is written then). */
export async function openToolRuntime(options: ToolRuntimeOptions): Promise<ToolRuntime> {
  const session = await openSession({
    ...(options.home !== undefined ? { home: options.home } : {}),
    ...(options.app !== undefined ? { app: options.app } : {}),
    env: options.env,
    ...(options.onWarning ? { onWarning: options.onWarning } : {}),
  });
  const net = netPolicyFrom(undefined, options.env);
  // Drafts (create_tool's compile and tests) run in a pool of their own, with the same egress policy.
  const drafts = createDraftPool({ services: { [NET_SERVICE]: net } });
  const services: ToolsServices = {
    registry: session.registry,
    scopeGroup: AGENT_SCOPE_GROUP,
    env: toolEnv(options.env),
    [NET_SERVICE]: net,
    ...drafts.services,
  };
  let pool: IsolatePool | undefined;
  try {
    pool = createIsolatePool({
      services,
      ...authoringModules(),
      moduleConfig: toolModuleConfig(options.env),
      ...(options.poolSize !== undefined ? { size: options.poolSize } : {}),
      ...(options.poolStart === 'idle' ? IDLE_POOL : {}),
    });
    const host = new ProcessHost();
    const opened = pool;
    return {
      session,
      pool: opened,
      drafts,
      host,
      async close() {
        try {
          await host.shutdown();
        } finally {
          await opened.close();
          await drafts.close();
          await session.close();
        }
      },
    };
  } catch (err) {
    await pool?.close();
    await drafts.close();
    await session.close();
    throw err;
  }
}
