// Tests for the json module: key order, integer formatting, decode errors, schema validation paths.
// Calls the ModuleSpec directly with a minimal CallContext.
import { describe, expect, it } from 'vitest';
import { jsonModule as json } from '../../src/modules/json.js';
import { ModuleFailure } from '../../src/modules/module-spec.js';
import { call } from './context.js';

const kindOf = (fn: () => unknown): string => {
  try {
    fn();
  } catch (e) {
    if (e instanceof ModuleFailure) return e.kind;
    return `raised:${(e as Error).message}`;
  }
  return 'no error';
};

describe('json.encode', () => {
  it('writes object keys in ascending byte order, integers without fraction', () => {
    expect(call(json, 'encode', { title: 'x', draft_id: 7, total: 3, content: 'c', style: 2.5 })).toBe('{"content":"c","draft_id":7,"style":2.5,"title":"x","total":3}');
    expect(call(json, 'encode', { b: { z: 1, a: [1, 2.0, 99.5] }, A: null })).toBe('{"A":null,"b":{"a":[1,2,99.5],"z":1}}');
  });
  it('turns NaN and Infinity into null and rejects typed values', () => {
    expect(call(json, 'encode', [NaN, Infinity, -0])).toBe('[null,null,0]');
    expect(kindOf(() => call(json, 'encode', { t: { __type: 'time.Time', unix: 1 } }))).toBe('Invalid');
  });
  it('refuses nesting deeper than 128', () => {
    let v: any = 1;
    for (let i = 0; i < 200; i++) v = [v];
    expect(kindOf(() => call(json, 'encode', v))).toBe('Invalid');
  });
});

describe('json.decode', () => {
  it('decodes values and reports syntax errors as Internal', () => {
    expect(call(json, 'decode', '{"a":[1,2,{"b":null}],"c":"é"}')).toEqual({ a: [1, 2, { b: null }], c: 'é' });
    expect(kindOf(() => call(json, 'decode', '{"a":'))).toBe('Internal');
    expect(kindOf(() => call(json, 'decode', 42))).toBe('Invalid');
  });
});

describe('json.validate', () => {
  const schema = {
    type: 'object',
    required: ['name', 'tags'],
    properties: {
      name: { type: 'string', minLength: 2, pattern: '^[a-z]+$' },
      age: { type: 'integer', minimum: 0, maximum: 150 },
      tags: { type: 'array', items: { type: 'string', enum: ['a', 'b'] } },
    },
    additionalProperties: false,
  };
  it('returns true for valid values (empty table counts as an array)', () => {
    expect(call(json, 'validate', schema, { name: 'bob', age: 30, tags: ['a'] })).toBe(true);
    expect(call(json, 'validate', schema, { name: 'bob', tags: {} })).toBe(true);
    expect(call(json, 'validate', JSON.stringify(schema), { name: 'bob', tags: [] })).toBe(true);
  });
  it('fails with Invalid naming the failing path', () => {
    const msg = (v: any): string => {
      try {
        call(json, 'validate', schema, v);
      } catch (e) {
        expect((e as ModuleFailure).kind).toBe('Invalid');
        return (e as Error).message;
      }
      return 'valid';
    };
    expect(msg({ name: 'bob', tags: ['a', 'c'] })).toMatch(/\$\.tags\[1\].*not one of/);
    expect(msg({ name: 'bob' })).toMatch(/missing required property "tags"/);
    expect(msg({ name: 'Bob', tags: [] })).toMatch(/\$\.name.*pattern/);
    expect(msg({ name: 'bob', tags: [], age: 1.5 })).toMatch(/\$\.age: expected integer, got number/);
    expect(msg({ name: 'bob', tags: [], age: 200 })).toMatch(/greater than the maximum 150/);
    expect(msg({ name: 'bob', tags: [], extra: 1 })).toMatch(/additional property "extra"/);
  });
  it('validate_string parses the JSON first', () => {
    expect(call(json, 'validate_string', { type: 'array', maxItems: 2 }, '[1,2]')).toBe(true);
    expect(kindOf(() => call(json, 'validate_string', { type: 'array', maxItems: 2 }, '[1,2,3]'))).toBe('Invalid');
  });
});
