// Bounds what checking a model-written schema against model-written arguments can cost in the thread that
// runs it: the schema copy without unbounded keywords, its size with $refs expanded, the input's size.

/** Schemas nested deeper than this are not checked (the tool still checks its input itself). */
export const MAX_SCHEMA_DEPTH = 64;

/** Keywords whose value is a map of name -> schema. */
const SCHEMA_MAPS = new Set(['properties', '$defs', 'definitions', 'dependentSchemas', 'dependencies']);
/** Keywords whose value is a schema. */
const SCHEMA_VALUES = new Set(['additionalProperties', 'unevaluatedProperties', 'items', 'additionalItems', 'unevaluatedItems', 'contains', 'propertyNames', 'not', 'if', 'then', 'else']);
/** Keywords whose value is a list of schemas. */
const SCHEMA_LISTS = new Set(['allOf', 'anyOf', 'oneOf', 'prefixItems', 'items']);

/**
 * Upper bounds on schema nodes (a local `$ref` counted again at each use, `enum` values counted) and on
 * schema nodes times input values, past which a check is skipped. Why: a model writes both, and nothing can
 * stop a validation in the thread that runs it: `allOf: [{$ref: next}, {$ref: next}]` 30 levels deep is 2^30
 * visits. Measured near the work bound with every anyOf branch failing: up to ~100 ms here.
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
export function withoutPatterns(schema: unknown, depth = 0): unknown {
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
export function schemaNodes(root: unknown): number {
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

/** Values in `input` (objects, arrays and scalars), counting stops past `cap`. */
export function inputValues(input: unknown, cap: number): number {
  let n = 0;
  const stack: unknown[] = [input];
  while (stack.length > 0 && n <= cap) {
    const v = stack.pop();
    n++;
    if (typeof v === 'object' && v !== null) for (const x of Array.isArray(v) ? v : Object.values(v)) stack.push(x);
  }
  return n;
}

