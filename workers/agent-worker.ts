// Worker-side module of the agent process: host.spawn({module: agentWorkerPath()})
// runs its main(ctx) inside workers/process-worker.js. The implementation lives in src/agent/agent-process.ts.
export { main } from '../src/agent/agent-process.js';
