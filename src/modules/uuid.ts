// The `uuid` module: v1/v3/v4/v5/v7 generation, validation, version/variant inspection, parse and format.
// Accepts the standard, {braced}, urn:uuid: and 32-hex simple forms on input; generates lowercase canonical.
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { ModuleFailure, type GuestValue, type ModuleSpec } from './module-spec.js';
import { toBytes, toText, typeName } from './bytes.js';

/** The 16 bytes of a UUID in any accepted form, or null. */
export function uuidBytes(text: string): Uint8Array | null {
  let s = text.trim();
  if (s.length === 45 && s.slice(0, 9).toLowerCase() === 'urn:uuid:') s = s.slice(9);
  else if (s.length === 38 && s[0] === '{' && s[37] === '}') s = s.slice(1, 37);
  if (s.length === 36) {
    if (!/^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/.test(s)) return null;
    s = s.replace(/-/g, '');
  } else if (!(s.length === 32 && /^[0-9a-fA-F]{32}$/.test(s))) return null;
  return new Uint8Array(Buffer.from(s, 'hex'));
}

function canonical(b: Uint8Array): string {
  const h = Buffer.from(b).toString('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

function stamp(b: Uint8Array, version: number): string {
  b[6] = (b[6]! & 0x0f) | (version << 4);
  b[8] = (b[8]! & 0x3f) | 0x80;
  return canonical(b);
}

function variantName(b: Uint8Array): string {
  const v = b[8]!;
  if ((v & 0x80) === 0) return 'NCS';
  if ((v & 0xc0) === 0x80) return 'RFC4122';
  if ((v & 0xe0) === 0xc0) return 'Microsoft';
  return 'Future';
}

function need(id: GuestValue | undefined, what = 'uuid'): Uint8Array {
  if (typeof id !== 'string' && !(id instanceof Uint8Array)) throw new ModuleFailure('Invalid', `${what}: string expected, got ${typeName(id ?? null)}`);
  const b = uuidBytes(toText(id));
  if (!b) throw new ModuleFailure('Invalid', `invalid UUID ${JSON.stringify(toText(id).slice(0, 60))}`);
  return b;
}

// v1 state: a random node id (multicast bit set, as RFC 4122 asks for non-MAC nodes) and clock sequence.
const NODE = (() => { const n = randomBytes(6); n[0] = n[0]! | 0x01; return n; })();
let clockSeq = randomBytes(2).readUInt16BE(0) & 0x3fff;
let lastV1 = 0n;
const GREGORIAN_OFFSET = 122_192_928_000_000_000n; // 100ns intervals from 1582-10-15 to 1970-01-01

function v1(): string {
  let ts = BigInt(Math.floor((performance.timeOrigin + performance.now()) * 10_000)) + GREGORIAN_OFFSET;
  if (ts <= lastV1) ts = lastV1 + 1n;
  lastV1 = ts;
  const b = new Uint8Array(16);
  const low = Number(ts & 0xffffffffn), mid = Number((ts >> 32n) & 0xffffn), hi = Number((ts >> 48n) & 0x0fffn);
  b[0] = low >>> 24; b[1] = (low >>> 16) & 0xff; b[2] = (low >>> 8) & 0xff; b[3] = low & 0xff;
  b[4] = mid >>> 8; b[5] = mid & 0xff; b[6] = hi >>> 8; b[7] = hi & 0xff;
  b[8] = (clockSeq >>> 8) & 0x3f; b[9] = clockSeq & 0xff;
  b.set(NODE, 10);
  return stamp(b, 1);
}

let lastV7ms = 0;
function v7(): string {
  let ms = Date.now();
  if (ms < lastV7ms) ms = lastV7ms;
  lastV7ms = ms;
  const b = new Uint8Array(randomBytes(16));
  const t = BigInt(ms);
  for (let i = 0; i < 6; i++) b[i] = Number((t >> BigInt(8 * (5 - i))) & 0xffn);
  return stamp(b, 7);
}

function named(alg: 'md5' | 'sha1', version: number, ns: GuestValue | undefined, name: GuestValue | undefined): string {
  const nsb = need(ns, 'namespace');
  const h = createHash(alg).update(nsb).update(toBytes(name ?? null, 'name')).digest();
  return stamp(new Uint8Array(h.subarray(0, 16)), version);
}

function parse(b: Uint8Array): Record<string, GuestValue> {
  const version = b[6]! >> 4;
  const out: Record<string, GuestValue> = { version, variant: variantName(b) };
  if (version === 1) {
    const low = BigInt(Buffer.from(b).readUInt32BE(0));
    const mid = BigInt(Buffer.from(b).readUInt16BE(4));
    const hi = BigInt(Buffer.from(b).readUInt16BE(6) & 0x0fff);
    const ts = (hi << 48n) | (mid << 32n) | low;
    out.timestamp = Number(ts - GREGORIAN_OFFSET) / 1e7;
    out.clock_seq = ((b[8]! & 0x3f) << 8) | b[9]!;
    out.node = Buffer.from(b.subarray(10)).toString('hex');
  } else if (version === 7) {
    let ms = 0;
    for (let i = 0; i < 6; i++) ms = ms * 256 + b[i]!;
    out.timestamp = ms / 1000;
  }
  return out;
}

export const uuidModule: ModuleSpec = {
  name: 'uuid',
  summary: 'UUID generation (v1, v3, v4, v5, v7), validation, version/variant inspection, parsing and formatting.',
  functions: {
    v1: () => v1(),
    v3: (_ctx, ns, name) => named('md5', 3, ns, name),
    v4: () => randomUUID(),
    v5: (_ctx, ns, name) => named('sha1', 5, ns, name),
    v7: () => v7(),
    validate: (_ctx, id) => (typeof id === 'string' || id instanceof Uint8Array) && uuidBytes(toText(id)) !== null,
    version: (_ctx, id) => need(id)[6]! >> 4,
    variant: (_ctx, id) => variantName(need(id)),
    parse: (_ctx, id) => parse(need(id)),
    format: (_ctx, id, fmt) => {
      const b = need(id);
      const f = fmt === null || fmt === undefined ? 'standard' : toText(fmt, 'format');
      switch (f) {
        case 'standard': return canonical(b);
        case 'simple': return Buffer.from(b).toString('hex');
        case 'urn': return `urn:uuid:${canonical(b)}`;
        default: throw new ModuleFailure('Invalid', `unknown format ${JSON.stringify(f)} (standard, simple, urn)`);
      }
    },
  },
};
