// The snippet of a search hit: the window of a section's text (fences dropped, whitespace collapsed)
// that holds the most distinct query terms, cut at word boundaries, at most SNIPPET_MAX_CHARS long.
import { tokenize, type Token } from './text-terms.js';

export const SNIPPET_MAX_CHARS = 300;
const ELLIPSIS = '...';
/** Characters of context kept before the first matching word. */
const LEAD = 40;

/** Section text as a snippet source: fence lines removed, whitespace collapsed. */
export function plainText(markdown: string): string {
  return markdown
    .split('\n')
    .filter((line) => !/^\s*(```|~~~)/.test(line))
    .join(' ')
    .replace(/\s+/g, ' ')
    .trim();
}

function wordStart(text: string, at: number): number {
  let i = Math.max(0, at);
  while (i > 0 && text.charCodeAt(i - 1) > 32) i--;
  return i;
}

export interface Snippet {
  readonly text: string;
  /** Weighted distinct query terms in the window, plus 0.01 per match: how well it answers. */
  readonly value: number;
}

/**
 * The best window of `text` for `queryTerms` (stemmed term -> weight): among windows starting a little
 * before a matching word, the one with the most distinct terms (weighted), then the most matches.
 * `tokens` are tokenize(text), passed in by callers that search the same text again and again.
 */
export function bestSnippet(
  text: string,
  queryTerms: ReadonlyMap<string, number>,
  max: number = SNIPPET_MAX_CHARS,
  tokens: readonly Token[] = tokenize(text),
): Snippet {
  const hits = tokens.filter((t) => queryTerms.has(t.term));
  let start = 0;
  let best = 0;
  for (const h of hits) {
    const s = wordStart(text, h.start - LEAD);
    const end = s + max;
    const distinct = new Map<string, number>();
    let count = 0;
    for (const t of hits) {
      if (t.start < s || t.end > end) continue;
      distinct.set(t.term, queryTerms.get(t.term)!);
      count++;
    }
    let value = 0;
    for (const w of distinct.values()) value += w;
    value += count * 0.01;
    if (value > best) {
      best = value;
      start = s;
    }
  }
  if (text.length <= max) return { text, value: best };
  return { text: cut(text, start, max), value: best };
}

function cut(text: string, start: number, max: number): string {
  const prefix = start > 0 ? ELLIPSIS : '';
  let room = max - prefix.length;
  let slice = text.slice(start, start + room);
  if (start + room < text.length) {
    room -= ELLIPSIS.length;
    slice = text.slice(start, start + room);
    const space = slice.lastIndexOf(' ');
    if (space > room / 2) slice = slice.slice(0, space);
    return prefix + slice.trimEnd() + ELLIPSIS;
  }
  return prefix + slice;
}
