// `micro-agi batch` through the real binary: the setup message without a model (exit 2), usage errors
// (exit 2), and a piped run whose stdout holds nothing but result lines (exit 1 when one failed).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { BatchResult } from '../../src/batch/batch-result.js';
import { cliEnv, runCli } from '../e2e/cli-process.js';
import { startFakeOpenAI, type FakeOpenAI } from '../support/fake-openai.js';
import { echoModel, parseJsonl, writeJsonl } from './batch-fake.js';

let scratch: string;
let home: string;
let input: string;
let fake: FakeOpenAI | undefined;

beforeEach(() => {
  scratch = mkdtempSync(join(tmpdir(), 'micro-agi-batch-'));
  home = join(scratch, 'home');
  input = join(scratch, 'in.jsonl');
  writeJsonl(input, [{ id: 'x', prompt: 'hello' }, { id: 'y', prompt: 'fail please' }, '{"id": "z"']);
});

afterEach(async () => {
  await fake?.close();
  fake = undefined;
  rmSync(scratch, { recursive: true, force: true });
});

describe('micro-agi batch (binary)', () => {
  it('without a model prints the setup help on stderr and exits 2', async () => {
    const r = await runCli(['batch', input, '--home', home], cliEnv({}));
    expect(r.status).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain('export OPENAI_API_KEY=');
    expect(r.stderr).toContain('OPENAI_BASE_URL=http://127.0.0.1:11434/v1');
  });

  it('exits 2 on usage errors: no file, a bad --concurrency, an unreadable file', async () => {
    const env = cliEnv({ OPENAI_BASE_URL: 'http://127.0.0.1:9/v1', OPENAI_API_KEY: 'test' });
    const none = await runCli(['batch', '--home', home], env);
    expect(none.status).toBe(2);
    expect(none.stderr).toContain('batch: missing FILE.jsonl');
    const zero = await runCli(['batch', input, '--concurrency', '0', '--home', home], env);
    expect(zero.status).toBe(2);
    expect(zero.stderr).toContain("--concurrency must be an integer from 1 to 1000, got '0'");
    const missing = await runCli(['batch', join(scratch, 'nope.jsonl'), '--home', home], env);
    expect(missing.status).toBe(2);
    expect(missing.stderr).toContain(`cannot read ${join(scratch, 'nope.jsonl')}`);
    for (const r of [none, zero, missing]) expect(r.stdout).toBe('');
  });

  it('piped: stdout holds only result lines; a failed turn makes the exit status 1', async () => {
    fake = await startFakeOpenAI({ fallback: echoModel });
    const r = await runCli(['batch', input, '--home', home], cliEnv({ OPENAI_BASE_URL: fake.url, OPENAI_API_KEY: 'test' }));
    expect(r.status).toBe(1);
    const results = parseJsonl<BatchResult>(r.stdout);
    expect(results.map((x) => x.id).sort()).toEqual(['x', 'y']);
    expect(results.find((x) => x.id === 'x')!.answer).toBe('answer to hello');
    expect(results.find((x) => x.id === 'y')!.error?.message).toContain('the fake rejects');
    expect(r.stderr).toContain(`${input}:3: not JSON`);
    expect(r.stderr).toContain('batch: 1 answered, 1 failed, 1 bad line;');
    expect(r.stderr).not.toContain('\r');
  });
});
