// Registry benchmarks: one persisted changeset apply (SQLite, update of one entry) p50/p99, and a
// snapshot find by meta over ~500 entries p50. Reported only; no target is set for these figures.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Entry } from '../schemas/entry.js';
import { createRegistry } from '../src/registry/registry.js';
import { openSqliteStore } from '../src/store/sqlite-store.js';
import { percentile, sampleMicros, type BenchRow } from './types.js';

const APPLIES = 2000;
const ENTRIES = 500;
const FINDS = 2000;

const tool = (i: number, rev = 0): Entry => ({
  id: `bench.tools:tool_${i}`,
  kind: 'bench.tool',
  meta: { type: i % 5 === 0 ? 'tool' : 'helper', title: `Tool number ${i}`, tags: ['bench', `group${i % 10}`] },
  data: { rev, source: 'return { handler = function(input) return input end }' },
});

export async function run(): Promise<BenchRow[]> {
  const dir = mkdtempSync(join(tmpdir(), 'micro-agi-bench-registry-'));
  try {
    const base = Array.from({ length: ENTRIES }, (_, i) => tool(i));
    const registry = await createRegistry({ store: openSqliteStore(join(dir, 'registry.db')), base });
    const actor = { id: 'bench', meta: {} };
    let rev = 0;
    const applies = await sampleMicros(APPLIES, () => registry.apply(registry.current().changes().update(tool(7, ++rev)), { actor }));

    const snap = registry.current();
    let found = 0;
    const finds = await sampleMicros(FINDS, () => {
      found = snap.find({ meta: { type: 'tool', tags: { contains: 'group5' } } }).length;
    });
    // Reference: a hand-written Array.filter over the same entries, the floor for a linear scan here.
    const all = snap.entries();
    const plain = await sampleMicros(FINDS, () => {
      found = all.filter((e) => e.meta.type === 'tool' && (e.meta.tags as string[]).includes('group5')).length;
    });
    await registry.close();
    if (found !== ENTRIES / 10) throw new Error(`bench find returned ${found} entries, expected ${ENTRIES / 10}`);

    const note = `SQLite WAL synchronous=NORMAL in ${tmpdir()}, ${ENTRIES} base entries`;
    return [
      { area: 'registry', name: 'changeset apply (persisted, 1 update) p50', value: round(percentile(applies, 50)), unit: 'µs', note },
      { area: 'registry', name: 'changeset apply (persisted, 1 update) p99', value: round(percentile(applies, 99)), unit: 'µs', note },
      {
        area: 'registry',
        name: `snapshot find by meta over ${ENTRIES} entries p50`,
        value: round(percentile(finds, 50)),
        unit: 'µs',
        reference: { name: 'hand-written Array.filter p50', value: round(percentile(plain, 50)), unit: 'µs' },
        note: `${found} matches; p99 ${round(percentile(finds, 99))} µs`,
      },
    ];
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function round(v: number): number {
  return Math.round(v * 10) / 10;
}
