// The offline documentation index behind doc_search: pages of docs/**/*.md split into sections, ranked
// with BM25F plus query synonyms; page fetch by path (truncated), near-path suggestions, a per-process cache.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { Bm25Index, DEFAULT_BM25, fieldedDoc, type FieldedDoc } from './bm25.js';
import { parseMarkdownPage } from './markdown-sections.js';
import { nearPaths, normalizeDocPath, segmentKey } from './near-paths.js';
import { expandQuery } from './query-synonyms.js';
import { bestSnippet, plainText, SNIPPET_MAX_CHARS, type Snippet } from './snippet.js';
import { terms, tokenize, type Token } from './text-terms.js';

/** Longest page content returned, as in the seed's doc_search. */
export const DOC_PAGE_MAX_CHARS = 8000;
export const TRUNCATION_MARK = '\n... (truncated)';
export const DEFAULT_SEARCH_LIMIT = 5;
export const MAX_SEARCH_LIMIT = 20;
/** Weight of the whole-page score added to a page's best section score. */
export const PAGE_SCORE_WEIGHT = 1;

export interface DocHit {
  /** Page path without `.md`, relative to the docs root: `modules/time`. */
  readonly path: string;
  readonly title: string;
  readonly score: number;
  /** Text of the best-matching section around the query words (at most 300 characters). */
  readonly snippet: string;
}

export interface DocPage {
  readonly path: string;
  readonly title: string;
  /** The page's markdown, cut at DOC_PAGE_MAX_CHARS with TRUNCATION_MARK appended. */
  readonly content: string;
  readonly truncated: boolean;
}

export interface DocSource {
  /** Path without `.md`, `/`-separated. */
  readonly path: string;
  readonly markdown: string;
}

export interface SearchOptions {
  /** Hits to return (default 5, at most 20). */
  readonly limit?: number;
}

interface IndexedSection {
  readonly page: number;
  /** `heading: body` as snippets quote it, and its tokens. */
  readonly text: string;
  readonly tokens: readonly Token[];
}

interface IndexedPage {
  readonly path: string;
  readonly title: string;
  readonly markdown: string;
}

/** `text` cut at `max` characters with the truncation mark (unchanged when it fits). */
export function truncateDoc(text: string, max: number = DOC_PAGE_MAX_CHARS): { text: string; truncated: boolean } {
  if (text.length <= max) return { text, truncated: false };
  return { text: text.slice(0, max) + TRUNCATION_MARK, truncated: true };
}

/** Code-unit order of two page paths. */
function comparePaths(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

export class DocIndex {
  readonly #pages: IndexedPage[] = [];
  readonly #sections: IndexedSection[] = [];
  readonly #byPath = new Map<string, number>();
  /** One document per section: finds the passage that answers. */
  readonly #bm25: Bm25Index;
  /** One document per page: rewards pages that answer across several sections. */
  readonly #pageBm25: Bm25Index;

  constructor(sources: readonly DocSource[]) {
    const docs: FieldedDoc[] = [];
    const pageDocs: FieldedDoc[] = [];
    // code-unit order (paths are ASCII): localeCompare would load ICU (~20-36 ms, +8 MB) with the first index
    for (const source of [...sources].sort((a, b) => comparePaths(a.path, b.path))) {
      const path = normalizeDocPath(source.path);
      if (this.#byPath.has(path)) throw new Error(`doc index: two pages have the path "${path}"`);
      const parsed = parseMarkdownPage(source.markdown, path);
      const pageNo = this.#pages.length;
      this.#pages.push({ path, title: parsed.title, markdown: source.markdown });
      this.#byPath.set(path, pageNo);
      // The path's words ("modules/http_client" -> modules, http, client) count as title words.
      const titleTerms = terms(`${parsed.title} ${path.replace(/[/_-]/g, ' ')}`);
      const pageHeadings: string[] = [];
      const pageBody: string[] = [];
      for (const section of parsed.sections) {
        // Fence lines are markup (```lua example, ```json expect): their words would be on every page.
        const body = plainText(section.body);
        // One tokenization of the section's text serves both its fields and its search-time snippets.
        const text = section.heading === '' ? body : `${section.heading}: ${body}`;
        const tokens = tokenize(text);
        const headingEnd = section.heading.length;
        const headingTerms = tokens.filter((t) => t.end <= headingEnd).map((t) => t.term);
        const bodyTerms = tokens.filter((t) => t.start > headingEnd).map((t) => t.term);
        pageHeadings.push(...headingTerms);
        pageBody.push(...bodyTerms);
        docs.push(fieldedDoc({ title: titleTerms, heading: headingTerms, body: bodyTerms }));
        this.#sections.push({ page: pageNo, text, tokens });
      }
      pageDocs.push(fieldedDoc({ title: titleTerms, heading: pageHeadings, body: pageBody }));
    }
    this.#bm25 = new Bm25Index(docs);
    // Each page is one document here, so its title counts once for document frequency.
    this.#pageBm25 = new Bm25Index(pageDocs, { ...DEFAULT_BM25, dfFields: ['title', 'heading', 'body'] });
  }

  /** Every page path, sorted. */
  paths(): string[] {
    return this.#pages.map((p) => p.path);
  }

  get sectionCount(): number {
    return this.#sections.length;
  }

  /**
   * Pages ranked for `query` (empty when no word matches). A page scores as its best section plus
   * PAGE_SCORE_WEIGHT times the whole page's score; the snippet is the window, among the page's
   * sections, holding the most query words (the first wins ties).
   */
  search(query: string, options: SearchOptions = {}): DocHit[] {
    const limit = Math.max(1, Math.min(MAX_SEARCH_LIMIT, Math.floor(options.limit ?? DEFAULT_SEARCH_LIMIT)));
    const q = expandQuery(query);
    if (q.length === 0) return [];
    const best = new Map<number, number>();
    const matched = new Map<number, number[]>();
    for (let i = 0; i < this.#sections.length; i++) {
      const score = this.#bm25.score(i, q);
      if (score <= 0) continue;
      const page = this.#sections[i]!.page;
      best.set(page, Math.max(best.get(page) ?? 0, score));
      const list = matched.get(page) ?? [];
      list.push(i);
      matched.set(page, list);
    }
    for (const [page, score] of best) best.set(page, score + PAGE_SCORE_WEIGHT * this.#pageBm25.score(page, q));
    const weights = new Map(q.map((t) => [t.term, t.weight]));
    return [...best]
      .sort((a, b) => b[1] - a[1] || comparePaths(this.#pages[a[0]]!.path, this.#pages[b[0]]!.path))
      .slice(0, limit)
      .map(([page, score]) => ({
        path: this.#pages[page]!.path,
        title: this.#pages[page]!.title,
        score: Math.round(score * 1000) / 1000,
        snippet: this.#snippet(matched.get(page)!, weights),
      }));
  }

  #snippet(sections: readonly number[], weights: ReadonlyMap<string, number>): string {
    let chosen: Snippet | undefined;
    for (const i of sections) {
      const { text, tokens } = this.#sections[i]!;
      const s = bestSnippet(text, weights, SNIPPET_MAX_CHARS, tokens);
      if (!chosen || s.value > chosen.value) chosen = s;
    }
    return chosen?.text ?? '';
  }

  /**
   * The known path `path` designates: exact (after normalising `/x.md`, `docs/`, `en/`), else the one
   * page whose last segment matches (`time` or `lua/core/time` -> `modules/time`), else undefined.
   */
  resolve(path: string): string | undefined {
    const p = normalizeDocPath(path);
    if (this.#byPath.has(p)) return p;
    const key = segmentKey(p);
    if (key === '') return undefined;
    const same = this.#pages.filter((page) => segmentKey(page.path) === key);
    return same.length === 1 ? same[0]!.path : undefined;
  }

  /** The page at `path` (see resolve), its content truncated at `maxChars`; undefined when unknown. */
  page(path: string, maxChars: number = DOC_PAGE_MAX_CHARS): DocPage | undefined {
    const resolved = this.resolve(path);
    if (resolved === undefined) return undefined;
    const page = this.#pages[this.#byPath.get(resolved)!]!;
    const { text, truncated } = truncateDoc(page.markdown, maxChars);
    return { path: page.path, title: page.title, content: text, truncated };
  }

  /** Known paths closest to an unknown `path`. */
  near(path: string, limit = 5): string[] {
    return nearPaths(path, this.paths(), limit);
  }
}

function listMarkdown(root: string, dir: string, out: string[]): void {
  for (const name of readdirSync(dir).sort()) {
    if (name.startsWith('.') || name === 'node_modules') continue;
    const full = join(dir, name);
    if (statSync(full).isDirectory()) listMarkdown(root, full, out);
    else if (name.toLowerCase().endsWith('.md')) out.push(relative(root, full));
  }
}

/** Every `*.md` under `dir` as index sources (`modules/time.md` -> path `modules/time`). */
export function readDocSources(dir: string): DocSource[] {
  const files: string[] = [];
  listMarkdown(dir, dir, files);
  return files.map((rel) => ({
    path: rel.split(sep).join('/').replace(/\.md$/i, ''),
    markdown: readFileSync(join(dir, rel), 'utf8'),
  }));
}

const cache = new Map<string, DocIndex>();

/** The index of `dir`, built on first use and kept for the life of the process (or worker thread). */
export function docIndexFor(dir: string): DocIndex {
  let index = cache.get(dir);
  if (!index) {
    index = new DocIndex(readDocSources(dir));
    cache.set(dir, index);
  }
  return index;
}

/** Forget cached indexes (tests that rewrite a docs directory). */
export function clearDocIndexCache(): void {
  cache.clear();
}
