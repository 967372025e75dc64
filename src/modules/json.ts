// The `json` module: encode (sorted keys, integers without fraction), decode, and validation against
// a small JSON-Schema subset (type, properties, required, items, enum, const, bounds, pattern, combinators).
import { ArgumentFailure, ModuleFailure, type GuestValue, type ModuleSpec, type TypedValue } from './module-spec.js';
import { isPlainObject, toText, typeName } from './bytes.js';

const MAX_DEPTH = 128;

function compareKeys(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
}

/** Encodes a guest value as compact JSON with object keys in ascending byte order. Throws ModuleFailure('Invalid'). */
export function encodeJson(value: GuestValue, depth = 0): string {
  if (depth > MAX_DEPTH) throw new ModuleFailure('Invalid', `json: nesting deeper than ${MAX_DEPTH}`);
  if (value === null || value === undefined) return 'null';
  switch (typeof value) {
    case 'boolean': return value ? 'true' : 'false';
    case 'number': return Number.isFinite(value) ? (Object.is(value, -0) ? '0' : JSON.stringify(value)) : 'null';
    case 'bigint': return value.toString();
    case 'string': return JSON.stringify(value);
    default: break;
  }
  if (value instanceof Uint8Array) return JSON.stringify(new TextDecoder().decode(value));
  if (Array.isArray(value)) return `[${value.map((v) => encodeJson(v, depth + 1)).join(',')}]`;
  if ('__multi' in value) throw new ModuleFailure('Invalid', 'json: cannot encode multiple values');
  if (typeof (value as TypedValue).__type === 'string') {
    throw new ModuleFailure('Invalid', `json: cannot encode a ${(value as TypedValue).__type} value`);
  }
  const obj = value as Record<string, GuestValue>;
  const keys = Object.keys(obj).sort(compareKeys);
  return `{${keys.map((k) => `${JSON.stringify(k)}:${encodeJson(obj[k]!, depth + 1)}`).join(',')}}`;
}

/** Parses JSON text; errors are ModuleFailure('Internal') like Wippy's decoder. */
export function decodeJson(text: string): GuestValue {
  try {
    return JSON.parse(text) as GuestValue;
  } catch (e) {
    throw new ModuleFailure('Internal', `json: ${(e as Error).message}`);
  }
}

// ---------------------------------------------------------------------------------------------
// JSON-Schema subset
type Schema = Record<string, GuestValue> | boolean;

function jsonType(v: GuestValue): string {
  if (v === null) return 'null';
  if (typeof v === 'boolean') return 'boolean';
  if (typeof v === 'number' || typeof v === 'bigint') return Number.isInteger(Number(v)) ? 'integer' : 'number';
  if (typeof v === 'string' || v instanceof Uint8Array) return 'string';
  if (Array.isArray(v)) return 'array';
  return 'object';
}

function isEmptyTable(v: GuestValue): boolean {
  return (Array.isArray(v) && v.length === 0) || (isPlainObject(v) && Object.keys(v).length === 0);
}

function typeMatches(v: GuestValue, t: string): boolean {
  const actual = jsonType(v);
  if (t === actual) return true;
  if (t === 'number' && actual === 'integer') return true;
  // An empty Lua table is both an empty array and an empty object.
  if ((t === 'array' || t === 'object') && isEmptyTable(v)) return true;
  return false;
}

function deepEqual(a: GuestValue, b: GuestValue): boolean {
  return encodeJson(a) === encodeJson(b);
}

const regexCache = new Map<string, RegExp>();
function schemaRegex(pattern: string, path: string): RegExp {
  let re = regexCache.get(pattern);
  if (!re) {
    try {
      re = new RegExp(pattern, 'u');
    } catch (e) {
      throw new ModuleFailure('Invalid', `invalid schema at ${path}: bad pattern: ${(e as Error).message}`);
    }
    if (regexCache.size > 500) regexCache.clear();
    regexCache.set(pattern, re);
  }
  return re;
}

function num(s: Record<string, GuestValue>, k: string): number | undefined {
  const v = s[k];
  return typeof v === 'number' ? v : undefined;
}

function show(v: GuestValue): string {
  const s = encodeJson(v);
  return s.length > 60 ? `${s.slice(0, 57)}...` : s;
}

/** Returns the first validation problem as "path: message", or null. */
export function validateSchema(schema: GuestValue, value: GuestValue, path = '$'): string | null {
  if (schema === true || (isPlainObject(schema) && Object.keys(schema).length === 0)) return null;
  if (schema === false) return `${path}: no value is allowed here`;
  if (!isPlainObject(schema)) throw new ModuleFailure('Invalid', `invalid schema at ${path}: a schema must be a table/object or boolean`);
  const s = schema as Record<string, GuestValue>;

  if (s.type !== undefined && s.type !== null) {
    const types = Array.isArray(s.type) ? s.type : [s.type];
    if (!types.some((t) => typeof t === 'string' && typeMatches(value, t))) {
      return `${path}: expected ${types.join(' or ')}, got ${jsonType(value)}`;
    }
  }
  if (Array.isArray(s.enum) && !s.enum.some((e) => deepEqual(e, value))) {
    return `${path}: value ${show(value)} is not one of ${show(s.enum)}`;
  }
  if ('const' in s && !deepEqual(s.const!, value)) return `${path}: value must be ${show(s.const!)}`;

  if (typeof value === 'number') {
    const min = num(s, 'minimum'), max = num(s, 'maximum'), xmin = num(s, 'exclusiveMinimum'), xmax = num(s, 'exclusiveMaximum');
    if (min !== undefined && value < min) return `${path}: ${value} is less than the minimum ${min}`;
    if (max !== undefined && value > max) return `${path}: ${value} is greater than the maximum ${max}`;
    if (xmin !== undefined && value <= xmin) return `${path}: ${value} must be greater than ${xmin}`;
    if (xmax !== undefined && value >= xmax) return `${path}: ${value} must be less than ${xmax}`;
    const mult = num(s, 'multipleOf');
    if (mult !== undefined && mult > 0 && Math.abs(value / mult - Math.round(value / mult)) > 1e-9) return `${path}: ${value} is not a multiple of ${mult}`;
  }
  if (typeof value === 'string' || value instanceof Uint8Array) {
    const text = typeof value === 'string' ? value : new TextDecoder().decode(value);
    const len = [...text].length;
    const minL = num(s, 'minLength'), maxL = num(s, 'maxLength');
    if (minL !== undefined && len < minL) return `${path}: string is shorter than ${minL} characters`;
    if (maxL !== undefined && len > maxL) return `${path}: string is longer than ${maxL} characters`;
    if (typeof s.pattern === 'string' && !schemaRegex(s.pattern, path).test(text)) return `${path}: string does not match pattern ${JSON.stringify(s.pattern)}`;
  }
  const arr = Array.isArray(value) ? value : isPlainObject(value) && Object.keys(value).length === 0 && (s.type === 'array' || s.items !== undefined) ? [] : null;
  if (arr) {
    const minI = num(s, 'minItems'), maxI = num(s, 'maxItems');
    if (minI !== undefined && arr.length < minI) return `${path}: array has fewer than ${minI} items`;
    if (maxI !== undefined && arr.length > maxI) return `${path}: array has more than ${maxI} items`;
    if (s.uniqueItems === true) {
      const seen = new Set<string>();
      for (const item of arr) {
        const k = encodeJson(item);
        if (seen.has(k)) return `${path}: array items are not unique`;
        seen.add(k);
      }
    }
    if (s.items !== undefined && s.items !== null) {
      for (let i = 0; i < arr.length; i++) {
        const err = validateSchema(s.items, arr[i]!, `${path}[${i}]`);
        if (err) return err;
      }
    }
  }
  if (isPlainObject(value) && !(typeof (value as TypedValue).__type === 'string')) {
    const obj = value as Record<string, GuestValue>;
    if (Array.isArray(s.required)) {
      for (const k of s.required) {
        if (typeof k === 'string' && (obj[k] === undefined || obj[k] === null)) return `${path}: missing required property "${k}"`;
      }
    }
    const props = isPlainObject(s.properties) ? (s.properties as Record<string, GuestValue>) : {};
    for (const k of Object.keys(props).sort(compareKeys)) {
      if (obj[k] !== undefined && obj[k] !== null) {
        const err = validateSchema(props[k]!, obj[k]!, `${path}.${k}`);
        if (err) return err;
      }
    }
    const minP = num(s, 'minProperties'), maxP = num(s, 'maxProperties');
    const count = Object.keys(obj).length;
    if (minP !== undefined && count < minP) return `${path}: object has fewer than ${minP} properties`;
    if (maxP !== undefined && count > maxP) return `${path}: object has more than ${maxP} properties`;
    if (s.additionalProperties !== undefined && s.additionalProperties !== null && s.additionalProperties !== true) {
      for (const k of Object.keys(obj).sort(compareKeys)) {
        if (k in props) continue;
        if (s.additionalProperties === false) return `${path}: additional property "${k}" is not allowed`;
        const err = validateSchema(s.additionalProperties, obj[k]!, `${path}.${k}`);
        if (err) return err;
      }
    }
  }
  if (Array.isArray(s.allOf)) {
    for (const sub of s.allOf) {
      const err = validateSchema(sub, value, path);
      if (err) return err;
    }
  }
  if (Array.isArray(s.anyOf) && !s.anyOf.some((sub) => validateSchema(sub, value, path) === null)) {
    return `${path}: value does not match any of the allowed schemas`;
  }
  if (Array.isArray(s.oneOf)) {
    const n = s.oneOf.filter((sub) => validateSchema(sub, value, path) === null).length;
    if (n !== 1) return `${path}: value must match exactly one schema (matched ${n})`;
  }
  if (s.not !== undefined && s.not !== null && validateSchema(s.not, value, path) === null) return `${path}: value must not match the schema`;
  return null;
}

function readSchema(schema: GuestValue): Schema {
  if (typeof schema === 'string' || schema instanceof Uint8Array) {
    const text = toText(schema, 'schema');
    try {
      return JSON.parse(text) as Schema;
    } catch (e) {
      throw new ModuleFailure('Invalid', `invalid schema JSON: ${(e as Error).message}`);
    }
  }
  if (isPlainObject(schema) || typeof schema === 'boolean') return schema as Schema;
  throw new ArgumentFailure(`schema: table or JSON string expected, got ${typeName(schema)}`);
}

function validate(schema: GuestValue, value: GuestValue): true {
  const err = validateSchema(readSchema(schema), value);
  if (err) throw new ModuleFailure('Invalid', `validation failed at ${err}`);
  return true;
}

export const jsonModule: ModuleSpec = {
  name: 'json',
  summary: 'JSON encode (object keys sorted, integers without fraction) and decode, plus validation against a JSON-Schema subset.',
  functions: {
    encode: (_ctx, value) => encodeJson(value ?? null),
    decode: (_ctx, text) => {
      if (typeof text !== 'string' && !(text instanceof Uint8Array)) throw new ModuleFailure('Invalid', `json.decode: string expected, got ${typeName(text ?? null)}`);
      return decodeJson(toText(text));
    },
    validate: (_ctx, schema, value) => validate(schema ?? null, value ?? null),
    validate_string: (_ctx, schema, text) => {
      if (typeof text !== 'string' && !(text instanceof Uint8Array)) throw new ArgumentFailure(`json_str: string expected, got ${typeName(text ?? null)}`);
      return validate(schema ?? null, decodeJson(toText(text)));
    },
  },
};
