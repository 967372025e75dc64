// The terminal's markdown rendering: ANSI for headings, bold, inline code, fenced code and lists on a TTY,
// independent of how the text is split into streamed chunks; plain text passes through untouched.
import { describe, expect, it } from 'vitest';
import { ansiRenderer, answerRenderer, plainRenderer, renderInline } from '../../src/cli/markdown.js';

const ESC = '\x1b[';

function renderAll(text: string, chunkSize: number): string {
  const r = ansiRenderer();
  let out = '';
  for (let i = 0; i < text.length; i += chunkSize) out += r.write(text.slice(i, i + chunkSize));
  return out + r.end();
}

const SAMPLE = [
  '# Current time',
  'It is **12:00** UTC, from `time.now()`.',
  '- first item',
  '2. second item',
  '```lua',
  'local x = **not bold**',
  '```',
  'done',
].join('\n');

describe('markdown to ANSI', () => {
  it('styles headings, bold, inline code, lists and code blocks', () => {
    const out = renderAll(SAMPLE, 1000);
    const lines = out.split('\n');
    expect(lines[0]).toBe(`${ESC}1m${ESC}4mCurrent time${ESC}0m`);
    expect(lines[1]).toBe(`It is ${ESC}1m12:00${ESC}22m UTC, from ${ESC}36mtime.now()${ESC}39m.`);
    expect(lines[2]).toBe('  • first item');
    expect(lines[3]).toBe('  2. second item');
    expect(lines[4]).toBe(`${ESC}2m\`\`\`lua${ESC}0m`);
    // inside a fence nothing is interpreted
    expect(lines[5]).toBe(`${ESC}33mlocal x = **not bold**${ESC}39m`);
    expect(lines[7]).toBe('done');
  });

  it('gives the same output however the stream is chunked', () => {
    const whole = renderAll(SAMPLE, 1000);
    for (const size of [1, 2, 3, 5, 7]) expect(renderAll(SAMPLE, size)).toBe(whole);
  });

  it('holds an unfinished line until its newline or the end', () => {
    const r = ansiRenderer();
    expect(r.write('**bo')).toBe('');
    expect(r.write('ld** and')).toBe('');
    expect(r.write(' more\nnext')).toBe(`${ESC}1mbold${ESC}22m and more\n`);
    expect(r.end()).toBe('next');
    expect(r.end()).toBe('');
  });

  it('leaves unclosed markers literal', () => {
    expect(renderInline('a ** b and `c')).toBe('a ** b and `c');
  });

  it('plain renderer (piped output) passes chunks through at once', () => {
    const r = plainRenderer();
    expect(r.write('# Title\n**x')).toBe('# Title\n**x');
    expect(r.end()).toBe('');
    expect(answerRenderer(false).write('`a`')).toBe('`a`');
    expect(answerRenderer(true).write('`a`\n')).toBe(`${ESC}36ma${ESC}39m\n`);
  });
});
