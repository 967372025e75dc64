// Worker entry point of a process in a thread of its own (dedicated placement): imports the process module
// and runs its main(ctx). Messages are checked against their schemas here, at the thread boundary.
import { parentPort, workerData } from 'node:worker_threads';
import {
  FromWorkerGuard,
  ProcessWorkerDataSchema,
  ToWorkerGuard,
  type FromWorker,
} from '../schemas/messages/process.js';
import { Mailbox } from '../src/host/mailbox.js';
import { hostedContext, type ProcessMain, type ProcessPrepare } from '../src/host/process-context.js';
import { processError } from '../src/host/process-error.js';

const port = parentPort;
if (!port) throw new Error('process-worker must run in a worker thread');

function post(msg: FromWorker): void {
  port!.postMessage(FromWorkerGuard.parse(msg));
}

interface StartInfo {
  readonly pid: string;
  readonly parent: string;
  readonly args: unknown;
}

async function run(): Promise<void> {
  const data = ProcessWorkerDataSchema.parse(workerData);
  // The module loads now; a prestarted worker (src/host/prestart.ts) then waits for its 'start'.
  const imported = import(data.module) as Promise<{ main?: ProcessMain; prepare?: ProcessPrepare }>;
  imported.catch(() => undefined); // a failed import is reported below, once the process exists
  if ('prestart' in data && data.prepare !== undefined) {
    const hint = data.prepare;
    // Runs before main(ctx): this reaction is registered before the one awaiting the import below. A failed
    // prepare is the module's to report (main meets the same problem and says so).
    void imported.then((mod) => (typeof mod.prepare === 'function' ? mod.prepare(hint) : undefined)).catch(() => undefined);
  }
  let begin: ((info: StartInfo) => void) | undefined;
  const started: Promise<StartInfo> =
    'prestart' in data
      ? new Promise((resolve) => {
          begin = resolve;
        })
      : Promise.resolve(data);
  const mailbox = new Mailbox();
  const cancel = new AbortController();
  port!.on('message', (raw: unknown) => {
    const parsed = ToWorkerGuard.safeParse(raw);
    if (!parsed.success) return; // the supervisor only sends validated messages; ignore anything else
    const msg = parsed.data;
    if (msg.type === 'deliver') mailbox.deliver({ from: msg.from, topic: msg.topic, payload: msg.payload });
    else if (msg.type === 'start') {
      begin?.({ pid: msg.pid, parent: msg.parent, args: msg.args });
      begin = undefined;
    } else cancel.abort(msg.reason);
  });
  const info = await started;
  const ctx = hostedContext({
    pid: info.pid,
    placement: 'dedicated',
    parent: info.parent,
    args: info.args,
    mailbox,
    cancel,
    post: (to, topic, payload) => post({ type: 'send', to, topic, payload }),
  });
  const mod = await imported;
  if (typeof mod.main !== 'function') throw new Error(`process module ${data.module} does not export main(ctx)`);
  post({ type: 'ready' });
  const result = await mod.main(ctx);
  mailbox.close();
  post({ type: 'exit', ...(result !== undefined ? { result } : {}) });
}

run().catch((err: unknown) => {
  post({ type: 'crash', error: processError(err) });
});
