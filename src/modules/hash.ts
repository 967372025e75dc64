// The `hash` module: md5/sha1/sha256/sha512 digests, hmac_* with (data, secret) order, FNV-1 32/64.
// Digests are lowercase hex unless raw=true (then binary bytes).
import { createHash, createHmac } from 'node:crypto';
import type { GuestValue, HostFn, ModuleSpec } from './module-spec.js';
import { plainBytes, toBytes } from './bytes.js';

function out(digest: Buffer, raw: GuestValue | undefined): string | Uint8Array {
  return raw === true ? plainBytes(digest) : digest.toString('hex');
}

const digest = (alg: string): HostFn => (_ctx, data, raw) => out(createHash(alg).update(toBytes(data ?? null, 'data')).digest(), raw);
const hmac = (alg: string): HostFn => (_ctx, data, secret, raw) =>
  out(createHmac(alg, toBytes(secret ?? null, 'secret')).update(toBytes(data ?? null, 'data')).digest(), raw);

/** FNV-1 (multiply then xor), 32-bit. */
export function fnv1_32(bytes: Uint8Array): number {
  let h = 0x811c9dc5;
  for (const b of bytes) h = (Math.imul(h, 0x01000193) ^ b) >>> 0;
  return h >>> 0;
}

/** FNV-1, 64-bit, as an unsigned bigint. */
export function fnv1_64(bytes: Uint8Array): bigint {
  let h = 0xcbf29ce484222325n;
  for (const b of bytes) h = ((h * 0x100000001b3n) & 0xffffffffffffffffn) ^ BigInt(b);
  return h;
}

export const hashModule: ModuleSpec = {
  name: 'hash',
  summary: 'Message digests (md5, sha1, sha256, sha512), HMACs with (data, secret) argument order, and FNV-1 hashes.',
  functions: {
    md5: digest('md5'),
    sha1: digest('sha1'),
    sha256: digest('sha256'),
    sha512: digest('sha512'),
    hmac_md5: hmac('md5'),
    hmac_sha1: hmac('sha1'),
    hmac_sha256: hmac('sha256'),
    hmac_sha512: hmac('sha512'),
    fnv32: (_ctx, data) => fnv1_32(toBytes(data ?? null, 'data')),
    // Like Wippy, a float64 number: values above 2^53 lose precision.
    fnv64: (_ctx, data) => Number(fnv1_64(toBytes(data ?? null, 'data'))),
  },
};
