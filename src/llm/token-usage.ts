// Normalises provider usage into {prompt, completion, cached, reasoning, total}, counting the FULL prompt
// (cached tokens included — the Wippy mapper subtracts them, we do not), and sums usage across steps.
import type { TokenUsage } from '../../schemas/llm-messages.js';

export type { TokenUsage };

export const ZERO_TOKENS: TokenUsage = Object.freeze({ prompt: 0, completion: 0, cached: 0, reasoning: 0, total: 0 });

const n = (v: unknown): number => (typeof v === 'number' && Number.isFinite(v) && v > 0 ? Math.round(v) : 0);

/** Chat Completions `usage` (prompt_tokens already includes prompt_tokens_details.cached_tokens). */
export function tokensFromChatUsage(u: {
  prompt_tokens?: number;
  completion_tokens?: number;
  total_tokens?: number;
  prompt_tokens_details?: { cached_tokens?: number } | null;
  completion_tokens_details?: { reasoning_tokens?: number } | null;
}): TokenUsage {
  const prompt = n(u.prompt_tokens);
  const completion = n(u.completion_tokens);
  return {
    prompt,
    completion,
    cached: Math.min(prompt, n(u.prompt_tokens_details?.cached_tokens)),
    reasoning: Math.min(completion, n(u.completion_tokens_details?.reasoning_tokens)),
    total: n(u.total_tokens) || prompt + completion,
  };
}

/** Responses API `usage` (input_tokens includes input_tokens_details.cached_tokens). */
export function tokensFromResponsesUsage(u: {
  input_tokens?: number;
  output_tokens?: number;
  total_tokens?: number;
  input_tokens_details?: { cached_tokens?: number } | null;
  output_tokens_details?: { reasoning_tokens?: number } | null;
}): TokenUsage {
  return tokensFromChatUsage({
    prompt_tokens: u.input_tokens,
    completion_tokens: u.output_tokens,
    total_tokens: u.total_tokens,
    prompt_tokens_details: u.input_tokens_details ?? null,
    completion_tokens_details: u.output_tokens_details ?? null,
  });
}

export function addTokens(a: TokenUsage, b: TokenUsage): TokenUsage {
  return {
    prompt: a.prompt + b.prompt,
    completion: a.completion + b.completion,
    cached: a.cached + b.cached,
    reasoning: a.reasoning + b.reasoning,
    total: a.total + b.total,
  };
}
