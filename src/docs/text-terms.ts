// Search terms for the doc index: lower-casing, splitting on non-alphanumerics, a small stop-word list
// and a light suffix stemmer (plurals, -ing, -ed, final -e) shared by documents and queries.

/** Words too common in questions and docs to help ranking. */
const STOP_WORDS = new Set([
  'a', 'an', 'the', 'of', 'to', 'in', 'on', 'for', 'with', 'and', 'or', 'is', 'are', 'be', 'by', 'it', 'its',
  'this', 'that', 'these', 'those', 'how', 'do', 'does', 'can', 'could', 'should', 'would', 'me', 'my', 'you',
  'your', 'what', 'which', 'from', 'as', 'at', 'into', 'via', 'some', 'any', 'want', 'need', 'please', 'show',
  'another', 'other', 'give', 'there', 'here', 'then', 'than', 'if', 'else', 'when', 'we', 'our', 'us', 'will',
  'was', 'were', 'has', 'have', 'not', 'no', 'so', 'up', 'out', 'about', 'way', 'i',
]);

/** Consonants that stay doubled when a suffix is removed ("calling" -> "call", "passing" -> "pass"). */
const KEEP_DOUBLE = new Set(['l', 's', 'z']);

function undouble(word: string): string {
  const n = word.length;
  if (n >= 3 && word[n - 1] === word[n - 2] && !KEEP_DOUBLE.has(word[n - 1]!) && !/[aeiou0-9]/.test(word[n - 1]!)) {
    return word.slice(0, -1);
  }
  return word;
}

/**
 * A light stemmer: "entries" -> "entry", "matches" -> "match", "headers" -> "header",
 * "encoding"/"encoded"/"encode" -> "encod", "running" -> "run". Words of 3 letters or fewer and
 * words ending in a digit ("sha256", "base64") are left alone.
 */
export function stem(word: string): string {
  let w = word;
  if (w.length <= 3 || /[0-9]$/.test(w)) return w;
  if (w.endsWith('ies') && w.length > 4) w = w.slice(0, -3) + 'y';
  else if (w.endsWith('sses')) w = w.slice(0, -2);
  else if (/(?:s|x|z|ch|sh)es$/.test(w)) w = w.slice(0, -2);
  else if (w.endsWith('s') && !/(?:ss|us|is)$/.test(w)) w = w.slice(0, -1);
  if (w.endsWith('ing') && w.length - 3 >= 3) w = undouble(w.slice(0, -3));
  else if (w.endsWith('ed') && w.length - 2 >= 3) w = undouble(w.slice(0, -2));
  if (w.endsWith('e') && w.length >= 4) w = w.slice(0, -1);
  return w;
}

export interface Token {
  /** The stemmed term. */
  readonly term: string;
  /** Offset of the word in the source text. */
  readonly start: number;
  readonly end: number;
}

const WORD = /[a-z0-9]+/g;
/** word -> stem (or '' for a dropped word); the docs use a few thousand distinct words. */
const STEMS = new Map<string, string>();

function termOf(word: string): string {
  let t = STEMS.get(word);
  if (t === undefined) {
    t = word.length < 2 || STOP_WORDS.has(word) ? '' : stem(word);
    if (STEMS.size < 50_000) STEMS.set(word, t);
  }
  return t;
}

/** Stemmed terms of `text` with their offsets; stop words and one-letter words are dropped. */
export function tokenize(text: string): Token[] {
  const lower = text.toLowerCase();
  const out: Token[] = [];
  WORD.lastIndex = 0;
  for (let m = WORD.exec(lower); m !== null; m = WORD.exec(lower)) {
    const term = termOf(m[0]);
    if (term !== '') out.push({ term, start: m.index, end: m.index + m[0].length });
  }
  return out;
}

/** Just the stemmed terms of `text`. */
export function terms(text: string): string[] {
  return tokenize(text).map((t) => t.term);
}
