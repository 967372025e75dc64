// Byte helpers shared by the tool modules: guest string|Uint8Array <-> bytes, UTF-8 checks, hex.
// Guest strings arrive as JS strings (valid UTF-8) or Uint8Array (arbitrary bytes); outputs follow suit.
import { ArgumentFailure, type GuestValue } from './module-spec.js';

const encoder = new TextEncoder();
const strictDecoder = new TextDecoder('utf-8', { fatal: true });

/** The bytes of a guest string value. Throws ArgumentFailure for any other type. */
export function toBytes(value: GuestValue, what = 'argument'): Uint8Array {
  if (typeof value === 'string') return encoder.encode(value);
  if (value instanceof Uint8Array) return value;
  throw new ArgumentFailure(`${what}: string expected, got ${typeName(value)}`);
}

/** A guest string value as JS text (invalid UTF-8 bytes are replaced). Throws ArgumentFailure otherwise. */
export function toText(value: GuestValue, what = 'argument'): string {
  if (typeof value === 'string') return value;
  if (value instanceof Uint8Array) return new TextDecoder('utf-8').decode(value);
  throw new ArgumentFailure(`${what}: string expected, got ${typeName(value)}`);
}

/** Like toText but also accepts numbers (Lua coerces numbers to strings). */
export function toTextLoose(value: GuestValue, what = 'argument'): string {
  if (typeof value === 'number' || typeof value === 'bigint') return String(value);
  return toText(value, what);
}

/** Bytes back to a guest value: a JS string when they are valid UTF-8, else the raw bytes. */
export function bytesOrText(bytes: Uint8Array): string | Uint8Array {
  const text = utf8OrNull(bytes);
  return text ?? bytes;
}

export function utf8OrNull(bytes: Uint8Array): string | null {
  try {
    return strictDecoder.decode(bytes);
  } catch {
    return null;
  }
}

export function utf8(text: string): Uint8Array {
  return encoder.encode(text);
}

export function toHex(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('hex');
}

export function asBuffer(bytes: Uint8Array): Buffer {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/** A plain Uint8Array copy (never a Buffer, so values crossing threads stay plain). */
export function plainBytes(bytes: Uint8Array): Uint8Array {
  const out = new Uint8Array(bytes.byteLength);
  out.set(bytes);
  return out;
}

export function isPlainObject(value: GuestValue | undefined): value is { [key: string]: GuestValue } {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof Uint8Array);
}

/** A short name of a guest value's type, for messages. */
export function typeName(value: GuestValue | undefined): string {
  if (value === null || value === undefined) return 'nil';
  if (value instanceof Uint8Array) return 'string';
  if (Array.isArray(value)) return 'table';
  if (typeof value === 'object') {
    if ('__type' in value && typeof value.__type === 'string') return value.__type;
    return 'table';
  }
  return typeof value;
}

/** Optional integer argument. */
export function optInt(value: GuestValue | undefined, what: string, fallback: number): number {
  if (value === null || value === undefined) return fallback;
  return toInt(value, what);
}

export function toInt(value: GuestValue | undefined, what: string): number {
  if (typeof value === 'bigint') return Number(value);
  if (typeof value === 'number' && Number.isFinite(value)) return Math.trunc(value);
  if (typeof value === 'string' && /^\s*-?\d+\s*$/.test(value)) return Number(value);
  throw new ArgumentFailure(`${what}: number expected, got ${typeName(value ?? null)}`);
}

export function toNumber(value: GuestValue | undefined, what: string): number {
  if (typeof value === 'bigint') return Number(value);
  if (typeof value === 'number') return value;
  if (typeof value === 'string' && value.trim() !== '' && Number.isFinite(Number(value))) return Number(value);
  throw new ArgumentFailure(`${what}: number expected, got ${typeName(value ?? null)}`);
}
