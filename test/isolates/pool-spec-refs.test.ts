// Tool specs by key across the pool's thread boundary: a worker that lacks a spec answers 'need-spec' and
// gets it resent, a spec object edited in place is a new key, and the worker's spec cache stays bounded.
import { describe, expect, it, vi } from 'vitest';
import type { IsolatePool } from '../../src/isolates/pool.js';
import { SpecCache, SpecRefs } from '../../src/isolates/pool-spec-cache.js';
import type { ToolSpec } from '../../src/isolates/types.js';
import { ToolSpecMemo } from '../../src/isolates/tool-spec-from-entry.js';
import { actor, cleanUpAfterEach, entry, Gates, heldCall, program, releaseGate, testModules, testPool } from './support/pool-fixtures.js';

let pool: IsolatePool | undefined;
const gates = new Gates();
cleanUpAfterEach(gates, () => pool);

const release = releaseGate;
/** A call that holds its worker until released (no timing involved). */
const held = (p: IsolatePool, value: string) => heldCall(p, gates, value, 'app.tools:wait');

describe('tool specs by key', () => {
  it('resends the spec to a worker that never saw it, and the call runs normally', async () => {
    pool = testPool({ size: 2, spareThreads: 0 });
    const echo = program({ op: 'echo' }, { id: 'app.tools:echo' });
    const a = held(pool, 'a'); // holds one worker; the wait spec went there
    expect(await pool.call(echo, 1, { actor })).toMatchObject({ status: 'ok', value: 1 }); // the other worker gets echo's spec
    const b = held(pool, 'b'); // only the echo worker is free, and it lacks the wait spec
    await vi.waitFor(() => expect(pool!.stats().specResends).toBe(1), { timeout: 10_000, interval: 10 });
    release(a.cells);
    expect(await a.result).toMatchObject({ status: 'ok', value: 'a' });
    // Only the first worker is free now, and it never saw echo's spec.
    expect(await pool.call(echo, 2, { actor })).toMatchObject({ status: 'ok', value: 2 });
    expect(pool.stats().specResends).toBe(2);
    release(b.cells);
    expect(await b.result).toMatchObject({ status: 'ok', value: 'b' });
    // Both workers know both specs now: no more resends.
    await Promise.all([pool.call(echo, 3, { actor }), pool.call(echo, 4, { actor })]);
    expect(pool.stats()).toMatchObject({ specResends: 2, workerReplacements: 0 });
  });

  it('runs the new source when a spec object is edited in place after it was sent', async () => {
    pool = testPool({ size: 1 });
    const spec = program({ op: 'echo' }) as { -readonly [K in keyof ToolSpec]: ToolSpec[K] };
    expect(await pool.call(spec, 'x', { actor })).toMatchObject({ status: 'ok', value: 'x' });
    spec.source = JSON.stringify({ op: 'nope' });
    expect(await pool.call(spec, 'x', { actor })).toMatchObject({ status: 'error', error: { message: 'unknown op nope' } });
  });
});

describe('ToolSpecMemo', () => {
  it('keeps one spec for an entry unchanged across registry versions, and builds a new one when it changes', () => {
    const memo = new ToolSpecMemo();
    const e = entry('app.tools:memo', { op: 'echo' });
    const first = memo.get(e, 3, testModules);
    expect(first).toMatchObject({ ok: true, spec: { id: 'app.tools:memo', version: 3 } });
    // A write elsewhere: same frozen entry object at version 4, so the same spec (same key, same caches).
    expect(memo.get(e, 4, testModules)).toBe(first);
    // The entry itself changed: a new object, a spec of its own at the version it was seen.
    const changed = entry('app.tools:memo', { op: 'echo', v: 2 });
    const second = memo.get(changed, 5, testModules);
    expect(second).not.toBe(first);
    expect(second).toMatchObject({ ok: true, spec: { version: 5 } });
  });
});

describe('SpecRefs and SpecCache', () => {
  const spec = program({ op: 'echo' });

  it('carries a spec once per key, whichever object names it, and keys edits apart', () => {
    const refs = new SpecRefs();
    const first = refs.ref(spec);
    expect(first.carry).toBe(true);
    expect(refs.ref(spec)).toEqual({ key: first.key, carry: false });
    expect(refs.ref({ ...spec })).toEqual({ key: first.key, carry: false });
    const edited = refs.ref({ ...spec, limits: { ...spec.limits, timeoutMs: 1 } });
    expect(edited.key).not.toBe(first.key);
    expect(edited.carry).toBe(true);
    expect(refs.ref({ ...spec, version: 2 }).key).not.toBe(first.key);
  });

  it('keeps the most recently used specs up to its capacity', () => {
    const cache = new SpecCache(2);
    cache.put('a', spec);
    cache.put('b', spec);
    expect(cache.get('a')).toBe(spec); // a is now the most recent
    cache.put('c', spec);
    expect([cache.get('a'), cache.get('b'), cache.get('c')]).toEqual([spec, undefined, spec]);
    expect(cache.size).toBe(2);
  });
});
