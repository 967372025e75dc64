// Benchmark of the Wippy-format loader: median time to load and validate the built-in app definition.
// Five warm-up loads, then 20 timed loads (file reads, YAML parse, file:// refs, zod validation).
import { builtinAppDir } from '../src/paths.js';
import { loadDefinitions } from '../src/registry/loader.js';
import { percentile, sampleMicros, type BenchRow } from './types.js';

const SAMPLES = 20;
const WARMUP = 5;
const TARGET_MS = 50;

export async function run(): Promise<BenchRow[]> {
  const dir = builtinAppDir();
  const first = await loadDefinitions(dir, { logWarnings: false });
  for (let i = 0; i < WARMUP - 1; i++) await loadDefinitions(dir, { logWarnings: false });
  const micros = await sampleMicros(SAMPLES, () => loadDefinitions(dir, { logWarnings: false }));
  const median = percentile(micros, 50) / 1000;
  const p95 = percentile(micros, 95) / 1000;
  return [
    {
      area: 'registry',
      name: 'app definition load (built-in app, median of 20)',
      value: round(median),
      unit: 'ms',
      target: `<= ${TARGET_MS} ms`,
      met: median <= TARGET_MS,
      note: `${first.entries.length} entries; p95 ${round(p95)} ms`,
    },
  ];
}

function round(ms: number): number {
  return Math.round(ms * 100) / 100;
}
