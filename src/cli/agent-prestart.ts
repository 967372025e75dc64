// Starts the agent's worker thread before the session's own imports: it boots, imports the agent loop and
// opens the registry on the other core while the supervisor opens the registry and the pools.
import type { AgentPrepare } from '../agent/agent-args.js';
import { prestartProcess, type PrestartedWorker } from '../host/prestart.js';
import { agentWorkerPath, builtinAppDir } from '../paths.js';
import { homeLocation } from '../store/home.js';

/** What the session will be opened with: `--home`, `--app` and the environment (MICRO_AGI_HOME). */
export interface PrestartTarget {
  readonly home?: string | undefined;
  readonly app?: string | undefined;
  readonly env: NodeJS.ProcessEnv;
}

/**
 * Start the agent's worker, then run `load` (the caller's own heavy imports) meanwhile. The worker must then
 * reach openAgentSession({prestarted}) or be disposed; if `load` fails it is stopped here. `target` lets the
 * worker open the registry the agent will use (agent-process.ts prepare) before its start.
 */
export async function prestartAgentWhile<T>(target: PrestartTarget, load: () => Promise<T>): Promise<{ prestarted: PrestartedWorker; loaded: T }> {
  // The same home and app directory the session's bootstrap resolves (bootstrap.ts, store/home.ts).
  const prepare: AgentPrepare = { home: homeLocation(target.home, target.env).dir, appDir: target.app ?? builtinAppDir() };
  const prestarted = prestartProcess(agentWorkerPath(), { prepare });
  try {
    return { prestarted, loaded: await load() };
  } catch (err) {
    prestarted.dispose();
    throw err;
  }
}
