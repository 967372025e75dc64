// Tests for the yaml module: round trip, key order, field_order and error kinds.
// Calls the ModuleSpec directly with a minimal CallContext.
import { describe, expect, it } from 'vitest';
import { yamlModule as yaml } from '../../src/modules/yaml.js';
import { ModuleFailure } from '../../src/modules/module-spec.js';
import { call } from './context.js';

describe('yaml', () => {
  it('round-trips and sorts keys by default', () => {
    const v = { name: 'svc', ports: [80, 443], env: { B: 'x', A: true }, ratio: 0.5 };
    const text = call(yaml, 'encode', v);
    expect(text).toBe('env:\n  A: true\n  B: x\nname: svc\nports:\n  - 80\n  - 443\nratio: 0.5\n');
    expect(call(yaml, 'decode', text)).toEqual(v);
  });
  it('honours field_order', () => {
    expect(call(yaml, 'encode', { b: 1, a: 2, id: 3 }, { field_order: ['id'], sort_unordered: true })).toBe('id: 3\na: 2\nb: 1\n');
  });
  it('error kinds: non-table encode and empty decode are Invalid, syntax errors Internal', () => {
    expect(() => call(yaml, 'encode', 'str')).toThrow(expect.objectContaining({ kind: 'Invalid' }));
    expect(() => call(yaml, 'decode', '')).toThrow(expect.objectContaining({ kind: 'Invalid' }));
    expect(() => call(yaml, 'decode', 'a: [1, 2')).toThrow(expect.objectContaining({ kind: 'Internal' }));
    expect(() => call(yaml, 'decode', 'a: 1\na: 2')).toThrow(ModuleFailure);
  });
  it('decodes scalars and the first document', () => {
    expect(call(yaml, 'decode', 'x: 010\ny: "010"\nz: null\nw: 2024-01-01')).toEqual({ x: 10, y: '010', z: null, w: '2024-01-01' });
    expect(call(yaml, 'decode', '- a\n- b\n')).toEqual(['a', 'b']);
  });
});
