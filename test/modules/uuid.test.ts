// Tests for the uuid module: known v3/v5 vectors, versions, variants, parse and format.
// Calls the ModuleSpec directly with a minimal CallContext.
import { describe, expect, it } from 'vitest';
import { uuidModule as uuid } from '../../src/modules/uuid.js';
import { ModuleFailure } from '../../src/modules/module-spec.js';
import { call } from './context.js';

const failure = (fn: () => unknown): ModuleFailure => {
  try {
    fn();
  } catch (e) {
    if (e instanceof ModuleFailure) return e;
    throw e;
  }
  throw new Error('expected a ModuleFailure');
};

describe('uuid', () => {
  const DNS = '6ba7b810-9dad-11d1-80b4-00c04fd430c8';
  it('v3 and v5 match the known vectors', () => {
    expect(call(uuid, 'v5', DNS, 'www.example.com')).toBe('2ed6657d-e927-568b-95e1-2665a8aea6a2');
    expect(call(uuid, 'v3', DNS, 'www.example.com')).toBe('5df41881-3aed-3515-88a7-2f4a814cf09e');
    expect(failure(() => call(uuid, 'v5', 'not-a-uuid', 'x')).kind).toBe('Invalid');
  });
  it('generates v1, v4 and v7 with the right version and variant', () => {
    for (const v of [1, 4, 7]) {
      const id = call(uuid, `v${v}`);
      expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
      expect(call(uuid, 'version', id)).toBe(v);
      expect(call(uuid, 'variant', id)).toBe('RFC4122');
    }
    const p7 = call(uuid, 'parse', call(uuid, 'v7'));
    expect(Math.abs(p7.timestamp - Date.now() / 1000)).toBeLessThan(5);
    const p1 = call(uuid, 'parse', call(uuid, 'v1'));
    expect(Math.abs(p1.timestamp - Date.now() / 1000)).toBeLessThan(5);
    expect(p1.node).toMatch(/^[0-9a-f]{12}$/);
  });
  it('validates, parses and formats', () => {
    expect(call(uuid, 'validate', DNS)).toBe(true);
    expect(call(uuid, 'validate', `{${DNS}}`)).toBe(true);
    expect(call(uuid, 'validate', 'nope')).toBe(false);
    expect(call(uuid, 'validate', 5)).toBe(false);
    expect(call(uuid, 'format', DNS, 'simple')).toBe('6ba7b8109dad11d180b400c04fd430c8');
    expect(call(uuid, 'format', '6BA7B8109DAD11D180B400C04FD430C8', 'urn')).toBe(`urn:uuid:${DNS}`);
    expect(call(uuid, 'format', `urn:uuid:${DNS}`, 'standard')).toBe(DNS);
    expect(failure(() => call(uuid, 'format', DNS, 'weird')).kind).toBe('Invalid');
    expect(call(uuid, 'parse', DNS)).toMatchObject({ version: 1, variant: 'RFC4122', node: '00c04fd430c8' });
    expect(call(uuid, 'variant', '6ba7b810-9dad-11d1-c0b4-00c04fd430c8')).toBe('Microsoft');
  });
});
