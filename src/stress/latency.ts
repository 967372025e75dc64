// Latency figures of the stress report: nearest-rank percentiles (as in bench/types.ts) over wall-clock
// samples, and the mix/baseline ratio of each percentile.
import type { LatencySummary } from './stress-types.js';

/** Nearest-rank percentile; NaN for no samples. */
export function percentile(samples: readonly number[], p: number): number {
  if (samples.length === 0) return NaN;
  const sorted = [...samples].sort((a, b) => a - b);
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank]!;
}

function round(n: number, digits = 2): number {
  const f = 10 ** digits;
  return Math.round(n * f) / f;
}

export function summarise(samples: readonly number[]): LatencySummary {
  return {
    count: samples.length,
    p50: round(percentile(samples, 50)),
    p95: round(percentile(samples, 95)),
    p99: round(percentile(samples, 99)),
  };
}

/** mix / baseline per percentile; NaN (null in JSON) when either side has no samples. */
export function latencyRatio(mix: LatencySummary, baseline: LatencySummary): { p50: number; p95: number; p99: number } {
  const r = (a: number, b: number): number => (Number.isFinite(a) && Number.isFinite(b) && b > 0 ? round(a / b) : NaN);
  return { p50: r(mix.p50, baseline.p50), p95: r(mix.p95, baseline.p95), p99: r(mix.p99, baseline.p99) };
}

export { round };
