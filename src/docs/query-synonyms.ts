// The query side of doc search: a small, explainable synonym map (single words and two-word phrases,
// over stemmed terms) that adds related terms to a query at half weight.
import { stem, terms } from './text-terms.js';

/** Weight of a term added by a synonym (original query terms weigh 1). */
export const SYNONYM_WEIGHT = 0.5;

/** word -> related words, written unstemmed for readability (stemmed when the map is built). */
const WORD_SYNONYMS: Readonly<Record<string, readonly string[]>> = {
  current: ['now'],
  today: ['now', 'date'],
  clock: ['time', 'now'],
  timestamp: ['time', 'unix'],
  date: ['time'],
  fetch: ['http', 'get', 'request'],
  download: ['http', 'get'],
  request: ['http'],
  web: ['http'],
  website: ['http'],
  api: ['http'],
  hash: ['sha256', 'md5', 'digest'],
  digest: ['hash'],
  checksum: ['hash', 'sha256', 'md5'],
  encode: ['decode'],
  decode: ['encode'],
  parse: ['decode'],
  serialize: ['encode'],
  stringify: ['encode'],
  regex: ['regexp'],
  regexp: ['regex'],
  pattern: ['regexp'],
  guid: ['uuid'],
  environment: ['env'],
  evaluate: ['eval', 'expr'],
  calculate: ['expr', 'eval'],
  formula: ['expr'],
  expression: ['expr'],
  invoke: ['call'],
  encrypt: ['aes', 'decrypt'],
  decrypt: ['aes', 'encrypt'],
  sign: ['hmac'],
  yml: ['yaml'],
  wait: ['sleep'],
  permission: ['security', 'policy'],
  allowed: ['security', 'policy'],
};

/** Two-word phrases (in query order, after stop words are dropped) -> related words. */
const PHRASE_SYNONYMS: Readonly<Record<string, readonly string[]>> = {
  'current time': ['now'],
  'regular expression': ['regexp', 'regex'],
  'call tool': ['funcs'],
  'run tool': ['funcs'],
  'environment variable': ['env'],
  'env var': ['env'],
  'unique id': ['uuid'],
  'unique identifier': ['uuid'],
};

function stemAll(map: Readonly<Record<string, readonly string[]>>, phrase: boolean): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const [key, related] of Object.entries(map)) {
    const k = phrase ? terms(key).join(' ') : stem(key);
    out.set(k, related.map(stem));
  }
  return out;
}

const WORDS = stemAll(WORD_SYNONYMS, false);
const PHRASES = stemAll(PHRASE_SYNONYMS, true);

export interface QueryTerm {
  readonly term: string;
  /** 1 for a word of the query, SYNONYM_WEIGHT for an added one. */
  readonly weight: number;
}

/**
 * The weighted terms of a query. A matched phrase contributes its synonyms and suppresses the
 * single-word synonyms of its words ("regular expression" does not add `expr`).
 */
export function expandQuery(query: string): QueryTerm[] {
  const base = terms(query);
  const weights = new Map<string, number>();
  for (const t of base) weights.set(t, 1);
  const add = (t: string): void => {
    if (!weights.has(t)) weights.set(t, SYNONYM_WEIGHT);
  };
  const covered = new Set<number>();
  for (let i = 0; i + 1 < base.length; i++) {
    const related = PHRASES.get(`${base[i]} ${base[i + 1]}`);
    if (!related) continue;
    related.forEach(add);
    covered.add(i).add(i + 1);
  }
  base.forEach((t, i) => {
    if (!covered.has(i)) WORDS.get(t)?.forEach(add);
  });
  return [...weights].map(([term, weight]) => ({ term, weight }));
}
