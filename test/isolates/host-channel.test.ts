// The synchronous host channel between a real worker thread (blocking on Atomics.wait) and the supervisor:
// value fidelity, failures, deadline-bounded waits, stale answers, buffer limits and handle release.
import { Worker } from 'node:worker_threads';
import { afterEach, describe, expect, it } from 'vitest';
import { HostChannelServer } from '../../src/isolates/host-channel-server.js';
import { ArgumentFailure, ModuleFailure, type GuestValue, type ModuleSpec } from '../../src/modules/module-spec.js';
import { distPath } from '../../src/paths.js';
import { pathToFileURL } from 'node:url';

let release: () => void = () => {};
const slow = new Promise<void>((resolve) => (release = resolve));

const spec: ModuleSpec = {
  name: 'chan',
  summary: 'host-channel test module',
  functions: {
    echo: async (_ctx, ...args) => ({ __multi: args }),
    fail: async () => {
      throw new ModuleFailure('Conflict', 'try again', { retryable: true, details: { at: 3n } });
    },
    misuse: async () => {
      throw new ArgumentFailure('bad argument #1');
    },
    crash: async () => {
      throw new TypeError('boom');
    },
    never: () => new Promise<GuestValue>(() => {}),
    slow: async () => {
      await slow;
      return 'slow';
    },
    fast: async () => {
      release(); // the earlier, abandoned 'slow' call answers now, before this one: it must be dropped
      await new Promise((resolve) => setImmediate(resolve)); // let slow's answer path run to completion
      return 'fast';
    },
    big: async (_ctx, n) => 'x'.repeat(Number(n)),
    put: (ctx, v) => ctx.handles.put(v),
    get: (ctx, id) => ctx.handles.get<GuestValue>(Number(id)),
    local: () => 'not remote',
  },
  remote: ['echo', 'fail', 'misuse', 'crash', 'never', 'slow', 'fast', 'big', 'put', 'get'],
};

interface Harness {
  call(fn: string, args?: GuestValue[], extra?: { deadline?: number; callId?: number }): Promise<{ value?: unknown; failure?: { code: string; kind: string; message: string } }>;
  release(callId: number): Promise<void>;
  server: HostChannelServer;
  worker: Worker;
  /** Whether each call request so far carried the response buffer, in order. */
  carried: boolean[];
}

let harness: Harness | undefined;
afterEach(async () => {
  await harness?.worker.terminate();
  harness = undefined;
});

async function start(clientOptions: Record<string, number> = {}): Promise<Harness> {
  const server = new HostChannelServer({ modules: new Map([['chan', spec]]), services: () => ({ svc: true }) });
  const worker = new Worker(new URL('./support/channel-worker.mjs', import.meta.url), {
    workerData: { clientUrl: pathToFileURL(distPath('src/isolates/host-channel-client.js')).href, clientOptions },
  });
  let pending: ((m: unknown) => void) | undefined;
  const carried: boolean[] = [];
  const ready = new Promise<void>((resolve) => {
    worker.on('message', (m: { ready?: boolean; done?: boolean; __microAgiHostChannel?: string; sab?: unknown }) => {
      if (m.__microAgiHostChannel === 'call') carried.push(m.sab instanceof SharedArrayBuffer);
      if (server.handle(m)) return;
      if (m.ready) resolve();
      else if (m.done) pending?.(m);
    });
  });
  await ready;
  const send = (cmd: unknown) =>
    new Promise<never>((resolve) => {
      pending = resolve as (m: unknown) => void;
      worker.postMessage(cmd);
    });
  harness = {
    server,
    worker,
    carried,
    call: (fn, args = [], extra = {}) =>
      send({
        op: 'call',
        params: { callId: extra.callId ?? 1, module: 'chan', fn, args, entryId: 'app.tools:x', trusted: true, actor: { id: 'a', meta: {} }, deadline: extra.deadline ?? Date.now() + 10_000, depth: 0 },
      }),
    release: (callId) => send({ op: 'release', callId }),
  };
  return harness;
}

describe('host channel', () => {
  it('carries binary data, bigints, nested tables and several return values intact', async () => {
    const h = await start();
    const args: GuestValue[] = [new Uint8Array([0, 1, 254, 255]), 2n ** 64n + 1n, { a: [1, 2, { b: null }] }, 'é'];
    const r = await h.call('echo', args);
    expect(r.value).toEqual({ __multi: args });
    expect((r.value as { __multi: unknown[] }).__multi[0]).toBeInstanceOf(Uint8Array);
  });

  it('rethrows a ModuleFailure with kind, retryable and details; ArgumentFailure and crashes keep their nature', async () => {
    const h = await start();
    expect((await h.call('fail')).failure).toMatchObject({ code: 'MODULE_ERROR', kind: 'Conflict', message: 'try again' });
    expect((await h.call('misuse')).failure).toMatchObject({ code: 'MODULE_ARG_ERROR', message: 'bad argument #1' });
    expect((await h.call('crash')).failure).toMatchObject({ code: null, message: 'chan.crash: boom' });
    expect((await h.call('local')).failure).toMatchObject({ code: 'MODULE_ARG_ERROR' });
    expect((await h.call('nope')).failure).toMatchObject({ code: 'MODULE_ARG_ERROR' });
  });

  it('stops waiting at the call deadline with a retryable Timeout, and the next call still works', async () => {
    const h = await start();
    const r = await h.call('never', [], { deadline: Date.now() + 100 });
    expect(r.failure).toMatchObject({ code: 'MODULE_ERROR', kind: 'Timeout' });
    expect((await h.call('echo', [1])).value).toEqual({ __multi: [1] });
  });

  it('drops an answer that arrives after the worker gave up, instead of handing it to the next call', async () => {
    const h = await start();
    expect((await h.call('slow', [], { deadline: Date.now() + 50 })).failure).toMatchObject({ kind: 'Timeout' });
    expect((await h.call('fast')).value).toBe('fast');
    expect(h.server.stats.staleAnswers).toBe(1);
  });

  it('grows the buffer for big answers up to its maximum, then reports the answer as too large', async () => {
    const h = await start({ initialBytes: 1024, maxBytes: 64 * 1024 });
    expect(((await h.call('big', [50_000])).value as string).length).toBe(50_000);
    expect((await h.call('big', [100_000])).failure?.message).toMatch(/too large/);
    expect((await h.call('echo', ['small'])).value).toEqual({ __multi: ['small'] });
  });

  it('keeps host-side handles for the duration of a call and releases them when the call ends', async () => {
    const h = await start();
    const put = await h.call('put', ['secret'], { callId: 7 });
    expect(put.failure).toBeUndefined();
    const id = put.value as number;
    const got = await h.call('get', [id], { callId: 7 });
    expect(got.value).toBe('secret');
    expect((await h.call('get', [id], { callId: 8 })).failure).toMatchObject({ code: 'MODULE_ARG_ERROR' });
    await h.release(7);
    expect((await h.call('get', [id], { callId: 7 })).failure).toMatchObject({ code: 'MODULE_ARG_ERROR' });
  });

  it('sends the response buffer with the first request only, and again after a wait that timed out', async () => {
    const h = await start();
    for (let i = 0; i < 3; i++) expect((await h.call('echo', [i])).value).toEqual({ __multi: [i] });
    expect((await h.call('never', [], { deadline: Date.now() + 50 })).failure).toMatchObject({ kind: 'Timeout' });
    expect((await h.call('echo', ['after'])).value).toEqual({ __multi: ['after'] });
    expect((await h.call('echo', ['again'])).value).toEqual({ __multi: ['again'] });
    expect(h.carried).toEqual([true, false, false, false, true, false]);
  });

  it('forgets the channels of a thread that exited, and only those', async () => {
    const h = await start();
    const put = await h.call('put', ['kept'], { callId: 3 });
    expect(put.failure).toBeUndefined();
    expect(h.server.stats.channels).toBe(1);
    h.server.forgetThread(h.worker.threadId + 1); // another thread: nothing changes
    expect(h.server.stats.channels).toBe(1);
    h.server.forgetThread(h.worker.threadId);
    expect(h.server.stats.channels).toBe(0);
  });
});
