// The `yaml` module: encode a table to YAML (keys sorted, or field_order first) and decode YAML text.
// Built on the `yaml` package (YAML 1.2 core schema); errors follow Wippy's kinds (Invalid / Internal).
import { Document, parseAllDocuments } from 'yaml';
import { ArgumentFailure, ModuleFailure, type GuestValue, type ModuleSpec, type TypedValue } from './module-spec.js';
import { isPlainObject, toText, typeName } from './bytes.js';

function reorder(value: GuestValue, order: string[], sortRest: boolean, depth = 0): unknown {
  if (depth > 128) throw new ModuleFailure('Invalid', 'yaml: nesting deeper than 128');
  if (value instanceof Uint8Array) return new TextDecoder().decode(value);
  if (typeof value === 'bigint') return value;
  if (Array.isArray(value)) return value.map((v) => reorder(v, order, sortRest, depth + 1));
  if (isPlainObject(value)) {
    if (typeof (value as TypedValue).__type === 'string') throw new ModuleFailure('Invalid', `yaml: cannot encode a ${(value as TypedValue).__type} value`);
    const obj = value as Record<string, GuestValue>;
    const keys = Object.keys(obj);
    const first = order.filter((k) => k in obj);
    const rest = keys.filter((k) => !order.includes(k));
    if (sortRest) rest.sort();
    const out: Record<string, unknown> = {};
    for (const k of [...first, ...rest]) out[k] = reorder(obj[k]!, order, sortRest, depth + 1);
    return out;
  }
  if (typeof value === 'number' && !Number.isFinite(value)) return value;
  return value;
}

function encode(value: GuestValue, options: GuestValue | undefined): string {
  if (!isPlainObject(value) && !Array.isArray(value)) throw new ModuleFailure('Invalid', `yaml.encode: table expected, got ${typeName(value)}`);
  let order: string[] = [];
  let sortRest = true;
  if (options !== undefined && options !== null) {
    if (!isPlainObject(options)) throw new ArgumentFailure(`options: table expected, got ${typeName(options)}`);
    const o = options as Record<string, GuestValue>;
    if (Array.isArray(o.field_order)) order = o.field_order.filter((k): k is string => typeof k === 'string');
    // Lua tables have no key order: with field_order given, the remaining keys are sorted only on request.
    if (order.length > 0) sortRest = o.sort_unordered === true;
    else if (o.sort_unordered === false) sortRest = false;
  }
  const doc = new Document(reorder(value, order, sortRest));
  return doc.toString({ lineWidth: 0 });
}

function decode(text: GuestValue | undefined): GuestValue {
  if (typeof text !== 'string' && !(text instanceof Uint8Array)) throw new ModuleFailure('Invalid', `yaml.decode: string expected, got ${typeName(text ?? null)}`);
  const s = toText(text);
  if (s.trim() === '') throw new ModuleFailure('Invalid', 'yaml.decode: empty input');
  const docs = parseAllDocuments(s, { uniqueKeys: true });
  if (!Array.isArray(docs)) throw new ModuleFailure('Internal', 'yaml: could not parse input');
  const doc = docs[0];
  if (!doc) return null;
  if (doc.errors.length > 0) {
    const e = doc.errors[0]!;
    const where = e.linePos ? ` at line ${e.linePos[0].line}, column ${e.linePos[0].col}` : '';
    throw new ModuleFailure('Internal', `yaml: ${e.code}${where}: ${e.message.split('\n')[0]}`);
  }
  try {
    return doc.toJS({ maxAliasCount: 100 }) as GuestValue;
  } catch (e) {
    throw new ModuleFailure('Internal', `yaml: ${(e as Error).message}`);
  }
}

export const yamlModule: ModuleSpec = {
  name: 'yaml',
  summary: 'YAML encode (map keys sorted unless field_order is given) and decode (first document).',
  functions: {
    encode: (_ctx, value, options) => encode(value ?? null, options),
    decode: (_ctx, text) => decode(text),
  },
};
