// The stress runner against the real isolate pool: a small mixed run is fully contained, a broken memory
// cap shows up as ESCAPED, a wrong benign value fails the run, and the memory bombs meet their cap.
import { describe, expect, it } from 'vitest';
import { BENIGN_CASES } from '../../src/stress/benign-catalogue.js';
import { exitCodeOf, renderReport } from '../../src/stress/report.js';
import { runStress } from '../../src/stress/runner.js';
import { HOSTILE_CLASSES } from '../../src/stress/stress-types.js';
import { hostileCases } from '../../src/stress/hostile-catalogue.js';

const GB = 1024 * 1024 * 1024;

describe('stress runner', () => {
  it('contains every hostile class in a small mixed run, with no benign failure and exit 0', async () => {
    const report = await runStress({ calls: 60, hostileRatio: 0.3, seed: 11, poolSize: 2 });
    expect(report.baseline.calls).toBe(60);
    expect(report.baseline.hostileCalls).toBe(0);
    expect(report.mix).toMatchObject({ calls: 60, hostileCalls: 18, benignCalls: 42 });
    expect(report.containment.map((c) => c.class)).toEqual([...HOSTILE_CLASSES]);
    for (const c of report.containment) {
      expect(c.total, c.class).toBeGreaterThan(0);
      expect({ class: c.class, contained: c.contained, escaped: c.escaped, unexpected: c.unexpected }).toEqual({
        class: c.class,
        contained: c.total,
        escaped: [],
        unexpected: [],
      });
    }
    expect(report.benignFailures).toEqual({ total: 0, byKind: {}, samples: [] });
    expect(Number.isFinite(report.benignLatencyRatio.p50)).toBe(true);
    expect(report.baseline.benignLatencyMs.count).toBe(60);
    expect(report.rssMb.after).toBeGreaterThan(0);
    // The loops ran past the long-call slice; where the CPU share policy is on, they yielded the CPU.
    const long = report.longCalls;
    expect(long.total).toBeGreaterThan(0);
    if (long.cpuShare) expect(long.demoted).toBeGreaterThan(0);
    else expect(long.demoted).toBe(0);
    expect(long.demoted).toBeLessThanOrEqual(long.total);
    expect(report.passed).toBe(true);
    expect(exitCodeOf(report)).toBe(0);
    expect(renderReport(report)).toMatch(/^micro-agi stress: PASS/);
    expect(renderReport(report)).toMatch(report.longCalls.cpuShare ? /long calls: \d+, \d+ of them ran at a lower CPU priority/ : /CPU share off/);
  });

  it('reports a deliberately broken memory cap as ESCAPED for every bomb and exits non-zero', async () => {
    const bombs = hostileCases(['memory-bomb']);
    const report = await runStress({
      calls: bombs.length,
      hostileRatio: 1,
      seed: 2,
      poolSize: 2,
      classes: ['memory-bomb'],
      limitOverrides: { 'memory-bomb': { memoryBytes: GB } },
    });
    const [memory] = report.containment;
    expect(memory).toMatchObject({ class: 'memory-bomb', total: bombs.length, contained: 0 });
    expect(memory!.escaped.map((e) => e.case).sort()).toEqual(bombs.map((b) => b.name).sort());
    for (const e of memory!.escaped) expect(e.detail).toMatch(/^finished past its limits and returned \d+/);
    expect(report.escapedCount).toBe(bombs.length);
    expect(report.passed).toBe(false);
    expect(exitCodeOf(report)).toBe(1);
    expect(renderReport(report)).toContain('ESCAPED js-string-doubling: finished past its limits and returned 67108864');
  });

  it('fails the run when benign calls return something other than expected', async () => {
    const wrong = Object.fromEntries(BENIGN_CASES.map((c) => [c.name, { not: 'this' }]));
    const report = await runStress({ calls: 6, hostileRatio: 0, seed: 3, poolSize: 1, benignExpectations: wrong });
    expect(report.benignFailures.total).toBe(12);
    expect(report.benignFailures.byKind).toEqual({ WrongValue: 12 });
    expect(report.benignFailures.samples[0]?.message).toMatch(/^expected \{"not":"this"\}, got /);
    expect(report.escapedCount).toBe(0);
    expect(exitCodeOf(report)).toBe(1);
  });

  it('holds every memory bomb, in both engines, to its 16 MB cap', async () => {
    const bombs = hostileCases(['memory-bomb']);
    const report = await runStress({ calls: bombs.length, hostileRatio: 1, seed: 4, poolSize: 2, classes: ['memory-bomb'] });
    const [memory] = report.containment;
    expect(memory!.escaped).toEqual([]);
    expect(memory).toMatchObject({ total: bombs.length, contained: bombs.length, endedAs: { MemoryLimit: bombs.length } });
  });
});
