// Checks a tool call's arguments against the JSON Schema the tool is offered with, before anything runs, and
// words what is wrong so the model can repair its call. A schema a model wrote is data here, never code.
import { createRequire } from 'node:module';
import type { OutputUnit, Schema, SchemaDraft, Validator } from '@cfworker/json-schema';
import { errorMessage } from '../errors/app-error.js';
import { logger } from '../log/logger.js';

const log = logger('agent.input');

/**
 * The validator's module, loaded on the first check: every thread that imports this file (the agent's, the
 * supervisor's, each isolate worker's through the tools module) would otherwise hold it from the start
 * (measured: idle RSS +0.4-1.0 MB).
 */
let validatorModule: typeof import('@cfworker/json-schema') | undefined;
function newValidator(schema: Schema, draft: SchemaDraft): Validator {
  validatorModule ??= createRequire(import.meta.url)('@cfworker/json-schema') as typeof import('@cfworker/json-schema');
  return new validatorModule.Validator(schema, draft, false);
}

/** A problem message for the model, or undefined when the arguments fit (or the schema cannot be checked). */
export type InputCheck = (args: Readonly<Record<string, unknown>>) => string | undefined;

/** At most this many problems are listed in one message. */
export const MAX_LISTED_PROBLEMS = 8;
/** Schemas nested deeper than this are not checked (the tool still checks its input itself). */
const MAX_SCHEMA_DEPTH = 64;

/** Keywords whose value is a map of name -> schema. */
const SCHEMA_MAPS = new Set(['properties', '$defs', 'definitions', 'dependentSchemas', 'dependencies']);
/** Keywords whose value is a schema. */
const SCHEMA_VALUES = new Set(['additionalProperties', 'unevaluatedProperties', 'items', 'additionalItems', 'unevaluatedItems', 'contains', 'propertyNames', 'not', 'if', 'then', 'else']);
/** Keywords whose value is a list of schemas. */
const SCHEMA_LISTS = new Set(['allOf', 'anyOf', 'oneOf', 'prefixItems', 'items']);
/** Errors that only summarise errors listed after them (the leaves say what is wrong). */
const SUMMARIES = new Set(['properties', 'items', 'prefixItems', 'additionalItems', 'unevaluatedItems', 'contains', 'allOf', '$ref', '$recursiveRef', 'dependentSchemas', 'propertyNames', 'if', 'then', 'else']);
/** Errors whose branches are alternatives: the summary is listed, the branch errors are not. */
const ALTERNATIVES = new Set(['anyOf', 'oneOf', 'not']);

/**
 * Upper bounds on schema nodes (a local `$ref` counted again at each use, `enum` values counted) and on
 * schema nodes times input values, past which a check is skipped. Why: a model writes both, and nothing can
 * stop a validation in the thread that runs it: `allOf: [{$ref: next}, {$ref: next}]` 30 levels deep is 2^30
 * visits. Measured at the work bound with every branch failing: at most ~80 ms.
 */
export const MAX_SCHEMA_NODES = 10_000;
export const MAX_CHECK_WORK = 1_000_000;

/** A schema the validator is not given (the tool still checks its own input). */
class Unusable extends Error {}

/**
 * A copy of `schema` without what would let a call's arguments hang the agent's thread: `pattern` and
 * `patternProperties` (a model-written regular expression, matched in-thread, can backtrack for minutes)
 * and `uniqueItems` (pairwise deep comparison: 5,000 items took 1.7 s here). Where patternProperties is
 * dropped, additionalProperties / unevaluatedProperties go too, so no property the pattern would have
 * admitted is refused. These are left for the tool, which runs under a deadline.
 */
function withoutPatterns(schema: unknown, depth = 0): unknown {
  if (typeof schema !== 'object' || schema === null || Array.isArray(schema)) return schema;
  if (depth > MAX_SCHEMA_DEPTH) throw new Unusable(`the schema is nested deeper than ${MAX_SCHEMA_DEPTH} levels`);
  const src = schema as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  const dropsExtras = src.patternProperties !== undefined;
  for (const [k, v] of Object.entries(src)) {
    if (k === 'pattern' || k === 'patternProperties' || k === 'uniqueItems') continue;
    if (dropsExtras && (k === 'additionalProperties' || k === 'unevaluatedProperties')) continue;
    if (SCHEMA_LISTS.has(k) && Array.isArray(v)) out[k] = v.map((s) => withoutPatterns(s, depth + 1));
    else if (SCHEMA_VALUES.has(k)) out[k] = withoutPatterns(v, depth + 1);
    else if (SCHEMA_MAPS.has(k) && typeof v === 'object' && v !== null && !Array.isArray(v)) {
      out[k] = Object.fromEntries(Object.entries(v).map(([name, s]) => [name, withoutPatterns(s, depth + 1)]));
    } else out[k] = v;
  }
  return out;
}

/** The schema at a local `$ref` ("#", "#/$defs/x"), or Unusable. */
function resolveRef(root: unknown, ref: string): unknown {
  if (ref === '#') return root;
  if (!ref.startsWith('#/')) throw new Unusable(`$ref ${JSON.stringify(ref)} is not a local JSON pointer`);
  let at: unknown = root;
  for (const raw of ref.slice(2).split('/')) {
    const key = decodeURIComponent(raw).replace(/~1/g, '/').replace(/~0/g, '~');
    if (typeof at !== 'object' || at === null || !Object.hasOwn(at, key)) throw new Unusable(`$ref ${JSON.stringify(ref)} points nowhere`);
    at = (at as Record<string, unknown>)[key];
  }
  return at;
}

/**
 * Schema nodes the validator may visit per input value: the tree with every local `$ref` expanded where it
 * is used (so shared definitions count at each use, as validation pays for them), `enum` values included.
 * Unusable past MAX_SCHEMA_NODES, for a recursive `$ref`, or for $recursiveRef / $dynamicRef.
 */
function schemaNodes(root: unknown): number {
  let nodes = 0;
  const visit = (schema: unknown, depth: number): void => {
    if (typeof schema !== 'object' || schema === null || Array.isArray(schema)) return;
    if (depth > MAX_SCHEMA_DEPTH) throw new Unusable(`the schema (its $refs expanded) is nested deeper than ${MAX_SCHEMA_DEPTH} levels`);
    if (++nodes > MAX_SCHEMA_NODES) throw new Unusable(`the schema expands to more than ${MAX_SCHEMA_NODES} nodes`);
    const src = schema as Record<string, unknown>;
    if (src.$recursiveRef !== undefined || src.$dynamicRef !== undefined) throw new Unusable('$recursiveRef and $dynamicRef are not checked');
    if (typeof src.$ref === 'string') visit(resolveRef(root, src.$ref), depth + 1);
    if (Array.isArray(src.enum)) nodes += src.enum.length;
    for (const [k, v] of Object.entries(src)) {
      if (k === '$defs' || k === 'definitions') continue; // visited where a $ref uses them
      if (SCHEMA_LISTS.has(k) && Array.isArray(v)) for (const s of v) visit(s, depth + 1);
      else if (SCHEMA_VALUES.has(k)) visit(v, depth + 1);
      else if (SCHEMA_MAPS.has(k) && typeof v === 'object' && v !== null && !Array.isArray(v)) for (const s of Object.values(v)) visit(s, depth + 1);
    }
  };
  visit(root, 0);
  return nodes;
}

/** `value` with every object property whose value is null left out (the same value when there is none). */
function withoutNulls<T>(value: T): T {
  if (typeof value !== 'object' || value === null) return value;
  if (Array.isArray(value)) {
    const items = value.map(withoutNulls);
    return (items.some((x, i) => x !== value[i]) ? items : value) as T;
  }
  let changed = false;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) {
    if (v === null) {
      changed = true;
      continue;
    }
    const w = withoutNulls(v);
    if (w !== v) changed = true;
    out[k] = w;
  }
  return (changed ? out : value) as T;
}

/** Values in `input` (objects, arrays and scalars), counting stops past `cap`. */
function inputValues(input: unknown, cap: number): number {
  let n = 0;
  const stack: unknown[] = [input];
  while (stack.length > 0 && n <= cap) {
    const v = stack.pop();
    n++;
    if (typeof v === 'object' && v !== null) for (const x of Array.isArray(v) ? v : Object.values(v)) stack.push(x);
  }
  return n;
}

function draftOf(schema: Record<string, unknown>): SchemaDraft {
  const id = typeof schema.$schema === 'string' ? schema.$schema : '';
  if (id.includes('draft-04')) return '4';
  if (id.includes('draft-06') || id.includes('draft-07')) return '7';
  if (id.includes('2019-09')) return '2019-09';
  return '2020-12';
}

/** `#/o/x` -> `o.x`; `#/tags/1` -> `tags[1]`; `#` -> `arguments`. */
function fieldPath(instanceLocation: string): string {
  const parts = instanceLocation.replace(/^#\/?/, '').split('/').filter((p) => p !== '').map((p) => p.replace(/~1/g, '/').replace(/~0/g, '~'));
  if (parts.length === 0) return 'arguments';
  return parts.map((p, i) => (/^\d+$/.test(p) ? `[${p}]` : i === 0 ? p : `.${p}`)).join('');
}

function valueAt(args: unknown, instanceLocation: string): unknown {
  let v = args;
  for (const p of instanceLocation.replace(/^#\/?/, '').split('/').filter((s) => s !== '')) {
    if (typeof v !== 'object' || v === null) return undefined;
    v = (v as Record<string, unknown>)[p.replace(/~1/g, '/').replace(/~0/g, '~')];
  }
  return v;
}

function shown(v: unknown): string {
  const text = v === undefined ? 'nothing' : JSON.stringify(v) ?? String(v);
  return text.length > 60 ? `${text.slice(0, 60)}…` : text;
}

function typeName(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  if (typeof v === 'number') return Number.isInteger(v) ? 'integer' : 'number';
  return typeof v;
}

/** The keyword's value in the schema the validator was given (undefined where the path crosses a $ref). */
function keywordValue(schema: unknown, keywordLocation: string): unknown {
  return valueAt(schema, keywordLocation);
}

/** One error as a line the model can act on (`schema`: the one validated, for a keyword's value). */
function problemText(e: OutputUnit, args: unknown, schema: unknown): string {
  const where = fieldPath(e.instanceLocation);
  const value = valueAt(args, e.instanceLocation);
  const at = where === 'arguments' ? '' : `${where}: `;
  const said = `${where}: ${e.error.replace(/^Instance /, '')}`;
  switch (e.keyword) {
    case 'type': {
      const expected = /Expected (.+)\.$/.exec(e.error)?.[1]?.replace(/"/g, '').replace(/, /g, ' or ') ?? 'another type';
      return `${where} must be ${expected}, got ${typeName(value)} ${shown(value)}`;
    }
    case 'required': {
      const name = /required property "(.*)"\.$/.exec(e.error)?.[1];
      return name !== undefined ? `${at}missing required property "${name}"` : said;
    }
    case 'additionalProperties': {
      const name = /^Property "(.*)" does not match/.exec(e.error)?.[1];
      return name !== undefined ? `${at}unexpected property "${name}"` : said;
    }
    case 'enum':
      return `${where} must be one of ${/any of (.+)\.$/.exec(e.error)?.[1] ?? 'the listed values'}, got ${shown(value)}`;
    case 'const': {
      const expected = keywordValue(schema, e.keywordLocation);
      return expected !== undefined ? `${where} must be ${shown(expected)}, got ${shown(value)}` : said;
    }
    case 'minProperties':
    case 'maxProperties': {
      const limit = keywordValue(schema, e.keywordLocation);
      const most = e.keyword === 'maxProperties' ? 'at most' : 'at least';
      return typeof limit === 'number' ? `${where} must have ${most} ${limit} properties, got ${typeof value === 'object' && value !== null ? Object.keys(value).length : 0}` : said;
    }
    case 'anyOf':
    case 'oneOf':
      return `${where} matches ${e.keyword === 'oneOf' ? 'not exactly one' : 'none'} of the alternatives the schema allows (${e.keyword})`;
    case 'not':
      return `${where} must not match the schema under "not"`;
    default:
      return said;
  }
}

/** The errors worth telling: leaves, one line for a set of alternatives, no duplicate lines. */
function problems(errors: readonly OutputUnit[], args: unknown, schema: unknown): string[] {
  const alternatives: string[] = [];
  const lines: string[] = [];
  for (const [i, e] of errors.entries()) {
    if (alternatives.some((loc) => e.keywordLocation.startsWith(`${loc}/`))) continue;
    if (ALTERNATIVES.has(e.keyword)) alternatives.push(e.keywordLocation);
    else if (SUMMARIES.has(e.keyword)) continue;
    // additionalProperties: false reports the property, then a "False boolean schema" leaf for it (told as
    // "unexpected property"); additionalProperties: {schema} reports it, then what is wrong with its value.
    if (e.keyword === 'false') continue;
    if (e.keyword === 'additionalProperties' && errors[i + 1]?.keyword !== 'false') continue;
    const line = problemText(e, args, schema).replace(/\.$/, '');
    if (!lines.includes(line)) lines.push(line);
  }
  return lines;
}

/** The problems of one input (empty: it fits, or the schema cannot be checked). */
export type InputProblems = (input: Readonly<Record<string, unknown>>) => readonly string[];

/**
 * The problems of an input under `schema`, one line per wrong field (`ignored` names keys not checked, e.g.
 * the placeholder property offered to a tool without properties). Built on first use. A schema the
 * validator cannot use (an unresolvable $ref, nesting past 64 levels) finds no problems: the tool checks
 * its own input, as it did before. `label` names the schema in the log.
 */
export function inputProblems(label: string, schema: Readonly<Record<string, unknown>>, ignored: readonly string[] = []): InputProblems {
  let validator: Validator | null | undefined;
  let checkable: Schema | undefined;
  let nodes = 0;
  const unusable = (err: unknown): null => {
    log.warn({ schema: label, reason: errorMessage(err) }, 'input schema cannot be checked; inputs go to the tool unchecked');
    return null;
  };
  const build = (): Validator | null => {
    try {
      checkable = withoutPatterns(schema) as Schema;
      nodes = schemaNodes(checkable);
      return newValidator(checkable, draftOf(schema));
    } catch (err) {
      return unusable(err);
    }
  };
  return (input) => {
    validator ??= build();
    if (!validator) return [];
    // Validation work is bounded by schema nodes x input values: past the budget this input goes unchecked.
    if (nodes * inputValues(input, Math.ceil(MAX_CHECK_WORK / nodes)) > MAX_CHECK_WORK) {
      log.debug({ schema: label }, 'input too large to check against this schema; it goes to the tool unchecked');
      return [];
    }
    let instance: Readonly<Record<string, unknown>> = input;
    if (ignored.some((k) => k in input)) instance = Object.fromEntries(Object.entries(input).filter(([k]) => !ignored.includes(k)));
    try {
      const r = validator.validate(instance);
      if (r.valid) return [];
      // Models that learned OpenAI's strict mode send null for an optional field they leave out: a null the
      // schema refuses counts as the field left out (a Lua tool sees nil either way).
      const absent = withoutNulls(instance);
      if (absent === instance) return problems(r.errors, instance, checkable);
      const again = validator.validate(absent);
      return again.valid ? [] : problems(again.errors, absent, checkable);
    } catch (err) {
      // An unresolvable $ref or a recursion too deep: this schema cannot be checked, so it never is.
      validator = unusable(err);
      return [];
    }
  };
}

/**
 * The problems of a whole input value, as a model's call would send it: nothing (null) and an empty Lua
 * table (which arrives as []) are `{}`; any other value that is not an object is one problem.
 */
export function valueProblems(check: InputProblems, value: unknown): readonly string[] {
  const input = value === null || value === undefined || (Array.isArray(value) && value.length === 0) ? {} : value;
  if (typeof input !== 'object' || input === null || Array.isArray(input)) {
    return [`the input must be an object, got ${Array.isArray(input) ? 'an array' : typeName(input)}`];
  }
  return check(input as Record<string, unknown>);
}

/** The problems as one sentence: at most MAX_LISTED_PROBLEMS, then how many more. */
export function problemList(lines: readonly string[]): string {
  const more = lines.length > MAX_LISTED_PROBLEMS ? ` (and ${lines.length - MAX_LISTED_PROBLEMS} more)` : '';
  return `${lines.slice(0, MAX_LISTED_PROBLEMS).join('; ')}${more}`;
}

/** The check of a tool call's arguments: the message for the model, or undefined when they fit. */
export function inputCheck(toolName: string, schema: Readonly<Record<string, unknown>>, ignored: readonly string[] = []): InputCheck {
  const check = inputProblems(toolName, schema, ignored);
  return (args) => {
    const lines = check(args);
    if (lines.length === 0) return undefined;
    return `Arguments for tool "${toolName}" do not match its input schema: ${problemList(lines)}. The tool did not run; call ${toolName} again with arguments that match its schema.`;
  };
}
