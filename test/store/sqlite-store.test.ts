// SQLite-only store behaviour: the file survives close/reopen, two handles on one file see each other's
// commits and the conflict check holds across them, and unusable paths fail with STORE_FAILED.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, expect, it } from 'vitest';
import { openSqliteStore } from '../../src/store/sqlite-store.js';
import type { StoredChange } from '../../src/store/store.js';

const dir = mkdtempSync(join(tmpdir(), 'micro-agi-sqlite-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;
const freshDb = () => join(dir, `r${++n}.db`);
const meta = { actor: 't', time: '2025-01-01T00:00:00.000Z' };
const put = (op: 'create' | 'update', id: string, data: unknown): StoredChange => ({
  op,
  id,
  kind: 'registry.entry',
  entry: { id, kind: 'registry.entry', meta: {}, data },
});

it('keeps committed versions across close and reopen, in WAL mode', async () => {
  const path = freshDb();
  const a = openSqliteStore(path);
  await a.commit(0, [put('create', 'p:x', { deep: [1, 2] })], { ...meta, message: 'why' });
  await a.close();
  const b = openSqliteStore(path);
  expect(await b.head()).toBe(1);
  const [v] = await b.readSince(0);
  expect(v).toMatchObject({ version: 1, actor: 't', message: 'why' });
  expect(v!.changes[0]!.entry!.data).toEqual({ deep: [1, 2] });
  await b.close();
  const raw = new Database(path, { readonly: true });
  expect(raw.pragma('journal_mode', { simple: true })).toBe('wal');
  raw.close();
});

it('two handles on one file see each other and only one of two updates on the same base wins', async () => {
  const path = freshDb();
  const a = openSqliteStore(path);
  const b = openSqliteStore(path);
  await a.commit(0, [put('create', 'p:x', 0)], meta);
  expect(await b.head()).toBe(1);
  const results = await Promise.allSettled([a.commit(1, [put('update', 'p:x', 'a')], meta), b.commit(1, [put('update', 'p:x', 'b')], meta)]);
  expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
  const failed = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
  expect(failed).toHaveLength(1);
  expect(failed[0]!.reason).toMatchObject({ code: 'REGISTRY_CONFLICT', details: { id: 'p:x', baseVersion: 1, changedAt: 2 } });
  expect(await a.head()).toBe(2);
  await a.close();
  await b.close();
});

it("changeToken moves when another handle on the file commits, and with this handle's own commits", async () => {
  const path = freshDb();
  const a = openSqliteStore(path);
  const b = openSqliteStore(path);
  const seen = a.changeToken();
  expect(a.changeToken()).toBe(seen);
  await b.commit(0, [put('create', 'p:x', 0)], meta);
  const afterOther = a.changeToken();
  expect(afterOther).not.toBe(seen);
  expect(a.changeToken()).toBe(afterOther);
  await a.commit(1, [put('update', 'p:x', 1)], meta);
  expect(a.changeToken()).not.toBe(afterOther);
  await a.close();
  await b.close();
  expect(() => a.changeToken()).toThrow(expect.objectContaining({ code: 'STORE_FAILED' }));
});

it('fails with STORE_FAILED naming the path when the file cannot be a database', async () => {
  const notDb = join(dir, 'garbage.db');
  writeFileSync(notDb, 'this is not a database file at all, just text that is long enough to matter'.repeat(20));
  expect(() => openSqliteStore(notDb)).toThrow(expect.objectContaining({ code: 'STORE_FAILED', message: expect.stringContaining(notDb) }));
  const missingDir = join(dir, 'no', 'such', 'dir', 'r.db');
  expect(() => openSqliteStore(missingDir)).toThrow(expect.objectContaining({ code: 'STORE_FAILED' }));
});

it('refuses a database written by a newer schema', async () => {
  const path = freshDb();
  const raw = new Database(path);
  raw.pragma('user_version = 99');
  raw.close();
  expect(() => openSqliteStore(path)).toThrow(expect.objectContaining({ code: 'STORE_FAILED', message: expect.stringContaining('schema version 99') }));
});
