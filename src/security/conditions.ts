// Policy conditions (Wippy §4.3): parsing with load-time checks, and evaluation against a request.
// A condition that is false, cannot be evaluated or reads a missing field makes its policy undefined.
import type { Actor, Condition, ConditionOperator } from './types.js';

/** What a condition can look at. */
export interface ConditionInput {
  readonly actor: Actor;
  readonly action: string;
  readonly resource: string;
  readonly meta?: Readonly<Record<string, unknown>>;
}

export type ConditionTest = (input: ConditionInput) => boolean;

export const CONDITION_OPERATORS: readonly ConditionOperator[] = Object.freeze([
  'eq', 'ne', 'lt', 'gt', 'lte', 'gte', 'in', 'nin',
  'exists', 'nexists', 'contains', 'ncontains', 'matches', 'nmatches',
]);

const NUMERIC_OPS = new Set<ConditionOperator>(['lt', 'gt', 'lte', 'gte']);
const KEY_RE = /^[A-Za-z0-9_-]+$/;

/** A parse failure: which part of the condition (`field`, `operator`, `value`, `value_from`) and why. */
export interface ConditionProblem {
  readonly part: string;
  readonly problem: string;
}

/** Why `field` is not a condition field, or undefined when it is one. */
export function fieldProblem(field: unknown): string | undefined {
  if (typeof field !== 'string' || field.length === 0) return 'expected a non-empty string';
  if (field === 'actor.id' || field === 'action' || field === 'resource') return undefined;
  const rest = field.startsWith('actor.meta.') ? field.slice(11) : field.startsWith('meta.') ? field.slice(5) : undefined;
  if (rest !== undefined && rest.split('.').every((k) => KEY_RE.test(k))) return undefined;
  return `unknown field "${field}" (use actor.id, actor.meta.<key>[.<key>], action, resource or meta.<key>[.<key>])`;
}

/**
 * Parse a raw YAML/JSON condition `{field, operator, value | value_from}` into a Condition.
 * Rejects unknown fields and operators, missing values, non-boolean exists values, non-numeric
 * literals for lt/gt/lte/gte, non-list/non-string `in` values and invalid regular expressions.
 */
export function parseCondition(raw: unknown): { ok: true; condition: Condition } | ({ ok: false } & ConditionProblem) {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    return { ok: false, part: '', problem: 'expected a mapping {field, operator, value | value_from}' };
  }
  const r = raw as Record<string, unknown>;
  const fp = fieldProblem(r.field);
  if (fp) return { ok: false, part: 'field', problem: fp };
  const op = r.operator;
  if (typeof op !== 'string' || !(CONDITION_OPERATORS as readonly string[]).includes(op)) {
    return { ok: false, part: 'operator', problem: `unknown operator ${JSON.stringify(op)} (one of ${CONDITION_OPERATORS.join(', ')})` };
  }
  const operator = op as ConditionOperator;
  const valueFrom = r.value_from ?? r.valueFrom;
  if (valueFrom !== undefined) {
    const vp = fieldProblem(valueFrom);
    if (vp) return { ok: false, part: 'value_from', problem: vp };
    return { ok: true, condition: { field: r.field as string, operator, valueFrom: valueFrom as string } };
  }
  if (r.value === undefined || r.value === null) {
    return { ok: false, part: 'value', problem: 'a condition needs "value" or "value_from"' };
  }
  const value = r.value;
  const vp = literalProblem(operator, value);
  if (vp) return { ok: false, part: 'value', problem: vp };
  return { ok: true, condition: { field: r.field as string, operator, value } };
}

function literalProblem(op: ConditionOperator, value: unknown): string | undefined {
  if (op === 'exists' || op === 'nexists') {
    return typeof value === 'boolean' ? undefined : `"${op}" takes true or false, got ${JSON.stringify(value)}`;
  }
  if (NUMERIC_OPS.has(op)) {
    return asNumber(value) === undefined ? `"${op}" compares numbers, got ${JSON.stringify(value)}` : undefined;
  }
  if (op === 'in' || op === 'nin') {
    return typeof value === 'string' || Array.isArray(value) ? undefined : `"${op}" takes a list (or one string), got ${JSON.stringify(value)}`;
  }
  if (op === 'matches' || op === 'nmatches') {
    if (typeof value !== 'string') return `"${op}" takes a regular expression string, got ${JSON.stringify(value)}`;
    try {
      new RegExp(value);
    } catch (e) {
      return `invalid regular expression ${JSON.stringify(value)}: ${(e as Error).message}`;
    }
  }
  return undefined;
}

/** Compile a parsed condition into a test; regular expressions are compiled once here. */
export function compileCondition(c: Condition): ConditionTest {
  const getField = fieldReader(c.field);
  const getValue: (input: ConditionInput) => Found = c.valueFrom !== undefined ? fieldReader(c.valueFrom) : constant(c.value);
  const literalRe = (c.operator === 'matches' || c.operator === 'nmatches') && c.valueFrom === undefined && typeof c.value === 'string'
    ? new RegExp(c.value)
    : undefined;
  const op = c.operator;
  return (input) => {
    const f = getField(input);
    if (op === 'exists' || op === 'nexists') {
      const v = getValue(input);
      if (!v.found || typeof v.value !== 'boolean') return false;
      return (op === 'exists') === (f.found === v.value);
    }
    if (!f.found) return false;
    const v = getValue(input);
    if (!v.found) return false;
    try {
      return apply(op, f.value, v.value, literalRe);
    } catch {
      return false;
    }
  };
}

/** Evaluate one condition without keeping the compiled form. */
export function evaluateCondition(c: Condition, input: ConditionInput): boolean {
  return compileCondition(c)(input);
}

interface Found {
  readonly found: boolean;
  readonly value?: unknown;
}

const MISSING: Found = { found: false };

function constant(value: unknown): () => Found {
  const found: Found = value === undefined || value === null ? MISSING : { found: true, value };
  return () => found;
}

function fieldReader(field: string): (input: ConditionInput) => Found {
  if (field === 'actor.id') return (i) => ({ found: true, value: i.actor.id });
  if (field === 'action') return (i) => ({ found: true, value: i.action });
  if (field === 'resource') return (i) => ({ found: true, value: i.resource });
  if (field.startsWith('actor.meta.')) {
    const keys = field.slice(11).split('.');
    return (i) => walk(i.actor.meta, keys);
  }
  if (field.startsWith('meta.')) {
    const keys = field.slice(5).split('.');
    return (i) => walk(i.meta, keys);
  }
  return () => MISSING;
}

function walk(root: unknown, keys: readonly string[]): Found {
  let cur: unknown = root;
  for (const k of keys) {
    if (typeof cur !== 'object' || cur === null || !Object.prototype.hasOwnProperty.call(cur, k)) return MISSING;
    cur = (cur as Record<string, unknown>)[k];
  }
  return cur === undefined || cur === null ? MISSING : { found: true, value: cur };
}

function apply(op: ConditionOperator, field: unknown, value: unknown, literalRe: RegExp | undefined): boolean {
  switch (op) {
    case 'eq':
      return equal(field, value);
    case 'ne':
      return !equal(field, value);
    case 'lt':
    case 'gt':
    case 'lte':
    case 'gte': {
      const a = asNumber(field);
      const b = asNumber(value);
      if (a === undefined || b === undefined) return false;
      return op === 'lt' ? a < b : op === 'gt' ? a > b : op === 'lte' ? a <= b : a >= b;
    }
    case 'in':
      return listOf(value).some((el) => equal(field, el));
    case 'nin':
      return !listOf(value).some((el) => equal(field, el));
    case 'contains':
      return contains(field, value);
    case 'ncontains':
      return (typeof field === 'string' || Array.isArray(field)) && !contains(field, value);
    case 'matches':
      return (literalRe ?? new RegExp(asText(value))).test(asText(field));
    case 'nmatches':
      return !(literalRe ?? new RegExp(asText(value))).test(asText(field));
    default:
      return false;
  }
}

function listOf(value: unknown): readonly unknown[] {
  return Array.isArray(value) ? value : [value];
}

function contains(field: unknown, value: unknown): boolean {
  if (typeof field === 'string') return field.includes(asText(value));
  if (Array.isArray(field)) return field.some((el) => equal(el, value));
  return false;
}

/** `eq`: numerically when both sides parse as numbers, else as text. */
function equal(a: unknown, b: unknown): boolean {
  const na = asNumber(a);
  const nb = asNumber(b);
  if (na !== undefined && nb !== undefined) return na === nb;
  return asText(a) === asText(b);
}

/** A number, or a string that is entirely a finite number; undefined otherwise. */
export function asNumber(v: unknown): number | undefined {
  if (typeof v === 'number') return Number.isFinite(v) ? v : undefined;
  if (typeof v === 'bigint') return Number(v);
  if (typeof v === 'string') {
    const s = v.trim();
    if (s === '') return undefined;
    const n = Number(s);
    return Number.isFinite(n) ? n : undefined;
  }
  return undefined;
}

function asText(v: unknown): string {
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean' || typeof v === 'bigint') return String(v);
  return JSON.stringify(v) ?? '';
}
