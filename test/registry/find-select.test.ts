// find() and select() over a snapshot: globs on kind/ns/name/id, meta conditions on dotted paths,
// namespace boundaries (`app:*` never matches `app.tools:x`), clear errors; kinds are test-only (no schema).
import { beforeAll, describe, expect, it } from 'vitest';
import type { Entry } from '../../schemas/entry.js';
import { createRegistry } from '../../src/registry/registry.js';
import type { FindFilter, Snapshot } from '../../src/registry/types.js';
import { MemoryStore } from '../../src/store/memory-store.js';

const e = (id: string, kind: string, meta: Record<string, unknown> = {}): Entry => ({ id, kind, meta, data: null });
const base: Entry[] = [
  e('app:agent', 'test.entry', { type: 'agent.gen1', title: 'Main agent', options: { retry: 3, mode: 'fast' } }),
  e('app:gpt-5.1', 'test.entry', { type: 'llm.model', tags: ['cheap', 'fast'], priority: 1 }),
  e('app.tools:doc_search', 'test.fn.lua', { type: 'tool', title: 'Doc search', tags: ['docs'] }),
  e('app.tools:read_file', 'test.fn.lua', { type: 'tool', title: 'Read a file' }),
  e('app.generated:word_count', 'test.fn.js', { type: 'tool', title: 'Word counter', flag: false }),
  e('app.generated.deep:x_tool', 'test.fn.lua', { type: 'tool' }),
  e('application:main', 'test.entry', { type: 'application' }),
  e('other:thing', 'test.policy', {}),
];

let snap: Snapshot;
beforeAll(async () => {
  snap = (await createRegistry({ store: new MemoryStore(), base })).current();
});
const ids = (list: Entry[]) => list.map((x) => x.id);
const find = (f: FindFilter) => ids(snap.find(f));

describe('find', () => {
  it('returns everything for an empty filter, sorted by id', () => {
    expect(find({})).toEqual([...base.map((x) => x.id)].sort());
  });

  it.each<[FindFilter, string[]]>([
    [{ kind: 'test.fn.lua' }, ['app.generated.deep:x_tool', 'app.tools:doc_search', 'app.tools:read_file']],
    [{ kind: 'test.fn.*' }, ['app.generated.deep:x_tool', 'app.generated:word_count', 'app.tools:doc_search', 'app.tools:read_file']],
    [{ ns: 'app' }, ['app:agent', 'app:gpt-5.1']],
    [{ ns: 'app.*' }, ['app.generated.deep:x_tool', 'app.generated:word_count', 'app.tools:doc_search', 'app.tools:read_file']],
    [{ name: '*_tool' }, ['app.generated.deep:x_tool']],
    [{ name: 'gpt-5.1' }, ['app:gpt-5.1']],
    [{ name: 'gpt-5?1' }, []],
    [{ id: 'app.tools:*' }, ['app.tools:doc_search', 'app.tools:read_file']],
    [{ id: 'app.tools:doc_search' }, ['app.tools:doc_search']],
    [{ kind: 'test.fn.lua', ns: 'app.tools', name: 'doc*' }, ['app.tools:doc_search']],
  ])('matches root fields %j', (filter, expected) => {
    expect(find(filter)).toEqual(expected);
  });

  it.each<[FindFilter['meta'], string[]]>([
    [{ type: 'llm.model' }, ['app:gpt-5.1']],
    [{ type: { eq: 'application' } }, ['application:main']],
    [{ 'options.retry': 3 }, ['app:agent']],
    [{ 'options.retry': '3' }, []],
    [{ 'options.mode': { prefix: 'fa' } }, ['app:agent']],
    [{ title: { suffix: 'file' } }, ['app.tools:read_file']],
    [{ title: { contains: 'search' } }, ['app.tools:doc_search']],
    [{ tags: { contains: 'fast' } }, ['app:gpt-5.1']],
    [{ tags: { contains: 'fas' } }, []],
    [{ tags: { eq: ['cheap', 'fast'] } }, ['app:gpt-5.1']],
    [{ title: { regex: '^(Doc|Word) ' } }, ['app.generated:word_count', 'app.tools:doc_search']],
    [{ flag: false }, ['app.generated:word_count']],
    [{ priority: 1, type: 'llm.model' }, ['app:gpt-5.1']],
    [{ 'options.missing': { eq: null } }, []],
    [{ tags: ['fast', 'cheap'] as never }, ['app:gpt-5.1']],
    [{ tags: ['fast', 'docs'] as never }, []],
    [{ 'title.length': 9 }, []],
  ])('matches meta conditions %j', (meta, expected) => {
    expect(find({ meta })).toEqual(expected);
  });

  it('never matches entries lacking the field', () => {
    expect(find({ meta: { title: { regex: '.*' } } })).toEqual([
      'app.generated:word_count',
      'app.tools:doc_search',
      'app.tools:read_file',
      'app:agent',
    ]);
  });

  it('names the field of a malformed condition', () => {
    expect(() => snap.find({ meta: { title: { regex: '(' } } })).toThrow(expect.objectContaining({ code: 'USAGE', message: expect.stringContaining('title') }));
    expect(() => snap.find({ meta: { title: { like: 'x' } as never } })).toThrow(expect.objectContaining({ message: expect.stringContaining('unknown operator "like"') }));
    expect(() => snap.find({ meta: { title: { prefix: 'a', suffix: 'b' } as never } })).toThrow(expect.objectContaining({ code: 'USAGE' }));
  });
});

describe('select and namespace', () => {
  it.each<[string, string[]]>([
    ['app.tools:doc_search', ['app.tools:doc_search']],
    ['app.tools:nope', []],
    ['app:*', ['app:agent', 'app:gpt-5.1']],
    ['app.tools:*', ['app.tools:doc_search', 'app.tools:read_file']],
    ['app.generated:*', ['app.generated:word_count']],
    ['app.tools:read*', ['app.tools:read_file']],
    ['app.*:*', ['app.generated.deep:x_tool', 'app.generated:word_count', 'app.tools:doc_search', 'app.tools:read_file']],
    ['app.generated.*:*', ['app.generated.deep:x_tool']],
    ['*:*', [...base.map((x) => x.id)].sort()],
  ])('%s', (selector, expected) => {
    expect(ids(snap.select(selector))).toEqual(expected);
  });

  it('keeps namespace boundaries: app does not include app.tools or application', () => {
    expect(ids(snap.namespace('app'))).toEqual(['app:agent', 'app:gpt-5.1']);
    expect(ids(snap.namespace('app.tools'))).toEqual(['app.tools:doc_search', 'app.tools:read_file']);
    expect(ids(snap.select('app:*'))).not.toContain('application:main');
    expect(ids(snap.namespace('app.generated'))).toEqual(['app.generated:word_count']);
    expect(ids(snap.namespace('app.generated.deep'))).toEqual(['app.generated.deep:x_tool']);
    expect(ids(snap.namespace('application'))).toEqual(['application:main']);
    expect([snap.namespace('ap'), snap.namespace(''), snap.namespace('app:agent'), snap.namespace('zzz')]).toEqual([[], [], [], []]);
  });

  it('refuses malformed selectors with REGISTRY_INVALID_ID naming them', () => {
    for (const bad of ['app', 'app:', ':x', 'a:b:c', 'a b:*']) {
      expect(() => snap.select(bad)).toThrow(expect.objectContaining({ code: 'REGISTRY_INVALID_ID', message: expect.stringContaining(JSON.stringify(bad)) }));
    }
  });
});
