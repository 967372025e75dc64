// Bench section: benign tool latency under a 10% hostile mix vs a benign-only baseline, measured by the
// same runner as `micro-agi stress` (real pool, both engines), plus whether every hostile call was contained.
import { runStress } from '../src/stress/runner.js';
import type { BenchRow } from './types.js';

const CALLS = 400;

export async function run(): Promise<BenchRow[]> {
  const report = await runStress({ calls: CALLS, hostileRatio: 0.1, seed: 7 });
  const base = report.baseline.benignLatencyMs;
  const mix = report.mix.benignLatencyMs;
  const ratio = report.benignLatencyRatio.p99;
  const contained = report.passed;
  return [
    {
      area: 'stress',
      name: `benign p50 under a 10% hostile mix (${CALLS} calls per phase, both engines)`,
      value: mix.p50,
      unit: 'ms',
      reference: { name: 'benign-only baseline p50', value: base.p50, unit: 'ms' },
    },
    {
      area: 'stress',
      name: `benign p99 under a 10% hostile mix (${CALLS} calls per phase, both engines)`,
      value: mix.p99,
      unit: 'ms',
      reference: { name: 'benign-only baseline p99', value: base.p99, unit: 'ms' },
      target: '<= 2x baseline',
      met: Number.isFinite(ratio) && ratio <= 2,
    },
    {
      area: 'stress',
      name: 'hostile calls contained, benign calls correct (same run)',
      value: contained ? 1 : 0,
      unit: contained ? 'yes' : 'NO',
      target: 'all',
      met: contained,
      ...(contained ? {} : { note: `escaped ${report.escapedCount}; see micro-agi stress --seed 7 --calls ${CALLS}` }),
    },
  ];
}
