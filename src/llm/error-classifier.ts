// Turns anything the openai SDK (or the stream) throws into a normalised LlmError whose message says
// what happened and what to do; also extracts Retry-After. Pure: no I/O, no logging.
import { APIConnectionError, APIConnectionTimeoutError, APIError, APIUserAbortError } from 'openai';
import type { LlmError } from '../../schemas/llm-messages.js';
import { isMalformedChunk } from './chunk-shape.js';
import { llmError } from './llm-error.js';

export interface ClassifyContext {
  readonly baseURL: string;
  /** The model name sent to the API. */
  readonly model: string;
  /** Name of the key's source for authentication messages, e.g. "OPENAI_API_KEY". */
  readonly apiKeySource: string;
  readonly timeoutMs: number;
  /** True when our own first-byte / idle timer fired (the SDK then reports an abort). */
  readonly timedOut?: boolean;
  /** True when the caller's AbortSignal fired. */
  readonly cancelled?: boolean;
  /** Stream chunks received before the failure (0 = failed before the first byte). */
  readonly chunksReceived?: number;
}

export interface Classified {
  readonly error: LlmError;
  /** Delay the server asked for (Retry-After / retry-after-ms), in ms. */
  readonly retryAfterMs?: number;
}

const CONTEXT_RE = /context[ _]length|context window|context size|maximum context|maximum.*tokens|too many tokens|string too long|prompt is too long/i;
const FILTER_RE = /content[ _](policy|filter|management)/i;
/** Ollama: "<model> does not support tools"; other servers: "tool calling is not supported", "tools are not supported". */
const NO_TOOLS_RE = /does not support tools|tool[ _-]?(calls?|calling|use)? (is |are )?not supported|tools are not supported/i;

/** Retry-After from response headers: `retry-after-ms`, `retry-after` seconds, or an HTTP date. */
export function retryAfterMs(headers: Headers | Readonly<Record<string, string>> | undefined, now = Date.now()): number | undefined {
  if (!headers) return undefined;
  const get = (k: string): string | null | undefined =>
    typeof (headers as Headers).get === 'function' ? (headers as Headers).get(k) : (headers as Record<string, string>)[k];
  const ms = get('retry-after-ms');
  if (ms != null && ms !== '' && Number.isFinite(Number(ms))) return Math.max(0, Number(ms));
  const ra = get('retry-after');
  if (ra == null || ra === '') return undefined;
  if (/^\s*\d+(\.\d+)?\s*$/.test(ra)) return Math.max(0, Number(ra) * 1000);
  const date = Date.parse(ra);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

function apiMessage(err: APIError): string {
  const body = err.error as { message?: unknown } | undefined;
  const m = typeof body?.message === 'string' ? body.message : err.message;
  return m.replace(/^\d{3}\s+/, '').trim() || 'no message';
}

export function classifyError(err: unknown, ctx: ClassifyContext): Classified {
  const at = ctx.baseURL;
  const base = { model: ctx.model, baseURL: ctx.baseURL };
  const midStream = (ctx.chunksReceived ?? 0) > 0;

  if (ctx.cancelled) {
    return { error: llmError('cancelled', `Request to model "${ctx.model}" was cancelled${midStream ? ' mid-stream' : ''}.`, { ...base, retryable: false }) };
  }
  if (ctx.timedOut || err instanceof APIConnectionTimeoutError) {
    const where = midStream ? 'the stream stalled' : 'no response';
    return {
      error: llmError(
        'timeout',
        `Timed out after ${ctx.timeoutMs} ms: ${where} from ${at} (model "${ctx.model}"). Raise timeoutMs (OPENAI_TIMEOUT, seconds) or check that the server is up and not overloaded.`,
        base,
      ),
    };
  }
  if (err instanceof APIUserAbortError) {
    return { error: llmError('cancelled', `Request to model "${ctx.model}" was aborted.`, { ...base, retryable: false }) };
  }
  if (err instanceof APIConnectionError) {
    const cause = err.cause instanceof Error ? err.cause.message : err.message;
    return {
      error: llmError('network', `Cannot reach ${at}: ${cause}. Check OPENAI_BASE_URL and that the server is running.`, base),
    };
  }
  if (err instanceof APIError) {
    const msg = apiMessage(err);
    const code = typeof err.code === 'string' ? err.code : undefined;
    const status = err.status;
    const requestId = err.requestID ?? undefined;
    const extra = { ...base, ...(status !== undefined ? { status } : {}), code, requestId };
    const after = retryAfterMs(err.headers);
    const withAfter = (error: LlmError): Classified => (after !== undefined ? { error, retryAfterMs: after } : { error });

    if (status === undefined) {
      // An `error` object inside the stream (or a Responses `error` event).
      if (CONTEXT_RE.test(msg) || code === 'context_length_exceeded') {
        return { error: llmError('context_length', contextMessage(ctx, msg), extra) };
      }
      return {
        error: llmError('server', `${at} reported an error mid-stream for model "${ctx.model}": ${msg}. Try again; if it persists the server is failing.`, extra),
      };
    }
    if (code === 'context_length_exceeded' || (status === 400 && CONTEXT_RE.test(msg)) || status === 413) {
      return { error: llmError('context_length', contextMessage(ctx, msg), extra) };
    }
    if (status === 400 && NO_TOOLS_RE.test(msg)) {
      return {
        error: llmError(
          'invalid_request',
          `Model "${ctx.model}" at ${at} cannot call tools (${status}): ${msg}. micro-agi needs a model with tool calling: pick one with --model (with Ollama e.g. llama3.1:8b or qwen2.5:7b).`,
          { ...extra, retryable: false },
        ),
      };
    }
    if (FILTER_RE.test(msg) && status === 400) {
      return { error: llmError('content_filtered', `${at} refused the request on content policy grounds: ${msg}. Rephrase the request.`, extra) };
    }
    if (status === 401 || status === 403) {
      return {
        error: llmError(
          'authentication',
          `${ctx.apiKeySource} rejected by ${at} (${status}): ${msg}. Set a valid key, or point OPENAI_BASE_URL at the server the key belongs to.`,
          extra,
        ),
      };
    }
    if (status === 404) {
      return {
        error: llmError(
          'model_not_found',
          `Model "${ctx.model}" not found at ${at} (404): ${msg}. Pick a model the server has (micro-agi --model NAME), or check provider_model in the llm.model entry and that OPENAI_BASE_URL ends in /v1.`,
          extra,
        ),
      };
    }
    if (status === 429) {
      if (code === 'insufficient_quota') {
        return {
          error: llmError('rate_limit', `Quota exhausted at ${at} (429): ${msg}. Check the account's plan and billing; retrying will not help.`, {
            ...extra,
            retryable: false,
          }),
        };
      }
      return withAfter(llmError('rate_limit', `Rate limited by ${at} (429): ${msg}. Wait and try again, or lower the request rate.`, extra));
    }
    if (status === 408) {
      return withAfter(llmError('timeout', `${at} timed out the request (408): ${msg}. Try again.`, extra));
    }
    if (status >= 500 || status === 409 || status === 425) {
      return withAfter(llmError('server', `${at} failed with ${status}: ${msg}. The service may be down or overloaded; try again later.`, extra));
    }
    return {
      error: llmError('invalid_request', `${at} rejected the request for model "${ctx.model}" (${status}): ${msg}. Fix the request options (see the message).`, extra),
    };
  }
  if (isMalformedChunk(err)) {
    return {
      error: llmError(
        'malformed_response',
        `Malformed stream from ${at} (model "${ctx.model}"): ${err.message}. The server is not speaking the OpenAI streaming protocol; use another server or report it to its authors.`,
        { ...base, retryable: false },
      ),
    };
  }
  if (err instanceof SyntaxError) {
    return {
      error: llmError(
        'malformed_response',
        `Malformed stream from ${at} (model "${ctx.model}"): a chunk was not valid JSON (${err.message}). The server is not speaking the OpenAI protocol correctly; try again or use another server.`,
        { ...base, retryable: false },
      ),
    };
  }
  const m = err instanceof Error ? err.message : String(err);
  const cause = err instanceof Error && err.cause instanceof Error ? `: ${err.cause.message}` : '';
  if (midStream || /terminated|socket|ECONNRESET|premature close|other side closed|network/i.test(m + cause)) {
    return {
      error: llmError(
        'network',
        `The connection to ${at} broke${midStream ? ` after ${ctx.chunksReceived} chunks` : ''}: ${m}${cause}. The partial answer was discarded; try again.`,
        base,
      ),
    };
  }
  return { error: llmError('network', `Request to ${at} failed: ${m}${cause}. Check OPENAI_BASE_URL and the network.`, base) };
}

function contextMessage(ctx: ClassifyContext, msg: string): string {
  return `The conversation is too long for model "${ctx.model}": ${msg}. Compress the conversation or use a model with a larger context window.`;
}
