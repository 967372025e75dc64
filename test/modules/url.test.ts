// Tests for the url module: parse/build round trip, query strings, component encoding.
// Calls the ModuleSpec directly with a minimal CallContext.
import { describe, expect, it } from 'vitest';
import { urlModule as url } from '../../src/modules/url.js';
import { call } from './context.js';

describe('url', () => {
  it('parses every part', () => {
    expect(call(url, 'parse', 'https://bob:pw@Example.com:8443/a/b%20c?x=1&y=two+words&x=2#frag')).toEqual({
      scheme: 'https', host: 'example.com', port: 8443, path: '/a/b%20c',
      query: { x: ['1', '2'], y: 'two words' }, raw_query: 'x=1&y=two+words&x=2', fragment: 'frag', user: 'bob', password: 'pw',
    });
    expect(call(url, 'parse', 'http://[::1]:80/')).toMatchObject({ host: '[::1]', port: 80, path: '/' });
    expect(call(url, 'parse', '/relative?q')).toMatchObject({ scheme: '', host: '', path: '/relative', query: { q: '' } });
  });
  it('build(parse(u)) round-trips', () => {
    for (const u of ['https://example.com/search?lang=en&q=hello+world#top', 'http://u:p@h.io:81/x', 'mailto:a@b.c', 'https://example.com']) {
      expect(call(url, 'build', call(url, 'parse', u))).toBe(u);
    }
    expect(call(url, 'build', { scheme: 'https', host: 'api.x.com', path: 'v1/items', query: { page: 2, tag: ['a b', 'c&d'] } }))
      .toBe('https://api.x.com/v1/items?page=2&tag=a+b&tag=c%26d');
  });
  it('encodes and decodes components and queries', () => {
    expect(call(url, 'encode', "a b/c?d=é&!'")).toBe('a%20b%2Fc%3Fd%3D%C3%A9%26%21%27');
    expect(call(url, 'decode', 'a%20b%2Fc+')).toBe('a b/c+');
    expect(call(url, 'query_encode', { b: 'x y', a: 1 })).toBe('a=1&b=x+y');
    expect(call(url, 'query_decode', '?a=1&b=x+y&c=%E2%9C%93')).toEqual({ a: '1', b: 'x y', c: '✓' });
  });
  it('reports bad input as Invalid', () => {
    for (const f of [() => call(url, 'decode', '%zz'), () => call(url, 'parse', 'http://h:99999/'), () => call(url, 'parse', 'http://a b')]) {
      expect(f).toThrow(expect.objectContaining({ kind: 'Invalid' }));
    }
  });
});
