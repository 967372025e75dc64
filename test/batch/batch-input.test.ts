// The batch input and results files without agents: bad lines named by line number, duplicate ids,
// ids of a previous run (string vs number ids, a last line cut short), and the progress line's counts.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { parseBatchInput } from '../../src/batch/batch-input.js';
import { duration, progressBar, progressLine, summaryLine } from '../../src/batch/batch-progress.js';
import type { BatchResult } from '../../src/batch/batch-result.js';
import { appendResultsFile, dropResults, readPreviousResults } from '../../src/batch/results-file.js';

let dir: string | undefined;
afterEach(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
  dir = undefined;
});

function result(id: string | number): BatchResult {
  return { id, answer: 'a', tools_called: [], tools_created: [], tokens: { prompt: 1, completion: 1, cached: 0, reasoning: 0, total: 2 }, cost: 0, ms: 1 };
}

describe('parseBatchInput', () => {
  it('keeps valid lines in order and names every bad line by its number', () => {
    const text = [
      '{"id": "a", "prompt": "first"}',
      '',
      '{not json',
      '{"prompt": "no id"}',
      '{"id": "b"}',
      '[1, 2]',
      '{"id": 7, "prompt": "number id"}',
      '{"id": "a", "prompt": "again"}',
      '{"id": "", "prompt": "empty id"}',
      '{"id": "7", "prompt": "a string 7 is not the number 7"}\r',
    ].join('\n');
    const { items, bad } = parseBatchInput(text);
    expect(items.map((i) => [i.id, i.line, i.prompt])).toEqual([
      ['a', 1, 'first'],
      [7, 7, 'number id'],
      ['7', 10, 'a string 7 is not the number 7'],
    ]);
    expect(bad.map((b) => b.line)).toEqual([3, 4, 5, 6, 8, 9]);
    expect(bad[0]!.problem).toMatch(/^not JSON/);
    expect(bad[1]!.problem).toBe('missing "id"');
    expect(bad[2]!.problem).toBe('missing "prompt" (id "b")');
    expect(bad[4]!.problem).toBe('duplicate id "a" (first on line 1)');
    expect(bad[5]!.problem).toMatch(/"id" must be a non-empty string or a number/);
  });

  it('takes an optional per-line "model" and refuses one that is not a non-empty string', () => {
    const { items, bad } = parseBatchInput('{"id": 1, "prompt": "a", "model": "gpt-4.1-nano"}\n{"id": 2, "prompt": "b", "model": 3}\n{"id": 3, "prompt": "c"}\n');
    expect(items.map((i) => [i.id, i.model])).toEqual([
      [1, 'gpt-4.1-nano'],
      [3, undefined],
    ]);
    expect(bad).toEqual([{ line: 2, problem: '"model" must be a non-empty string (id 2)' }]);
  });

  it('reads a file that starts with a byte order mark (Windows editors) from its first line', () => {
    const { items, bad } = parseBatchInput('\ufeff{"id": 1, "prompt": "first"}\r\n{"id": 1e999, "prompt": "x"}\r\n');
    expect(items.map((i) => [i.id, i.line])).toEqual([[1, 1]]);
    expect(bad).toEqual([{ line: 2, problem: '"id" must be a non-empty string or a number, got Infinity' }]);
  });
});

describe('results file', () => {
  it('reads the ids of a previous run and starts a new line after a line cut short', () => {
    dir = mkdtempSync(join(tmpdir(), 'micro-agi-batch-'));
    const path = join(dir, 'out.jsonl');
    expect(readPreviousResults(path).keys.size).toBe(0);
    writeFileSync(path, `${JSON.stringify(result('x'))}\n${JSON.stringify(result(2))}\n{"id": "cut`);
    const previous = readPreviousResults(path);
    expect([...previous.keys].sort()).toEqual(['"x"', '2']);
    expect(previous.unreadable).toEqual([3]);
    expect(previous.needsNewline).toBe(true);
    const sink = appendResultsFile(path, previous);
    sink.write(result('y'));
    sink.close();
    const lines = readFileSync(path, 'utf8').split('\n');
    expect(lines[2]).toBe('{"id": "cut');
    expect(JSON.parse(lines[3]!)).toEqual(result('y'));
    expect([...readPreviousResults(path).keys].sort()).toEqual(['"x"', '"y"', '2']);
  });

  it('counts an id as failed only when none of its lines answered, and drops just the lines asked', () => {
    dir = mkdtempSync(join(tmpdir(), 'micro-agi-batch-'));
    const path = join(dir, 'out.jsonl');
    const failed = (id: string | number) => ({ ...result(id), answer: null, error: { type: 'model_error', message: 'down' } });
    const lines = [failed('x'), result('x'), failed(2), '{"id": "cut', failed('z')].map((l) => (typeof l === 'string' ? l : JSON.stringify(l)));
    writeFileSync(path, lines.join('\n'));
    expect([...readPreviousResults(path).failed].sort()).toEqual(['"z"', '2']);
    dropResults(path, new Set(['"z"']));
    expect(readFileSync(path, 'utf8')).toBe(lines.slice(0, 4).join('\n'));
    const after = readPreviousResults(path);
    expect([...after.failed]).toEqual(['2']);
    expect(after.needsNewline).toBe(true);
  });
});

describe('progress', () => {
  it('shows done, failed, running, tokens and cost', () => {
    const line = progressLine({ total: 10, answered: 4, failed: 1, running: 3, tokens: 12_345, cost: 0.0123, elapsedMs: 25_000 }, 100);
    expect(line).toContain('[');
    expect(line).toContain('5/10 done 4 failed 1 running 3 | 12.3k tok | $0.0123 | ETA 25s');
    expect(duration(42_000)).toBe('42s');
    expect(duration(185_000)).toBe('3m05s');
    expect(duration(3_720_000)).toBe('1h02m');
    expect(summaryLine({ answered: 4, failed: 1, notRun: 0, tokens: 20, cost: 0.5, skipped: 2, badLines: 1, wallMs: 1500 })).toBe(
      'batch: 4 answered, 1 failed, 2 skipped, 1 bad line; 20 tokens, $0.5000, 1.5 s\n',
    );
  });

  it('keeps its counts on a terminal that reports 0 columns (a pty without a size)', () => {
    const p = { total: 10, answered: 4, failed: 1, running: 3, tokens: 12_345, cost: 0.0123, elapsedMs: 25_000 };
    const drawn: string[] = [];
    progressBar((t) => drawn.push(t), { tty: true, columns: 0 }).update(p);
    expect(drawn[0]).toContain('5/10 done 4 failed 1 running 3 | 12.3k tok | $0.0123');
    expect(progressLine(p, 0)).toBe(progressLine(p, 80));
  });

  it('is drawn in place on a terminal only, and erased by clear', () => {
    const p = { total: 2, answered: 2, failed: 0, running: 0, tokens: 24, cost: 0.001, elapsedMs: 100 };
    const tty: string[] = [];
    const bar = progressBar((t) => tty.push(t), { tty: true, columns: 100 });
    bar.update(p);
    bar.clear();
    expect(tty).toEqual([`\r\x1b[K${progressLine(p, 100)}`, '\r\x1b[K']);
    const piped: string[] = [];
    const none = progressBar((t) => piped.push(t), { tty: false });
    none.update(p);
    none.clear();
    expect(piped).toEqual([]);
  });
});
