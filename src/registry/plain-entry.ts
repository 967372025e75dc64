// Entries on their way into the registry: checked, copied to plain JSON data and deep-frozen, so no caller
// can mutate registry state afterwards; plus deep equality of plain JSON values.
import { parseEntryId, type Entry } from '../../schemas/entry.js';
import { validateEntry } from '../../schemas/validate.js';
import { AppError } from '../errors/app-error.js';

function isPlainObject(v: unknown): v is Record<string, unknown> {
  if (typeof v !== 'object' || v === null) return false;
  const proto = Object.getPrototypeOf(v) as unknown;
  return proto === Object.prototype || proto === null;
}

/**
 * Deep copy of a JSON value, frozen. Object properties holding `undefined` are dropped (as JSON does);
 * anything JSON cannot carry faithfully (functions, class instances, NaN, cycles, sparse holes) is refused.
 */
function copyJson(value: unknown, path: string, id: string, seen: Set<object>): unknown {
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return value;
    case 'number':
      if (!Number.isFinite(value)) throw invalid(id, path, `${String(value)} is not a JSON number`);
      return value;
    case 'object': {
      if (value === null) return null;
      if (seen.has(value)) throw invalid(id, path, 'circular reference');
      seen.add(value);
      let out: unknown;
      if (Array.isArray(value)) {
        const arr: unknown[] = [];
        for (let i = 0; i < value.length; i++) {
          const item: unknown = value[i];
          if (item === undefined) throw invalid(id, `${path}[${i}]`, 'undefined is not a JSON value');
          arr.push(copyJson(item, `${path}[${i}]`, id, seen));
        }
        out = Object.freeze(arr);
      } else if (isPlainObject(value)) {
        const obj: Record<string, unknown> = {};
        for (const key of Object.keys(value)) {
          const item = value[key];
          if (item === undefined) continue;
          obj[key] = copyJson(item, `${path}.${key}`, id, seen);
        }
        out = Object.freeze(obj);
      } else {
        const name = (value as { constructor?: { name?: string } }).constructor?.name ?? 'object';
        throw invalid(id, path, `a ${name} is not plain JSON data`);
      }
      seen.delete(value);
      return out;
    }
    default:
      throw invalid(id, path, `a ${typeof value} is not a JSON value`);
  }
}

function invalid(id: string, field: string, problem: string): AppError {
  return new AppError('REGISTRY_INVALID_ENTRY', `entry "${id}": ${field}: ${problem}`, { id, field });
}

/** Check an id's grammar; REGISTRY_INVALID_ID names it and `where` it came from. */
export function checkEntryId(id: unknown, where: string): string {
  if (typeof id !== 'string' || parseEntryId(id) === undefined) {
    throw new AppError(
      'REGISTRY_INVALID_ID',
      `${where}: malformed entry id ${JSON.stringify(id) ?? String(id)}; expected "namespace:name", e.g. "app.tools:doc_search"`,
      { id: typeof id === 'string' ? id : String(id) },
    );
  }
  return id;
}

/**
 * The registry's own frozen copy of an entry: id checked, only id/kind/meta/data kept, missing meta
 * becomes {}, missing data becomes null, then validated with schemas/validate.ts.
 */
export function toFrozenEntry(input: unknown, where: string): Entry {
  if (!isPlainObject(input)) {
    throw new AppError('REGISTRY_INVALID_ENTRY', `${where}: an entry must be an object {id, kind, meta, data}`, {});
  }
  const id = checkEntryId(input.id, where);
  const seen = new Set<object>();
  const meta = input.meta === undefined ? Object.freeze({}) : input.meta;
  if (!isPlainObject(meta)) throw invalid(id, 'meta', 'must be an object');
  const entry: Entry = Object.freeze({
    id,
    kind: input.kind as string,
    meta: copyJson(meta, 'meta', id, seen) as Entry['meta'],
    data: input.data === undefined ? null : copyJson(input.data, 'data', id, seen),
  });
  if (typeof entry.kind !== 'string' || entry.kind === '') throw invalid(id, 'kind', 'must be a non-empty string');
  const result = validateEntry(entry);
  if (!result.ok) {
    const path = result.problems?.[0]?.path;
    const first = result.issues[0] ?? '(entry): invalid';
    const field = path && path.length > 0 ? path.join('.') : first.slice(0, Math.max(0, first.indexOf(':'))) || '(entry)';
    throw new AppError('REGISTRY_INVALID_ENTRY', `entry "${id}" (${where}): ${result.issues.join('; ')}`, {
      id,
      field,
      issues: result.issues,
    });
  }
  return entry;
}

/** Freeze a trusted plain JSON entry (e.g. parsed from the store) in place, deeply. */
export function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    for (const key of Object.keys(value)) deepFreeze((value as Record<string, unknown>)[key]);
    Object.freeze(value);
  }
  return value;
}

/** Structural equality of plain JSON values (object key order ignored). */
export function jsonEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  if (Array.isArray(a)) {
    const bb = b as unknown[];
    return a.length === bb.length && a.every((x, i) => jsonEqual(x, bb[i]));
  }
  const ka = Object.keys(a);
  const kb = Object.keys(b);
  if (ka.length !== kb.length) return false;
  return ka.every((k) => Object.hasOwn(b, k) && jsonEqual((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k]));
}
