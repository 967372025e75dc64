// Isolate pool behaviour with the test engine: concurrency, host channel round trips, the supervisor's
// hard deadline, worker replacement, cancellation, crashes, nested-call depth and entry refusals.
import { afterEach, describe, expect, it } from 'vitest';
import type { IsolatePool } from '../../src/isolates/pool.js';
import { actor, entry, fakeRegistry, program, testPool, whenNeverCalled } from './support/pool-fixtures.js';

let pool: IsolatePool | undefined;
afterEach(async () => {
  await pool?.close();
  pool = undefined;
});

describe('isolate pool', () => {
  it('runs many concurrent calls over two workers and returns each its own input', async () => {
    pool = testPool();
    const results = await Promise.all(Array.from({ length: 200 }, (_, i) => pool!.call(program({ op: 'echo' }), { i }, { actor })));
    expect(results.map((r) => (r.status === 'ok' ? r.value : r.error))).toEqual(Array.from({ length: 200 }, (_, i) => ({ i })));
    expect(pool.stats()).toMatchObject({ calls: 200, ok: 200, workerReplacements: 0 });
  });

  it('round-trips binary data and bigints through a remote host call', async () => {
    pool = testPool();
    const bytes = new Uint8Array([0, 255, 1, 128, 10]);
    const input = { b: bytes, n: 2n ** 70n, nested: [1, 'two', { three: 3 }] };
    const r = await pool.call(program({ op: 'invoke', module: 'testmod', fn: 'echo', args: ['$input', 'x'] }), input, { actor });
    expect(r.status).toBe('ok');
    const value = (r as { value: { __multi: unknown[] } }).value;
    expect(value.__multi[0]).toEqual(input);
    expect((value.__multi[0] as { b: unknown }).b).toBeInstanceOf(Uint8Array);
    expect(value.__multi[1]).toBe('x');
    expect(pool.stats().hostCalls).toBe(1);
  });

  it('race: a call\'s host-side handles are gone when its result arrives (the release rides on the reply)', async () => {
    pool = testPool();
    for (let i = 0; i < 20; i++) {
      const r = await pool.call(program({ op: 'invoke', module: 'testmod', fn: 'echo', args: [i] }), null, { actor });
      expect(r).toEqual({ status: 'ok', value: { __multi: [i] }, stats: expect.any(Object) });
      // Before: a separate release message, often handled after the result had been returned.
      expect(pool.stats().hostOpenCalls).toBe(0);
    }
    expect(pool.stats().hostCalls).toBe(20);
  });

  it('replaces a worker whose engine heap a failed call left above retireHeapBytes, after answering it', async () => {
    pool = testPool({ size: 1, spareThreads: 0, retireHeapBytes: 1000 });
    const thread = async () => ((await pool!.call(program({ op: 'thread' }), null, { actor })) as { value: number }).value;
    const first = await thread();
    // At the limit, failed: the worker stays. Past it, succeeded: the worker stays (the tool may need it again).
    expect(await pool.call(program({ op: 'grow', bytes: 1000, fail: true }), null, { actor })).toMatchObject({ status: 'error' });
    expect(await pool.call(program({ op: 'grow', bytes: 5000 }), null, { actor })).toMatchObject({ status: 'ok', value: first });
    expect(await thread()).toBe(first);
    // Past it and failed: the call is answered as it ended (no trace of the retirement), then its worker goes.
    const bomb = await pool.call(program({ op: 'grow', bytes: 5001, fail: true }), null, { actor });
    expect(bomb).toEqual({ status: 'error', error: { kind: 'MemoryLimit', message: 'grew to 5001 bytes' }, stats: expect.any(Object) });
    const next = await thread();
    expect(next).not.toBe(first);
    expect(pool.stats()).toMatchObject({ retiredForMemory: 1, workerReplacements: 0, errors: { MemoryLimit: 2 } });
    expect(await thread()).toBe(next);
  });

  it('grows the channel buffer for a result far larger than its initial size', async () => {
    pool = testPool();
    const r = await pool.call(program({ op: 'invoke', module: 'testmod', fn: 'big', args: [3_000_000] }), null, { actor });
    expect(r.status).toBe('ok');
    const value = (r as { value: Uint8Array }).value;
    expect(value.length).toBe(3_000_000);
    expect(value[2_999_999]).toBe(7);
  });

  it('gives remote functions the call context and supervisor services; local functions run in the worker', async () => {
    pool = testPool({ services: { marker: 1 } });
    const who = await pool.call(program({ op: 'invoke', module: 'testmod', fn: 'whoami' }, { id: 'app.tools:who' }), null, { actor });
    expect(who).toMatchObject({ status: 'ok', value: { entry: 'app.tools:who', actor: 'tester', trusted: true, has_services: true } });
    const local = await pool.call(program({ op: 'invoke', module: 'testmod', fn: 'local_add', args: [2, 3] }), null, { actor });
    expect(local).toMatchObject({ status: 'ok', value: 5 });
    expect(pool.stats().hostCalls).toBe(1);
  });

  it('turns a remote ModuleFailure into the guest error with its kind', async () => {
    pool = testPool();
    const r = await pool.call(program({ op: 'invoke', module: 'testmod', fn: 'fail' }), null, { actor });
    expect(r).toMatchObject({ status: 'error', error: { kind: 'ToolError', errorKind: 'NotFound', message: 'nothing here' } });
  });

  it('bounds a host call that never answers by the call deadline, without losing the worker', async () => {
    pool = testPool({ size: 1 });
    const r = await pool.call(program({ op: 'invoke', module: 'testmod', fn: 'never' }, { limits: { timeoutMs: 200 } }), null, { actor });
    expect(r).toMatchObject({ status: 'error', error: { kind: 'ToolError', errorKind: 'Timeout' } });
    const next = await pool.call(program({ op: 'echo' }), 'still here', { actor });
    expect(next).toMatchObject({ status: 'ok', value: 'still here' });
    expect(pool.stats().workerReplacements).toBe(0);
  });

  it('refuses a module the tool was not granted, and a privileged module for an untrusted tool', async () => {
    pool = testPool();
    const notGranted = await pool.call(program({ op: 'invoke', module: 'testpriv', fn: 'ping' }), null, { actor });
    expect(notGranted).toMatchObject({ status: 'error', error: { kind: 'RuntimeError' } });
    const untrusted = await pool.call(
      program({ op: 'invoke', module: 'testpriv', fn: 'ping' }, { id: 'app.generated:x', trusted: false, modules: ['testpriv'] }),
      null,
      { actor },
    );
    expect(untrusted).toMatchObject({ status: 'error', error: { kind: 'ToolError', errorKind: 'PermissionDenied' } });
    const trusted = await pool.call(program({ op: 'invoke', module: 'testpriv', fn: 'ping' }, { modules: ['testpriv'] }), null, { actor });
    expect(trusted).toMatchObject({ status: 'ok', value: 'pong' });
  });

  it('stops a wedged worker at the hard deadline, replaces it, and keeps serving other calls meanwhile', async () => {
    pool = testPool();
    const order: string[] = [];
    const wedged = pool.call(program({ op: 'spin' }, { limits: { timeoutMs: 1000 } }), null, { actor }).then((r) => {
      order.push('wedged');
      return r;
    });
    const others = Promise.all(Array.from({ length: 30 }, (_, i) => pool!.call(program({ op: 'echo' }), i, { actor }))).then((rs) => {
      order.push('others');
      return rs;
    });
    const [w, rs] = await Promise.all([wedged, others]);
    expect(w).toMatchObject({ status: 'error', error: { kind: 'Timeout' } });
    expect(rs.every((r) => r.status === 'ok')).toBe(true);
    expect(order).toEqual(['others', 'wedged']);
    expect(pool.stats().workerReplacements).toBe(1);
    const after = await Promise.all([1, 2, 3, 4].map((i) => pool!.call(program({ op: 'echo' }), i, { actor })));
    expect(after.map((r) => r.status)).toEqual(['ok', 'ok', 'ok', 'ok']);
  });

  it('leaves an interruptible runaway to the engine (Timeout, no replacement)', async () => {
    pool = testPool();
    const r = await pool.call(program({ op: 'cooperative-loop' }, { limits: { timeoutMs: 100 } }), null, { actor });
    expect(r).toMatchObject({ status: 'error', error: { kind: 'Timeout' } });
    expect(pool.stats().workerReplacements).toBe(0);
  });

  it('cancels a running call through its AbortSignal and replaces the worker', async () => {
    pool = testPool();
    const controller = new AbortController();
    const entered = whenNeverCalled();
    const pending = pool.call(program({ op: 'invoke', module: 'testmod', fn: 'never' }), null, { actor, signal: controller.signal });
    await entered;
    controller.abort();
    expect(await pending).toMatchObject({ status: 'error', error: { kind: 'Canceled' } });
    expect(pool.stats().workerReplacements).toBe(1);
    expect(await pool.call(program({ op: 'echo' }), 1, { actor })).toMatchObject({ status: 'ok', value: 1 });
  });

  it('answers Canceled at once for an already aborted signal', async () => {
    pool = testPool();
    const r = await pool.call(program({ op: 'echo' }), 1, { actor, signal: AbortSignal.abort() });
    expect(r).toMatchObject({ status: 'error', error: { kind: 'Canceled' } });
  });

  it('reports a worker that dies as Internal for that call only', async () => {
    pool = testPool();
    const [dead, alive] = await Promise.all([
      pool.call(program({ op: 'exit' }), null, { actor }),
      pool.call(program({ op: 'echo' }), 'ok', { actor }),
    ]);
    expect(dead).toMatchObject({ status: 'error', error: { kind: 'Internal' } });
    expect(alive).toMatchObject({ status: 'ok', value: 'ok' });
    expect(await pool.call(program({ op: 'echo' }), 2, { actor })).toMatchObject({ status: 'ok', value: 2 });
    expect(pool.stats().workerReplacements).toBe(1);
  });

  it('runs nested calls on their own threads (no deadlock with one worker) and stops them past maxNesting', async () => {
    const recurse = entry('app.tools:recurse', { op: 'invoke', module: 'testmod', fn: 'nested', args: ['app.tools:recurse', null] });
    pool = testPool({ size: 1, maxNesting: 2, registry: fakeRegistry([recurse]) });
    const r = await pool.callEntry(recurse, 7, null, { actor });
    expect(r.status).toBe('ok');
    const value = (r as { value: unknown }).value;
    expect(value).toMatchObject({ ok: { ok: { error: 'StackOverflow' } } });
  });

  it('reports a nested call to a missing tool as NotFound', async () => {
    pool = testPool({ registry: fakeRegistry([]) });
    const r = await pool.call(program({ op: 'invoke', module: 'testmod', fn: 'nested', args: ['app.tools:ghost', null] }), null, { actor });
    expect(r).toMatchObject({ status: 'ok', value: { error: 'NotFound' } });
  });

  it('refuses entries before dispatch: privileged module untrusted, unknown module, non-tool kind, bad data', async () => {
    pool = testPool();
    const priv = await pool.callEntry(entry('app.generated:t', { op: 'echo' }, { modules: ['testpriv'] }), 1, null, { actor });
    expect(priv).toMatchObject({ status: 'error', error: { kind: 'PermissionDenied' } });
    expect((priv as { error: { message: string } }).error.message).toContain('testpriv');
    const unknown = await pool.callEntry(entry('app.tools:t', { op: 'echo' }, { modules: ['nope'] }), 1, null, { actor });
    expect(unknown).toMatchObject({ status: 'error', error: { kind: 'ModuleNotFound' } });
    const kind = await pool.callEntry({ id: 'app:m', kind: 'llm.model', meta: {}, data: {} }, 1, null, { actor });
    expect(kind).toMatchObject({ status: 'error', error: { kind: 'InvalidInput' } });
    const bad = await pool.callEntry({ id: 'app:f', kind: 'function.lua', meta: {}, data: { modules: [] } }, 1, null, { actor });
    expect(bad).toMatchObject({ status: 'error', error: { kind: 'InvalidInput' } });
    expect(pool.stats().calls).toBe(4);
    expect(pool.stats().errors).toMatchObject({ PermissionDenied: 1, ModuleNotFound: 1, InvalidInput: 2 });
  });

  it('runs a trusted entry with a privileged module and applies its limits', async () => {
    pool = testPool();
    const ok = await pool.callEntry(entry('app.tools:p', { op: 'invoke', module: 'testpriv', fn: 'ping' }, { modules: ['testpriv'] }), 1, null, { actor });
    expect(ok).toMatchObject({ status: 'ok', value: 'pong' });
    const limited = await pool.callEntry(entry('app.tools:l', { op: 'cooperative-loop' }, { limits: { timeout_ms: 50 } }), 1, null, { actor });
    expect(limited).toMatchObject({ status: 'error', error: { kind: 'Timeout' } });
  });

  it('answers Canceled after close()', async () => {
    pool = testPool();
    await pool.close();
    expect(await pool.call(program({ op: 'echo' }), 1, { actor })).toMatchObject({ status: 'error', error: { kind: 'Canceled' } });
  });
});
