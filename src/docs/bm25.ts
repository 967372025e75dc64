// BM25F ranking over fielded documents (title, heading, body): per-field weights and length
// normalisation, idf over documents, weighted query terms. Pure and deterministic.
import type { QueryTerm } from './query-synonyms.js';

export type FieldName = 'title' | 'heading' | 'body';
export const FIELDS: readonly FieldName[] = ['title', 'heading', 'body'];

export interface FieldParams {
  /** How much one occurrence in this field counts compared with the body. */
  readonly weight: number;
  /** Length normalisation (0: none, 1: full). */
  readonly b: number;
}

export interface Bm25Params {
  readonly k1: number;
  readonly fields: Readonly<Record<FieldName, FieldParams>>;
  /**
   * Fields whose terms count for document frequency. The page title is repeated in every section of
   * its page, so counting it would make a page's own subject ("time" on the time page) look common.
   */
  readonly dfFields: readonly FieldName[];
}

/** Title words count 3x, headings 2x; short titles and headings are barely length-normalised. */
export const DEFAULT_BM25: Bm25Params = {
  k1: 1.2,
  fields: {
    title: { weight: 3, b: 0.2 },
    heading: { weight: 2, b: 0.4 },
    body: { weight: 1, b: 0.75 },
  },
  dfFields: ['heading', 'body'],
};

/** One document's term counts per field. */
export interface FieldedDoc {
  readonly tf: Readonly<Record<FieldName, ReadonlyMap<string, number>>>;
  readonly length: Readonly<Record<FieldName, number>>;
}

export function fieldedDoc(fields: Readonly<Record<FieldName, readonly string[]>>): FieldedDoc {
  const tf = {} as Record<FieldName, Map<string, number>>;
  const length = {} as Record<FieldName, number>;
  for (const f of FIELDS) {
    const counts = new Map<string, number>();
    for (const t of fields[f]) counts.set(t, (counts.get(t) ?? 0) + 1);
    tf[f] = counts;
    length[f] = fields[f].length;
  }
  return { tf, length };
}

export class Bm25Index {
  readonly #docs: readonly FieldedDoc[];
  readonly #params: Bm25Params;
  readonly #df = new Map<string, number>();
  readonly #avg: Record<FieldName, number>;

  constructor(docs: readonly FieldedDoc[], params: Bm25Params = DEFAULT_BM25) {
    this.#docs = docs;
    this.#params = params;
    const totals: Record<FieldName, number> = { title: 0, heading: 0, body: 0 };
    for (const d of docs) {
      const seen = new Set<string>();
      for (const f of FIELDS) totals[f] += d.length[f];
      for (const f of params.dfFields) for (const t of d.tf[f].keys()) seen.add(t);
      for (const t of seen) this.#df.set(t, (this.#df.get(t) ?? 0) + 1);
    }
    const n = Math.max(1, docs.length);
    this.#avg = { title: totals.title / n || 1, heading: totals.heading / n || 1, body: totals.body / n || 1 };
  }

  /** Robertson-Sparck Jones idf, kept positive. */
  idf(term: string): number {
    const n = this.#docs.length;
    const df = this.#df.get(term) ?? 0;
    return Math.log(1 + (n - df + 0.5) / (df + 0.5));
  }

  /** BM25F score of document `i` for the weighted query terms. */
  score(i: number, query: readonly QueryTerm[]): number {
    const doc = this.#docs[i]!;
    const { k1, fields } = this.#params;
    let total = 0;
    for (const q of query) {
      let tf = 0;
      for (const f of FIELDS) {
        const raw = doc.tf[f].get(q.term);
        if (!raw) continue;
        const p = fields[f];
        tf += (p.weight * raw) / (1 - p.b + (p.b * doc.length[f]) / this.#avg[f]);
      }
      if (tf > 0) total += q.weight * this.idf(q.term) * (tf / (k1 + tf));
    }
    return total;
  }

  get size(): number {
    return this.#docs.length;
  }
}
