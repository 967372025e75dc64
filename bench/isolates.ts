// Isolate pool bench: the floor (an empty piscina task through the same pool and workers), a trivial Lua and JS
// tool call through the pool (p50/p99, throughput on 2 workers, ratio to the floor), and a host-call round trip.
import { existsSync } from 'node:fs';
import { createIsolatePool, type IsolatePool } from '../src/isolates/pool.js';
import { DEFAULT_LIMITS, type ToolKind, type ToolSpec } from '../src/isolates/types.js';
import { distPath } from '../src/paths.js';
import { percentile, sampleMicros, type BenchRow } from './types.js';

const WORKERS = 2;
/** Calls of each subject before anything is measured: workers booted, engines loaded, code cached, JIT warm. */
const WARMUP_CALLS = 2_000;
const LATENCY_SAMPLES = 3_000;
/** Latency is sampled in blocks of this many calls, the subjects taking turns, so each ratio compares like with like. */
const LATENCY_BLOCK = 100;
const LATENCY_MAX_MS = 15_000;
/** Throughput: this many rounds per subject, the subjects taking turns; the median round is reported. */
const THROUGHPUT_ROUNDS = 3;
const THROUGHPUT_CALLS = 10_000;
/** A throughput round also stops after this long (slow engines), counting the calls completed. */
const THROUGHPUT_MAX_MS = 3_000;
const IN_FLIGHT = 64;
const actor = { id: 'bench', meta: {} };

/** One thing measured: the floor (an empty task) or a tool call. */
interface Subject {
  readonly label: string;
  readonly fn: () => Promise<unknown>;
  /** A tool call's engine time inside the worker (CallStats.ms), appended by fn. */
  readonly engineMs?: number[];
}

interface Measured {
  readonly p50: number;
  readonly p99: number;
  /** The median round's rate, and every round's (in order). */
  readonly perSecond: number;
  readonly rounds: readonly number[];
  /** Calls the pool queued behind a running call (prefetch), over every round. */
  readonly prefetched: number;
  readonly calls: number;
  /** p50 of the engine's own time per call in the latency samples (µs), for tool calls. */
  readonly engineP50?: number;
}

async function throughputRound(fn: () => Promise<unknown>): Promise<{ perSecond: number; done: number }> {
  let started = 0;
  let done = 0;
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
  return { perSecond: done / (Number(process.hrtime.bigint() - t0) / 1e9), done };
}

/**
 * Every subject measured under the same conditions: warm-up, then sequential latency in alternating blocks,
 * then throughput rounds (IN_FLIGHT calls outstanding) in alternation. This VM's wake-up latency drifts
 * by 2x over seconds, so a floor measured once, before the calls, made the ratio a coin toss.
 */
async function measureAll(subjects: readonly Subject[], pool: IsolatePool): Promise<Map<string, Measured>> {
  for (const s of subjects) for (let i = 0; i < WARMUP_CALLS; i++) await s.fn();
  for (const s of subjects) s.engineMs?.splice(0);
  const samples = new Map<string, number[]>(subjects.map((s) => [s.label, []]));
  const latencyEnd = Date.now() + LATENCY_MAX_MS;
  while ([...samples.values()].some((xs) => xs.length < LATENCY_SAMPLES) && Date.now() < latencyEnd) {
    for (const s of subjects) samples.get(s.label)!.push(...(await sampleMicros(LATENCY_BLOCK, s.fn)));
  }
  const engineP50 = new Map(subjects.flatMap((s) => (s.engineMs?.length ? [[s.label, percentile(s.engineMs, 50) * 1000] as const] : [])));
  const rounds = new Map<string, number[]>(subjects.map((s) => [s.label, []]));
  const prefetched = new Map<string, number>();
  const calls = new Map<string, number>();
  for (let r = 0; r < THROUGHPUT_ROUNDS; r++) {
    for (const s of subjects) {
      const before = pool.stats().prefetched;
      const round = await throughputRound(s.fn);
      rounds.get(s.label)!.push(round.perSecond);
      prefetched.set(s.label, (prefetched.get(s.label) ?? 0) + pool.stats().prefetched - before);
      calls.set(s.label, (calls.get(s.label) ?? 0) + round.done);
    }
  }
  const out = new Map<string, Measured>();
  for (const s of subjects) {
    const xs = samples.get(s.label)!;
    const rs = rounds.get(s.label)!;
    out.set(s.label, {
      p50: percentile(xs, 50),
      p99: percentile(xs, 99),
      perSecond: percentile(rs, 50),
      rounds: rs,
      prefetched: prefetched.get(s.label)!,
      calls: calls.get(s.label)!,
      ...(engineP50.has(s.label) ? { engineP50: engineP50.get(s.label)! } : {}),
    });
  }
  return out;
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

async function toolCall(pool: IsolatePool, spec: ToolSpec, engineMs?: number[]): Promise<void> {
  const r = await pool.call(spec, { n: 1 }, { actor });
  if (r.status !== 'ok') throw new Error(`bench tool failed: ${r.error.kind}: ${r.error.message}`);
  engineMs?.push(r.stats.ms);
}

function roundsText(m: Measured): string {
  return m.rounds.map((r) => Math.round(r).toLocaleString('en-US')).join(', ');
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
      note:
        `${ratio.toFixed(2)}x floor (sampled in alternating blocks of ${LATENCY_BLOCK}); p99 ${m.p99.toFixed(0)} µs (floor p99 ${floor.p99.toFixed(0)} µs)` +
        (m.engineP50 !== undefined
          ? `; the engine's own time in the worker p50 ${m.engineP50.toFixed(0)} µs (a worker that slept between calls runs it ` +
            '2-3x slower than back to back: measured in one thread, a 100 µs Atomics.wait before each call)'
          : ''),
    },
    {
      area: 'isolates',
      name: `${label} calls/s (2 workers, ${IN_FLIGHT} in flight)`,
      value: m.perSecond,
      unit: 'calls/s',
      reference: { name: 'empty tasks/s', value: floor.perSecond, unit: 'calls/s' },
      target: '>= 10000 calls/s',
      met: m.perSecond >= 10_000,
      note: `median of ${m.rounds.length} rounds (${roundsText(m)}); ${m.prefetched} of ${m.calls} calls queued behind a running call (prefetch)`,
    },
  ];
}

export async function run(): Promise<BenchRow[]> {
  const pool = createIsolatePool({ size: WORKERS, services: { env: { BENCH: 'x' } } });
  try {
    const engines = [
      ['Lua', 'function.lua', 'src/isolates/lua/lua-engine.js'],
      ['JS', 'function.js', 'src/isolates/js/js-engine.js'],
    ] as const;
    const subjects: Subject[] = [{ label: 'floor', fn: () => pool.ping() }];
    const missing: BenchRow[] = [];
    for (const [label, kind, file] of engines) {
      if (!existsSync(distPath(file))) {
        missing.push({ area: 'isolates', name: `${label} call`, value: NaN, unit: 'µs', note: `${file} not built` });
        continue;
      }
      const spec = trivial(kind);
      const engineMs: number[] = [];
      subjects.push({ label, fn: () => toolCall(pool, spec, engineMs), engineMs });
    }
    const measured = await measureAll(subjects, pool);
    const floor = measured.get('floor')!;
    const out: BenchRow[] = [
      { area: 'isolates', name: 'empty piscina task p50 (floor)', value: floor.p50, unit: 'µs', note: `p99 ${floor.p99.toFixed(0)} µs` },
      {
        area: 'isolates',
        name: `empty piscina tasks/s (floor, ${IN_FLIGHT} in flight)`,
        value: floor.perSecond,
        unit: 'calls/s',
        note: `median of ${floor.rounds.length} rounds (${roundsText(floor)})`,
      },
      ...missing,
    ];
    for (const s of subjects.slice(1)) {
      out.push(...rows(s.label, measured.get(s.label)!, floor));
      if (s.label === 'Lua') {
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
