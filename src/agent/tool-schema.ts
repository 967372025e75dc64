// The JSON Schema a tool is offered with: meta.input_schema as an object or JSON text (unparseable text
// means the tool is not offered), with Wippy's placeholder property when the schema has no properties.
export const PLACEHOLDER_PROPERTY = Object.freeze({
  type: 'object',
  description: 'Empty placeholder parameter',
  default: {},
});

const PLACEHOLDER_KEYS: readonly string[] = Object.freeze(['placeholder']);

export type SchemaOutcome =
  | {
      readonly ok: true;
      /** What the model is offered. */
      readonly schema: Record<string, unknown>;
      /** What its arguments are checked against: the schema as written, without the placeholder. */
      readonly input: Record<string, unknown>;
      /** Argument keys not checked: the placeholder property, when it was added (the model may send it). */
      readonly unchecked: readonly string[];
    }
  | { readonly ok: false; readonly reason: string };

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function offered(input: Record<string, unknown>): SchemaOutcome {
  const props = input.properties;
  if (isRecord(props) && Object.keys(props).length > 0) return { ok: true, schema: input, input, unchecked: [] };
  const schema = { ...input, type: input.type ?? 'object', properties: { placeholder: { ...PLACEHOLDER_PROPERTY, default: {} } } };
  return { ok: true, schema, input, unchecked: PLACEHOLDER_KEYS };
}

/** The offered schema from a raw input_schema value (undefined: none given). */
export function toolSchemaFrom(raw: unknown): SchemaOutcome {
  if (raw === undefined || raw === null || raw === '') return offered({ type: 'object' });
  let value: unknown = raw;
  if (typeof raw === 'string') {
    try {
      value = JSON.parse(raw);
    } catch (err) {
      return { ok: false, reason: `input_schema is not valid JSON: ${(err as Error).message}` };
    }
  }
  if (!isRecord(value)) return { ok: false, reason: 'input_schema must be a JSON object' };
  if (value.type !== undefined && value.type !== 'object') {
    return { ok: false, reason: `input_schema must describe an object (type "object"), got type ${JSON.stringify(value.type)}` };
  }
  return offered(value);
}
