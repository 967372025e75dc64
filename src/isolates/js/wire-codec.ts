// Host side of the JSON wire format between the QuickJS guest and the host (mirrors guest-prelude.ts).
// Plain JSON plus tagged objects `{"\u0001": [tag, value]}` for bigint, non-finite numbers, bytes, typed values.
import type { GuestValue } from '../../modules/module-spec.js';
import { WIRE_TAG } from './guest-prelude.js';

export const MAX_WIRE_DEPTH = 128;

type Wire = null | boolean | number | string | Wire[] | { [key: string]: Wire };

function tag(t: string, v: Wire): Wire {
  return { [WIRE_TAG]: [t, v] };
}

function escapeKey(key: string): string {
  return key.charCodeAt(0) === 1 ? WIRE_TAG + key : key;
}

/** Latin1 "binary string": one char per byte. */
export function bytesToLatin1(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('latin1');
}

/**
 * A host value (GuestValue, or plain JSON input) to its wire form. Uint8Array becomes a latin1 string,
 * Multi an array, TypedValue a tagged value, undefined null. Throws on cycles or excessive depth.
 */
export function toWire(value: unknown, depth = 0, seen: unknown[] = []): Wire {
  if (value === null || value === undefined) return null;
  switch (typeof value) {
    case 'boolean':
    case 'string':
      return value;
    case 'number':
      return Number.isFinite(value) ? value : tag('num', String(value));
    case 'bigint':
      return tag('big', value.toString());
    case 'function':
    case 'symbol':
      return null;
    default:
      break;
  }
  if (depth > MAX_WIRE_DEPTH) throw new Error(`value nested deeper than ${MAX_WIRE_DEPTH} levels`);
  if (value instanceof Uint8Array) return bytesToLatin1(value);
  if (value instanceof ArrayBuffer) return bytesToLatin1(new Uint8Array(value));
  if (seen.includes(value)) throw new Error('cyclic value cannot cross to the guest');
  seen.push(value);
  try {
    if (Array.isArray(value)) return value.map((v) => toWire(v, depth + 1, seen));
    const obj = value as Record<string, unknown>;
    if (Array.isArray(obj.__multi) && Object.keys(obj).length === 1) {
      return (obj.__multi as unknown[]).map((v) => toWire(v, depth + 1, seen));
    }
    if (value instanceof Date) return value.toISOString();
    const out: Record<string, Wire> = {};
    for (const key of Object.keys(obj)) {
      Object.defineProperty(out, escapeKey(key), {
        value: toWire(obj[key], depth + 1, seen),
        enumerable: true,
        writable: true,
        configurable: true,
      });
    }
    if (typeof obj.__type === 'string') return tag('typed', JSON.stringify(out));
    return out;
  } finally {
    seen.pop();
  }
}

/** Decodes guest wire JSON (already parsed) into GuestValues: bytes become Uint8Array, typed values objects. */
export function fromWire(wire: unknown, depth = 0): GuestValue {
  if (wire === null || typeof wire !== 'object') {
    return wire === undefined ? null : (wire as GuestValue);
  }
  if (depth > MAX_WIRE_DEPTH + 2) throw new Error(`value nested deeper than ${MAX_WIRE_DEPTH} levels`);
  if (Array.isArray(wire)) return wire.map((v) => fromWire(v, depth + 1));
  const obj = wire as Record<string, unknown>;
  const keys = Object.keys(obj);
  if (keys.length === 1 && keys[0] === WIRE_TAG) {
    const pair = obj[WIRE_TAG];
    if (!Array.isArray(pair) || pair.length !== 2) throw new Error('malformed tagged value');
    const [t, v] = pair as [unknown, unknown];
    switch (t) {
      case 'num':
        return Number(v);
      case 'big':
        return BigInt(String(v));
      case 'bytes':
        return new Uint8Array(Buffer.from(String(v), 'latin1'));
      case 'typed':
        return fromWire(JSON.parse(String(v)), depth + 1);
      default:
        throw new Error(`unknown tagged value '${String(t)}'`);
    }
  }
  const entries: [string, GuestValue][] = keys.map((k) => [
    k.charCodeAt(0) === 1 ? k.slice(1) : k,
    fromWire(obj[k], depth + 1),
  ]);
  return Object.fromEntries(entries) as GuestValue;
}
