// The agent protocol: what the terminal sends the agent process, what the agent streams back, and the
// supervisor's tool service (tool calls run in the supervisor's isolate pool). Checked with zod at each end.
import { z } from 'zod';
import { messageGuard } from '../message-guard.js';

/** Topics. The terminal listens on AGENT_EVENT_TOPIC; the agent on AGENT_INPUT_TOPIC; the tool service on TOOL_CALL_TOPIC. */
export const AGENT_INPUT_TOPIC = 'agent.input';
export const AGENT_EVENT_TOPIC = 'agent.event';
export const TOOL_CALL_TOPIC = 'tool.call';
export const TOOL_RESULT_TOPIC = 'tool.result';

export const ToolErrorSchema = z.object({
  /** Small stable set: invalid_input, not_found, permission_denied, timeout, limit, runtime, compile, canceled, internal, unknown_tool */
  type: z.string(),
  message: z.string(),
});
export type ToolErrorData = z.infer<typeof ToolErrorSchema>;

/** Terminal -> agent. */
export const AgentInputSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('prompt'), turn: z.number().int().nonnegative(), text: z.string() }),
  /** Cancel the running turn (Ctrl-C): the session stays. */
  z.object({ type: z.literal('cancel'), turn: z.number().int().nonnegative() }),
  /** Forget the conversation (keeps loaded tools). */
  z.object({ type: z.literal('reset') }),
  /** Ask for information: the tools offered, the session's usage and cost. */
  z.object({ type: z.literal('query'), what: z.enum(['tools', 'cost']) }),
  /** Answer the next turns with another model (conversation, loaded tools and usage stay); replied with info 'model'. */
  z.object({ type: z.literal('set_model'), name: z.string().min(1).max(200) }),
  z.object({ type: z.literal('stop') }),
]);
export type AgentInput = z.infer<typeof AgentInputSchema>;

const TokensSchema = z.object({
  prompt: z.number(),
  completion: z.number(),
  cached: z.number(),
  reasoning: z.number(),
  total: z.number(),
});

/** Agent -> terminal. Every event of a turn carries its turn number. */
export const AgentEventSchema = z.discriminatedUnion('type', [
  z.object({
    type: z.literal('ready'),
    agent: z.string(),
    model: z.string(),
    tools: z.array(z.string()),
  }),
  z.object({ type: z.literal('chunk'), turn: z.number(), content: z.string() }),
  z.object({ type: z.literal('thinking'), turn: z.number(), content: z.string() }),
  z.object({ type: z.literal('tool_call'), turn: z.number(), id: z.string(), name: z.string(), arguments: z.unknown() }),
  z.object({
    type: z.literal('tool_result'),
    turn: z.number(),
    id: z.string(),
    name: z.string(),
    ok: z.boolean(),
    result: z.unknown().optional(),
    error: ToolErrorSchema.optional(),
  }),
  z.object({ type: z.literal('tool_loaded'), turn: z.number(), id: z.string(), alias: z.string() }),
  z.object({
    type: z.literal('compressed'),
    turn: z.number(),
    before_chars: z.number(),
    after_chars: z.number(),
    prompt_tokens: z.number(),
    /** prompt_tokens is estimated from the prompt's characters (the server reported no usage, or refused the prompt as too long). */
    estimated: z.boolean().optional(),
    /** 'overflow': the server refused the prompt as too long, and the step was retried from the summary. */
    reason: z.enum(['threshold', 'overflow']).optional(),
  }),
  z.object({
    type: z.literal('answer'),
    turn: z.number(),
    text: z.string(),
    /** The model stopped at its output token limit (max_tokens): the text is cut off. */
    truncated: z.boolean().optional(),
  }),
  z.object({
    type: z.literal('usage'),
    turn: z.number(),
    tokens: TokensSchema,
    cost: z.number(),
    session_cost: z.number(),
  }),
  z.object({ type: z.literal('error'), turn: z.number(), error: ToolErrorSchema }),
  z.object({
    type: z.literal('turn_end'),
    turn: z.number(),
    status: z.enum(['answered', 'step_limit', 'canceled', 'failed']),
    steps: z.number(),
  }),
  z.object({ type: z.literal('info'), what: z.enum(['tools', 'cost', 'model']), data: z.unknown() }),
]);
export type AgentEvent = z.infer<typeof AgentEventSchema>;

/** Context a tool call carries (provenance for create_tool, the loaded tool names for shadowing checks). */
export const ToolCallContextSchema = z.object({
  session: z.string(),
  turn: z.number(),
  prompt: z.string(),
  agent: z.string(),
  loaded_tools: z.array(z.string()),
});
export type ToolCallContext = z.infer<typeof ToolCallContextSchema>;

/** Agent -> supervisor tool service. */
export const ToolCallRequestSchema = z.discriminatedUnion('type', [
  z.object({
    type: z.literal('call'),
    call_id: z.string(),
    entry_id: z.string(),
    input: z.unknown(),
    context: ToolCallContextSchema,
  }),
  z.object({ type: z.literal('cancel'), call_id: z.string() }),
]);
export type ToolCallRequest = z.infer<typeof ToolCallRequestSchema>;

/** Supervisor tool service -> agent: the isolate CallResult as plain data. */
export const ToolCallReplySchema = z.object({
  call_id: z.string(),
  result: z.discriminatedUnion('status', [
    z.object({ status: z.literal('ok'), value: z.unknown() }).passthrough(),
    z.object({
      status: z.literal('error'),
      error: z.object({ kind: z.string(), message: z.string(), line: z.number().optional() }).passthrough(),
    }).passthrough(),
  ]),
});
export type ToolCallReply = z.infer<typeof ToolCallReplySchema>;

// Checks of the same schemas for the thread boundaries they guard on hot paths (see schemas/message-guard.ts).
export const AgentInputGuard = messageGuard(AgentInputSchema);
export const AgentEventGuard = messageGuard(AgentEventSchema);
export const ToolCallRequestGuard = messageGuard(ToolCallRequestSchema);
export const ToolCallReplyGuard = messageGuard(ToolCallReplySchema);
