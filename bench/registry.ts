// Registry benchmarks: one persisted changeset apply (SQLite, update of one entry) p50/p99, a snapshot find
// by meta over ~500 entries p50, and what a write costs as the tool library grows. Reported only, no targets.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Entry } from '../schemas/entry.js';
import { generatedToolIndex } from '../src/agent/tool-index.js';
import { createRegistry } from '../src/registry/registry.js';
import { MemoryStore } from '../src/store/memory-store.js';
import { openSqliteStore } from '../src/store/sqlite-store.js';
import { percentile, sampleMicros, type BenchRow } from './types.js';

const APPLIES = 2000;
const ENTRIES = 500;
const FINDS = 2000;
/** The growing library: generated tools at the start, and tools created (one version each) while measuring. */
const LIBRARY = 2_000;
const LIBRARY_WRITES = 1_000;

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
    const all = [...snap.entries()]; // a plain array: V8 filters a frozen one several times slower
    const plain = await sampleMicros(FINDS, () => {
      found = all.filter((e) => e.meta.type === 'tool' && (e.meta.tags as string[]).includes('group5')).length;
    });
    await registry.close();
    if (found !== ENTRIES / 10) throw new Error(`bench find returned ${found} entries, expected ${ENTRIES / 10}`);

    const note = `SQLite WAL synchronous=NORMAL in ${tmpdir()}, ${ENTRIES} base entries`;
    return [
      { area: 'registry', name: 'changeset apply (persisted, 1 update) p50', value: round(percentile(applies, 50)), unit: 'µs', note },
      { area: 'registry', name: 'changeset apply (persisted, 1 update) p99', value: round(percentile(applies, 99)), unit: 'µs', note },
      ...(await growingLibrary()),
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

/**
 * A library of LIBRARY generated tools growing by LIBRARY_WRITES creates (in memory, so the store is not what
 * is timed): each write's apply, then the generated-tool index the agent's next prompt reads from that version.
 */
async function growingLibrary(): Promise<BenchRow[]> {
  const generated = (name: string): Entry => ({
    id: `app.generated:${name}`,
    kind: 'function.lua',
    meta: { type: 'tool', llm_description: `Tool ${name}: what it does, in one line.` },
    data: { source: 'return { handler = function() return 1 end }' },
  });
  const registry = await createRegistry({ store: new MemoryStore(), base: Array.from({ length: LIBRARY }, (_, i) => generated(`g${i}`)) });
  const actor = { id: 'bench', meta: {} };
  const applies: number[] = [];
  const indexes: number[] = [];
  let index = '';
  for (let i = 0; i < LIBRARY_WRITES; i++) {
    applies.push(...(await sampleMicros(1, () => registry.apply(registry.current().changes().create(generated(`n${i}`)), { actor }))));
    indexes.push(...(await sampleMicros(1, () => (index = generatedToolIndex(registry)))));
  }
  await registry.close();
  if (!index.includes(`app.generated:n${LIBRARY_WRITES - 1}`)) throw new Error('the generated-tool index does not list the newest tool');
  const note = `${LIBRARY} generated tools growing to ${LIBRARY + LIBRARY_WRITES}, one create per version (memory store)`;
  return [
    { area: 'registry', name: 'changeset apply as the library grows, p50', value: round(percentile(applies, 50)), unit: 'µs', note: `${note}; p99 ${round(percentile(applies, 99))} µs` },
    {
      area: 'registry',
      name: 'generated-tool index after each write, p50',
      value: round(percentile(indexes, 50)),
      unit: 'µs',
      note: `${note}; the system prompt's index of the 30 newest; p99 ${round(percentile(indexes, 99))} µs`,
    },
  ];
}

function round(v: number): number {
  return Math.round(v * 10) / 10;
}
