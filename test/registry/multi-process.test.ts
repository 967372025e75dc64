// Registries sharing one SQLite file (in-process and a real child): refresh() shows the other's writes, a
// writer that is behind still commits and catches up, and a race on one entry has one winner, one conflict.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import type { Entry } from '../../schemas/entry.js';
import { packageRoot } from '../../src/paths.js';
import { createRegistry } from '../../src/registry/registry.js';
import { openSqliteStore } from '../../src/store/sqlite-store.js';
import { requireDist, spawnLineChild } from '../store/line-child.js';

const dir = mkdtempSync(join(tmpdir(), 'micro-agi-multi-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;
const freshDb = () => join(dir, `r${++n}.db`);
const actor = { id: 'parent', meta: {} };
const entry = (id: string, data: unknown): Entry => ({ id, kind: 'registry.entry', meta: { type: 'note' }, data });

it('a registry that is behind commits unrelated entries and catches up with the versions it missed', async () => {
  const path = freshDb();
  const a = await createRegistry({ store: openSqliteStore(path), base: [] });
  const b = await createRegistry({ store: openSqliteStore(path), base: [] });
  await a.apply(a.current().changes().create(entry('x:a1', 1)), { actor });
  await a.apply(a.current().changes().create(entry('x:a2', 2)), { actor });
  expect(b.current().version).toBe(0);
  const events: number[] = [];
  b.subscribe((e) => events.push(e.version));
  const info = await b.apply(b.current().changes().create(entry('x:b', 3)), { actor: { id: 'b', meta: {} } });
  expect(info).toMatchObject({ version: 3, actor: 'b' });
  expect(b.current().version).toBe(3);
  expect(b.current().entries().map((e) => e.id)).toEqual(['x:a1', 'x:a2', 'x:b']);
  expect(events).toEqual([1, 2, 3]);
  // a changes x:a1 behind b's back: b's update from its stale snapshot conflicts in the store.
  await a.apply(a.current().changes().update(entry('x:a1', 10)), { actor });
  await expect(b.apply(b.current().changes().update(entry('x:a1', 11)), { actor })).rejects.toMatchObject({
    code: 'REGISTRY_CONFLICT',
    details: { id: 'x:a1', baseVersion: 3, changedAt: 4 },
  });
  // The conflict already pulled the winner's version: a retry from current() succeeds without refresh().
  expect(b.current().get('x:a1')?.data).toBe(10);
  expect((await b.apply(b.current().changes().update(entry('x:a1', 11)), { actor })).version).toBe(5);
  await a.close();
  await b.close();
});

it('a child process and this one see each other after refresh, and a race on one entry has one winner', async () => {
  requireDist('src/registry/registry.js');
  const path = freshDb();
  const reg = await createRegistry({ store: openSqliteStore(path), base: [] });
  const peer = spawnLineChild(join(packageRoot(), 'test/fixtures/store/registry-peer.mjs'), [path]);
  try {
    expect(await peer.request({ cmd: 'create', id: 'peer:made', data: 'by child' })).toMatchObject({ ok: true, version: 1 });
    expect(reg.current().has('peer:made')).toBe(false);
    expect((await reg.refresh()).get('peer:made')?.data).toBe('by child');

    await reg.apply(reg.current().changes().create(entry('parent:made', 'by parent')), { actor });
    expect(await peer.request({ cmd: 'refresh' })).toMatchObject({ ok: true, version: 2, data: { 'parent:made': 'by parent', 'peer:made': 'by child' } });

    // Both sides hold version 2 and update the same entry at once.
    expect(await peer.request({ cmd: 'hold' })).toMatchObject({ version: 2 });
    const mine = reg.current().changes().update(entry('peer:made', 'parent wins'));
    const theirs = peer.request<{ ok: boolean; code?: string; version?: number }>({ cmd: 'update-held', id: 'peer:made', data: 'child wins' });
    const [parentResult, childResult] = await Promise.all([
      reg.apply(mine, { actor }).then(
        (v) => ({ ok: true as const, version: v.version }),
        (e: unknown) => ({ ok: false as const, code: (e as { code?: string }).code }),
      ),
      theirs,
    ]);
    const results: { ok: boolean; code?: string }[] = [parentResult, childResult];
    expect(results.filter((r) => r.ok)).toHaveLength(1);
    expect(results.filter((r) => !r.ok).map((r) => r.code)).toEqual(['REGISTRY_CONFLICT']);
    const winner = parentResult.ok ? 'parent wins' : 'child wins';
    expect((await reg.refresh()).get('peer:made')?.data).toBe(winner);
    expect(reg.current().version).toBe(3);
    expect(await peer.request({ cmd: 'refresh' })).toMatchObject({ version: 3, data: { 'peer:made': winner } });
    expect(await peer.request({ cmd: 'quit' })).toMatchObject({ ok: true });
    expect((await peer.exited).code).toBe(0);
  } finally {
    peer.child.kill();
    await reg.close();
  }
});
