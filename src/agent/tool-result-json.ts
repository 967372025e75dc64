// The JSON text a tool result becomes in the conversation: bigints as decimal strings, byte arrays as
// latin1 text, anything unencodable as a readable placeholder (the model must always get valid JSON).
import type { ToolErrorData } from '../../schemas/messages/agent.js';

function replacer(_key: string, value: unknown): unknown {
  if (typeof value === 'bigint') return value.toString();
  if (value instanceof Uint8Array) return Buffer.from(value).toString('latin1');
  return value;
}

/** JSON of a successful tool value (null when the tool returned nothing). */
export function toolValueJson(value: unknown): string {
  try {
    return JSON.stringify(value === undefined ? null : value, replacer) ?? 'null';
  } catch (err) {
    return JSON.stringify({ error: { type: 'internal', message: `the tool result is not JSON-encodable: ${(err as Error).message}` } });
  }
}

/** JSON of a failed call as the model sees it: `{"error": {"type", "message"}}`. */
export function toolErrorJson(error: ToolErrorData): string {
  return JSON.stringify({ error: { type: error.type, message: error.message } });
}
