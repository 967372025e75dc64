// Isolate pool bench: the floor (an empty piscina task through the same pool and workers), a trivial Lua and JS
// tool call through the pool (p50/p99, throughput on 2 workers, ratio to the floor), and a host-call round trip.
import { existsSync } from 'node:fs';
import { createIsolatePool, type IsolatePool } from '../src/isolates/pool.js';
import { DEFAULT_LIMITS, type ToolKind, type ToolSpec } from '../src/isolates/types.js';
import { distPath } from '../src/paths.js';
import { percentile, sampleMicros, type BenchRow } from './types.js';

const WORKERS = 2;
const LATENCY_SAMPLES = 3_000;
const THROUGHPUT_CALLS = 30_000;
/** The throughput phase also stops after this long (slow engines), counting the calls completed. */
const THROUGHPUT_MAX_MS = 5_000;
const LATENCY_MAX_MS = 5_000;
const IN_FLIGHT = 64;
const actor = { id: 'bench', meta: {} };

interface Measured {
  readonly p50: number;
  readonly p99: number;
  readonly perSecond: number;
  /** Calls of the throughput phase the pool queued behind a running call (prefetch), if it says. */
  readonly prefetched?: number;
  readonly calls?: number;
}

/** Sequential latency, then throughput with IN_FLIGHT calls outstanding (prefetch counted from `pool`). */
async function measure(fn: () => Promise<unknown>, pool?: IsolatePool): Promise<Measured> {
  for (let i = 0; i < 200; i++) await fn(); // warm-up: workers booted, engines loaded, code cached
  const samples: number[] = [];
  const latencyEnd = Date.now() + LATENCY_MAX_MS;
  while (samples.length < LATENCY_SAMPLES && Date.now() < latencyEnd) samples.push(...(await sampleMicros(100, fn)));
  let started = 0;
  let done = 0;
  const prefetched0 = pool?.stats().prefetched ?? 0;
  const t0 = process.hrtime.bigint();
  const end = Date.now() + THROUGHPUT_MAX_MS;
  const lane = async (): Promise<void> => {
    while (started < THROUGHPUT_CALLS && Date.now() < end) {
      started++;
      await fn();
      done++;
    }
  };
  await Promise.all(Array.from({ length: IN_FLIGHT }, lane));
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  const prefetched = pool ? { prefetched: pool.stats().prefetched - prefetched0, calls: done } : {};
  return { p50: percentile(samples, 50), p99: percentile(samples, 99), perSecond: done / seconds, ...prefetched };
}

function trivial(kind: ToolKind): ToolSpec {
  const source =
    kind === 'function.lua'
      ? 'return { handler = function(input) return { ok = true, n = input.n } end }'
      : 'export function handler(input) { return { ok: true, n: input.n }; }';
  return { id: 'app.tools:bench', version: 1, kind, source, method: 'handler', modules: [], trusted: false, limits: DEFAULT_LIMITS };
}

const HOST_CALLS = 2_000;

/** A trusted Lua tool making `input.n` synchronous host calls (env.get runs on the supervisor). */
const hostCaller: ToolSpec = {
  id: 'app.tools:bench_host',
  version: 1,
  kind: 'function.lua',
  source: 'local env = require("env")\nreturn { handler = function(input) for i = 1, input.n do env.get("BENCH") end return input.n end }',
  method: 'handler',
  modules: ['env'],
  trusted: true,
  limits: { ...DEFAULT_LIMITS, timeoutMs: 60_000 },
};

/** µs per host call: the best of a few runs of HOST_CALLS calls inside one tool call. */
async function hostRoundTrip(pool: IsolatePool): Promise<number> {
  await pool.call(hostCaller, { n: 200 }, { actor }); // warm-up
  let best = Infinity;
  for (let run = 0; run < 5; run++) {
    const t0 = process.hrtime.bigint();
    const r = await pool.call(hostCaller, { n: HOST_CALLS }, { actor });
    if (r.status !== 'ok') throw new Error(`host-call bench tool failed: ${r.error.kind}: ${r.error.message}`);
    best = Math.min(best, Number(process.hrtime.bigint() - t0) / 1000 / HOST_CALLS);
  }
  return best;
}

async function toolCall(pool: IsolatePool, spec: ToolSpec): Promise<void> {
  const r = await pool.call(spec, { n: 1 }, { actor });
  if (r.status !== 'ok') throw new Error(`bench tool failed: ${r.error.kind}: ${r.error.message}`);
}

function rows(label: string, m: Measured, floor: Measured): BenchRow[] {
  const ratio = m.p50 / floor.p50;
  return [
    {
      area: 'isolates',
      name: `${label} call p50 (2 workers)`,
      value: m.p50,
      unit: 'µs',
      reference: { name: 'empty task p50', value: floor.p50, unit: 'µs' },
      target: '<= 2x floor',
      met: ratio <= 2,
      note: `${ratio.toFixed(2)}x floor; p99 ${m.p99.toFixed(0)} µs (floor p99 ${floor.p99.toFixed(0)} µs)`,
    },
    {
      area: 'isolates',
      name: `${label} calls/s (2 workers, ${IN_FLIGHT} in flight)`,
      value: m.perSecond,
      unit: 'calls/s',
      reference: { name: 'empty tasks/s', value: floor.perSecond, unit: 'calls/s' },
      target: '>= 10000 calls/s',
      met: m.perSecond >= 10_000,
      ...(m.prefetched !== undefined ? { note: `${m.prefetched} of ${m.calls} calls queued behind a running call (prefetch)` } : {}),
    },
  ];
}

export async function run(): Promise<BenchRow[]> {
  const pool = createIsolatePool({ size: WORKERS, services: { env: { BENCH: 'x' } } });
  try {
    const floor = await measure(() => pool.ping());
    const out: BenchRow[] = [
      { area: 'isolates', name: 'empty piscina task p50 (floor)', value: floor.p50, unit: 'µs', note: `p99 ${floor.p99.toFixed(0)} µs` },
      { area: 'isolates', name: `empty piscina tasks/s (floor, ${IN_FLIGHT} in flight)`, value: floor.perSecond, unit: 'calls/s' },
    ];
    for (const [label, kind, file] of [
      ['Lua', 'function.lua', 'src/isolates/lua/lua-engine.js'],
      ['JS', 'function.js', 'src/isolates/js/js-engine.js'],
    ] as const) {
      if (!existsSync(distPath(file))) {
        out.push({ area: 'isolates', name: `${label} call`, value: NaN, unit: 'µs', note: `${file} not built` });
        continue;
      }
      const spec = trivial(kind);
      out.push(...rows(label, await measure(() => toolCall(pool, spec), pool), floor));
      if (kind === 'function.lua') {
        out.push({
          area: 'isolates',
          name: 'host call round trip (Lua env.get, supervisor side)',
          value: await hostRoundTrip(pool),
          unit: 'µs',
          reference: { name: 'empty task p50', value: floor.p50, unit: 'µs' },
          note: `best of 5 tools making ${HOST_CALLS} calls each`,
        });
      }
    }
    const stats = pool.stats();
    if (stats.workerReplacements > 0) throw new Error(`workers were replaced during the bench (${stats.workerReplacements})`);
    return out;
  } finally {
    await pool.close();
  }
}
