// The doc index: ranking of natural questions over the real docs/ pages, snippets, page fetch with
// truncation, path resolution and near-path suggestions, markdown sectioning, stemming and synonyms.
import { describe, expect, it } from 'vitest';
import { DOC_PAGE_MAX_CHARS, DocIndex, TRUNCATION_MARK, docIndexFor } from '../../src/docs/doc-index.js';
import { parseMarkdownPage } from '../../src/docs/markdown-sections.js';
import { expandQuery, SYNONYM_WEIGHT } from '../../src/docs/query-synonyms.js';
import { SNIPPET_MAX_CHARS } from '../../src/docs/snippet.js';
import { stem, terms } from '../../src/docs/text-terms.js';
import { docsDir } from '../../src/paths.js';

const index = docIndexFor(docsDir());

const RANKING: ReadonlyArray<readonly [string, string]> = [
  ['format the current time', 'modules/time'],
  ['http get with headers', 'modules/http_client'],
  ['sha256 of a string', 'modules/hash'],
  ['parse json', 'modules/json'],
  ['generate a uuid', 'modules/uuid'],
  ['regular expression match', 'modules/text'],
  ['read an environment variable', 'modules/env'],
  ['base64 decode', 'modules/base64'],
  ['evaluate an expression', 'modules/expr'],
  ['call another tool', 'modules/funcs'],
  ['encrypt data with a key', 'modules/crypto'],
  ['which policy denies a registry write', 'modules/security'],
  ['create a changeset and apply it', 'modules/registry'],
  ['what is not available in lua tools', 'guides/writing-lua-tools'],
];

describe('doc index ranking', () => {
  it.each(RANKING)('"%s" finds %s in the top 3', (query, page) => {
    const top = index.search(query, { limit: 3 }).map((h) => h.path);
    expect(top).toContain(page);
  });

  it('ranks the module page first for its own name and orders hits by score', () => {
    const hits = index.search('yaml');
    expect(hits[0]!.path).toBe('modules/yaml');
    for (let i = 1; i < hits.length; i++) expect(hits[i]!.score).toBeLessThanOrEqual(hits[i - 1]!.score);
  });

  it('returns nothing for a query of stop words or unknown words, and honours the limit', () => {
    expect(index.search('how do I do this')).toEqual([]);
    expect(index.search('zzxqv wqzzy')).toEqual([]);
    expect(index.search('string', { limit: 2 })).toHaveLength(2);
    expect(index.search('string', { limit: 500 }).length).toBeLessThanOrEqual(20);
  });
});

describe('doc index hits', () => {
  it('have a path without .md, the page title, and a short snippet around the query words', () => {
    const [hit] = index.search('http get with headers');
    expect(hit).toMatchObject({ path: 'modules/http_client', title: expect.stringMatching(/^http_client — /) });
    expect(hit!.snippet.length).toBeLessThanOrEqual(SNIPPET_MAX_CHARS);
    expect(hit!.snippet.toLowerCase()).toMatch(/header/);
    expect(hit!.snippet).not.toContain('```');
  });

  it('keeps every snippet within the limit', () => {
    for (const [query] of RANKING) {
      for (const h of index.search(query, { limit: 10 })) expect(h.snippet.length).toBeLessThanOrEqual(SNIPPET_MAX_CHARS);
    }
  });
});

describe('doc index pages', () => {
  it('lists every page and reads one by path, with /, .md and docs/ tolerated', () => {
    expect(index.paths()).toEqual(expect.arrayContaining(['index', 'modules/time', 'modules/http_client', 'guides/errors']));
    const page = index.page('/docs/modules/time.md');
    expect(page).toMatchObject({ path: 'modules/time', title: expect.stringMatching(/^time — /), truncated: false });
    expect(page!.content.startsWith('# time')).toBe(true);
  });

  it('resolves a unique last segment (Wippy paths such as lua/core/time) and http-client spelling', () => {
    expect(index.resolve('lua/core/time')).toBe('modules/time');
    expect(index.resolve('http-client')).toBe('modules/http_client');
    expect(index.resolve('modules/nothing')).toBeUndefined();
  });

  it('suggests near paths for an unknown one', () => {
    expect(index.page('modules/tme')).toBeUndefined();
    const near = index.near('modules/tme');
    expect(near[0]).toBe('modules/time');
    expect(near.length).toBeLessThanOrEqual(5);
    expect(index.near('registy')).toContain('modules/registry');
  });

  it('truncates long pages at 8000 characters with the seed marker', () => {
    const long = `# Long\n\n${'word '.repeat(3000)}`;
    const small = new DocIndex([
      { path: 'big', markdown: long },
      { path: 'small', markdown: '# Small\n\nshort text' },
    ]);
    const page = small.page('big')!;
    expect(page.truncated).toBe(true);
    expect(page.content).toBe(long.slice(0, DOC_PAGE_MAX_CHARS) + TRUNCATION_MARK);
    expect(small.page('small')).toMatchObject({ content: '# Small\n\nshort text', truncated: false });
  });

  it('refuses two pages with the same path', () => {
    expect(() => new DocIndex([{ path: 'a', markdown: '# A' }, { path: 'a.md', markdown: '# B' }])).toThrow(/two pages/);
  });
});

describe('doc index text handling', () => {
  it('splits a page at headings, ignoring headings inside code fences', () => {
    const parsed = parseMarkdownPage('# Title\n\nintro\n\n## One\n\n```lua\n# not a heading\n```\n\n### Two\ntext', 'x');
    expect(parsed.title).toBe('Title');
    expect(parsed.sections.map((s) => [s.heading, s.level])).toEqual([['', 1], ['One', 2], ['Two', 3]]);
    expect(parsed.sections[1]!.body).toContain('# not a heading');
    expect(parseMarkdownPage('no heading', 'fallback').title).toBe('fallback');
  });

  it('stems plurals, -ing, -ed and final e to the same term', () => {
    expect(new Set(['encode', 'encoded', 'encoding', 'encodes'].map(stem))).toEqual(new Set(['encod']));
    expect(stem('entries')).toBe(stem('entry'));
    expect(stem('matches')).toBe('match');
    expect(stem('headers')).toBe('header');
    expect(stem('running')).toBe('run');
    expect(stem('calling')).toBe('call');
    expect(stem('sha256')).toBe('sha256');
    expect(terms('How do I read the headers?')).toEqual(['read', 'header']);
  });

  it('adds synonyms at half weight, and phrase synonyms replace word synonyms', () => {
    const q = expandQuery('hash a string');
    expect(q).toEqual(expect.arrayContaining([{ term: 'hash', weight: 1 }, { term: 'sha256', weight: SYNONYM_WEIGHT }]));
    const phrase = expandQuery('regular expression');
    expect(phrase.map((t) => t.term)).toEqual(expect.arrayContaining(['regexp', 'regex']));
    expect(phrase.map((t) => t.term)).not.toContain('expr');
    expect(expandQuery('current time').find((t) => t.term === 'now')?.weight).toBe(SYNONYM_WEIGHT);
  });
});
