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

/** Characters of one tool result the model gets by default (~10k tokens): one result must not fill the window. */
export const DEFAULT_MAX_RESULT_CHARS = 40_000;

/**
 * What the model gets of a result's JSON: itself, or past `maxChars` a JSON object with its first `maxChars`
 * characters (as a string) and a note saying how to see the rest. The user's tool_result event keeps it whole.
 */
export function resultForModel(json: string, maxChars: number): string {
  if (json.length <= maxChars) return json;
  return JSON.stringify({
    truncated: true,
    total_chars: json.length,
    note: `The result was ${json.length} characters of JSON; only the first ${maxChars} are shown. Ask the tool for less (a filter, a limit, one page) to see the rest.`,
    head: json.slice(0, maxChars),
  });
}

/** JSON of a failed call as the model sees it: `{"error": {"type", "message"}}`. */
export function toolErrorJson(error: ToolErrorData): string {
  return JSON.stringify({ error: { type: error.type, message: error.message } });
}
