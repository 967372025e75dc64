// Worker-side module of the agent process: host.spawn({module: agentWorkerPath()})
// runs its main(ctx) (after prepare(hint) when prestarted) inside workers/process-worker.js; see src/agent/agent-process.ts.
export { main, prepare } from '../src/agent/agent-process.js';
