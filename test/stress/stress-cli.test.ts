// `micro-agi stress` through the real binary: a small run prints one JSON report on stdout and exits 0;
// bad flag values are usage errors (exit 2).
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { packageRoot } from '../../src/paths.js';

const BIN = join(packageRoot(), 'bin', 'micro-agi.js');

function run(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [BIN, ...args], { env: { ...process.env, MICRO_AGI_LOG_LEVEL: 'warn' }, maxBuffer: 16 * 1024 * 1024 }, (err, stdout, stderr) => {
      const code = err ? (typeof err.code === 'number' ? err.code : 1) : 0;
      resolve({ code, stdout, stderr });
    });
  });
}

describe('micro-agi stress', () => {
  it('runs 40 calls per phase and prints the report as one JSON object, exit 0', async () => {
    const { code, stdout, stderr } = await run(['stress', '--calls', '40', '--json', '--seed', '11']);
    expect(stderr).toBe('');
    expect(stdout.trim().split('\n')).toHaveLength(1);
    const report = JSON.parse(stdout) as Record<string, any>;
    expect(report).toMatchObject({ seed: 11, hostileRatio: 0.1, passed: true, escapedCount: 0, unexpectedCount: 0, benignFailures: { total: 0 } });
    expect(report.baseline).toMatchObject({ calls: 40, hostileCalls: 0 });
    expect(report.mix).toMatchObject({ calls: 40, hostileCalls: 4 });
    for (const key of ['p50', 'p95', 'p99']) expect(typeof report.mix.benignLatencyMs[key]).toBe('number');
    expect(report.containment).toHaveLength(6);
    expect(typeof report.workerReplacements).toBe('number');
    expect(Object.keys(report.rssMb)).toEqual(['before', 'after']);
    expect(code).toBe(0);
  });

  it('refuses a hostile ratio outside 0..1 as a usage error', async () => {
    const { code, stdout, stderr } = await run(['stress', '--hostile', '2']);
    expect(code).toBe(2);
    expect(stdout).toBe('');
    expect(stderr).toContain('--hostile must be a ratio between 0 and 1, got "2"');
  });
});
