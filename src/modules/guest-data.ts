// Plain data between guests and the privileged modules: registry entries, ids, lists and tables.
// Guest tables arrive as GuestValue (Lua arrays as lists, an empty table as {} or []); hosts get JSON data.
import type { Entry } from '../../schemas/entry.js';
import { typeName } from './bytes.js';
import { ArgumentFailure, type GuestValue, type TypedValue } from './module-spec.js';

export type GuestTable = { [key: string]: GuestValue };

export function isTable(v: GuestValue | undefined): v is GuestTable {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && !(v instanceof Uint8Array) && !('__multi' in v);
}

/** A list argument: a guest array, or an empty table (Lua cannot tell `{}` from `[]`). */
export function asList(v: GuestValue | undefined, what: string): GuestValue[] {
  if (Array.isArray(v)) return v;
  if (isTable(v) && Object.keys(v).length === 0) return [];
  throw new ArgumentFailure(`${what}: list expected, got ${typeName(v ?? null)}`);
}

export function asString(v: GuestValue | undefined, what: string): string {
  if (typeof v === 'string') return v;
  throw new ArgumentFailure(`${what}: string expected, got ${typeName(v ?? null)}`);
}

/** Guest data -> JSON data for the registry; binary, typed and multi values are refused with their path. */
export function toPlain(v: GuestValue | undefined, path: string): unknown {
  if (v === undefined || v === null) return null;
  if (typeof v === 'string' || typeof v === 'boolean') return v;
  if (typeof v === 'number') {
    if (!Number.isFinite(v)) throw new ArgumentFailure(`${path}: ${String(v)} cannot be stored (not a JSON number)`);
    return v;
  }
  if (typeof v === 'bigint') return Number(v);
  if (v instanceof Uint8Array) throw new ArgumentFailure(`${path}: binary data cannot be stored in an entry; encode it (base64) first`);
  if (Array.isArray(v)) return v.map((x, i) => toPlain(x, `${path}[${i + 1}]`));
  if ('__multi' in v) throw new ArgumentFailure(`${path}: several values cannot be stored`);
  if (typeof (v as TypedValue).__type === 'string') {
    throw new ArgumentFailure(`${path}: a ${(v as TypedValue).__type} value cannot be stored in an entry`);
  }
  const out: Record<string, unknown> = {};
  for (const [k, x] of Object.entries(v)) out[k] = toPlain(x as GuestValue, `${path}.${k}`);
  return out;
}

/** JSON data (registry entries, tool results) -> guest value. */
export function fromPlain(v: unknown): GuestValue {
  if (v === undefined || v === null) return null;
  if (typeof v === 'string' || typeof v === 'boolean' || typeof v === 'number' || typeof v === 'bigint') return v;
  if (v instanceof Uint8Array) return v;
  if (Array.isArray(v)) return v.map(fromPlain);
  if (typeof v === 'object') {
    const out: GuestTable = {};
    for (const [k, x] of Object.entries(v as Record<string, unknown>)) if (x !== undefined) out[k] = fromPlain(x);
    return out;
  }
  return String(v);
}

/** An entry as the guest sees it: `{id, kind, meta, data}`. */
export function entryToGuest(e: Entry): GuestValue {
  return { id: e.id, kind: e.kind, meta: fromPlain(e.meta ?? {}), data: fromPlain(e.data) };
}

/** An id given as "ns:name", `{ns=, name=}` or an entry table with `id`. */
export function idFromGuest(v: GuestValue | undefined, what: string): string {
  if (typeof v === 'string') return v;
  if (isTable(v)) {
    if (typeof v.id === 'string') return v.id;
    if (typeof v.ns === 'string' && typeof v.name === 'string') return `${v.ns}:${v.name}`;
  }
  throw new ArgumentFailure(`${what}: entry id expected ("ns:name" or {ns=, name=}), got ${typeName(v ?? null)}`);
}

/** A guest entry table `{id, kind, meta?, data?}` -> Entry (shape only; the registry validates the rest). */
export function entryFromGuest(v: GuestValue | undefined, what: string): Entry {
  if (!isTable(v)) throw new ArgumentFailure(`${what}: entry table {id, kind, meta, data} expected, got ${typeName(v ?? null)}`);
  const id = idFromGuest(v.id ?? null, `${what}.id`);
  if (typeof v.kind !== 'string' || v.kind === '') {
    throw new ArgumentFailure(`${what} "${id}": kind must be a non-empty string such as "function.lua"`);
  }
  const rawMeta = v.meta ?? null;
  let meta: Record<string, unknown> = {};
  if (rawMeta !== null) {
    if (Array.isArray(rawMeta) && rawMeta.length === 0) meta = {};
    else if (isTable(rawMeta)) meta = toPlain(rawMeta, `${what}.meta`) as Record<string, unknown>;
    else throw new ArgumentFailure(`${what} "${id}": meta must be a table, got ${typeName(rawMeta)}`);
  }
  return { id, kind: v.kind, meta, data: toPlain(v.data ?? null, `${what}.data`) };
}
