// Tests for the crypto module: random, AEAD round trips, JWT and require_exp, pbkdf2 vector.
// Calls the ModuleSpec directly with a minimal CallContext.
import { describe, expect, it } from 'vitest';
import { cryptoModule as crypto } from '../../src/modules/crypto.js';
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

describe('crypto', () => {
  it('random values have the requested shape', () => {
    expect(call(crypto, 'random.bytes', 16)).toHaveLength(16);
    expect(call(crypto, 'random.string', 20)).toMatch(/^[A-Za-z0-9]{20}$/);
    expect(call(crypto, 'random.string', 30, 'ab')).toMatch(/^[ab]{30}$/);
    expect(call(crypto, 'random.uuid')).toMatch(/^[0-9a-f-]{36}$/);
    expect(failure(() => call(crypto, 'random.bytes', 0)).kind).toBe('Invalid');
  });
  it('AES-GCM and ChaCha20-Poly1305 round-trip with the nonce prepended, and detect tampering', () => {
    for (const [alg, key] of [['aes', '0123456789abcdef'], ['aes', 'k'.repeat(32)], ['chacha20', 'c'.repeat(32)]] as const) {
      const sealed = call(crypto, `encrypt.${alg}`, 'secret message', key, 'aad');
      expect(sealed.length).toBe(12 + 14 + 16);
      expect(call(crypto, `decrypt.${alg}`, sealed, key, 'aad')).toBe('secret message');
      expect(failure(() => call(crypto, `decrypt.${alg}`, sealed, key, 'other')).kind).toBe('Invalid');
      const bad = new Uint8Array(sealed);
      bad[20]! ^= 1;
      expect(failure(() => call(crypto, `decrypt.${alg}`, bad, key, 'aad')).kind).toBe('Invalid');
    }
    expect(failure(() => call(crypto, 'encrypt.aes', 'x', 'short')).message).toMatch(/16, 24 or 32/);
  });
  it('JWT round trip, require_exp default true, expiry and wrong key', () => {
    const exp = Math.floor(Date.now() / 1000) + 60;
    const token = call(crypto, 'jwt.encode', { sub: 'u1', exp }, 'k');
    expect(call(crypto, 'jwt.verify', token, 'k')).toEqual({ sub: 'u1', exp });
    expect(failure(() => call(crypto, 'jwt.verify', token, 'wrong')).message).toMatch(/signature/);
    const noExp = call(crypto, 'jwt.encode', { sub: 'u1' }, 'k', 'HS512');
    expect(failure(() => call(crypto, 'jwt.verify', noExp, 'k', 'HS512')).message).toMatch(/exp/);
    expect(call(crypto, 'jwt.verify', noExp, 'k', 'HS512', false)).toEqual({ sub: 'u1' });
    expect(failure(() => call(crypto, 'jwt.verify', noExp, 'k', 'HS256', false)).message).toMatch(/algorithm/);
    const old = call(crypto, 'jwt.encode', { exp: 1000 }, 'k');
    expect(failure(() => call(crypto, 'jwt.verify', old, 'k')).message).toMatch(/expired/);
  });
  it('verifies the well-known jwt.io HS256 token', () => {
    const t = 'eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkpvaG4gRG9lIiwiaWF0IjoxNTE2MjM5MDIyfQ.SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c';
    expect(call(crypto, 'jwt.verify', t, 'your-256-bit-secret', 'HS256', false)).toEqual({ sub: '1234567890', name: 'John Doe', iat: 1516239022 });
    const custom = call(crypto, 'jwt.encode', { a: 1, _header: { kid: 'key-1' } }, 's');
    expect(JSON.parse(Buffer.from(custom.split('.')[0], 'base64url').toString())).toEqual({ alg: 'HS256', kid: 'key-1', typ: 'JWT' });
  });
  it('pbkdf2 matches the RFC 7914 style vector and constant_time_compare works', () => {
    const key = call(crypto, 'pbkdf2', 'password', 'salt', 1, 32);
    expect(Buffer.from(key).toString('hex')).toBe('120fb6cffcf8b32c43e7225256c4f837a86548c92ccc35480805987cb70be17b');
    expect(call(crypto, 'pbkdf2', 'password', 'salt', 1, 64, 'sha512')).toHaveLength(64);
    expect(call(crypto, 'constant_time_compare', 'abc', 'abc')).toBe(true);
    expect(call(crypto, 'constant_time_compare', 'abc', 'abd')).toBe(false);
    expect(call(crypto, 'constant_time_compare', 'abc', 'ab')).toBe(false);
  });
});
