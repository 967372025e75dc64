// Host side of the guest wire format and the source nesting pre-check: values the engine must carry
// exactly (bytes, bigint, non-finite numbers, typed values, Multi, escaped keys) and what it refuses.
import { describe, expect, it } from 'vitest';
import { multi } from '../../../src/modules/module-spec.js';
import { excessiveNestingLine } from '../../../src/isolates/js/source-nesting.js';
import { fromWire, toWire } from '../../../src/isolates/js/wire-codec.js';

const roundTrip = (value: unknown) => fromWire(JSON.parse(JSON.stringify(toWire(value))));

describe('wire codec', () => {
  it('round-trips JSON values, bigint, non-finite numbers and keys that start with the tag char', () => {
    const value = { a: [1, 'x', null, true], big: 12345678901234567890n, inf: -Infinity, '\u0001odd': 1, __proto__x: 2 };
    const back = roundTrip(value) as Record<string, unknown>;
    expect(back).toEqual(value);
    expect(Number.isNaN(roundTrip(NaN))).toBe(true);
  });

  it('sends host bytes as latin1 strings and Multi as arrays', () => {
    expect(toWire(new Uint8Array([104, 255, 0]))).toBe('h\u00ff\u0000');
    expect(toWire(multi(1, 'two', null))).toEqual([1, 'two', null]);
  });

  it('decodes guest bytes to Uint8Array and typed values to their data', () => {
    expect(fromWire({ '\u0001': ['bytes', 'h\u00ff'] })).toEqual(new Uint8Array([104, 255]));
    const typed = toWire({ __type: 'Duration', ms: 5 });
    expect(fromWire(JSON.parse(JSON.stringify(typed)))).toEqual({ __type: 'Duration', ms: 5 });
  });

  it('keeps a "__proto__" key as an own property instead of a prototype', () => {
    const back = fromWire(JSON.parse('{"__proto__": {"polluted": true}}')) as Record<string, unknown>;
    expect(Object.getPrototypeOf(back)).toBe(Object.prototype);
    expect(Object.keys(back)).toEqual(['__proto__']);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('refuses cycles and excessive depth on the way to the guest', () => {
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    expect(() => toWire(cyclic)).toThrow(/cyclic/);
    let deep: unknown = 1;
    for (let i = 0; i < 200; i++) deep = [deep];
    expect(() => toWire(deep)).toThrow(/deeper than 128/);
  });

  it('refuses unknown tags from the guest', () => {
    expect(() => fromWire({ '\u0001': ['evil', 1] })).toThrow(/unknown tagged value/);
  });
});

describe('source nesting pre-check', () => {
  it('finds the line where brackets nest too deep, ignoring strings and comments', () => {
    expect(excessiveNestingLine('function f() { return [1, 2, (3)] }')).toBeUndefined();
    expect(excessiveNestingLine(`const s = "${'('.repeat(5000)}"; // ${'['.repeat(5000)}\n/* ${'{'.repeat(5000)} */`)).toBeUndefined();
    expect(excessiveNestingLine(`a\nb\n${'('.repeat(2000)}`)).toBe(3);
  });
});
