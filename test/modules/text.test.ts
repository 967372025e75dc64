// Tests for the text module: RE2-style regexps (Go method semantics, byte indexes, expansion, split),
// character diffs and the recursive/markdown splitters.
import { describe, expect, it } from 'vitest';
import { textModule as text } from '../../src/modules/text.js';
import { ArgumentFailure, ModuleFailure } from '../../src/modules/module-spec.js';
import { call, makeContext, method } from './context.js';

const compile = (p: string): any => call(text, 'regexp.compile', p);

describe('text.regexp', () => {
  it('match/find/find_all/submatch follow Go semantics', () => {
    const re = compile('(\\w+)@(\\w+)\\.com');
    const s = 'mail bob@example.com and amy@test.com';
    expect(method(text, re, 'match_string', s)).toBe(true);
    expect(method(text, re, 'find_string', s)).toBe('bob@example.com');
    expect(method(text, re, 'find_all_string', s)).toEqual(['bob@example.com', 'amy@test.com']);
    expect(method(text, re, 'find_all_string', s, 1)).toEqual(['bob@example.com']);
    expect(method(text, re, 'find_string_submatch', s)).toEqual(['bob@example.com', 'bob', 'example']);
    expect(method(text, re, 'find_all_string_submatch', s)).toEqual([['bob@example.com', 'bob', 'example'], ['amy@test.com', 'amy', 'test']]);
    expect(method(text, re, 'find_string', 'nothing')).toBeNull();
    expect(method(text, re, 'find_string_submatch', 'nothing')).toBeNull();
    expect(method(text, re, 'num_subexp')).toBe(2);
  });
  it('indexes are 1-based UTF-8 byte positions usable with string.sub', () => {
    const re = compile('b+');
    expect(method(text, re, 'find_string_index', 'aébbc')).toEqual([4, 5]);
    expect(method(text, re, 'find_all_string_index', 'bxbb')).toEqual([[1, 1], [3, 4]]);
    expect(method(text, re, 'find_all_string_index', 'xyz')).toBeNull();
  });
  it('replace_all_string expands $1, ${name} and $$ like Go', () => {
    const re = compile('(?P<first>\\w+)\\s(?P<last>\\w+)');
    expect(method(text, re, 'replace_all_string', 'John Smith', '${last}, $first')).toBe('Smith, John');
    expect(method(text, re, 'replace_all_string', 'John Smith', '$2 $1 $$')).toBe('Smith John $');
    expect(method(text, re, 'replace_all_string', 'John Smith', '$1x')).toBe('');
    expect(method(text, re, 'subexp_names')).toEqual(['', 'first', 'last']);
    expect(method(text, compile('a*'), 'replace_all_string', 'baaac', '-')).toBe('-b-c-');
  });
  it('split(s, n) matches Go Regexp.Split', () => {
    const re = compile('\\s*,\\s*');
    expect(method(text, re, 'split', 'a , b,c', -1)).toEqual(['a', 'b', 'c']);
    expect(method(text, re, 'split', 'a,b,c', 2)).toEqual(['a', 'b,c']);
    expect(method(text, re, 'split', 'a,b', 0)).toBeNull();
    expect(method(text, compile('a*'), 'split', 'abaabaccadaaae', 5)).toEqual(['', 'b', 'b', 'c', 'cadaaae']);
  });
  it('supports leading flags and POSIX classes, rejects what RE2 lacks', () => {
    expect(method(text, compile('(?i)hello'), 'match_string', 'HeLLo')).toBe(true);
    expect(method(text, compile('^[[:digit:]]+$'), 'match_string', '123')).toBe(true);
    expect(method(text, compile('\\Qa.b\\E'), 'match_string', 'axb')).toBe(false);
    for (const bad of ['(a)\\1', 'a(?=b)', '(?<!x)y', '[abc', '(']) {
      expect(() => compile(bad)).toThrow(expect.objectContaining({ kind: 'Invalid' }));
    }
  });
  it('a forged or stale handle raises', () => {
    const re = compile('x');
    expect(() => text.types!['text.Regexp']!.methods.match_string!(makeContext(), re, 'x')).toThrow(ArgumentFailure);
    expect(() => method(text, { __type: 'text.Regexp', handle: 99999 } as any, 'match_string', 'x')).toThrow(ArgumentFailure);
  });
});

describe('text.diff', () => {
  const d = call(text, 'diff.new');
  it('compare gives equal/delete/insert operations and summarize counts characters', () => {
    const diffs = method(text, d, 'compare', 'hello world', 'help world!');
    expect(diffs.map((x: any) => x.operation)).toEqual(['equal', 'delete', 'insert', 'equal', 'insert']);
    expect(diffs.filter((x: any) => x.operation !== 'insert').map((x: any) => x.text).join('')).toBe('hello world');
    expect(diffs.filter((x: any) => x.operation !== 'delete').map((x: any) => x.text).join('')).toBe('help world!');
    expect(method(text, d, 'summarize', diffs)).toEqual({ insertions: 2, deletions: 2, equals: 9 });
  });
  it('pretty_text colours and pretty_html marks changes', () => {
    const diffs = [{ operation: 'equal', text: 'a' }, { operation: 'delete', text: 'b' }, { operation: 'insert', text: '<c>' }];
    expect(method(text, d, 'pretty_text', diffs)).toBe('a\x1b[31mb\x1b[0m\x1b[32m<c>\x1b[0m');
    expect(method(text, d, 'pretty_html', diffs)).toBe('<span>a</span><del style="background:#ffe6e6;">b</del><ins style="background:#e6ffe6;">&lt;c&gt;</ins>');
    expect(() => method(text, d, 'summarize', [{ operation: 'bogus', text: '' }])).toThrow(ArgumentFailure);
  });
});

describe('text.diff patches', () => {
  it('patch_make/patch_apply round-trip line changes and report failure', () => {
    const d = call(text, 'diff.new');
    const patch = method(text, d, 'patch_make', 'a\nb\nc\n', 'a\nB\nc\n');
    expect(patch).toContain('-b\n+B');
    expect(method(text, d, 'patch_apply', patch, 'a\nb\nc\n').__multi).toEqual(['a\nB\nc\n', true]);
    expect(method(text, d, 'patch_apply', patch, 'x\ny\n').__multi).toEqual(['x\ny\n', false]);
  });
});

describe('text.splitter', () => {
  it('recursive splitting respects chunk_size and overlaps', () => {
    const sp = call(text, 'splitter.recursive', { chunk_size: 20, chunk_overlap: 6 });
    const input = 'one two three four five six seven eight nine ten';
    const chunks: string[] = method(text, sp, 'split_text', input);
    expect(chunks.length).toBeGreaterThan(2);
    for (const c of chunks) expect(c.length).toBeLessThanOrEqual(20);
    expect(chunks[0]).toBe('one two three four');
    expect(chunks[1]!.startsWith('four')).toBe(true);
    expect(chunks.join(' ')).toContain('nine ten');
  });
  it('paragraphs are kept together when they fit', () => {
    const sp = call(text, 'splitter.recursive', { chunk_size: 30, chunk_overlap: 0 });
    expect(method(text, sp, 'split_text', 'First paragraph here.\n\nSecond one here.')).toEqual(['First paragraph here.', 'Second one here.']);
  });
  it('markdown splitting cuts at headings and carries the heading path', () => {
    const sp = call(text, 'splitter.markdown', { chunk_size: 60, chunk_overlap: 0 });
    const md = '# Guide\nIntro text.\n## Install\nRun npm install.\n## Use\nCall the tool.';
    expect(method(text, sp, 'split_text', md)).toEqual(['# Guide\nIntro text.', '# Guide\n## Install\nRun npm install.', '# Guide\n## Use\nCall the tool.']);
  });
  it('split_batch keeps metadata and invalid options are Invalid', () => {
    const sp = call(text, 'splitter.recursive', { chunk_size: 10, chunk_overlap: 0 });
    expect(method(text, sp, 'split_batch', [{ content: 'aaaa bbbb cccc', metadata: { id: 1 } }])).toEqual([
      { content: 'aaaa bbbb', metadata: { id: 1 } }, { content: 'cccc', metadata: { id: 1 } }]);
    expect(() => call(text, 'splitter.recursive', { chunk_size: 10, chunk_overlap: 10 })).toThrow(ModuleFailure);
  });
});
