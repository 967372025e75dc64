// The shape a stream chunk (Chat Completions) or event (Responses) must have before an accumulator reads it: a
// server that is not quite OpenAI-compatible gets an error naming the chunk and the field, not a TypeError.

/** Thrown by the accumulator for a chunk it cannot read; the provider reports it as malformed_response. */
export class MalformedChunkError extends Error {
  readonly code = 'MALFORMED_CHUNK' as const;
}

/** True for an error thrown because a stream chunk had the wrong shape (by code: errors may be rebuilt). */
export function isMalformedChunk(err: unknown): err is Error {
  return err instanceof Error && (err as { code?: unknown }).code === 'MALFORMED_CHUNK';
}

function describe(v: unknown): string {
  if (v === undefined) return 'missing';
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'a list';
  if (typeof v === 'string') return `the string ${JSON.stringify(v.length > 40 ? `${v.slice(0, 40)}...` : v)}`;
  if (typeof v === 'object') return 'an object';
  return `${typeof v} ${String(v)}`;
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const absent = (v: unknown): boolean => v === undefined || v === null;

/**
 * Throws MalformedChunkError unless `chunk` (number `n`, from 1) can be read as a chat.completion.chunk.
 * Optional parts may be missing or null (servers differ there); present parts must have their type.
 * Tool-call `arguments` given as an object (some servers) are accepted: the accumulator encodes them.
 */
export function checkChatChunk(chunk: unknown, n: number): void {
  const fail = (path: string, v: unknown, want: string): never => {
    throw new MalformedChunkError(`chunk ${n}: ${path} is ${describe(v)}, not ${want}`);
  };
  if (!isObject(chunk)) fail('the chunk', chunk, 'an object');
  const c = chunk as Record<string, unknown>;
  if (!absent(c.usage) && !isObject(c.usage)) fail('usage', c.usage, 'an object');
  if (absent(c.choices)) return;
  if (!Array.isArray(c.choices)) fail('choices', c.choices, 'a list');
  (c.choices as unknown[]).forEach((choice, i) => {
    if (!isObject(choice)) fail(`choices[${i}]`, choice, 'an object');
    const delta = (choice as Record<string, unknown>).delta;
    if (absent(delta)) return;
    if (!isObject(delta)) fail(`choices[${i}].delta`, delta, 'an object');
    const d = delta as Record<string, unknown>;
    if (!absent(d.content) && typeof d.content !== 'string') fail(`choices[${i}].delta.content`, d.content, 'a string');
    if (absent(d.tool_calls)) return;
    if (!Array.isArray(d.tool_calls)) fail(`choices[${i}].delta.tool_calls`, d.tool_calls, 'a list');
    (d.tool_calls as unknown[]).forEach((frag, j) => {
      const at = `choices[${i}].delta.tool_calls[${j}]`;
      if (!isObject(frag)) fail(at, frag, 'an object');
      const f = frag as Record<string, unknown>;
      if (!absent(f.id) && typeof f.id !== 'string') fail(`${at}.id`, f.id, 'a string');
      if (!absent(f.index) && !Number.isInteger(f.index)) fail(`${at}.index`, f.index, 'an integer');
      if (absent(f.function)) return;
      if (!isObject(f.function)) fail(`${at}.function`, f.function, 'an object');
      const fn = f.function as Record<string, unknown>;
      if (!absent(fn.name) && typeof fn.name !== 'string') fail(`${at}.function.name`, fn.name, 'a string');
      if (!absent(fn.arguments) && typeof fn.arguments !== 'string' && !isObject(fn.arguments)) {
        fail(`${at}.function.arguments`, fn.arguments, 'a string of JSON');
      }
    });
  });
}

/** Throws MalformedChunkError unless a Responses stream event (number `n`, from 1) is an object with a string type. */
export function checkResponsesEvent(event: unknown, n: number): void {
  if (!isObject(event)) throw new MalformedChunkError(`event ${n} is ${describe(event)}, not an object`);
  if (typeof event.type !== 'string') throw new MalformedChunkError(`event ${n}: type is ${describe(event.type)}, not a string`);
}
