// find(): compile a FindFilter (kind/ns/name/id globs, meta conditions on dotted paths) into a predicate.
// All given fields must match; entries lacking a meta field never match; a list means "array has all".
import { parseEntryId, type Entry } from '../../schemas/entry.js';
import { AppError } from '../errors/app-error.js';
import { matchGlob } from './glob.js';
import { jsonEqual } from './plain-entry.js';
import type { FindFilter, MetaCondition } from './types.js';

export type EntryPredicate = (entry: Entry) => boolean;

const MISSING = Symbol('missing');

/** Value at a dotted path inside meta (`options.retry`, `tags.0`); MISSING when any step is absent. */
export function metaPath(meta: unknown, path: readonly string[]): unknown {
  let cur: unknown = meta;
  for (const key of path) {
    if (typeof cur !== 'object' || cur === null || !Object.hasOwn(cur, key)) return MISSING;
    cur = (cur as Record<string, unknown>)[key];
  }
  return cur;
}

function badFilter(field: string, problem: string): AppError {
  return new AppError('USAGE', `find filter meta "${field}": ${problem}`, { field });
}

function compileCondition(field: string, cond: MetaCondition): (v: unknown) => boolean {
  if (typeof cond === 'string' || typeof cond === 'number' || typeof cond === 'boolean') return (v) => v === cond;
  if (typeof cond !== 'object' || cond === null) throw badFilter(field, `unsupported condition ${String(cond)}`);
  // Wippy: a list of values means "the meta field is an array containing all of them".
  if (Array.isArray(cond)) {
    const wanted: unknown[] = cond;
    return (v) => Array.isArray(v) && wanted.every((w) => v.some((x) => jsonEqual(x, w)));
  }
  const keys = Object.keys(cond);
  if (keys.length !== 1) {
    throw badFilter(field, `a condition object has exactly one operator (eq, prefix, suffix, contains, regex), got ${JSON.stringify(keys)}`);
  }
  const op = keys[0]!;
  const arg = (cond as Record<string, unknown>)[op];
  if (op === 'eq') return (v) => jsonEqual(v, arg);
  if (typeof arg !== 'string') throw badFilter(field, `operator "${op}" takes a string, got ${typeof arg}`);
  switch (op) {
    case 'prefix':
      return (v) => typeof v === 'string' && v.startsWith(arg);
    case 'suffix':
      return (v) => typeof v === 'string' && v.endsWith(arg);
    case 'contains':
      return (v) => (typeof v === 'string' ? v.includes(arg) : Array.isArray(v) && v.includes(arg));
    case 'regex': {
      let re: RegExp;
      try {
        re = new RegExp(arg);
      } catch (err) {
        throw badFilter(field, `invalid regex ${JSON.stringify(arg)}: ${(err as Error).message}`);
      }
      return (v) => typeof v === 'string' && re.test(v);
    }
    default:
      throw badFilter(field, `unknown operator "${op}" (use eq, prefix, suffix, contains or regex)`);
  }
}

/** Compile a filter once; throws USAGE naming the meta field for malformed conditions. */
export function compileFilter(filter: FindFilter): EntryPredicate {
  const tests: EntryPredicate[] = [];
  const { kind, ns, name, id } = filter;
  if (kind !== undefined) tests.push((e) => matchGlob(kind, e.kind));
  if (id !== undefined) tests.push((e) => matchGlob(id, e.id));
  if (ns !== undefined || name !== undefined) {
    tests.push((e) => {
      const parts = parseEntryId(e.id);
      if (!parts) return false;
      return (ns === undefined || matchGlob(ns, parts.ns)) && (name === undefined || matchGlob(name, parts.name));
    });
  }
  for (const [field, cond] of Object.entries(filter.meta ?? {})) {
    if (field === '') throw badFilter(field, 'empty field path');
    const path = field.split('.');
    const test = compileCondition(field, cond);
    tests.push((e) => {
      const v = metaPath(e.meta, path);
      return v !== MISSING && test(v);
    });
  }
  return (e) => {
    for (const t of tests) if (!t(e)) return false;
    return true;
  };
}

/** The entries matching `filter`, in the given order. */
export function findEntries(entries: readonly Entry[], filter: FindFilter): Entry[] {
  const pred = compileFilter(filter);
  return entries.filter(pred);
}
