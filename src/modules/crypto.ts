// The `crypto` module: secure random, HMAC with (key, data) order, AES-GCM and ChaCha20-Poly1305 with the
// nonce prepended, HS256/384/512 + RS256 JWTs, PBKDF2 and constant-time comparison (all via node:crypto).
import {
  createCipheriv, createDecipheriv, createHmac, createPrivateKey, createPublicKey, pbkdf2Sync, randomBytes,
  randomInt, randomUUID, sign as cryptoSign, timingSafeEqual, verify as cryptoVerify,
} from 'node:crypto';
import { ArgumentFailure, ModuleFailure, type GuestValue, type HostFn, type ModuleSpec } from './module-spec.js';
import { asBuffer, bytesOrText, isPlainObject, plainBytes, toBytes, toInt, toText, typeName } from './bytes.js';
import { encodeJson } from './json.js';

const MAX_RANDOM = 1_048_576;
const ALNUM = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

function randomString(n: number, charset: string): string {
  const chars = [...charset];
  let out = '';
  for (let i = 0; i < n; i++) out += chars[randomInt(chars.length)];
  return out;
}

function optBytes(v: GuestValue | undefined, what: string): Buffer | null {
  if (v === null || v === undefined) return null;
  return asBuffer(toBytes(v, what));
}

type Aead = 'aes' | 'chacha20';

function aeadCipher(kind: Aead, key: Buffer): string {
  if (kind === 'chacha20') {
    if (key.length !== 32) throw new ModuleFailure('Invalid', `chacha20 key must be 32 bytes, got ${key.length}`);
    return 'chacha20-poly1305';
  }
  if (key.length !== 16 && key.length !== 24 && key.length !== 32) throw new ModuleFailure('Invalid', `AES key must be 16, 24 or 32 bytes, got ${key.length}`);
  return `aes-${key.length * 8}-gcm`;
}

function encrypt(kind: Aead): HostFn {
  return (_ctx, plain, key, aad) => {
    const k = asBuffer(toBytes(key ?? null, 'key'));
    const alg = aeadCipher(kind, k);
    const nonce = randomBytes(12);
    const c = createCipheriv(alg as 'aes-256-gcm', k, nonce, { authTagLength: 16 });
    const extra = optBytes(aad, 'aad');
    if (extra) c.setAAD(extra, { plaintextLength: 0 });
    const body = Buffer.concat([c.update(toBytes(plain ?? null, 'plaintext')), c.final()]);
    return plainBytes(Buffer.concat([nonce, body, c.getAuthTag()]));
  };
}

function decrypt(kind: Aead): HostFn {
  return (_ctx, data, key, aad) => {
    const k = asBuffer(toBytes(key ?? null, 'key'));
    const alg = aeadCipher(kind, k);
    const buf = asBuffer(toBytes(data ?? null, 'ciphertext'));
    if (buf.length < 12 + 16) throw new ModuleFailure('Invalid', 'ciphertext too short');
    const d = createDecipheriv(alg as 'aes-256-gcm', k, buf.subarray(0, 12), { authTagLength: 16 });
    const extra = optBytes(aad, 'aad');
    if (extra) d.setAAD(extra, { plaintextLength: 0 });
    d.setAuthTag(buf.subarray(buf.length - 16));
    try {
      return bytesOrText(plainBytes(Buffer.concat([d.update(buf.subarray(12, buf.length - 16)), d.final()])));
    } catch {
      throw new ModuleFailure('Invalid', 'decryption failed: message authentication failed (wrong key, aad or corrupted data)');
    }
  };
}

// ---------------------------------------------------------------------------------------------
// JWT
const HMAC_ALGS: Record<string, string> = { HS256: 'sha256', HS384: 'sha384', HS512: 'sha512' };

function b64url(data: Uint8Array | string): string {
  return (typeof data === 'string' ? Buffer.from(data, 'utf8') : asBuffer(data)).toString('base64url');
}

function fromB64url(part: string, what: string): Buffer {
  if (!/^[A-Za-z0-9_-]*$/.test(part)) throw new ModuleFailure('Invalid', `invalid token: ${what} is not base64url`);
  return Buffer.from(part, 'base64url');
}

function readAlg(v: GuestValue | undefined): string {
  if (v === null || v === undefined) return 'HS256';
  const alg = toText(v, 'alg').toUpperCase();
  if (!(alg in HMAC_ALGS) && alg !== 'RS256') throw new ModuleFailure('Invalid', `unsupported JWT algorithm ${alg} (HS256, HS384, HS512, RS256)`);
  return alg;
}

function signJwt(input: string, key: GuestValue, alg: string): Buffer {
  if (alg === 'RS256') {
    let pk;
    try {
      pk = createPrivateKey(toText(key, 'key'));
    } catch (e) {
      throw new ModuleFailure('Invalid', `RS256 needs a PEM private key: ${(e as Error).message}`);
    }
    return cryptoSign('sha256', Buffer.from(input), pk);
  }
  return createHmac(HMAC_ALGS[alg]!, toBytes(key, 'key')).update(input).digest();
}

function verifySig(input: string, sig: Buffer, key: GuestValue, alg: string): boolean {
  if (alg === 'RS256') {
    let pub;
    try {
      pub = createPublicKey(toText(key, 'key'));
    } catch (e) {
      throw new ModuleFailure('Invalid', `RS256 needs a PEM public key: ${(e as Error).message}`);
    }
    return cryptoVerify('sha256', Buffer.from(input), pub, sig);
  }
  const expected = signJwt(input, key, alg);
  return expected.length === sig.length && timingSafeEqual(expected, sig);
}

function jwtEncode(claims: GuestValue, key: GuestValue, algArg: GuestValue | undefined): string {
  if (!isPlainObject(claims)) throw new ArgumentFailure(`claims: table expected, got ${typeName(claims)}`);
  if (key === null) throw new ArgumentFailure('key: string expected, got nil');
  const alg = readAlg(algArg);
  const { _header, ...payload } = claims as Record<string, GuestValue>;
  const header: Record<string, GuestValue> = { typ: 'JWT', ...(isPlainObject(_header) ? (_header as Record<string, GuestValue>) : {}), alg };
  const input = `${b64url(encodeJson(header))}.${b64url(encodeJson(payload))}`;
  return `${input}.${b64url(signJwt(input, key, alg))}`;
}

function jwtVerify(token: GuestValue, key: GuestValue, algArg: GuestValue | undefined, requireExp: GuestValue | undefined): GuestValue {
  const tok = toText(token, 'token');
  if (key === null) throw new ArgumentFailure('key: string expected, got nil');
  const alg = readAlg(algArg);
  const parts = tok.split('.');
  if (parts.length !== 3) throw new ModuleFailure('Invalid', 'invalid token: expected 3 dot-separated parts');
  let header: Record<string, GuestValue>, claims: Record<string, GuestValue>;
  try {
    header = JSON.parse(fromB64url(parts[0]!, 'header').toString('utf8'));
    claims = JSON.parse(fromB64url(parts[1]!, 'payload').toString('utf8'));
  } catch (e) {
    if (e instanceof ModuleFailure) throw e;
    throw new ModuleFailure('Invalid', 'invalid token: header or payload is not JSON');
  }
  if (!isPlainObject(header) || !isPlainObject(claims)) throw new ModuleFailure('Invalid', 'invalid token: header and payload must be objects');
  if (header.alg !== alg) throw new ModuleFailure('Invalid', `token algorithm ${String(header.alg)} does not match expected ${alg}`);
  if (!verifySig(`${parts[0]}.${parts[1]}`, fromB64url(parts[2]!, 'signature'), key, alg)) throw new ModuleFailure('Invalid', 'invalid token signature');
  const now = Date.now() / 1000;
  const exp = claims.exp;
  if (exp === undefined || exp === null) {
    if (requireExp !== false) throw new ModuleFailure('Invalid', 'token has no exp claim (pass require_exp = false to allow it)');
  } else if (typeof exp !== 'number') {
    throw new ModuleFailure('Invalid', 'token exp claim is not a number');
  } else if (now >= exp) {
    throw new ModuleFailure('Invalid', 'token is expired');
  }
  if (typeof claims.nbf === 'number' && now < claims.nbf) throw new ModuleFailure('Invalid', 'token is not valid yet (nbf)');
  return claims;
}

export const cryptoModule: ModuleSpec = {
  name: 'crypto',
  summary: 'Secure random bytes/strings/uuids, HMAC (key, data), AES-GCM and ChaCha20-Poly1305 encryption, JWT encode/verify, PBKDF2, constant-time compare.',
  functions: {
    'random.bytes': (_ctx, n) => {
      const len = toInt(n ?? null, 'n');
      if (len < 1 || len > MAX_RANDOM) throw new ModuleFailure('Invalid', `length must be between 1 and ${MAX_RANDOM}`);
      return plainBytes(randomBytes(len));
    },
    'random.string': (_ctx, n, charset) => {
      const len = toInt(n ?? null, 'n');
      if (len < 1 || len > MAX_RANDOM) throw new ModuleFailure('Invalid', `length must be between 1 and ${MAX_RANDOM}`);
      const cs = charset === null || charset === undefined ? ALNUM : toText(charset, 'charset');
      if (cs.length === 0) throw new ModuleFailure('Invalid', 'charset must not be empty');
      return randomString(len, cs);
    },
    'random.uuid': () => randomUUID(),
    'hmac.sha256': (_ctx, key, data) => createHmac('sha256', toBytes(key ?? null, 'key')).update(toBytes(data ?? null, 'data')).digest('hex'),
    'hmac.sha512': (_ctx, key, data) => createHmac('sha512', toBytes(key ?? null, 'key')).update(toBytes(data ?? null, 'data')).digest('hex'),
    'encrypt.aes': encrypt('aes'),
    'decrypt.aes': decrypt('aes'),
    'encrypt.chacha20': encrypt('chacha20'),
    'decrypt.chacha20': decrypt('chacha20'),
    'jwt.encode': (_ctx, claims, key, alg) => jwtEncode(claims ?? null, key ?? null, alg),
    'jwt.verify': (_ctx, token, key, alg, requireExp) => jwtVerify(token ?? null, key ?? null, alg, requireExp),
    pbkdf2: (_ctx, password, salt, iterations, keyLen, hashName) => {
      const iters = toInt(iterations ?? null, 'iterations');
      const len = toInt(keyLen ?? null, 'key_len');
      if (iters < 1 || iters > 10_000_000) throw new ModuleFailure('Invalid', 'iterations must be between 1 and 10000000');
      if (len < 1 || len > 4096) throw new ModuleFailure('Invalid', 'key_len must be between 1 and 4096');
      const h = hashName === null || hashName === undefined ? 'sha256' : toText(hashName, 'hash').toLowerCase();
      if (h !== 'sha256' && h !== 'sha512') throw new ModuleFailure('Invalid', `unsupported hash ${h} (sha256, sha512)`);
      return plainBytes(pbkdf2Sync(toBytes(password ?? null, 'password'), toBytes(salt ?? null, 'salt'), iters, len, h));
    },
    constant_time_compare: (_ctx, a, b) => {
      const x = asBuffer(toBytes(a ?? null, 'a'));
      const y = asBuffer(toBytes(b ?? null, 'b'));
      return x.length === y.length && timingSafeEqual(x, y);
    },
  },
};
