// `micro-agi batch` in-process against the fake model with a temp home: results for every id (input order
// at concurrency 1), exit status 1 with an error when a turn fails, resume from --out, bad lines skipped.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import type { BatchResult } from '../../src/batch/batch-result.js';
import { parseArgv } from '../../src/cli/argv.js';
import { BATCH_FLAGS, runBatchCommand } from '../../src/cli/batch-command.js';
import { GLOBAL_FLAGS } from '../../src/cli/command-spec.js';
import { echoModel, type MemoryIO, memoryIO, parseJsonl, promptOf, scratchWithFake, USAGE, writeJsonl } from './batch-fake.js';

const ws = scratchWithFake(echoModel);
let home: string;
beforeEach(() => {
  home = join(ws.scratch, 'home');
});

async function batch(argv: string[]): Promise<{ status: number; io: MemoryIO }> {
  const io = memoryIO({ OPENAI_BASE_URL: ws.fake.url, OPENAI_API_KEY: 'test' });
  const args = parseArgv([...argv, '--home', home], { ...GLOBAL_FLAGS, ...BATCH_FLAGS });
  const status = await runBatchCommand(args, io, { isTTY: false, signal: new AbortController().signal });
  return { status, io };
}

describe('batch results', () => {
  it('answers every id in input order at --concurrency 1, each with its own conversation', async () => {
    const input = join(ws.scratch, 'in.jsonl');
    writeJsonl(input, [{ id: 'q1', prompt: 'alpha' }, { id: 2, prompt: 'beta' }, { id: 'q3', prompt: 'gamma' }]);
    const { status, io } = await batch([input, '--concurrency', '1']);
    expect(status).toBe(0);
    const results = parseJsonl<BatchResult>(io.stdout());
    expect(results.map((r) => r.id)).toEqual(['q1', 2, 'q3']);
    for (const [r, prompt] of results.map((r, i) => [r, ['alpha', 'beta', 'gamma'][i]] as const)) {
      expect(r.answer).toBe(`answer to ${prompt}`);
      expect(r.tools_called).toEqual([]);
      expect(r.tools_created).toEqual([]);
      expect(r.tokens).toEqual({ prompt: USAGE.prompt, completion: USAGE.completion, cached: 0, reasoning: 0, total: USAGE.prompt + USAGE.completion });
      expect(r.cost).toBeGreaterThan(0);
      expect(r.error).toBeUndefined();
    }
    // One request per prompt, and no request carries another prompt's conversation.
    expect(ws.fake.requests).toHaveLength(3);
    for (const req of ws.fake.requests) {
      expect((req.body.messages as { role: string }[]).filter((m) => m.role === 'user')).toHaveLength(1);
    }
    expect(io.stderr()).toContain('batch: 3 answered, 0 failed;');
  });

  it('reports every id at --concurrency 3 and exits 1 with the error of the turn that failed', async () => {
    const input = join(ws.scratch, 'in.jsonl');
    const rows = Array.from({ length: 6 }, (_, i) => ({ id: `p${i}`, prompt: i === 4 ? 'fail this one' : `prompt ${i}` }));
    writeJsonl(input, rows);
    const { status, io } = await batch([input, '--concurrency', '3']);
    expect(status).toBe(1);
    const results = parseJsonl<BatchResult>(io.stdout());
    expect(results.map((r) => r.id).sort()).toEqual(rows.map((r) => r.id).sort());
    const failed = results.find((r) => r.id === 'p4')!;
    expect(failed.error?.message).toContain('the fake rejects "fail this one"');
    expect(failed.answer).toBeNull();
    for (const r of results.filter((r) => r.id !== 'p4')) expect(r.error).toBeUndefined();
    expect(io.stderr()).toContain('batch: 5 answered, 1 failed;');
  });
});

describe('per-line model', () => {
  it('runs each line with its own "model" (the others with the batch\'s) and says in each result which model answered', async () => {
    const input = join(ws.scratch, 'in.jsonl');
    writeJsonl(input, [
      { id: 'nano', prompt: 'one', model: 'gpt-4.1-nano' },
      { id: 'local', prompt: 'two', model: 'llama3.1:8b' },
      { id: 'default', prompt: 'three' },
    ]);
    const { status, io } = await batch([input, '--concurrency', '3', '--model', 'gpt-5.1']);
    expect(status).toBe(0);
    const sent = new Map(ws.fake.requests.map((r) => [promptOf(r), r.body.model]));
    expect(Object.fromEntries(sent)).toEqual({ one: 'gpt-4.1-nano', two: 'llama3.1:8b', three: 'gpt-5.1' });
    const results = new Map(parseJsonl<BatchResult>(io.stdout()).map((r) => [r.id, r.model]));
    expect(Object.fromEntries(results)).toEqual({ nano: 'gpt-4.1-nano', local: 'llama3.1:8b', default: 'gpt-5.1' });
  });
});

describe('resume with --out', () => {
  it('skips the ids already in --out (no request at all), then runs only the lines added since', async () => {
    const input = join(ws.scratch, 'in.jsonl');
    const out = join(ws.scratch, 'out.jsonl');
    writeJsonl(input, [{ id: 'a', prompt: 'one' }, { id: 'b', prompt: 'two' }]);
    const first = await batch([input, '--out', out, '--concurrency', '2']);
    expect(first.status).toBe(0);
    expect(first.io.stdout()).toBe('');
    expect(parseJsonl<BatchResult>(readFileSync(out, 'utf8')).map((r) => r.id).sort()).toEqual(['a', 'b']);
    expect(ws.fake.requests).toHaveLength(2);

    const again = await batch([input, '--out', out, '--concurrency', '2']);
    expect(again.status).toBe(0);
    expect(ws.fake.requests).toHaveLength(2);
    expect(again.io.stderr()).toContain('skipped 2 ids already in');
    expect(parseJsonl(readFileSync(out, 'utf8'))).toHaveLength(2);

    writeJsonl(input, [{ id: 'a', prompt: 'one' }, { id: 'b', prompt: 'two' }, { id: 'c', prompt: 'three' }, { id: 'd', prompt: 'four' }]);
    const more = await batch([input, '--out', out, '--concurrency', '2']);
    expect(more.status).toBe(0);
    expect(more.io.stderr()).toContain('skipped 2 ids already in');
    expect(ws.fake.requests.slice(2).map((r) => (r.body.messages as { role: string; content: string }[]).find((m) => m.role === 'user')!.content).sort()).toEqual(['four', 'three']);
    const all = parseJsonl<BatchResult>(readFileSync(out, 'utf8'));
    expect(all.map((r) => r.id).slice(0, 2).sort()).toEqual(['a', 'b']);
    expect(all.map((r) => r.id).slice(2).sort()).toEqual(['c', 'd']);
    expect(all.find((r) => r.id === 'c')!.answer).toBe('answer to three');
  });
});

describe('--retry-failed', () => {
  it('runs again only the ids whose result in --out is an error, replacing their lines; other lines stay as they were', async () => {
    const input = join(ws.scratch, 'in.jsonl');
    const out = join(ws.scratch, 'out.jsonl');
    writeJsonl(input, [{ id: 'a', prompt: 'one' }, { id: 'b', prompt: 'two' }]);
    const okA = JSON.stringify({ id: 'a', answer: 'earlier answer', tools_called: [], tools_created: [], tokens: {}, cost: 0, ms: 1 });
    const failedB = JSON.stringify({ id: 'b', answer: null, tools_called: [], tools_created: [], tokens: {}, cost: 0, ms: 1, error: { type: 'model_error', message: 'rate limited' } });
    writeJsonl(out, [okA, 'a line cut short {"id', failedB]);

    const plain = await batch([input, '--out', out]);
    expect(plain.status).toBe(0);
    expect(ws.fake.requests).toHaveLength(0);
    expect(plain.io.stderr()).toContain('skipped 2 ids already in');

    const retry = await batch([input, '--out', out, '--retry-failed']);
    expect(retry.status).toBe(0);
    expect(ws.fake.requests.map(promptOf)).toEqual(['two']);
    expect(retry.io.stderr()).toContain('running 1 failed id again');
    const lines = readFileSync(out, 'utf8').split('\n').filter((l) => l !== '');
    expect(lines.slice(0, 2)).toEqual([okA, 'a line cut short {"id']);
    expect(lines).toHaveLength(3);
    expect(JSON.parse(lines[2]!)).toMatchObject({ id: 'b', answer: 'answer to two' });
    expect(JSON.parse(lines[2]!).error).toBeUndefined();
  });

  it('is refused without --out (exit 2, nothing runs)', async () => {
    const input = join(ws.scratch, 'in.jsonl');
    writeJsonl(input, [{ id: 'a', prompt: 'one' }]);
    const { status, io } = await batch([input, '--retry-failed']);
    expect(status).toBe(2);
    expect(io.stderr()).toContain('--retry-failed needs --out FILE');
    expect(ws.fake.requests).toHaveLength(0);
  });
});

describe('--timeout', () => {
  it('cancels a prompt still running after the limit (its request is closed) and reports it as a timeout; the others answer', async () => {
    const input = join(ws.scratch, 'in.jsonl');
    writeJsonl(input, [{ id: 'slow', prompt: 'hang on this one' }, { id: 'quick', prompt: 'fine' }]);
    const { status, io } = await batch([input, '--concurrency', '2', '--timeout', '0.3']);
    expect(status).toBe(1);
    const results = parseJsonl<BatchResult>(io.stdout());
    const slow = results.find((r) => r.id === 'slow')!;
    expect(slow.error).toEqual({ type: 'timeout', message: 'no answer within 0.3 s (--timeout); the turn was canceled' });
    expect(results.find((r) => r.id === 'quick')!.answer).toBe('answer to fine');
    const hung = ws.fake.requests.find((r) => promptOf(r) === 'hang on this one')!;
    await hung.done;
    expect(hung.closedByClient).toBe(true);
  });

  it('refuses a limit that is not a positive number of seconds (exit 2, nothing runs)', async () => {
    const input = join(ws.scratch, 'in.jsonl');
    writeJsonl(input, [{ id: 'a', prompt: 'one' }]);
    for (const bad of ['0', '-1', 'soon']) {
      const { status, io } = await batch([input, '--timeout', bad]);
      expect(status).toBe(2);
      expect(io.stderr()).toContain(`--timeout must be a number of seconds above 0 and at most 86400, got '${bad}'`);
    }
    expect(ws.fake.requests).toHaveLength(0);
  });
});

describe('--max-cost', () => {
  it('starts no prompt once the finished ones cost the budget; a rerun with the same --out runs the rest', async () => {
    const input = join(ws.scratch, 'in.jsonl');
    const out = join(ws.scratch, 'out.jsonl');
    writeJsonl(input, Array.from({ length: 4 }, (_, i) => ({ id: i, prompt: `prompt ${i}` })));
    const capped = await batch([input, '--out', out, '--concurrency', '1', '--max-cost', '0.000001']);
    expect(capped.status).toBe(1);
    expect(parseJsonl<BatchResult>(readFileSync(out, 'utf8')).map((r) => r.id)).toEqual([0]);
    expect(capped.io.stderr()).toContain('batch: 1 answered, 0 failed, 3 not run (the --max-cost budget was reached)');
    expect(ws.fake.requests).toHaveLength(1);

    const rest = await batch([input, '--out', out, '--concurrency', '1']);
    expect(rest.status).toBe(0);
    expect(parseJsonl<BatchResult>(readFileSync(out, 'utf8')).map((r) => r.id)).toEqual([0, 1, 2, 3]);
    const bad = await batch([input, '--max-cost', 'lots']);
    expect(bad.status).toBe(2);
    expect(bad.io.stderr()).toContain("--max-cost must be a dollar amount above 0, e.g. 2.50, got 'lots'");
  });
});

describe('bad input lines', () => {
  it('are reported with their line numbers and skipped; the valid lines run and the exit status is 0', async () => {
    const input = join(ws.scratch, 'in.jsonl');
    writeJsonl(input, [
      { id: 1, prompt: 'first' },
      'this is not json',
      { id: 2 },
      { prompt: 'no id' },
      { id: 1, prompt: 'duplicate' },
      { id: 3, prompt: 'third' },
    ]);
    const { status, io } = await batch([input, '--concurrency', '2']);
    expect(status).toBe(0);
    expect(parseJsonl<BatchResult>(io.stdout()).map((r) => r.id).sort()).toEqual([1, 3]);
    const err = io.stderr();
    expect(err).toContain(`${input}:2: not JSON`);
    expect(err).toContain(`${input}:3: missing "prompt" (id 2); line skipped`);
    expect(err).toContain(`${input}:4: missing "id"; line skipped`);
    expect(err).toContain(`${input}:5: duplicate id 1 (first on line 1); line skipped`);
    expect(err).toContain('batch: 2 answered, 0 failed, 4 bad lines;');
    expect(ws.fake.requests).toHaveLength(2);
  });
});

/** What a terminal shows for `text` (\r returns to column 0, ESC[K erases to the end of the line). */
function screen(text: string): string[] {
  const lines: string[] = [];
  let line = '';
  let col = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (text.startsWith('\x1b[K', i)) {
      line = line.slice(0, col);
      i += 2;
    } else if (c === '\r') col = 0;
    else if (c === '\n') {
      lines.push(line);
      line = '';
      col = 0;
    } else {
      line = line.slice(0, col) + c + line.slice(col + 1);
      col++;
    }
  }
  if (line !== '') lines.push(line);
  return lines;
}

describe('input from standard input (FILE -)', () => {
  it('runs the lines read from stdin and names bad ones as stdin:LINE', async () => {
    const io = memoryIO({ OPENAI_BASE_URL: ws.fake.url, OPENAI_API_KEY: 'test' });
    const args = parseArgv(['-', '--home', home], { ...GLOBAL_FLAGS, ...BATCH_FLAGS });
    const stdin = '{"id": "a", "prompt": "alpha"}\nnot json\n{"id": "b", "prompt": "beta"}\n';
    const status = await runBatchCommand(args, io, { isTTY: false, signal: new AbortController().signal, readStdin: () => stdin });
    expect(status).toBe(0);
    expect(parseJsonl<BatchResult>(io.stdout()).map((r) => [r.id, r.answer]).sort()).toEqual([
      ['a', 'answer to alpha'],
      ['b', 'answer to beta'],
    ]);
    expect(io.stderr()).toContain('micro-agi batch: stdin:2: not JSON');
  });
});

describe('progress bar on a terminal', () => {
  it('results written to the same terminal never land on the bar line, and the bar is gone at the end', async () => {
    const input = join(ws.scratch, 'in.jsonl');
    writeJsonl(input, Array.from({ length: 4 }, (_, i) => ({ id: i, prompt: `prompt ${i}` })));
    let terminal = '';
    const io = { out: (t: string) => void (terminal += t), err: (t: string) => void (terminal += t), env: { OPENAI_BASE_URL: ws.fake.url, OPENAI_API_KEY: 'test' } };
    const args = parseArgv([input, '--concurrency', '2', '--home', home], { ...GLOBAL_FLAGS, ...BATCH_FLAGS });
    const status = await runBatchCommand(args, io, { isTTY: true, outIsTTY: true, columns: 100, signal: new AbortController().signal });
    expect(status).toBe(0);
    expect(terminal).toContain('running'); // the bar was drawn
    const shown = screen(terminal);
    const results = shown.filter((l) => l.includes('"answer"'));
    expect(results).toHaveLength(4);
    for (const l of results) expect(() => JSON.parse(l)).not.toThrow();
    expect(shown.at(-1)).toMatch(/^batch: 4 answered, 0 failed;/);
    expect(shown.filter((l) => l.includes('running'))).toEqual([]);
  });
});
