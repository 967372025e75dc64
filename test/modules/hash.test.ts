// Tests for the hash module: known digests, hmac argument order vs crypto.hmac, FNV-1.
// Calls the ModuleSpec directly with a minimal CallContext.
import { describe, expect, it } from 'vitest';
import { hashModule as hash } from '../../src/modules/hash.js';
import { cryptoModule as crypto } from '../../src/modules/crypto.js';
import { ArgumentFailure } from '../../src/modules/module-spec.js';
import { call } from './context.js';

describe('hash', () => {
  it('computes known digests in hex and raw', () => {
    expect(call(hash, 'md5', '')).toBe('d41d8cd98f00b204e9800998ecf8427e');
    expect(call(hash, 'sha1', 'abc')).toBe('a9993e364706816aba3e25717850c26c9cd0d89d');
    expect(call(hash, 'sha256', 'abc')).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
    const raw = call(hash, 'sha256', 'abc', true);
    expect(raw).toBeInstanceOf(Uint8Array);
    expect(raw.length).toBe(32);
    expect(call(hash, 'sha512', 'abc')).toMatch(/^ddaf35a193617aba/);
  });
  it('hash.hmac_sha256(data, secret) and crypto.hmac.sha256(key, data) agree only with swapped args (RFC 4231 case 2)', () => {
    const expected = '5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843';
    expect(call(hash, 'hmac_sha256', 'what do ya want for nothing?', 'Jefe')).toBe(expected);
    expect(call(crypto, 'hmac.sha256', 'Jefe', 'what do ya want for nothing?')).toBe(expected);
    expect(call(hash, 'hmac_sha256', 'Jefe', 'what do ya want for nothing?')).not.toBe(expected);
    expect(call(crypto, 'hmac.sha512', 'Jefe', 'what do ya want for nothing?')).toBe(
      '164b7a7bfcf819e2e395fbe73b56e0a387bd64222e831fd610270cd7ea2505549758bf75c05a994a6d034f65f8f0e6fdcaeab1a34d4a6b4b636e070a38bce737');
  });
  it('fnv32/fnv64 are FNV-1 (not 1a)', () => {
    expect(call(hash, 'fnv32', '')).toBe(0x811c9dc5);
    expect(call(hash, 'fnv32', 'a')).toBe(0x050c5d7e);
    expect(call(hash, 'fnv64', 'a')).toBe(Number(0xaf63bd4c8601b7ben));
  });
  it('raises on non-string data', () => {
    expect(() => call(hash, 'sha256', 123)).toThrow(ArgumentFailure);
  });
});
