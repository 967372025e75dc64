// Crash safety of the SQLite store: writer processes killed with SIGKILL mid-loop leave only complete
// versions (all 3 entries of each), the head at the last complete one, and the store still writable.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { packageRoot } from '../../src/paths.js';
import { openSqliteStore } from '../../src/store/sqlite-store.js';
import { requireDist, spawnLineChild } from './line-child.js';

const dir = mkdtempSync(join(tmpdir(), 'micro-agi-crash-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/**
 * Every stored version holds all 3 entries of its round and the state at the last one is that round.
 * Safe while a writer is running: readSince reads in one transaction and stateAt is fixed to a version.
 */
async function expectOnlyCompleteVersions(db: string): Promise<number> {
  const store = openSqliteStore(db);
  const versions = await store.readSince(0);
  const head = versions.length;
  const problems: string[] = [];
  versions.forEach((v, i) => {
    if (v.version !== i + 1) problems.push(`version ${v.version} at position ${i + 1}`);
    const ids = v.changes.map((c) => c.id).join(',');
    if (ids !== 'crash:a,crash:b,crash:c') problems.push(`version ${v.version} holds [${ids}]`);
    for (const c of v.changes) {
      const round = (c.entry?.meta as { round?: number } | undefined)?.round;
      const dataRound = (c.entry?.data as { round?: number } | undefined)?.round;
      if (round !== v.version || dataRound !== v.version) problems.push(`version ${v.version}: ${c.id} is from round ${round}/${dataRound}`);
    }
  });
  expect(problems).toEqual([]);
  const state = await store.stateAt(head);
  expect([...state.values()].map((e) => e?.meta)).toEqual([{ round: head }, { round: head }, { round: head }]);
  await store.close();
  return head;
}

it('writers killed with SIGKILL mid-loop leave only complete versions and the store keeps working', async () => {
  requireDist('src/store/sqlite-store.js');
  const db = join(dir, 'registry.db');
  // Several kill rounds: each restarted writer continues from the head the previous one left.
  let head = 0;
  for (let round = 0; round < 3; round++) {
    const target = head + 10;
    const writer = spawnLineChild(join(packageRoot(), 'test/fixtures/store/crash-writer.mjs'), [db, String(target)]);
    let reported = 0;
    while (reported < target) {
      const line = await writer.nextLine();
      const m = /^committed (\d+)$/.exec(line);
      if (!m) throw new Error(`unexpected writer output: ${line}`);
      reported = Number(m[1]);
    }
    // Read concurrently with the writer (a reader sees only whole versions); this also makes the kill
    // below land at an arbitrary point of the writer's loop instead of right after its last line.
    expect(await expectOnlyCompleteVersions(db)).toBeGreaterThanOrEqual(target);
    writer.child.kill('SIGKILL');
    expect((await writer.exited).signal).toBe('SIGKILL');
    head = await expectOnlyCompleteVersions(db);
    expect(head).toBeGreaterThanOrEqual(reported);
  }

  const store = openSqliteStore(db);
  const next = await store.commit(
    head,
    [{ op: 'update', id: 'crash:a', kind: 'registry.entry', entry: { id: 'crash:a', kind: 'registry.entry', meta: { round: -1 }, data: null } }],
    { actor: 'after-crash', time: new Date().toISOString() },
  );
  expect(next.version).toBe(head + 1);
  await store.close();
  const reopened = openSqliteStore(db);
  expect(await reopened.head()).toBe(head + 1);
  expect((await reopened.stateAt(head + 1)).get('crash:a')?.meta).toEqual({ round: -1 });
  await reopened.close();
});
