// Elastic capacity of the isolate pool: a call that runs long lets the calls behind it onto spare workers
// (bounded by spareThreads), spares retire when idle, and waiting calls can be canceled or refused.
import { describe, expect, it, vi } from 'vitest';
import type { IsolatePool } from '../../src/isolates/pool.js';
import { actor, cleanUpAfterEach, Gates, heldCall, program, releaseGate, testPool } from './support/pool-fixtures.js';

let pool: IsolatePool | undefined;
const gates = new Gates();
cleanUpAfterEach(gates, () => pool);

const held = (p: IsolatePool, value: string) => heldCall(p, gates, value);
const release = releaseGate;

describe('isolate pool elastic capacity', () => {
  it('answers a short call submitted after a long one while the long one still runs (one core worker)', async () => {
    pool = testPool({ size: 1, longCallMs: 5 });
    const long = held(pool, 'long');
    const short = await pool.call(program({ op: 'echo' }), 'short', { actor });
    expect(short).toMatchObject({ status: 'ok', value: 'short' });
    expect(long.done()).toBe(false);
    release(long.cells);
    expect(await long.result).toMatchObject({ status: 'ok', value: 'long' });
    expect(pool.stats().workerReplacements).toBe(0);
  });

  it('boots no spare for a call that is merely long, and one as soon as a call waits behind it', async () => {
    pool = testPool({ size: 1, spareThreads: 1, longCallMs: 5, spareBootMs: 60_000 });
    const long = held(pool, 'long');
    await vi.waitFor(() => expect(pool!.stats().longCalls).toBe(1), { timeout: 5_000, interval: 5 });
    // Long (past longCallMs), far from the hold mark, nobody waiting: no spare is started.
    expect(pool.stats().threads).toBe(1);
    // A call that has to wait behind it is a real need: a spare boots and answers it while the long one runs.
    expect(await pool.call(program({ op: 'echo' }), 'short', { actor })).toMatchObject({ status: 'ok', value: 'short' });
    expect(long.done()).toBe(false);
    expect(pool.stats().threads).toBe(2);
    release(long.cells);
    expect(await long.result).toMatchObject({ status: 'ok', value: 'long' });
  });

  it('boots no spare ahead for the only call past the hold mark while a core worker is free (an agent turn), but does for two', async () => {
    // The hold mark and the long mark are the same sweep: once the call counts as long, its hold was handled.
    pool = testPool({ size: 2, minThreads: 2, spareThreads: 2, longCallMs: 5, spareBootMs: 5 });
    const only = held(pool, 'only');
    await vi.waitFor(() => expect(pool!.stats().longCalls).toBe(1), { timeout: 5_000, interval: 5 });
    // One call in the level and an idle core worker for the next: no spare takes CPU from the running call.
    expect(pool.stats().threads).toBe(2);
    // A second call in flight past the mark (a stress run, parallel calls): spares boot ahead of need.
    const second = held(pool, 'second');
    await vi.waitFor(() => expect(pool!.stats().threads).toBeGreaterThan(2), { timeout: 5_000, interval: 5 });
    release(only.cells);
    release(second.cells);
    expect((await Promise.all([only.result, second.result])).map((r) => r.status)).toEqual(['ok', 'ok']);
  });

  it('adds at most spareThreads workers, one per long call, and serves short calls on them', async () => {
    pool = testPool({ size: 1, spareThreads: 2, longCallMs: 5 });
    const first = held(pool, 'a');
    const second = held(pool, 'b');
    // Two long calls hold the core worker and one spare: the second spare takes the short calls.
    const shorts = await Promise.all([1, 2, 3].map((i) => pool!.call(program({ op: 'echo' }), i, { actor })));
    expect(shorts.map((r) => r.status)).toEqual(['ok', 'ok', 'ok']);
    expect(first.done() || second.done()).toBe(false);
    expect(pool.stats().threads).toBeLessThanOrEqual(3);
    release(first.cells);
    release(second.cells);
    expect((await Promise.all([first.result, second.result])).map((r) => r.status)).toEqual(['ok', 'ok']);
  });

  it('warms a spare brought in while a call runs long for the tools the level ran, before it takes a call', async () => {
    pool = testPool({ size: 1, spareThreads: 1, longCallMs: 5 });
    const known = program({ op: 'was-prepared' }, { id: 'app.tools:known' });
    // The core worker ran the tool itself (nothing prepared it there).
    expect(await pool.call(known, null, { actor })).toMatchObject({ status: 'ok', value: false });
    const long = held(pool, 'long');
    // The core worker is held: the call goes to the spare, which counts as idle only once prepared.
    expect(await pool.call(known, null, { actor })).toMatchObject({ status: 'ok', value: true });
    const stats = pool.stats();
    expect(stats.toolsPrepared).toBeGreaterThanOrEqual(1);
    // The warm-up carried the spec: the spare never had to ask for it.
    expect(stats.specResends).toBe(0);
    expect(long.done()).toBe(false);
    release(long.cells);
    expect(await long.result).toMatchObject({ status: 'ok', value: 'long' });
  });

  it('tops up a core worker that missed a hot tool (3 ok calls) while the level is idle, once', async () => {
    pool = testPool({ size: 2, minThreads: 2 });
    const known = program({ op: 'was-prepared' }, { id: 'app.tools:known' });
    // The balancer keeps sending the tool to the worker that ran it: the other one never saw it.
    for (let i = 0; i < 3; i++) expect(await pool.call(known, null, { actor })).toMatchObject({ status: 'ok', value: false });
    await pool.settled!();
    // The other core worker was given the tool in the lull; nothing else to do afterwards.
    expect(pool.stats().toolsPrepared).toBe(1);
    expect(await pool.call(known, null, { actor })).toMatchObject({ status: 'ok' });
    await pool.settled!();
    expect(pool.stats().toolsPrepared).toBe(1);
  });

  it('leaves a tool called once or twice (just created, tried) to the worker that ran it', async () => {
    pool = testPool({ size: 2, minThreads: 2 });
    const fresh = program({ op: 'was-prepared' }, { id: 'app.generated:fresh' });
    for (let i = 0; i < 2; i++) expect(await pool.call(fresh, null, { actor })).toMatchObject({ status: 'ok', value: false });
    await pool.settled!();
    expect(pool.stats().toolsPrepared).toBe(0);
  });

  it('keeps a call waiting (never on a fourth worker) when every core and spare worker runs long', async () => {
    pool = testPool({ size: 1, spareThreads: 1, longCallMs: 5 });
    const first = held(pool, 'a');
    const second = held(pool, 'b');
    const third = held(pool, 'c');
    let threadsSeen = 0;
    const short = pool.call(program({ op: 'echo' }), 'short', { actor }).then((r) => {
      threadsSeen = pool!.stats().threads;
      return r;
    });
    // Releasing one long call frees a worker: the waiting calls go on in order, within size + spare threads.
    release(first.cells);
    release(second.cells);
    release(third.cells);
    const results = await Promise.all([first.result, second.result, third.result, short]);
    expect(results.map((r) => r.status)).toEqual(['ok', 'ok', 'ok', 'ok']);
    expect(threadsSeen).toBeLessThanOrEqual(2);
  });

  it('retires idle spare workers after spareIdleTimeout, back to size', async () => {
    pool = testPool({ size: 1, spareThreads: 1, longCallMs: 5, spareIdleTimeout: 10 });
    const long = held(pool, 'long');
    expect(await pool.call(program({ op: 'echo' }), 1, { actor })).toMatchObject({ status: 'ok' });
    expect(pool.stats().threads).toBe(2);
    release(long.cells);
    await long.result;
    await vi.waitFor(() => expect(pool!.stats().threads).toBe(1), { timeout: 10_000, interval: 20 });
  });

  it('still stops a wedged call at the hard deadline and replaces its worker, while short calls are served', async () => {
    pool = testPool({ size: 1, longCallMs: 5 });
    const wedged = pool.call(program({ op: 'spin' }, { limits: { timeoutMs: 200 } }), null, { actor });
    const shorts = await Promise.all([1, 2, 3].map((i) => pool!.call(program({ op: 'echo' }), i, { actor })));
    expect(shorts.map((r) => (r.status === 'ok' ? r.value : r.error.kind))).toEqual([1, 2, 3]);
    expect(await wedged).toMatchObject({ status: 'error', error: { kind: 'Timeout' } });
    expect(pool.stats().workerReplacements).toBe(1);
    expect(await pool.call(program({ op: 'echo' }), 4, { actor })).toMatchObject({ status: 'ok', value: 4 });
  });

  it('cancels a call still waiting for a worker without touching any worker', async () => {
    pool = testPool({ size: 1, spareThreads: 0 });
    const long = held(pool, 'long');
    const controller = new AbortController();
    const waiting = pool.call(program({ op: 'echo' }), 'never ran', { actor, signal: controller.signal });
    controller.abort();
    expect(await waiting).toMatchObject({ status: 'error', error: { kind: 'Canceled' } });
    release(long.cells);
    expect(await long.result).toMatchObject({ status: 'ok', value: 'long' });
    expect(pool.stats().workerReplacements).toBe(0);
  });

  it('refuses a call beyond maxQueue waiting calls as saturated', async () => {
    pool = testPool({ size: 1, spareThreads: 0, maxQueue: 1 });
    const long = held(pool, 'long');
    const queued = pool.call(program({ op: 'echo' }), 'queued', { actor });
    const refused = await pool.call(program({ op: 'echo' }), 'refused', { actor });
    expect(refused).toMatchObject({ status: 'error', error: { kind: 'Internal' } });
    expect((refused as { error: { message: string } }).error.message).toContain('saturated');
    release(long.cells);
    expect(await queued).toMatchObject({ status: 'ok', value: 'queued' });
    expect(await long.result).toMatchObject({ status: 'ok' });
  });
});
