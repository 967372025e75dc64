// The logger: records below MICRO_AGI_LOG_LEVEL cost nothing (pino is not even loaded); records at or above
// it reach MICRO_AGI_LOG_FILE as pino JSON lines with their component; an unknown level name logs at "warn".
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, existsSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { distPath } from '../../src/paths.js';

const dir = mkdtempSync(join(os.tmpdir(), 'micro-agi-log-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Runs `calls` against the built logger in a fresh process; returns whether pino was loaded after each step. */
function run(env: Record<string, string>, calls: string[]): { loaded: boolean[]; stdout: string } {
  const script = `
    import { createRequire } from 'node:module';
    const { logger } = await import(${JSON.stringify(pathToFileURL(distPath('src/log/logger.js')).href)});
    const req = createRequire(import.meta.url);
    const loaded = () => Object.keys(req.cache).some((k) => k.includes('/node_modules/pino/'));
    const log = logger('test.component');
    const out = [loaded()];
    for (const c of ${JSON.stringify(calls)}) { log[c]({ n: 1 }, c + ' message'); out.push(loaded()); }
    process.stderr.write(JSON.stringify(out));
  `;
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], { env: { ...process.env, ...env }, encoding: 'utf8' });
  expect(r.status, r.stderr).toBe(0);
  return { loaded: JSON.parse(r.stderr.trim().split('\n').at(-1)!) as boolean[], stdout: r.stdout };
}

function records(file: string): Record<string, unknown>[] {
  if (!existsSync(file)) return [];
  return readFileSync(file, 'utf8').trim().split('\n').filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>);
}

describe('logger', () => {
  it('does not load pino for records below the level; a warn is written with its component, never to stdout', () => {
    const file = join(dir, 'a.log');
    const r = run({ MICRO_AGI_LOG_FILE: file, MICRO_AGI_LOG_LEVEL: 'warn' }, ['debug', 'info', 'warn', 'error']);
    expect(r.loaded).toEqual([false, false, false, true, true]);
    expect(r.stdout).toBe('');
    expect(records(file).map((x) => [x.level, x.component, x.msg, x.n])).toEqual([
      [40, 'test.component', 'warn message', 1],
      [50, 'test.component', 'error message', 1],
    ]);
  });

  it('writes debug records when the level is debug, and treats an unknown level name as warn', () => {
    const debugFile = join(dir, 'b.log');
    run({ MICRO_AGI_LOG_FILE: debugFile, MICRO_AGI_LOG_LEVEL: 'debug' }, ['debug']);
    expect(records(debugFile).map((x) => x.msg)).toEqual(['debug message']);
    const unknownFile = join(dir, 'c.log');
    run({ MICRO_AGI_LOG_FILE: unknownFile, MICRO_AGI_LOG_LEVEL: 'verbose' }, ['info', 'warn']);
    expect(records(unknownFile).map((x) => x.msg)).toEqual(['warn message']);
  });
});
