// The module factory rewrite: which ES-module shapes become a factory body (and with which exports), and
// which are left to per-call module evaluation.
import { describe, expect, it } from 'vitest';
import { DEFAULT_BINDING, factoryScript, moduleFactory } from '../../../src/isolates/js/module-factory.js';

describe('moduleFactory rewrites simple modules', () => {
  it.each([
    ['export function handler(i) { return i }', [['handler', 'handler']]],
    ['export async function handler(i) { return i }', [['handler', 'handler']]],
    ['export function* gen() {}\nexport class K {}', [['K', 'K'], ['gen', 'gen']]],
    ['export const n = 1;\nexport let m = 2\nexport var o = 3', [['m', 'm'], ['n', 'n'], ['o', 'o']]],
    ['function a() {}\nconst b = 1;\nexport { a, b as handler }', [['a', 'a'], ['handler', 'b']]],
    ['export default function named(i) { return i }', [['default', 'named']]],
    ['export default { handler(i) { return i } }', [['default', DEFAULT_BINDING]]],
    ['const s = "}) export"; const r = /[}`]/g;\nexport function handler() { return `${s}${"{"}` }', undefined],
  ] as const)('%s', (source, exports) => {
    const factory = moduleFactory(source);
    if (exports === undefined) {
      expect(factory).toBeUndefined();
      return;
    }
    expect(factory?.exports).toEqual(exports);
    expect(factory?.body.split('\n').length).toBe(source.split('\n').length);
    expect(factory?.body).not.toMatch(/\bexport\b/);
  });

  it('keeps line numbers: the factory script starts the source on its first line', () => {
    const factory = moduleFactory('const a = 1;\n\nexport function handler() { return a }')!;
    const script = factoryScript(factory);
    expect(script.split('\n')[2]).toContain('function handler() { return a }');
  });

  it('skips regular expressions, templates and comments holding brackets', () => {
    const source = 'const re = /[{(]/g; // }\n/* { */ const t = `a${ { x: "}" }.x }b`;\nexport function handler() { return [re.source, t] }';
    expect(moduleFactory(source)?.exports).toEqual([['handler', 'handler']]);
  });
});

describe('moduleFactory leaves everything else to module evaluation', () => {
  it.each([
    ['no exports', 'function handler() {}'],
    ['an import', 'import x from "y";\nexport function handler() {}'],
    ['import() anywhere', 'export async function handler() { return import("fs") }'],
    ['re-exports', 'export * from "x"'],
    ['export list from a module', 'export { a } from "x"'],
    ['destructuring exports', 'export const { a, b } = { a: 1, b: 2 }'],
    ['export inside a string', 'export function handler() { return "export" }'],
    ['a property named export', 'const o = { export: 1 };\nexport function handler() { return o.export }'],
    ['HTML-like comments', 'export function handler(a, b) { return a <!--b }'],
    ['the hidden default name', `const ${DEFAULT_BINDING} = 1;\nexport default 2`],
    ['an exported __proto__', 'const __proto__ = 1;\nexport { __proto__ }'],
    ['duplicate export names', 'function a() {}\nexport { a, a }'],
    ['unbalanced brackets', 'export function handler() { return 1 }\n})'],
    ['an unterminated template', 'export function handler() { return `x }'],
  ])('%s', (_name, source) => {
    expect(moduleFactory(source)).toBeUndefined();
  });
});
