// The REPL's prompt history file: newest first for readline, no repeats in a row, owner-only, cut back to
// its size, turned off by an empty MICRO_AGI_HISTORY, and a failure that warns once instead of throwing.
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { historyFile, openPromptHistory } from '../../src/cli/prompt-history.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'micro-agi-history-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const noWarnings = (w: string): never => {
  throw new Error(`unexpected warning: ${w}`);
};

describe('prompt history', () => {
  it('keeps typed lines across sessions, newest first, without repeats in a row, readable by its owner only', () => {
    const file = join(dir, 'home', 'history');
    const first = openPromptHistory(file, noWarnings);
    expect(first.lines).toEqual([]);
    for (const line of ['what time is it?', 'what time is it?', '/cost', 'quit']) first.record(line);
    expect(readFileSync(file, 'utf8')).toBe('what time is it?\n/cost\nquit\n');
    expect(statSync(file).mode & 0o777).toBe(0o600);
    const second = openPromptHistory(file, noWarnings);
    expect(second.lines).toEqual(['quit', '/cost', 'what time is it?']);
    second.record('quit'); // the same as the last line of the file
    expect(readFileSync(file, 'utf8').split('\n').filter(Boolean)).toHaveLength(3);
    second.record('what time is it?');
    expect(openPromptHistory(file, noWarnings).lines).toEqual(['what time is it?', 'quit', '/cost']);
  });

  it('offers the newest `size` lines and cuts the file back once it holds twice as many', () => {
    const file = join(dir, 'history');
    writeFileSync(file, Array.from({ length: 7 }, (_, i) => `line ${i}`).join('\n') + '\n');
    const h = openPromptHistory(file, noWarnings, 3);
    expect(h.lines).toEqual(['line 6', 'line 5', 'line 4']);
    expect(readFileSync(file, 'utf8')).toBe('line 4\nline 5\nline 6\n');
  });

  it('lives in the home unless MICRO_AGI_HISTORY names a file; an empty one turns it off', () => {
    expect(historyFile('/h', {})).toBe(join('/h', 'history'));
    expect(historyFile('/h', { MICRO_AGI_HISTORY: '/elsewhere/h.txt' })).toBe('/elsewhere/h.txt');
    expect(historyFile('/h', { MICRO_AGI_HISTORY: '' })).toBeUndefined();
    const off = openPromptHistory(undefined, noWarnings);
    off.record('anything');
    expect(off.lines).toEqual([]);
  });

  it('warns once and goes on when the file cannot be written', () => {
    const file = join(dir, 'a-directory');
    mkdirSync(file);
    const warnings: string[] = [];
    const h = openPromptHistory(file, (w) => warnings.push(w));
    h.record('one');
    h.record('two');
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain(`prompt history off: ${file}`);
  });
});
