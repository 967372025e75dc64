// The Store contract, run against every implementation: versions, atomic commits, conflicts inside the
// write, history and state at a version. SQLite-only behaviour (files, processes) is in sqlite-store.test.ts.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { MemoryStore } from '../../src/store/memory-store.js';
import { openSqliteStore } from '../../src/store/sqlite-store.js';
import type { Store, StoredChange } from '../../src/store/store.js';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

const factories: [string, () => Store][] = [
  ['memory', () => new MemoryStore()],
  [
    'sqlite',
    () => {
      const dir = mkdtempSync(join(tmpdir(), 'micro-agi-store-'));
      dirs.push(dir);
      return openSqliteStore(join(dir, 'registry.db'));
    },
  ],
];

const meta = (actor = 'tester') => ({ actor, time: '2025-01-01T00:00:00.000Z' });
const put = (op: 'create' | 'update', id: string, data: unknown): StoredChange => ({
  op,
  id,
  kind: 'registry.entry',
  entry: { id, kind: 'registry.entry', meta: { type: 'note' }, data },
});
const del = (id: string): StoredChange => ({ op: 'delete', id, kind: 'registry.entry' });

describe.each(factories)('%s store', (_name, make) => {
  it('changeToken stays put while nothing is committed and moves with every commit', async () => {
    const store = make();
    const t0 = store.changeToken!();
    expect(store.changeToken!()).toBe(t0);
    await store.readSince(0);
    expect(store.changeToken!()).toBe(t0);
    await store.commit(0, [put('create', 'a:x', 1)], meta());
    const t1 = store.changeToken!();
    expect(t1).not.toBe(t0);
    await expect(store.commit(0, [put('update', 'a:x', 2)], meta())).rejects.toMatchObject({ code: 'REGISTRY_CONFLICT' });
    expect(store.changeToken!()).toBe(t1);
    await store.commit(1, [put('update', 'a:x', 2)], meta());
    expect(store.changeToken!()).not.toBe(t1);
    await store.close();
  });

  it('starts empty and numbers commits 1, 2, 3 with their changes in order', async () => {
    const store = make();
    expect(await store.head()).toBe(0);
    expect(await store.readSince(0)).toEqual([]);
    const v1 = await store.commit(0, [put('create', 'a:x', 1), put('create', 'a:y', 2)], { ...meta('alice'), message: 'first' });
    expect(v1.version).toBe(1);
    await store.commit(1, [put('update', 'a:x', 3)], meta());
    await store.commit(2, [del('a:y')], meta());
    expect(await store.head()).toBe(3);
    const all = await store.readSince(0);
    expect(all.map((v) => v.version)).toEqual([1, 2, 3]);
    expect(all[0]).toMatchObject({ actor: 'alice', message: 'first', time: '2025-01-01T00:00:00.000Z' });
    expect(all[0]!.changes.map((c) => [c.op, c.id])).toEqual([
      ['create', 'a:x'],
      ['create', 'a:y'],
    ]);
    expect(all[2]!.changes).toEqual([{ op: 'delete', id: 'a:y', kind: 'registry.entry' }]);
    expect((await store.readSince(2)).map((v) => v.version)).toEqual([3]);
    await store.close();
  });

  it('refuses a change to an entry modified after the base version, naming it and both versions, writing nothing', async () => {
    const store = make();
    await store.commit(0, [put('create', 'a:x', 1), put('create', 'a:y', 1)], meta());
    await store.commit(1, [put('update', 'a:x', 2)], meta());
    const err = await store.commit(1, [put('update', 'a:y', 9), put('update', 'a:x', 9)], meta()).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'REGISTRY_CONFLICT', details: { id: 'a:x', baseVersion: 1, changedAt: 2 } });
    expect((err as Error).message).toContain('a:x');
    expect(await store.head()).toBe(2);
    expect((await store.stateAt(2)).get('a:y')?.data).toBe(1);
    // A stale base that touches only untouched entries still commits.
    const v3 = await store.commit(1, [put('update', 'a:y', 5)], meta());
    expect(v3.version).toBe(3);
    await store.close();
  });

  it('refuses an empty commit and duplicate ids without writing', async () => {
    const store = make();
    await expect(store.commit(0, [], meta())).rejects.toMatchObject({ code: 'REGISTRY_EMPTY_CHANGESET' });
    await expect(store.commit(0, [put('create', 'a:x', 1), del('a:x')], meta())).rejects.toMatchObject({
      code: 'REGISTRY_INVALID_ENTRY',
    });
    expect(await store.head()).toBe(0);
    await store.close();
  });

  it('gives per-id history and the stored layer at any version', async () => {
    const store = make();
    await store.commit(0, [put('create', 'a:x', 1)], meta('alice'));
    await store.commit(1, [put('create', 'a:other', 1)], meta('bob'));
    await store.commit(2, [put('update', 'a:x', 2)], meta('carol'));
    await store.commit(3, [del('a:x')], meta('dave'));
    const h = await store.history('a:x');
    expect(h.map((r) => [r.version, r.actor, r.change.op, r.change.entry?.data])).toEqual([
      [1, 'alice', 'create', 1],
      [3, 'carol', 'update', 2],
      [4, 'dave', 'delete', undefined],
    ]);
    expect(await store.history('a:none')).toEqual([]);
    expect((await store.stateAt(1)).get('a:x')?.data).toBe(1);
    expect((await store.stateAt(1)).has('a:other')).toBe(false);
    expect((await store.stateAt(3)).get('a:x')?.data).toBe(2);
    expect((await store.stateAt(4)).get('a:x')).toBeNull();
    expect((await store.stateAt(0)).size).toBe(0);
    await store.close();
  });

  it('returns copies: mutating what it returned does not change stored data', async () => {
    const store = make();
    const committed = await store.commit(0, [put('create', 'a:x', { n: 1 })], meta());
    (committed.changes[0]!.entry!.data as { n: number }).n = 99;
    const [v] = await store.readSince(0);
    (v!.changes[0]!.entry!.data as { n: number }).n = 98;
    expect((await store.stateAt(1)).get('a:x')?.data).toEqual({ n: 1 });
    await store.close();
  });

  it('fails with STORE_FAILED once closed', async () => {
    const store = make();
    await store.close();
    await expect(store.head()).rejects.toMatchObject({ code: 'STORE_FAILED' });
  });
});
