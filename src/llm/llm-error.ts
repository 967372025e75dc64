// Builders for the normalised LLM error (plain data, identified by `type`) and its AppError form.
// Every failure of the LLM layer leaves through here so messages and retryability stay consistent.
import { AppError } from '../errors/app-error.js';
import type { LlmError, LlmErrorType } from '../../schemas/llm-messages.js';

export type { LlmError, LlmErrorType };

/** Error types worth retrying by the transport (before the first streamed byte). */
const RETRYABLE: ReadonlySet<LlmErrorType> = new Set(['rate_limit', 'server', 'timeout', 'network']);

export function isRetryableType(type: LlmErrorType): boolean {
  return RETRYABLE.has(type);
}

/** A normalised error; `retryable` defaults from the type. Undefined fields are left out. */
export function llmError(type: LlmErrorType, message: string, extra: Partial<Omit<LlmError, 'type' | 'message'>> = {}): LlmError {
  const out: LlmError = { type, message, retryable: extra.retryable ?? isRetryableType(type) };
  for (const [k, v] of Object.entries(extra)) if (v !== undefined) (out as Record<string, unknown>)[k] = v;
  return out;
}

/** The AppError (code LLM_ERROR, `details.type` = the LLM error type) for callers that throw. */
export function llmAppError(error: LlmError): AppError {
  return new AppError('LLM_ERROR', error.message, { ...error });
}

/** The LLM error type carried by an AppError or error data, if any. */
export function llmErrorType(err: unknown): LlmErrorType | undefined {
  if (typeof err !== 'object' || err === null) return undefined;
  const details = (err as { details?: { type?: unknown } }).details;
  const t = details?.type ?? (err as { type?: unknown }).type;
  return typeof t === 'string' ? (t as LlmErrorType) : undefined;
}
