// The stress report as text (for stdout) and the exit status it implies: 0 when every hostile call was
// contained as declared and every benign call returned its expected value, 1 otherwise.
import type { LatencySummary, StressReport } from './stress-types.js';

export function exitCodeOf(report: StressReport): number {
  return report.passed ? 0 : 1;
}

function num(n: number): string {
  return Number.isFinite(n) ? String(n) : 'n/a';
}

function latency(l: LatencySummary): string {
  return `p50 ${num(l.p50)} ms  p95 ${num(l.p95)} ms  p99 ${num(l.p99)} ms  (${l.count} benign)`;
}

export function renderReport(r: StressReport): string {
  const lines: string[] = [];
  const add = (s = ''): void => void lines.push(s);
  add(`micro-agi stress: ${r.passed ? 'PASS' : 'FAIL'}  (seed ${r.seed}, pool ${r.poolSize} workers, concurrency ${r.concurrency}, hostile ratio ${r.hostileRatio}` +
    `${r.durationMs !== null ? `, duration cap ${r.durationMs / 1000} s/phase` : ''})`);
  add();
  add(`baseline  ${r.baseline.calls} calls in ${r.baseline.seconds} s = ${r.baseline.callsPerSecond} calls/s`);
  add(`          ${latency(r.baseline.benignLatencyMs)}`);
  add(`mix       ${r.mix.calls} calls (${r.mix.hostileCalls} hostile) in ${r.mix.seconds} s = ${r.mix.callsPerSecond} calls/s`);
  add(`          ${latency(r.mix.benignLatencyMs)}`);
  const q = r.benignLatencyRatio;
  add(`benign latency mix/baseline: p50 x${num(q.p50)}  p95 x${num(q.p95)}  p99 x${num(q.p99)}`);
  add();
  add('containment by hostile class:');
  for (const c of r.containment) {
    const ended = Object.entries(c.endedAs).map(([k, n]) => `${k} ${n}`).join(', ');
    const mark = c.contained === c.total ? 'ok' : 'FAIL';
    add(`  ${c.class.padEnd(15)} ${`${c.contained}/${c.total}`.padStart(7)} contained  ${mark.padEnd(4)} ${ended}`);
    for (const e of c.escaped) add(`    ESCAPED ${e.case}: ${e.detail}`);
    for (const u of c.unexpected) add(`    UNEXPECTED ${u.case}: ended as ${u.kind}: ${u.detail}`);
  }
  add();
  const f = r.benignFailures;
  const kinds = Object.entries(f.byKind).map(([k, n]) => `${k} ${n}`).join(', ');
  add(`benign failures: ${f.total}${kinds ? ` (${kinds})` : ''}`);
  for (const s of f.samples) add(`  ${s.phase} ${s.case}: ${s.kind}: ${s.message}`);
  add(`worker replacements: ${r.workerReplacements}`);
  add(`workers replaced to give memory back (WebAssembly heap past its limit): ${r.retiredForMemory}`);
  const l = r.longCalls;
  add(
    l.cpuShare
      ? `long calls: ${l.total}, ${l.demoted} of them ran at a lower CPU priority until they ended`
      : `long calls: ${l.total}; CPU share off (needs Linux and CAP_SYS_NICE or RLIMIT_NICE): runaway calls compete with benign ones for the cores`,
  );
  add(`supervisor RSS: ${r.rssMb.before} MB before, ${r.rssMb.after} MB after`);
  return lines.join('\n') + '\n';
}
