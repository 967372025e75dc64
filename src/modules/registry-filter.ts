// Wippy find() filters (`[".kind"]`, `["meta.type"]`, `["~meta.f"]` ...) -> the registry's FindFilter,
// plus a post-test for what FindFilter cannot say (array "contains all", two conditions on one field).
import type { Entry } from '../../schemas/entry.js';
import type { FindFilter, MetaCondition } from '../registry/types.js';
import { typeName } from './bytes.js';
import { asList, isTable } from './guest-data.js';
import { ModuleFailure, type GuestValue } from './module-spec.js';

export interface TranslatedFilter {
  readonly filter: FindFilter;
  /** Extra conditions checked on the registry's results (undefined when none). */
  readonly test?: (entry: Entry) => boolean;
}

const ROOT = new Map<string, 'kind' | 'ns' | 'name' | 'id'>([
  ['.kind', 'kind'], ['.ns', 'ns'], ['.name', 'name'], ['.id', 'id'],
  // Bare keys: deprecated in Wippy (ignored there); micro-agi honours them.
  ['kind', 'kind'], ['ns', 'ns'], ['namespace', 'ns'], ['name', 'name'], ['id', 'id'],
]);

const OPS: Readonly<Record<string, 'regex' | 'contains' | 'prefix' | 'suffix'>> = { '~': 'regex', '*': 'contains', '^': 'prefix', '$': 'suffix' };

const SYNTAX =
  'use [".kind"], [".ns"], [".name"], [".id"] (globs with *), ["meta.<field>"] = value, ' +
  '["~meta.<field>"] regex, ["*meta.<field>"] contains, ["^meta.<field>"] prefix, ["$meta.<field>"] suffix';

function invalid(message: string): ModuleFailure {
  return new ModuleFailure('Invalid', `registry.find: ${message}`);
}

/**
 * Translate a guest filter table. Honours the Wippy selectors exactly, and also the bare keys
 * `kind`, `ns`/`namespace`, `name`, `id` and `meta = {field = value}` (which Wippy ignores).
 * Unknown keys, non-string selector values and bad regular expressions fail with Invalid.
 */
export function translateFindFilter(raw: GuestValue | undefined): TranslatedFilter {
  if (raw === undefined || raw === null) return { filter: {} };
  if (Array.isArray(raw) && raw.length === 0) return { filter: {} };
  if (!isTable(raw)) throw invalid(`filter must be a table, got ${typeName(raw)}`);
  const root: { kind?: string; ns?: string; name?: string; id?: string } = {};
  const meta: Record<string, MetaCondition> = {};
  const post: ((e: Entry) => boolean)[] = [];

  const addMeta = (path: string, cond: MetaCondition, key: string) => {
    if (path === '' || path.split('.').some((p) => p === '')) throw invalid(`"${key}": empty meta field name`);
    if (Object.hasOwn(meta, path)) post.push(metaTest(path, cond));
    else meta[path] = cond;
  };
  const addEquality = (path: string, value: GuestValue, key: string) => {
    if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') {
      addMeta(path, value, key);
    } else if (Array.isArray(value) || (isTable(value) && Object.keys(value).length === 0)) {
      const wanted = asList(value, key).map((v) => {
        if (typeof v !== 'string' && typeof v !== 'number' && typeof v !== 'boolean') throw invalid(`"${key}": list items must be strings, numbers or booleans`);
        return v;
      });
      post.push(containsAll(path, wanted));
    } else if (isTable(value)) {
      for (const [k, v] of Object.entries(value)) addEquality(`${path}.${k}`, v, `${key}.${k}`);
    } else {
      throw invalid(`"${key}": expected a string, number, boolean or list, got ${typeName(value)}`);
    }
  };

  for (const [key, value] of Object.entries(raw)) {
    const rootField = ROOT.get(key);
    if (rootField) {
      if (typeof value !== 'string') throw invalid(`"${key}" takes a string (glob with *), got ${typeName(value)}`);
      const prev = root[rootField];
      if (prev !== undefined && prev !== value) throw invalid(`"${key}" conflicts with another ${rootField} selector ("${prev}" vs "${value}")`);
      root[rootField] = value;
      continue;
    }
    if (key === 'meta') {
      if (!isTable(value)) throw invalid(`"meta" takes a table {field = value}, got ${typeName(value)}`);
      for (const [k, v] of Object.entries(value)) addEquality(k, v, `meta.${k}`);
      continue;
    }
    if (key.startsWith('meta.')) {
      addEquality(key.slice(5), value, key);
      continue;
    }
    const op = OPS[key[0] ?? ''];
    if (op && key.slice(1).startsWith('meta.')) {
      if (typeof value !== 'string') throw invalid(`"${key}" takes a string, got ${typeName(value)}`);
      if (op === 'regex') {
        try {
          new RegExp(value);
        } catch (e) {
          throw invalid(`"${key}": invalid regular expression ${JSON.stringify(value)}: ${(e as Error).message}`);
        }
      }
      const cond = { [op]: value } as MetaCondition;
      addMeta(key.slice(6), cond, key);
      continue;
    }
    const hint = /^[A-Za-z_]\w*$/.test(key) ? ` (did you mean ["meta.${key}"]?)` : '';
    throw invalid(`unknown filter key "${key}"${hint}; ${SYNTAX}`);
  }

  const filter: FindFilter = { ...root, ...(Object.keys(meta).length > 0 ? { meta } : {}) };
  if (post.length === 0) return { filter };
  return { filter, test: (e) => post.every((t) => t(e)) };
}

const MISSING = Symbol('missing');

function metaAt(meta: unknown, path: string): unknown {
  let cur: unknown = meta;
  for (const k of path.split('.')) {
    if (typeof cur !== 'object' || cur === null || !Object.hasOwn(cur, k)) return MISSING;
    cur = (cur as Record<string, unknown>)[k];
  }
  return cur;
}

/** Wippy: a list value means "the meta field is a list containing all of these". */
function containsAll(path: string, wanted: readonly (string | number | boolean)[]): (e: Entry) => boolean {
  return (e) => {
    const v = metaAt(e.meta, path);
    return Array.isArray(v) && wanted.every((w) => v.includes(w));
  };
}

/** Same semantics as the registry's meta conditions, for a second condition on an already used field. */
function metaTest(path: string, cond: MetaCondition): (e: Entry) => boolean {
  return (e) => {
    const v = metaAt(e.meta, path);
    if (v === MISSING) return false;
    if (typeof cond !== 'object') return v === cond;
    if ('regex' in cond) return typeof v === 'string' && new RegExp(cond.regex).test(v);
    if ('contains' in cond) return typeof v === 'string' ? v.includes(cond.contains) : Array.isArray(v) && v.includes(cond.contains);
    if ('prefix' in cond) return typeof v === 'string' && v.startsWith(cond.prefix);
    if ('suffix' in cond) return typeof v === 'string' && v.endsWith(cond.suffix);
    return JSON.stringify(v) === JSON.stringify(cond.eq);
  };
}
