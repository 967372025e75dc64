// Bracketed paste folding: the markers are dropped and the pasted line breaks folded into ␤ wherever the
// terminal's reads split them; typed keys pass through (a lone Escape after a short wait for a marker).
import { describe, expect, it, vi } from 'vitest';
import { FOLDED_NEWLINE, MARKER_WAIT_MS, PasteFolding, unfoldLines } from '../../src/cli/paste-input.js';

/** What readline would receive after each chunk, in order. */
function feed(chunks: readonly string[]): string[] {
  const fold = new PasteFolding();
  const seen: string[] = [];
  fold.on('data', (d: string) => seen.push(d));
  for (const c of chunks) fold.write(c);
  return seen;
}

const PASTE = '\x1b[200~one\r\ntwo\rthree\nfour\x1b[201~';
const FOLDED = `one${FOLDED_NEWLINE}two${FOLDED_NEWLINE}three${FOLDED_NEWLINE}four`;

describe('PasteFolding', () => {
  it('folds the line breaks of a paste and keeps typed ones', () => {
    expect(feed([`ask: ${PASTE}\r`]).join('')).toBe(`ask: ${FOLDED}\r`);
    expect(unfoldLines(FOLDED)).toBe('one\ntwo\nthree\nfour');
  });

  it('gives the same text however the reads split the paste', () => {
    const text = `a${PASTE}\rb${PASTE}\r`;
    const whole = feed([text]).join('');
    expect(whole).toBe(`a${FOLDED}\rb${FOLDED}\r`);
    for (let i = 1; i < text.length; i++) {
      for (let j = i; j < text.length; j++) {
        expect(feed([text.slice(0, i), text.slice(i, j), text.slice(j)]).join(''), `cut at ${i} and ${j}`).toBe(whole);
      }
    }
  });

  it('puts a character together whose UTF-8 bytes two reads split, in a paste and outside one', () => {
    const bytes = Buffer.from('ź\x1b[200~ł\nó\x1b[201~', 'utf8');
    const fold = new PasteFolding();
    const seen: string[] = [];
    fold.on('data', (d: string) => seen.push(d));
    for (let i = 0; i < bytes.length; i++) fold.write(bytes.subarray(i, i + 1));
    expect(seen.join('')).toBe(`źł${FOLDED_NEWLINE}ó`);
  });

  it('passes other escape sequences on at once, and a lone Escape once no marker follows it', () => {
    expect(feed(['\x1b[A', '\x1b[1;5C'])).toEqual(['\x1b[A', '\x1b[1;5C']);
    vi.useFakeTimers();
    try {
      const seen = feed(['x\x1b']);
      expect(seen.join('')).toBe('x');
      vi.advanceTimersByTime(MARKER_WAIT_MS);
      expect(seen.join('')).toBe('x\x1b');
    } finally {
      vi.useRealTimers();
    }
  });
});
