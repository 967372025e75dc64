// The `docs` ModuleSpec called directly: search hits and options, page fetch, NotFound naming the
// nearest paths, argument misuse, and its declaration (privileged, runs in the isolate, not remote).
import { describe, expect, it } from 'vitest';
import { docsModule as D } from '../../src/modules/docs.js';
import { ArgumentFailure, ModuleFailure } from '../../src/modules/module-spec.js';
import { makeContext } from '../modules/context.js';

const ctx = makeContext({ entryId: 'app.tools:doc_search', trusted: true });
const call = (name: string, ...args: any[]): any => D.functions[name]!(ctx, ...args);

function failure(fn: () => unknown): any {
  try {
    fn();
  } catch (e) {
    return e;
  }
  throw new Error('expected a failure');
}

describe('docs module', () => {
  it('is privileged and runs inside the isolate (no remote functions)', () => {
    expect(D.name).toBe('docs');
    expect(D.privileged).toBe(true);
    expect(D.remote ?? []).toEqual([]);
    expect(Object.keys(D.functions).sort()).toEqual(['page', 'paths', 'remote', 'search']);
  });

  it('searches: plain hits {path, title, score, snippet}, best first, 5 by default', () => {
    const hits = call('search', 'format the current time');
    expect(hits.length).toBeLessThanOrEqual(5);
    expect(hits[0]).toEqual({ path: 'modules/time', title: expect.any(String), score: expect.any(Number), snippet: expect.any(String) });
    expect(call('search', 'string', { limit: 2 })).toHaveLength(2);
    expect(call('search', 'zzxqv')).toEqual([]);
  });

  it('fails an empty query with Invalid and misuse with an argument error', () => {
    expect(failure(() => call('search', '   '))).toMatchObject({ kind: 'Invalid' });
    expect(failure(() => call('search', '   '))).toBeInstanceOf(ModuleFailure);
    expect(failure(() => call('search', 42))).toBeInstanceOf(ArgumentFailure);
    expect(failure(() => call('search', 'json', { limit: 0 }))).toBeInstanceOf(ArgumentFailure);
    expect(failure(() => call('search', 'json', 'five'))).toBeInstanceOf(ArgumentFailure);
  });

  it('reads a page by path: {path, title, content}', () => {
    const page = call('page', 'modules/env');
    expect(page).toEqual({ path: 'modules/env', title: expect.stringMatching(/^env — /), content: expect.stringMatching(/^# env/) });
    expect(call('page', 'guides/errors.md').path).toBe('guides/errors');
  });

  it('answers an unknown path with NotFound naming the nearest paths', () => {
    const err = failure(() => call('page', 'modules/hashes'));
    expect(err).toBeInstanceOf(ModuleFailure);
    expect(err.kind).toBe('NotFound');
    expect(err.message).toContain('modules/hash');
    expect(err.details.near).toContain('modules/hash');
    expect(failure(() => call('page', ''))).toMatchObject({ kind: 'Invalid' });
  });

  it('names the remote docs endpoint of the pool\'s moduleConfig, without trailing slashes, or nil', () => {
    expect(call('remote')).toBeNull();
    const at = (remote: unknown): unknown => D.functions['remote']!(makeContext({ moduleConfig: { docs: { remote } } }));
    expect(at('https://wippy.ai/llm//')).toBe('https://wippy.ai/llm');
    expect(at('  ')).toBeNull();
    expect(at(42)).toBeNull();
    expect(D.functions['remote']!(makeContext({ moduleConfig: { http_client: { remote: 'x' } } }))).toBeNull();
  });

  it('lists the paths', () => {
    const paths = call('paths');
    expect(paths).toEqual(expect.arrayContaining(['index', 'modules/funcs', 'guides/writing-lua-tools']));
    expect([...paths].sort()).toEqual(paths);
  });
});
