// Words the validator's errors for the model: one line per wrong field, named by its path in the arguments,
// summaries and alternative branches folded, the keyword's value read from the schema where it helps.
import type { OutputUnit } from '@cfworker/json-schema';

/** Errors that only summarise errors listed after them (the leaves say what is wrong). */
const SUMMARIES = new Set(['properties', 'items', 'prefixItems', 'additionalItems', 'unevaluatedItems', 'contains', 'allOf', '$ref', '$recursiveRef', 'dependentSchemas', 'propertyNames', 'if', 'then', 'else']);
/** Errors whose branches are alternatives: the summary is listed, the branch errors are not. */
const ALTERNATIVES = new Set(['anyOf', 'oneOf', 'not']);

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

export function typeName(v: unknown): string {
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
export function problems(errors: readonly OutputUnit[], args: unknown, schema: unknown): string[] {
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

