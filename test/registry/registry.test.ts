// Registry behaviour over a store: atomic validated changesets, conflicts, security, base layering,
// immutability of snapshots, history, rollback, subscriptions and persistence across restarts.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { Entry } from '../../schemas/entry.js';
import { createRegistry } from '../../src/registry/registry.js';
import type { Registry, RegistryEvent } from '../../src/registry/types.js';
import type { Actor, Decision, Policy, Scope } from '../../src/security/types.js';
import { MemoryStore } from '../../src/store/memory-store.js';
import { openSqliteStore } from '../../src/store/sqlite-store.js';

const dir = mkdtempSync(join(tmpdir(), 'micro-agi-registry-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let dbN = 0;
const freshDb = () => join(dir, `r${++dbN}.db`);

const actor: Actor = { id: 'tester', meta: {} };
const entry = (id: string, data: unknown = {}, meta: Record<string, unknown> = { type: 'note' }): Entry => ({
  id,
  kind: 'registry.entry',
  meta,
  data,
});
const base: Entry[] = [entry('app:config', { level: 1 }), entry('app.tools:search', { q: true }, { type: 'tool' })];

/** A Scope fake at the security boundary: denies the listed action/resource pairs, records every call. */
function denyScope(denied: Array<[string, string]>): Scope & { calls: unknown[][] } {
  const calls: unknown[][] = [];
  const scope: Scope & { calls: unknown[][] } = {
    calls,
    policies: [],
    evaluate(a: Actor, action: string, resource: string, meta?: Record<string, unknown>): Decision {
      calls.push([a.id, action, resource, meta]);
      return denied.some(([x, r]) => x === action && r === resource) ? 'deny' : 'allow';
    },
    with: (_p: Policy) => scope,
    without: () => scope,
    contains: () => false,
  };
  return scope;
}

async function memoryRegistry(b: readonly Entry[] = base): Promise<Registry> {
  return createRegistry({ store: new MemoryStore(), base: b });
}

describe('changesets', () => {
  it('commits creates, updates and deletes as one new version', async () => {
    const reg = await memoryRegistry();
    expect(reg.current().version).toBe(0);
    const info = await reg.apply(
      reg.current().changes().create(entry('app.generated:a', 1)).update(entry('app:config', { level: 2 })).delete('app.tools:search'),
      { actor, message: 'because' },
    );
    expect(info).toMatchObject({ version: 1, actor: 'tester', message: 'because', changes: 3 });
    const snap = reg.current();
    expect(snap.version).toBe(1);
    expect(snap.get('app.generated:a')?.data).toBe(1);
    expect(snap.get('app:config')?.data).toEqual({ level: 2 });
    expect(snap.has('app.tools:search')).toBe(false);
    expect(reg.snapshotAt(0).has('app.tools:search')).toBe(true);
  });

  it('one bad op among three writes nothing and leaves the version unchanged', async () => {
    const store = new MemoryStore();
    const reg = await createRegistry({ store, base });
    const before = reg.current();
    const bad = { id: 'app.generated:b', kind: '', meta: {}, data: null } as Entry;
    const err = await reg
      .apply(before.changes().create(entry('app.generated:a')).update(entry('app:config', { level: 9 })).create(bad), { actor })
      .catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'REGISTRY_INVALID_ENTRY', details: { id: 'app.generated:b', field: 'kind' } });
    expect(reg.current()).toBe(before);
    expect(reg.current().has('app.generated:a')).toBe(false);
    expect(reg.current().get('app:config')?.data).toEqual({ level: 1 });
    expect(await store.head()).toBe(0);
    expect(reg.versions().map((v) => v.version)).toEqual([0]);
  });

  it.each([
    ['create of an existing id', (r: Registry) => r.current().changes().create(entry('app:config')), 'REGISTRY_ALREADY_EXISTS', 'app:config'],
    ['update of a missing id', (r: Registry) => r.current().changes().update(entry('app:nope')), 'REGISTRY_NOT_FOUND', 'app:nope'],
    ['delete of a missing id', (r: Registry) => r.current().changes().delete('app:nope'), 'REGISTRY_NOT_FOUND', 'app:nope'],
    ['an empty changeset', (r: Registry) => r.current().changes(), 'REGISTRY_EMPTY_CHANGESET', ''],
    ['the same id twice', (r: Registry) => r.current().changes().create(entry('x:a')).update(entry('x:a')), 'REGISTRY_INVALID_ENTRY', 'x:a'],
    ['a malformed id', (r: Registry) => r.current().changes().create(entry('no-colon')), 'REGISTRY_INVALID_ID', 'no-colon'],
    ['a malformed delete id', (r: Registry) => r.current().changes().delete('a:b:c'), 'REGISTRY_INVALID_ID', 'a:b:c'],
    ['non-JSON data', (r: Registry) => r.current().changes().create(entry('x:f', { f: () => 1 })), 'REGISTRY_INVALID_ENTRY', 'data.f'],
  ])('refuses %s with a clear code and changes nothing', async (_what, build, code, named) => {
    const reg = await memoryRegistry();
    const err = await reg.apply(build(reg), { actor }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code });
    expect((err as Error).message).toContain(named);
    expect(reg.current().version).toBe(0);
  });

  it('copies entries in: mutating the caller object or a returned entry cannot change registry state', async () => {
    const reg = await memoryRegistry();
    const mine = { id: 'x:m', kind: 'registry.entry', meta: { tags: ['a'] }, data: { n: 1 } };
    await reg.apply(reg.current().changes().create(mine), { actor });
    mine.data.n = 2;
    mine.meta.tags.push('b');
    const got = reg.current().get('x:m')!;
    expect(got.data).toEqual({ n: 1 });
    expect(got.meta).toEqual({ tags: ['a'] });
    expect(() => {
      (got.data as { n: number }).n = 5;
    }).toThrow(TypeError);
    expect(() => {
      (reg.current().entries() as Entry[]).push(entry('x:z'));
    }).toThrow(TypeError);
    expect(reg.current().get('x:m')!.data).toEqual({ n: 1 });
  });

  it('keeps an old snapshot unchanged after newer commits', async () => {
    const reg = await memoryRegistry();
    const old = reg.current();
    await reg.apply(old.changes().update(entry('app:config', { level: 5 })), { actor });
    expect(old.version).toBe(0);
    expect(old.get('app:config')?.data).toEqual({ level: 1 });
    expect(reg.current().get('app:config')?.data).toEqual({ level: 5 });
  });
});

describe('conflicts', () => {
  it('a stale snapshot touching a changed entry fails naming it and both versions; one touching others succeeds', async () => {
    const reg = await memoryRegistry();
    const stale = reg.current();
    await reg.apply(reg.current().changes().update(entry('app:config', { level: 2 })), { actor });
    const err = await reg.apply(stale.changes().update(entry('app:config', { level: 3 })), { actor }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'REGISTRY_CONFLICT', details: { id: 'app:config', baseVersion: 0, changedAt: 1 } });
    expect(reg.current().get('app:config')?.data).toEqual({ level: 2 });
    const ok = await reg.apply(stale.changes().update(entry('app.tools:search', { q: false })), { actor });
    expect(ok.version).toBe(2);
    expect(reg.current().get('app:config')?.data).toEqual({ level: 2 });
  });
});

describe('concurrent applies in one process', () => {
  it('two applies from one snapshot on the same entry: one commits, the other conflicts', async () => {
    const reg = await memoryRegistry();
    const snap = reg.current();
    const results = await Promise.allSettled([
      reg.apply(snap.changes().update(entry('app:config', 'first')), { actor }),
      reg.apply(snap.changes().update(entry('app:config', 'second')), { actor }),
    ]);
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected']);
    expect((results[1] as PromiseRejectedResult).reason).toMatchObject({ code: 'REGISTRY_CONFLICT' });
    expect(reg.current().get('app:config')?.data).toBe('first');
    expect(reg.current().version).toBe(1);
  });

  it('two applies from one snapshot on different entries both commit, in order', async () => {
    const reg = await memoryRegistry();
    const snap = reg.current();
    const [a, b] = await Promise.all([
      reg.apply(snap.changes().create(entry('x:a')), { actor }),
      reg.apply(snap.changes().create(entry('x:b')), { actor }),
    ]);
    expect([a.version, b.version]).toEqual([1, 2]);
    expect(reg.current().entries().map((e) => e.id)).toContain('x:b');
    expect(reg.current().has('x:a')).toBe(true);
  });

  it('accepts a changeset based on a newer version than it knows, catching up first', async () => {
    const store = new MemoryStore();
    const a = await createRegistry({ store, base, closeStore: false });
    const b = await createRegistry({ store, base, closeStore: false });
    await a.apply(a.current().changes().create(entry('x:a')), { actor });
    const info = await b.apply(a.current().changes().create(entry('x:b')), { actor });
    expect(info.version).toBe(2);
    expect(b.current().has('x:a')).toBe(true);
  });
});

describe('security', () => {
  it('evaluates registry.<op> per entry with its kind and refuses the whole changeset on any deny', async () => {
    const store = new MemoryStore();
    const reg = await createRegistry({ store, base });
    const scope = denyScope([['registry.update', 'app:config']]);
    const cs = reg.current().changes().create(entry('app.generated:t')).update(entry('app:config', { level: 0 }));
    const err = await reg.apply(cs, { actor, scope }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'SECURITY_DENIED', details: { action: 'registry.update', resource: 'app:config', actor: 'tester' } });
    expect(await store.head()).toBe(0);
    expect(reg.current().has('app.generated:t')).toBe(false);
    expect(scope.calls).toContainEqual(['tester', 'registry.create', 'app.generated:t', { kind: 'registry.entry' }]);

    const allowed = denyScope([]);
    await reg.apply(reg.current().changes().delete('app.tools:search'), { actor, scope: allowed });
    expect(allowed.calls).toEqual([['tester', 'registry.delete', 'app.tools:search', { kind: 'registry.entry' }]]);
  });
});

describe('base layering', () => {
  it('stored updates override base, stored deletes hide it, and base edits show for untouched entries on restart', async () => {
    const path = freshDb();
    const base1 = [entry('app:a', 'a1'), entry('app:b', 'b1'), entry('app:c', 'c1')];
    const r1 = await createRegistry({ store: openSqliteStore(path), base: base1 });
    await r1.apply(r1.current().changes().update(entry('app:a', 'a-stored')).delete('app:b'), { actor });
    await r1.close();

    const base2 = [entry('app:a', 'a2'), entry('app:b', 'b2'), entry('app:c', 'c2'), entry('app:d', 'd2')];
    const r2 = await createRegistry({ store: openSqliteStore(path), base: base2 });
    const s = r2.current();
    expect(s.version).toBe(1);
    expect(s.get('app:a')?.data).toBe('a-stored');
    expect(s.has('app:b')).toBe(false);
    expect(s.get('app:c')?.data).toBe('c2');
    expect(s.get('app:d')?.data).toBe('d2');
    expect(r2.snapshotAt(0).get('app:b')?.data).toBe('b2');
    await r2.close();
  });

  it('refuses a base with duplicate or malformed ids, naming them', async () => {
    await expect(createRegistry({ store: new MemoryStore(), base: [entry('app:x'), entry('app:x')] })).rejects.toMatchObject({
      code: 'REGISTRY_INVALID_ENTRY',
      message: expect.stringContaining('app:x'),
    });
    await expect(createRegistry({ store: new MemoryStore(), base: [entry('bad id')] })).rejects.toMatchObject({ code: 'REGISTRY_INVALID_ID' });
  });
});

describe('persistence', () => {
  it('keeps versions, history and state across close and reopen', async () => {
    const path = freshDb();
    const r1 = await createRegistry({ store: openSqliteStore(path), base });
    await r1.apply(r1.current().changes().create(entry('app.generated:t', { v: 1 })), { actor, message: 'made a tool' });
    await r1.apply(r1.current().changes().update(entry('app.generated:t', { v: 2 })), { actor: { id: 'agent', meta: {} } });
    await r1.close();
    const r2 = await createRegistry({ store: openSqliteStore(path), base });
    expect(r2.current().version).toBe(2);
    expect(r2.current().get('app.generated:t')?.data).toEqual({ v: 2 });
    expect(r2.versions().map((v) => [v.version, v.actor, v.message])).toEqual([
      [0, 'app-definition', undefined],
      [1, 'tester', 'made a tool'],
      [2, 'agent', undefined],
    ]);
    expect(r2.history('app.generated:t').map((h) => [h.version, h.change, h.actor])).toEqual([
      [1, 'create', 'tester'],
      [2, 'update', 'agent'],
    ]);
    await r2.close();
    await expect(r2.refresh()).rejects.toMatchObject({ code: 'STORE_FAILED' });
  });
});

describe('history and rollback', () => {
  it('shows base entries as version 0 by the base actor', async () => {
    const reg = await createRegistry({ store: new MemoryStore(), base, baseActor: 'yaml' });
    await reg.apply(reg.current().changes().update(entry('app:config', { level: 2 })), { actor });
    await reg.apply(reg.current().changes().delete('app:config'), { actor });
    expect(reg.history('app:config').map((h) => [h.version, h.actor, h.change, h.entry?.data])).toEqual([
      [0, 'yaml', 'create', { level: 1 }],
      [1, 'tester', 'update', { level: 2 }],
      [2, 'tester', 'delete', undefined],
    ]);
    expect(reg.history('app:unknown')).toEqual([]);
  });

  it('lastChanged(id) is the version history(id) ends with: 0 for a base entry or an unknown id, then each write', async () => {
    const reg = await memoryRegistry();
    expect([reg.lastChanged('app:config'), reg.lastChanged('app:unknown')]).toEqual([0, 0]);
    await reg.apply(reg.current().changes().create(entry('x:a', 1)), { actor }); // v1
    await reg.apply(reg.current().changes().update(entry('app:config', { level: 2 })), { actor }); // v2
    await reg.apply(reg.current().changes().delete('x:a'), { actor }); // v3
    for (const id of ['app:config', 'x:a', 'app.tools:search', 'app:unknown']) {
      expect(reg.lastChanged(id)).toBe(reg.history(id).at(-1)?.version ?? 0);
    }
    expect([reg.lastChanged('x:a'), reg.lastChanged('app:config')]).toEqual([3, 2]);
  });

  it('rolls one entry back as a new version: restoring, recreating or deleting it', async () => {
    const reg = await memoryRegistry();
    await reg.apply(reg.current().changes().update(entry('app:config', { level: 2 })).create(entry('x:new', 1)), { actor }); // v1
    await reg.apply(reg.current().changes().update(entry('app:config', { level: 3 })), { actor }); // v2
    const r = await reg.rollbackEntry('app:config', 1, { actor });
    expect(r.version).toBe(3);
    expect(reg.current().get('app:config')?.data).toEqual({ level: 2 });
    expect(reg.current().get('x:new')?.data).toBe(1);
    await reg.rollbackEntry('x:new', 0, { actor }); // did not exist at 0: deleted
    expect(reg.current().has('x:new')).toBe(false);
    await reg.rollbackEntry('x:new', 1, { actor }); // recreated
    expect(reg.current().get('x:new')?.data).toBe(1);
    expect(reg.current().version).toBe(5);
    await expect(reg.rollbackEntry('x:new', 1, { actor })).rejects.toMatchObject({ code: 'REGISTRY_EMPTY_CHANGESET' });
    await expect(reg.rollbackEntry('x:new', 42, { actor })).rejects.toMatchObject({ code: 'REGISTRY_VERSION_NOT_FOUND' });
    expect(reg.versions().at(-1)?.message).toBe('rollback of x:new to version 1');
  });

  it('rolls the whole registry back to a version as one new version', async () => {
    const reg = await memoryRegistry();
    await reg.apply(reg.current().changes().create(entry('x:one', 1)), { actor }); // v1
    const atV1 = reg.current().entries();
    await reg.apply(reg.current().changes().update(entry('x:one', 2)).create(entry('x:two', 2)).delete('app:config'), { actor }); // v2
    await reg.apply(reg.current().changes().update(entry('app.tools:search', 'changed')), { actor }); // v3
    const info = await reg.rollbackTo(1, { actor });
    expect(info.version).toBe(4);
    expect(info.changes).toBe(4);
    expect(reg.current().entries()).toEqual(atV1);
    await reg.rollbackTo(0, { actor });
    expect(reg.current().entries()).toEqual(reg.snapshotAt(0).entries());
    expect(reg.current().version).toBe(5);
    await expect(reg.rollbackTo(0, { actor })).rejects.toMatchObject({ code: 'REGISTRY_EMPTY_CHANGESET' });
  });

  it('refuses snapshots of unknown versions', async () => {
    const reg = await memoryRegistry();
    expect(() => reg.snapshotAt(1)).toThrow(expect.objectContaining({ code: 'REGISTRY_VERSION_NOT_FOUND' }));
    expect(() => reg.snapshotAt(-1)).toThrow(expect.objectContaining({ code: 'REGISTRY_VERSION_NOT_FOUND' }));
  });
});

describe('subscriptions', () => {
  it('notifies after each commit with the ops, survives a throwing listener and stops after unsubscribe', async () => {
    const reg = await memoryRegistry();
    const seen: RegistryEvent[] = [];
    reg.subscribe(() => {
      throw new Error('listener bug');
    });
    const off = reg.subscribe((e) => seen.push(e));
    const info = await reg.apply(reg.current().changes().create(entry('x:a')).delete('app:config'), { actor });
    expect(info.version).toBe(1);
    expect(seen).toEqual([
      {
        version: 1,
        actor: 'tester',
        changes: [
          { op: 'create', id: 'x:a', kind: 'registry.entry' },
          { op: 'delete', id: 'app:config', kind: 'registry.entry' },
        ],
      },
    ]);
    off();
    await reg.apply(reg.current().changes().delete('x:a'), { actor });
    expect(seen).toHaveLength(1);
  });

  it('notifies for versions other registries committed, picked up by refresh()', async () => {
    const store = new MemoryStore();
    const a = await createRegistry({ store, base, closeStore: false });
    const b = await createRegistry({ store, base, closeStore: false });
    const seen: number[] = [];
    b.subscribe((e) => seen.push(e.version));
    await a.apply(a.current().changes().create(entry('x:1')), { actor });
    await a.apply(a.current().changes().create(entry('x:2')), { actor });
    expect(seen).toEqual([]);
    const snap = await b.refresh();
    expect(snap.version).toBe(2);
    expect(seen).toEqual([1, 2]);
  });
});

describe('refresh', () => {
  it('skips reading the store while its change token has not moved, and reads what any handle committed', async () => {
    const path = freshDb();
    const storeA = openSqliteStore(path);
    const a = await createRegistry({ store: storeA, base });
    const b = await createRegistry({ store: openSqliteStore(path), base });
    let reads = 0;
    const readSince = storeA.readSince.bind(storeA);
    storeA.readSince = (v) => {
      reads++;
      return readSince(v);
    };
    const first = await a.refresh();
    expect(await a.refresh()).toBe(first);
    expect(reads).toBe(0);
    await b.apply(b.current().changes().create(entry('x:1')), { actor });
    expect((await a.refresh()).version).toBe(1);
    expect(reads).toBe(1);
    await a.refresh();
    expect(reads).toBe(1);
    // Its own commit is integrated at once; the next refresh checks the store once, then skips again.
    await a.apply(a.current().changes().create(entry('x:2')), { actor });
    expect((await a.refresh()).version).toBe(2);
    await a.refresh();
    expect(reads).toBe(2);
    expect((await b.refresh()).get('x:2')).toBeDefined();
    await a.close();
    await b.close();
  });
});

describe('snapshot entries', () => {
  it('stay sorted by id through random creates, updates and deletes (each version spliced from the last)', async () => {
    const reg = await memoryRegistry();
    const model = new Map<string, unknown>(base.map((e) => [e.id, e.data]));
    let seed = 7;
    const rand = (n: number): number => {
      seed = (seed * 1103515245 + 12345) % 2147483648;
      return seed % n;
    };
    for (let v = 0; v < 150; v++) {
      const snap = reg.current();
      let cs = snap.changes();
      for (const id of new Set(Array.from({ length: 1 + rand(3) }, () => `ns${rand(3)}:e${rand(40)}`))) {
        if (!snap.has(id)) cs = cs.create(entry(id, v));
        else if (rand(2)) cs = cs.update(entry(id, v));
        else {
          cs = cs.delete(id);
          model.delete(id);
          continue;
        }
        model.set(id, v);
      }
      await reg.apply(cs, { actor });
      const list = reg.current().entries();
      expect(list.map((e) => [e.id, e.data])).toEqual([...model].sort(([a], [b]) => (a < b ? -1 : 1)));
    }
  });
});
