// Tests for the base64 module: strict decoding and round trips.
// Calls the ModuleSpec directly with a minimal CallContext.
import { describe, expect, it } from 'vitest';
import { base64Module as b64 } from '../../src/modules/base64.js';
import { ModuleFailure } from '../../src/modules/module-spec.js';
import { call } from './context.js';

describe('base64', () => {
  it('round-trips text and binary', () => {
    expect(call(b64, 'encode', 'hello world')).toBe('aGVsbG8gd29ybGQ=');
    expect(call(b64, 'decode', 'aGVsbG8gd29ybGQ=')).toBe('hello world');
    expect(call(b64, 'encode', '')).toBe('');
    expect(call(b64, 'decode', '')).toBe('');
    const bin = new Uint8Array([0, 255, 128, 10]);
    expect(call(b64, 'encode', bin)).toBe('AP+ACg==');
    expect(call(b64, 'decode', 'AP+ACg==')).toEqual(bin);
  });
  it('rejects invalid characters, missing padding and non-strings with Invalid', () => {
    for (const bad of ['not base64!', 'aGVsbG8', 'a===', 'aGVs*G8=']) {
      expect(() => call(b64, 'decode', bad)).toThrow(expect.objectContaining({ kind: 'Invalid' }));
    }
    expect(() => call(b64, 'encode', 12)).toThrow(ModuleFailure);
  });
});
