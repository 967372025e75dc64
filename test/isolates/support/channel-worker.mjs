// A bare worker thread for host-channel tests: on each command it makes one blocking host call through
// the real (built) HostChannelClient and posts back the value or the failure it produced.
// @ts-check
import { parentPort, workerData } from 'node:worker_threads';
const { HostChannelClient } = await import(workerData.clientUrl);

const port = /** @type {import('node:worker_threads').MessagePort} */ (parentPort);
const client = new HostChannelClient((m) => port.postMessage(m), workerData.clientOptions ?? {});

port.on('message', (cmd) => {
  if (cmd.op === 'release') {
    client.release(cmd.callId);
    port.postMessage({ done: true });
    return;
  }
  try {
    port.postMessage({ done: true, value: client.call(cmd.params) });
  } catch (err) {
    const e = /** @type {any} */ (err);
    port.postMessage({ done: true, failure: { code: e.code ?? null, kind: e.kind ?? null, message: e.message } });
  }
});
port.postMessage({ ready: true });
