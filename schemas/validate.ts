// Validation entry point for registry entries: the base shape, then the kind-specific schemas.
// Returns issues as data so loaders and the registry can name the entry and field in their errors.
import type { z } from 'zod';
import { EntrySchema, type Entry } from './entry.js';
import { KIND_SCHEMAS, schemasFor } from './kinds/kind-table.js';
import { guardIfSupported } from './message-guard.js';

const OK: ValidationResult = Object.freeze({ ok: true });

/** One problem: the field path inside the entry (`data.source`, `meta.type`) and what is wrong. */
export interface ValidationProblem {
  readonly path: readonly (string | number)[];
  readonly message: string;
}

/**
 * `issues` are one-line texts `path: message (got value)`; `problems` carry the same as data
 * (added after the first contract; optional for results built elsewhere).
 */
export type ValidationResult =
  | { ok: true }
  | { ok: false; issues: string[]; problems?: ValidationProblem[] };

/** Kinds micro-agi has schemas for. Other kinds are accepted with the base shape only. */
export const knownKinds: readonly string[] = Object.freeze(Object.keys(KIND_SCHEMAS));

export function isKnownKind(kind: string): boolean {
  return Object.prototype.hasOwnProperty.call(KIND_SCHEMAS, kind);
}

/** True when the compiled guard of `schema` vouches for `value` (false decides nothing: zod then checks). */
function vouched(schema: z.ZodType | undefined, value: unknown): boolean {
  return schema === undefined || guardIfSupported(schema)?.fastMatch(value) === true;
}

/** Validate an entry's base shape and, for known kinds, its `data` and `meta`. */
export function validateEntry(entry: Entry): ValidationResult {
  // Every registry write validates its entries: the compiled guards first, zod to word what they refuse.
  if (vouched(EntrySchema, entry)) {
    const schemas = schemasFor(entry.kind, entry.meta as Record<string, unknown>);
    if (vouched(schemas?.meta, entry.meta) && vouched(schemas?.data, entry.data)) return OK;
  }
  const problems: ValidationProblem[] = [];
  const base = EntrySchema.safeParse(entry);
  if (!base.success) {
    collect(problems, base.error.issues, []);
  } else {
    const meta = entry.meta as Record<string, unknown>;
    const schemas = schemasFor(entry.kind, meta);
    if (schemas?.meta) check(problems, schemas.meta, entry.meta, 'meta');
    if (schemas?.data) check(problems, schemas.data, entry.data, 'data');
  }
  if (problems.length === 0) return OK;
  return { ok: false, issues: problems.map(formatProblem(entry)), problems };
}

function check(out: ValidationProblem[], schema: z.ZodType, value: unknown, field: string): void {
  const r = schema.safeParse(value);
  if (!r.success) collect(out, r.error.issues, [field]);
}

function collect(out: ValidationProblem[], issues: readonly z.core.$ZodIssue[], prefix: (string | number)[]): void {
  for (const i of issues) {
    out.push({ path: [...prefix, ...i.path.map((p) => (typeof p === 'symbol' ? String(p) : p))], message: i.message });
  }
}

function formatProblem(entry: Entry): (p: ValidationProblem) => string {
  return (p) => {
    const where = p.path.length > 0 ? p.path.join('.') : '(entry)';
    const got = valueAt(entry, p.path);
    const gotText = got.found && !/received/.test(p.message) ? ` (got ${describe(got.value)})` : '';
    return `${where}: ${p.message}${gotText}`;
  };
}

function valueAt(root: unknown, path: readonly (string | number)[]): { found: boolean; value?: unknown } {
  let cur: unknown = root;
  for (const key of path) {
    if (cur === null || typeof cur !== 'object' || !(key in (cur as object))) return { found: false };
    cur = (cur as Record<string | number, unknown>)[key];
  }
  return { found: true, value: cur };
}

function describe(v: unknown): string {
  if (v === undefined) return 'nothing';
  let s: string;
  try {
    s = JSON.stringify(v) ?? String(v);
  } catch {
    s = String(v);
  }
  return s.length > 60 ? s.slice(0, 57) + '...' : s;
}
