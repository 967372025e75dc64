// Checks the tool calls a model produced: arguments must be a JSON object (also when fenced or encoded twice),
// the name an offered tool. Problems become a per-call `error` the agent hands back to the model — never an exception.
import type { ToolCall } from '../../schemas/llm-messages.js';
import type { ToolDefinition } from './call-options.js';

export interface RawToolCall {
  readonly id: string;
  readonly name: string;
  /** Concatenated argument fragments, exactly as received. */
  readonly arguments: string;
}

function excerpt(s: string, max = 200): string {
  return s.length > max ? `${s.slice(0, max)}…` : s;
}

/** Arguments some models wrap in a markdown code fence (```json ... ```): the text inside. */
function unfenced(text: string): string {
  const m = /^```[A-Za-z]*\s*\n?([\s\S]*?)\n?\s*```$/.exec(text);
  return m ? m[1]!.trim() : text;
}

/** Arguments some models (and servers) encode twice, a JSON string holding the object: the object. */
function unwrapped(parsed: unknown): unknown {
  if (typeof parsed !== 'string') return parsed;
  const inner = parsed.trim();
  if (!inner.startsWith('{')) return parsed;
  try {
    const value: unknown = JSON.parse(inner);
    return typeof value === 'object' && value !== null && !Array.isArray(value) ? value : parsed;
  } catch {
    return parsed;
  }
}

export function validateToolCalls(raw: readonly RawToolCall[], tools: readonly ToolDefinition[] | undefined): ToolCall[] {
  const offered = new Set((tools ?? []).map((t) => t.name));
  return raw.map((c): ToolCall => {
    const base = { id: c.id, name: c.name, raw_arguments: c.arguments };
    if (!offered.has(c.name)) {
      const list = offered.size > 0 ? [...offered].sort().join(', ') : '(none were offered)';
      return {
        ...base,
        arguments: {},
        error: { type: 'unknown_tool', message: `Tool "${c.name}" does not exist. Available tools: ${list}. Call one of these by its exact name.` },
      };
    }
    const text = unfenced(c.arguments.trim());
    if (text === '') return { ...base, arguments: {} };
    let parsed: unknown;
    try {
      parsed = unwrapped(JSON.parse(text));
    } catch (err) {
      return {
        ...base,
        arguments: {},
        error: {
          type: 'invalid_arguments',
          message: `Arguments for tool "${c.name}" are not valid JSON (${(err as Error).message}): ${excerpt(c.arguments)}. Call the tool again with a JSON object matching its schema.`,
        },
      };
    }
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
      return {
        ...base,
        arguments: {},
        error: {
          type: 'invalid_arguments',
          message: `Arguments for tool "${c.name}" must be a JSON object, got ${Array.isArray(parsed) ? 'an array' : parsed === null ? 'null' : typeof parsed}. Call the tool again with a JSON object.`,
        },
      };
    }
    return { ...base, arguments: parsed as Record<string, unknown> };
  });
}
