// Prefetch: with every core worker busy, a call is queued on a worker behind a running call of a fast tool;
// up to prefetchDepth of them; each is taken back (and runs elsewhere) when the call ahead runs long, is stopped,
// or when it is canceled itself.
import { describe, expect, it, vi } from 'vitest';
import type { IsolatePool } from '../../src/isolates/pool.js';
import { claimStart, StartTable } from '../../src/isolates/pool-start-table.js';
import { actor, cleanUpAfterEach, Gates, heldCall, program, releaseGate, testPool } from './support/pool-fixtures.js';

let pool: IsolatePool | undefined;
const gates = new Gates();
cleanUpAfterEach(gates, () => pool);

const echo = program({ op: 'echo' });

/** Make the held-call and echo tools known fast (3 ok calls each, instant) and known to the core worker. */
async function warm(p: IsolatePool): Promise<void> {
  for (let i = 0; i < 3; i++) {
    const quick = heldCall(p, gates, `warm${i}`);
    releaseGate(quick.cells);
    expect(await quick.result).toMatchObject({ status: 'ok' });
    expect(await p.call(echo, 'known', { actor })).toMatchObject({ status: 'ok' });
  }
}

/** A fast tool's call holding the core worker, and an echo call queued behind it (prefetched: `queued`). */
async function aheadAndBehind(p: IsolatePool, options: { warm?: boolean; signal?: AbortSignal } = {}) {
  if (options.warm !== false) await warm(p);
  else expect(await p.call(echo, 'known', { actor })).toMatchObject({ status: 'ok' });
  const ahead = heldCall(p, gates, 'ahead');
  const behind = p.call(echo, 'behind', { actor, ...(options.signal ? { signal: options.signal } : {}) });
  return { ahead, behind, queued: p.stats().prefetched };
}

describe('isolate pool prefetch', () => {
  it('queues calls behind a fast running call and answers them all, in order, with nothing taken back', async () => {
    pool = testPool({ size: 1, spareThreads: 0, longCallMs: 60_000 });
    const { ahead, behind, queued } = await aheadAndBehind(pool);
    expect(queued).toBe(1);
    releaseGate(ahead.cells);
    expect(await ahead.result).toMatchObject({ status: 'ok', value: 'ahead' });
    expect(await behind).toMatchObject({ status: 'ok', value: 'behind' });
    expect(pool.stats()).toMatchObject({ prefetchWithdrawn: 0, workerReplacements: 0 });
  });

  it('race: the call ahead fails with its heap past retireHeapBytes, so its worker is replaced: the call queued on it runs elsewhere', async () => {
    pool = testPool({ size: 1, spareThreads: 0, longCallMs: 60_000, retireHeapBytes: 1000 });
    await warm(pool);
    const { flag, cells } = gates.open();
    const ahead = pool.call(program({ op: 'wait-then-echo' }), { flag, value: 'ahead', grow: 5000 }, { actor });
    const behind = pool.call(echo, 'behind', { actor });
    expect(pool.stats().prefetched).toBe(1);
    releaseGate(cells);
    expect(await ahead).toMatchObject({ status: 'error', error: { kind: 'MemoryLimit' } });
    // Queued on the retiring worker, it never starts there: withdrawn (or taken back when the worker ends).
    expect(await behind).toMatchObject({ status: 'ok', value: 'behind' });
    expect(pool.stats()).toMatchObject({ retiredForMemory: 1, workerReplacements: 0, errors: { MemoryLimit: 1 } });
  });

  it('queues nothing behind a call of a tool not yet known to be fast', async () => {
    pool = testPool({ size: 1, spareThreads: 0, longCallMs: 60_000 });
    const { ahead, behind, queued } = await aheadAndBehind(pool, { warm: false });
    expect(queued).toBe(0);
    releaseGate(ahead.cells);
    expect(await behind).toMatchObject({ status: 'ok', value: 'behind' });
  });

  it('race: the call ahead runs long: the queued call is taken back and answered on a spare before it ends', async () => {
    pool = testPool({ size: 1, spareThreads: 1, longCallMs: 5 });
    const { ahead, behind, queued } = await aheadAndBehind(pool);
    expect(queued).toBe(1);
    expect(await behind).toMatchObject({ status: 'ok', value: 'behind' });
    expect(ahead.done()).toBe(false);
    expect(pool.stats()).toMatchObject({ prefetchWithdrawn: 1, workerReplacements: 0 });
    releaseGate(ahead.cells);
    expect(await ahead.result).toMatchObject({ status: 'ok', value: 'ahead' });
  });

  it('race: the queued call is canceled before it starts: the call ahead keeps its worker and finishes', async () => {
    pool = testPool({ size: 1, spareThreads: 0, longCallMs: 60_000 });
    const cancel = new AbortController();
    const { ahead, behind, queued } = await aheadAndBehind(pool, { signal: cancel.signal });
    expect(queued).toBe(1);
    cancel.abort();
    expect(await behind).toMatchObject({ status: 'error', error: { kind: 'Canceled' } });
    expect(ahead.done()).toBe(false);
    releaseGate(ahead.cells);
    expect(await ahead.result).toMatchObject({ status: 'ok', value: 'ahead' });
    expect(pool.stats()).toMatchObject({ prefetchWithdrawn: 1, workerReplacements: 0 });
    // The worker skipped the canceled task and still serves calls.
    expect(await pool.call(echo, 'after', { actor })).toMatchObject({ status: 'ok', value: 'after' });
  });

  it('race: the call ahead is stopped (its worker ends): the queued call runs on the replacement instead of failing', async () => {
    pool = testPool({ size: 1, spareThreads: 0, longCallMs: 60_000 });
    await warm(pool);
    const stop = new AbortController();
    const ahead = pool.call(program({ op: 'wait-then-echo' }), { flag: gates.open().flag, value: 'ahead' }, { actor, signal: stop.signal });
    const behind = pool.call(echo, 'behind', { actor });
    expect(pool.stats().prefetched).toBe(1);
    stop.abort();
    expect(await ahead).toMatchObject({ status: 'error', error: { kind: 'Canceled' } });
    expect(await behind).toMatchObject({ status: 'ok', value: 'behind' });
    await vi.waitFor(() => expect(pool!.stats()).toMatchObject({ prefetchWithdrawn: 1, workerReplacements: 1 }), { timeout: 5_000, interval: 5 });
  });

  it('race: a taken-back call runs once: its old slot is not reused while its old task may still claim it', async () => {
    pool = testPool({ size: 1, spareThreads: 1, longCallMs: 5 });
    // A tool whose every run is counted (one host call each).
    const counted = program({ op: 'invoke', module: 'testmod', fn: 'echo', args: ['$input'] }, { id: 'app.tools:counted' });
    await warm(pool);
    expect(await pool.call(counted, 'known', { actor })).toMatchObject({ status: 'ok' });
    const ahead = heldCall(pool, gates, 'ahead');
    const behind = pool.call(counted, 'behind', { actor });
    expect(pool.stats().prefetched).toBe(1);
    // Taken back when `ahead` runs long, and answered on the spare; its old task still waits on the core worker.
    expect(await behind).toMatchObject({ status: 'ok', value: { __multi: ['behind'] } });
    // Hold the spare too, so the next call waits with a fresh slot while the old task is still queued.
    const spareHeld = heldCall(pool, gates, 'spare');
    await vi.waitFor(() => expect(pool!.stats().threads).toBe(2), { timeout: 5_000, interval: 5 });
    const next = pool.call(counted, 'next', { actor });
    releaseGate(ahead.cells);
    expect(await ahead.result).toMatchObject({ status: 'ok', value: 'ahead' });
    expect(await next).toMatchObject({ status: 'ok', value: { __multi: ['next'] } });
    releaseGate(spareHeld.cells);
    await spareHeld.result;
    // known + behind + next: the old task of `behind` was skipped, not run a second time.
    expect(pool.stats().hostCalls).toBe(3);
    expect(pool.stats().prefetchWithdrawn).toBe(1);
  });

  it('queues up to prefetchDepth calls on one worker behind a fast call; the next waits at the gate; all answer in order', async () => {
    pool = testPool({ size: 1, spareThreads: 0, longCallMs: 60_000, prefetchDepth: 2 });
    await warm(pool);
    const ahead = heldCall(pool, gates, 'ahead');
    const order: string[] = [];
    const behind = ['b1', 'b2', 'b3'].map((v) => pool!.call(echo, v, { actor }).then((r) => (order.push(v), r)));
    expect(pool.stats().prefetched).toBe(2);
    expect(pool.stats().queued).toBe(1);
    releaseGate(ahead.cells);
    expect(await ahead.result).toMatchObject({ status: 'ok', value: 'ahead' });
    expect(await Promise.all(behind)).toMatchObject([
      { status: 'ok', value: 'b1' },
      { status: 'ok', value: 'b2' },
      { status: 'ok', value: 'b3' },
    ]);
    expect(order).toEqual(['b1', 'b2', 'b3']);
    expect(pool.stats()).toMatchObject({ prefetchWithdrawn: 0, workerReplacements: 0 });
  });

  it('a queued call of a tool not known to be fast ends the chain: later calls wait at the gate', async () => {
    pool = testPool({ size: 1, spareThreads: 0, longCallMs: 60_000, prefetchDepth: 3 });
    await warm(pool);
    const fresh = program({ op: 'echo' }, { id: 'app.tools:fresh' });
    // The worker holds fresh's spec (one ok call) but fresh is not known to be fast yet.
    expect(await pool.call(fresh, 'known', { actor })).toMatchObject({ status: 'ok' });
    const ahead = heldCall(pool, gates, 'ahead');
    const first = pool.call(fresh, 'first', { actor });
    const second = pool.call(echo, 'second', { actor });
    expect(pool.stats()).toMatchObject({ prefetched: 1, queued: 1 });
    releaseGate(ahead.cells);
    expect(await Promise.all([ahead.result, first, second])).toMatchObject([
      { status: 'ok', value: 'ahead' },
      { status: 'ok', value: 'first' },
      { status: 'ok', value: 'second' },
    ]);
  });

  it('race: the call ahead runs long: every call queued behind it is taken back and answered on a spare before it ends', async () => {
    pool = testPool({ size: 1, spareThreads: 1, longCallMs: 5, prefetchDepth: 3 });
    await warm(pool);
    const ahead = heldCall(pool, gates, 'ahead');
    const behind = ['b1', 'b2', 'b3'].map((v) => pool!.call(echo, v, { actor }));
    expect(pool.stats().prefetched).toBe(3);
    expect(await Promise.all(behind)).toMatchObject([
      { status: 'ok', value: 'b1' },
      { status: 'ok', value: 'b2' },
      { status: 'ok', value: 'b3' },
    ]);
    expect(ahead.done()).toBe(false);
    expect(pool.stats()).toMatchObject({ prefetchWithdrawn: 3, workerReplacements: 0 });
    releaseGate(ahead.cells);
    expect(await ahead.result).toMatchObject({ status: 'ok', value: 'ahead' });
  });

  it('race: the middle of three queued calls is canceled: the one behind it moves up and runs after the call ahead', async () => {
    pool = testPool({ size: 1, spareThreads: 0, longCallMs: 60_000, prefetchDepth: 3 });
    await warm(pool);
    // The canceled call's tool stops counting as fast (a failed call): a tool of its own keeps echo's standing.
    const echo2 = program({ op: 'echo' }, { id: 'app.tools:echo2' });
    for (let i = 0; i < 3; i++) expect(await pool.call(echo2, 'known', { actor })).toMatchObject({ status: 'ok' });
    const ahead = heldCall(pool, gates, 'ahead');
    const cancel = new AbortController();
    const first = pool.call(echo, 'first', { actor });
    const middle = pool.call(echo2, 'middle', { actor, signal: cancel.signal });
    const last = pool.call(echo, 'last', { actor });
    expect(pool.stats().prefetched).toBe(3);
    cancel.abort();
    expect(await middle).toMatchObject({ status: 'error', error: { kind: 'Canceled' } });
    expect(ahead.done()).toBe(false);
    // The chain closed over the gap (first, last): one more call queues behind `last`, the next at the gate.
    const after = pool.call(echo, 'after', { actor });
    const fifth = pool.call(echo, 'fifth', { actor });
    expect(pool.stats()).toMatchObject({ prefetched: 4, queued: 1 });
    releaseGate(ahead.cells);
    expect(await Promise.all([ahead.result, first, last, after, fifth])).toMatchObject([
      { status: 'ok', value: 'ahead' },
      { status: 'ok', value: 'first' },
      { status: 'ok', value: 'last' },
      { status: 'ok', value: 'after' },
      { status: 'ok', value: 'fifth' },
    ]);
    expect(pool.stats()).toMatchObject({ prefetchWithdrawn: 1, workerReplacements: 0 });
  });

  it('race: the call ahead is stopped (its worker ends): every queued call runs on the replacement instead of failing', async () => {
    pool = testPool({ size: 1, spareThreads: 0, longCallMs: 60_000, prefetchDepth: 3 });
    await warm(pool);
    const stop = new AbortController();
    const ahead = pool.call(program({ op: 'wait-then-echo' }), { flag: gates.open().flag, value: 'ahead' }, { actor, signal: stop.signal });
    const behind = ['b1', 'b2', 'b3'].map((v) => pool!.call(echo, v, { actor }));
    expect(pool.stats().prefetched).toBe(3);
    stop.abort();
    expect(await ahead).toMatchObject({ status: 'error', error: { kind: 'Canceled' } });
    expect(await Promise.all(behind)).toMatchObject([
      { status: 'ok', value: 'b1' },
      { status: 'ok', value: 'b2' },
      { status: 'ok', value: 'b3' },
    ]);
    await vi.waitFor(() => expect(pool!.stats()).toMatchObject({ prefetchWithdrawn: 3, workerReplacements: 1 }), { timeout: 5_000, interval: 5 });
  });

  it('race: a worker goes idle while the other has two calls queued: the last is taken back and runs on the idle one', async () => {
    pool = testPool({ size: 2, spareThreads: 0, longCallMs: 60_000, prefetchDepth: 3 });
    // One worker is held (by a tool of its own: a long run would make the held tool slow) while the other
    // learns both tools (no lull, so no idle-time prepares meanwhile); the first is topped up with them in
    // the lull after it is released: both workers know both tools.
    const x = heldCall(pool, gates, 'x', 'app.tools:holder');
    await warm(pool);
    releaseGate(x.cells);
    await x.result;
    await vi.waitFor(() => expect(pool!.stats().toolsPrepared).toBeGreaterThan(0), { timeout: 5_000, interval: 5 });
    const a = heldCall(pool, gates, 'a');
    const b = heldCall(pool, gates, 'b');
    // Shortest chain first: e1 behind a, e2 behind b, e3 behind e1, e4 behind e2.
    const [e1, e2, e3, e4] = ['e1', 'e2', 'e3', 'e4'].map((v) => pool!.call(echo, v, { actor }));
    expect(pool.stats().prefetched).toBe(4);
    releaseGate(b.cells);
    expect(await Promise.all([b.result, e2, e4])).toMatchObject([{ value: 'b' }, { value: 'e2' }, { value: 'e4' }]);
    // e3 was queued behind e1 on a's worker: it no longer waits for a.
    expect(await e3).toMatchObject({ status: 'ok', value: 'e3' });
    expect(a.done()).toBe(false);
    expect(pool.stats()).toMatchObject({ prefetchWithdrawn: 1, workerReplacements: 0 });
    releaseGate(a.cells);
    expect(await Promise.all([a.result, e1])).toMatchObject([{ value: 'a' }, { value: 'e1' }]);
  });

  it('can be turned off', async () => {
    pool = testPool({ size: 1, spareThreads: 0, longCallMs: 60_000, prefetch: false });
    const { ahead, behind, queued } = await aheadAndBehind(pool);
    expect(queued).toBe(0);
    releaseGate(ahead.cells);
    expect(await behind).toMatchObject({ status: 'ok', value: 'behind' });
  });
});

describe('start table: withdraw vs claim', () => {
  it('race: whichever comes first wins; the other is refused', () => {
    const table = new StartTable(4);
    const cells = new Int32Array(table.buffer);
    const a = table.acquire();
    expect(claimStart(cells, table.epoch, a, Date.now(), 7)).toBe(true);
    expect(table.withdraw(a)).toBe(false);
    expect(table.startedAt(a)).toBeDefined();

    const b = table.acquire();
    expect(table.withdraw(b)).toBe(true);
    expect(claimStart(cells, table.epoch, b, Date.now(), 7)).toBe(false);
    // A withdrawn call never counts as started (the sweeper would otherwise time it from the epoch).
    expect(table.startedAt(b)).toBeUndefined();
    expect(table.withdraw(b)).toBe(false);
  });

  it('a call without a slot is always claimed and never withdrawn', () => {
    const table = new StartTable(1);
    expect(claimStart(new Int32Array(table.buffer), table.epoch, -1, Date.now(), 0)).toBe(true);
    expect(table.withdraw(-1)).toBe(false);
  });
});
