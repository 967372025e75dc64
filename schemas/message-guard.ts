// A check compiled once from a zod schema, for what is checked on hot paths (messages crossing threads,
// entries written): plain closures that accept only what the schema accepts; zod words a refusal.
import type { z } from 'zod';

/*
 * Why: on a thread that sleeps between messages V8 never warms zod's generic machinery: a call task took
 * 54 µs p50 to safeParse with the calls 1 ms apart (3.7 µs only after 100,000 back to back), and a tool
 * call crosses such a boundary 3-7 times; these closures took 15 µs for the same task, and create_tool ->
 * load_tool -> first call went from 4.6 to 3.8 ms (medians of 10 alternating runs each).
 * They are sound, not complete: a value they accept always passes safeParse (the tests hold them to it
 * over thousands of mutated messages and entries); a value they refuse goes to safeParse, which decides,
 * so a corner the closures do not model costs time, never a wrong answer.
 * The difference callers see: an accepted value is returned as it came (zod returns a copy without the
 * keys its object schemas do not name). Transforms, defaults, superRefine and conditional checks are not
 * modelled: compiling a schema that has one throws GUARD_UNSUPPORTED, naming where.
 */

type Check = (value: unknown) => boolean;

export interface MessageGuard<T> {
  /** True when the closures accept `value` (then safeParse would too); false decides nothing. */
  fastMatch(value: unknown): value is T;
  /** schema.safeParse's answer; on success `data` is `value` itself when the closures accepted it. */
  safeParse(value: unknown): z.ZodSafeParseResult<T>;
  /** `value` when it matches the schema, else the ZodError thrown. */
  parse(value: unknown): T;
}

/** The zod 4 internals read here (stable across 4.x: `_zod.def`, and `_zod.values` for literals and enums). */
interface Internals {
  readonly _zod: {
    readonly def: Def;
    readonly values?: ReadonlySet<unknown>;
    readonly propValues?: Readonly<Record<string, ReadonlySet<unknown>>>;
  };
}

interface Def {
  readonly type: string;
  readonly checks?: readonly Internals[];
  readonly shape?: Readonly<Record<string, Internals>>;
  readonly catchall?: Internals;
  readonly element?: Internals;
  readonly innerType?: Internals;
  readonly keyType?: Internals;
  readonly valueType?: Internals;
  readonly options?: readonly Internals[];
  readonly discriminator?: string;
  readonly fn?: (value: unknown) => unknown;
  readonly when?: unknown;
  readonly check?: string;
  readonly format?: string;
  readonly pattern?: RegExp;
  readonly value?: number;
  readonly inclusive?: boolean;
  readonly minimum?: number;
  readonly maximum?: number;
  readonly length?: number;
}

/** The code of the error messageGuard throws for a schema it cannot model. */
export const GUARD_UNSUPPORTED = 'SCHEMA_GUARD_UNSUPPORTED';

class UnsupportedSchema extends Error {
  readonly code = GUARD_UNSUPPORTED;
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** What zod's record accepts, narrowed to what structured clone produces: plain objects, no symbol keys. */
function isPlainRecord(v: unknown): v is Record<string, unknown> {
  if (!isObject(v)) return false;
  const proto = Object.getPrototypeOf(v) as unknown;
  return (proto === Object.prototype || proto === null) && Object.getOwnPropertySymbols(v).length === 0;
}

function unsupported(path: string, what: string): never {
  throw new UnsupportedSchema(`messageGuard: ${what} at ${path || 'the top'} is not supported; use the zod schema there`);
}

/** The checks zod runs after the type matched (lengths, integer, bounds, regex), as one predicate. */
function refinements(def: Def, path: string, length: (v: string | unknown[]) => number): Check | undefined {
  const checks: Check[] = [];
  for (const c of def.checks ?? []) {
    const d = c._zod.def;
    switch (d.check) {
      case 'min_length': {
        const min = d.minimum!;
        checks.push((v) => length(v as string) >= min);
        break;
      }
      case 'max_length': {
        const max = d.maximum!;
        checks.push((v) => length(v as string) <= max);
        break;
      }
      case 'length_equals': {
        const n = d.length!;
        checks.push((v) => length(v as string) === n);
        break;
      }
      case 'greater_than': {
        const min = d.value!;
        checks.push(d.inclusive ? (v) => (v as number) >= min : (v) => (v as number) > min);
        break;
      }
      case 'less_than': {
        const max = d.value!;
        checks.push(d.inclusive ? (v) => (v as number) <= max : (v) => (v as number) < max);
        break;
      }
      case 'number_format':
        if (d.format !== 'safeint') unsupported(path, `number format "${d.format}"`);
        checks.push((v) => Number.isSafeInteger(v));
        break;
      case 'string_format': {
        if (d.format !== 'regex' || !d.pattern) unsupported(path, `string format "${d.format}"`);
        const pattern = d.pattern;
        checks.push((v) => {
          pattern.lastIndex = 0;
          return pattern.test(v as string);
        });
        break;
      }
      case 'custom': {
        // .refine(fn): zod asks fn after the type matched; superRefine and conditional checks are not modelled
        const fn = d.fn;
        if (typeof fn !== 'function' || d.when !== undefined) unsupported(path, 'a check without a plain predicate (superRefine, when)');
        checks.push((v) => {
          try {
            return fn(v) === true;
          } catch {
            return false;
          }
        });
        break;
      }
      default:
        unsupported(path, `check "${d.check}"`);
    }
  }
  if (checks.length === 0) return undefined;
  if (checks.length === 1) return checks[0];
  return (v) => checks.every((c) => c(v));
}

function withRefinements(typeCheck: Check, refine: Check | undefined): Check {
  return refine ? (v) => typeCheck(v) && refine(v) : typeCheck;
}

/** An object schema: every named key (absent only where the schema is optional), extras as catchall says. */
function objectCheck(def: Def, path: string): Check {
  const fields = Object.entries(def.shape ?? {}).map(([key, schema]) => ({
    key,
    check: compile(schema, `${path}.${key}`),
    optional: schema._zod.def.type === 'optional',
  }));
  const catchall = def.catchall?._zod.def.type;
  if (catchall !== undefined && catchall !== 'unknown' && catchall !== 'any' && catchall !== 'never') {
    unsupported(path, `an object catchall of type "${catchall}"`);
  }
  const strict = catchall === 'never';
  const named = new Set(fields.map((f) => f.key));
  return (v) => {
    if (!isObject(v)) return false;
    for (const f of fields) {
      const x = v[f.key];
      if (x === undefined && !(f.key in v)) {
        if (!f.optional) return false;
        continue;
      }
      if (!f.check(x)) return false;
    }
    if (strict) for (const k of Object.keys(v)) if (!named.has(k)) return false;
    return true;
  };
}

/** A union: by the discriminator's value when it has one (each option names its values), else any option. */
function unionCheck(def: Def, path: string): Check {
  const options = (def.options ?? []).map((o, i) => ({ schema: o, check: compile(o, `${path}|${i + 1}`) }));
  const disc = def.discriminator;
  if (disc !== undefined) {
    const byValue = new Map<unknown, Check>();
    for (const o of options) {
      const values = o.schema._zod.propValues?.[disc];
      if (!values) unsupported(path, `a discriminated option without literal "${disc}"`);
      for (const value of values) {
        if (byValue.has(value)) unsupported(path, `two options with ${disc} = ${String(value)}`);
        byValue.set(value, o.check);
      }
    }
    return (v) => {
      if (!isObject(v)) return false;
      const check = byValue.get(v[disc]);
      return check !== undefined && check(v);
    };
  }
  const checks = options.map((o) => o.check);
  return (v) => checks.some((c) => c(v));
}

/** The check of the schema's type alone (its refinements are added by compile). */
function typeCheck(schema: Internals, path: string): Check {
  const def = schema._zod.def;
  switch (def.type) {
    case 'unknown':
    case 'any':
      return () => true;
    case 'string':
      return (v) => typeof v === 'string';
    case 'number':
      return (v) => typeof v === 'number' && Number.isFinite(v);
    case 'boolean':
      return (v) => typeof v === 'boolean';
    case 'literal':
    case 'enum': {
      const values = schema._zod.values;
      if (!values) unsupported(path, `a ${def.type} without values`);
      return (v) => values.has(v);
    }
    case 'optional': {
      const inner = compile(def.innerType!, path);
      return (v) => v === undefined || inner(v);
    }
    case 'nullable': {
      const inner = compile(def.innerType!, path);
      return (v) => v === null || inner(v);
    }
    case 'array': {
      const element = compile(def.element!, `${path}[]`);
      return (v) => {
        if (!Array.isArray(v)) return false;
        // by index: a sparse array's holes are undefined to zod, and every() would skip them
        for (let i = 0; i < v.length; i++) if (!element(v[i])) return false;
        return true;
      };
    }
    case 'record': {
      const key = def.keyType!._zod.def;
      if (key.type !== 'string' || (key.checks?.length ?? 0) > 0) unsupported(path, 'a record whose keys are not plain strings');
      const value = compile(def.valueType!, `${path}{}`);
      return (v) => {
        if (!isPlainRecord(v)) return false;
        for (const k of Object.keys(v)) if (!value(v[k])) return false;
        return true;
      };
    }
    case 'object':
      return objectCheck(def, path);
    case 'union':
      return unionCheck(def, path);
    case 'custom': {
      // z.instanceof and z.custom(fn): zod's own predicate
      const fn = def.fn!;
      return (v) => {
        try {
          return fn(v) === true;
        } catch {
          return false;
        }
      };
    }
    default:
      return unsupported(path, `a schema of type "${def.type}"`);
  }
}

/** The schema's type, then its checks (lengths count for strings and arrays only, as in zod). */
function compile(schema: Internals, path: string): Check {
  const def = schema._zod.def;
  const length = def.type === 'string' || def.type === 'array' ? (v: string | unknown[]) => v.length : () => NaN;
  return withRefinements(typeCheck(schema, path), refinements(def, path, length));
}

/** Guards by schema (null: a schema the closures cannot model), so a schema is compiled once per thread. */
const compiled = new WeakMap<z.ZodType, MessageGuard<unknown> | null>();

function build<S extends z.ZodType>(schema: S): MessageGuard<z.output<S>> {
  type T = z.output<S>;
  const check = compile(schema as unknown as Internals, '');
  return {
    fastMatch: (value): value is T => check(value),
    safeParse: (value) => (check(value) ? { success: true, data: value as T } : schema.safeParse(value)),
    parse: (value) => (check(value) ? (value as T) : schema.parse(value)),
  };
}

/** The guard of `schema`, compiled on first use, or null for a schema it cannot model (zod alone checks it). */
export function guardIfSupported<S extends z.ZodType>(schema: S): MessageGuard<z.output<S>> | null {
  let guard = compiled.get(schema);
  if (guard === undefined) {
    try {
      guard = build(schema);
    } catch (err) {
      if ((err as { code?: unknown }).code !== GUARD_UNSUPPORTED) throw err;
      guard = null;
    }
    compiled.set(schema, guard);
  }
  return guard as MessageGuard<z.output<S>> | null;
}

/** The guard of `schema` (throws SCHEMA_GUARD_UNSUPPORTED naming the place of what it cannot model). */
export function messageGuard<S extends z.ZodType>(schema: S): MessageGuard<z.output<S>> {
  const guard = guardIfSupported(schema);
  // Compiling again throws the error that names the place (only a schema that cannot be modelled gets here).
  return guard ?? build(schema);
}
