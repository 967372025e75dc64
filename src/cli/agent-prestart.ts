// Starts the agent's worker thread before the session's own imports: it boots and imports the agent loop on
// the other core while the supervisor opens the registry and the pools (about a third of a second here).
import { prestartProcess, type PrestartedWorker } from '../host/prestart.js';
import { agentWorkerPath } from '../paths.js';

/** A worker already importing the agent, for openAgentSession({prestarted}); it must reach it or be disposed. */
export function prestartAgent(): PrestartedWorker {
  return prestartProcess(agentWorkerPath());
}
