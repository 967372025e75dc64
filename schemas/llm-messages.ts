// zod schemas of the LLM data that crosses threads: conversation messages, stream events, the normalised
// response (text, tool calls, tokens, finish reason) and the normalised LLM error. Plain data only.
import { z } from 'zod';

// ---------------------------------------------------------------------------------------------------
// Conversation messages (the Wippy prompt-builder roles, wippy-agent-llm.md §1; text content only).

export const TextRoleSchema = z.enum(['system', 'developer', 'user', 'assistant']);
export type TextRole = z.infer<typeof TextRoleSchema>;

export const TextMessageSchema = z.object({
  role: TextRoleSchema,
  content: z.string(),
  name: z.string().optional(),
});

/** The model asked for a tool; `arguments` is the JSON text the model produced (or re-encoded). */
export const FunctionCallMessageSchema = z.object({
  role: z.literal('function_call'),
  id: z.string().min(1),
  name: z.string().min(1),
  arguments: z.string(),
});

/** A tool's answer to the call with the same `id`; `content` is usually JSON text. */
export const FunctionResultMessageSchema = z.object({
  role: z.literal('function_result'),
  id: z.string().min(1),
  name: z.string().min(1),
  content: z.string(),
});

export const ConversationMessageSchema = z.discriminatedUnion('role', [
  TextMessageSchema.extend({ role: z.literal('system') }),
  TextMessageSchema.extend({ role: z.literal('developer') }),
  TextMessageSchema.extend({ role: z.literal('user') }),
  TextMessageSchema.extend({ role: z.literal('assistant') }),
  FunctionCallMessageSchema,
  FunctionResultMessageSchema,
]);

export type TextMessage = z.infer<typeof TextMessageSchema>;
export type FunctionCallMessage = z.infer<typeof FunctionCallMessageSchema>;
export type FunctionResultMessage = z.infer<typeof FunctionResultMessageSchema>;
export type ConversationMessage = z.infer<typeof ConversationMessageSchema>;

export const ConversationSchema = z.array(ConversationMessageSchema);

// ---------------------------------------------------------------------------------------------------
// Normalised errors (§2.5) — `type` is the stable identifier.

export const LlmErrorTypeSchema = z.enum([
  'authentication',
  'rate_limit',
  'server',
  'timeout',
  'network',
  'context_length',
  'invalid_request',
  'model_not_found',
  'content_filtered',
  'malformed_response',
  'cancelled',
]);
export type LlmErrorType = z.infer<typeof LlmErrorTypeSchema>;

export const LlmErrorSchema = z.object({
  type: LlmErrorTypeSchema,
  /** What happened and what to do about it. */
  message: z.string(),
  retryable: z.boolean(),
  status: z.number().int().optional(),
  /** The provider's own error code, e.g. `insufficient_quota`, `context_length_exceeded`. */
  code: z.string().optional(),
  model: z.string().optional(),
  baseURL: z.string().optional(),
  /** HTTP attempts made (1 = no retry). */
  attempts: z.number().int().optional(),
  requestId: z.string().optional(),
});
export type LlmError = z.infer<typeof LlmErrorSchema>;

// ---------------------------------------------------------------------------------------------------
// Normalised response (§2.4, with full prompt counting).

/** Problem with one tool call that the agent hands back to the model instead of executing it. */
export const ToolCallProblemSchema = z.object({
  type: z.enum(['invalid_arguments', 'unknown_tool']),
  message: z.string(),
});
export type ToolCallProblem = z.infer<typeof ToolCallProblemSchema>;

export const ToolCallSchema = z.object({
  id: z.string(),
  name: z.string(),
  /** Decoded arguments; `{}` when `error` says they were not a JSON object. */
  arguments: z.record(z.string(), z.unknown()),
  /** The exact argument text the model produced. */
  raw_arguments: z.string(),
  /** Present when the call must not be executed; answer it with a function_result carrying this error. */
  error: ToolCallProblemSchema.optional(),
});
export type ToolCall = z.infer<typeof ToolCallSchema>;

/** Token counts. `prompt` is the FULL prompt size including `cached` (unlike Wippy's mapper). */
export const TokenUsageSchema = z.object({
  prompt: z.number().int().min(0),
  completion: z.number().int().min(0),
  /** Prompt tokens served from the provider's cache (a subset of `prompt`). */
  cached: z.number().int().min(0),
  /** Reasoning tokens (a subset of `completion`). */
  reasoning: z.number().int().min(0),
  total: z.number().int().min(0),
});
export type TokenUsage = z.infer<typeof TokenUsageSchema>;

export const FinishReasonSchema = z.enum(['stop', 'length', 'filtered', 'tool_call', 'error']);
export type FinishReason = z.infer<typeof FinishReasonSchema>;

export const LlmResponseSchema = z.object({
  result: z.string(),
  tool_calls: z.array(ToolCallSchema),
  /** Absent when the server reported no usage. */
  tokens: TokenUsageSchema.optional(),
  finish_reason: FinishReasonSchema,
  /** Dollars for this step from the model's pricing; absent without usage. */
  cost: z.number().optional(),
  /** Model entry name and the provider model actually called. */
  model: z.string(),
  provider_model: z.string(),
  metadata: z.object({
    response_id: z.string().optional(),
    request_id: z.string().optional(),
    attempts: z.number().int(),
    thinking: z.string().optional(),
  }),
});
export type LlmResponse = z.infer<typeof LlmResponseSchema>;

export const GenerateOutcomeSchema = z.discriminatedUnion('ok', [
  z.object({ ok: z.literal(true), response: LlmResponseSchema }),
  z.object({ ok: z.literal(false), error: LlmErrorSchema }),
]);
export type GenerateOutcome = z.infer<typeof GenerateOutcomeSchema>;

// ---------------------------------------------------------------------------------------------------
// Stream events (§2.6). End of stream = the generate call returning; there is no `done` event.

export const StreamEventSchema = z.discriminatedUnion('type', [
  /** A text delta, in arrival order; the concatenation equals `response.result`. */
  z.object({ type: z.literal('chunk'), content: z.string() }),
  /** Reasoning / thinking text (servers that stream it: reasoning_content, Responses summaries). */
  z.object({ type: z.literal('thinking'), content: z.string() }),
  /** One completed tool call; `arguments` is the raw JSON text. Use the response's tool_calls as truth. */
  z.object({ type: z.literal('tool_call'), id: z.string(), name: z.string(), arguments: z.string() }),
  /** The step failed; the same error is returned by generate. */
  z.object({ type: z.literal('error'), error: LlmErrorSchema }),
]);
export type StreamEvent = z.infer<typeof StreamEventSchema>;
