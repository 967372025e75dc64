// Starts the agent's worker thread before the session's own imports: it boots and imports the agent loop on
// the other core while the supervisor opens the registry and the pools (about a third of a second here).
import { prestartProcess, type PrestartedWorker } from '../host/prestart.js';
import { agentWorkerPath } from '../paths.js';

/**
 * Start the agent's worker, then run `load` (the caller's own heavy imports) meanwhile. The worker must then
 * reach openAgentSession({prestarted}) or be disposed; if `load` fails it is stopped here.
 */
export async function prestartAgentWhile<T>(load: () => Promise<T>): Promise<{ prestarted: PrestartedWorker; loaded: T }> {
  const prestarted = prestartProcess(agentWorkerPath());
  try {
    return { prestarted, loaded: await load() };
  } catch (err) {
    prestarted.dispose();
    throw err;
  }
}
