// Builds the Responses API request body (wippy-agent-llm.md §3.3, §8.3): system + developer text become
// `instructions`, the rest `input` items; flat function tools; reasoning effort from thinking_effort.
import type { ResponseCreateParamsStreaming, ResponseInputItem } from 'openai/resources/responses/responses';
import type { ConversationMessage } from '../../schemas/llm-messages.js';
import { openAIToolChoice, responsesReasoningEffort, toolParameters, type CallOptions } from './call-options.js';
import { notAConversationRole } from './conversation.js';

export function responsesInput(messages: readonly ConversationMessage[]): { instructions?: string; input: ResponseInputItem[] } {
  const instructions: string[] = [];
  const input: ResponseInputItem[] = [];
  for (const [i, m] of messages.entries()) {
    switch (m.role) {
      case 'system':
      case 'developer':
        instructions.push(m.content);
        break;
      case 'user':
        input.push({ type: 'message', role: 'user', content: m.content });
        break;
      case 'assistant':
        if (m.content) input.push({ type: 'message', role: 'assistant', content: m.content });
        break;
      case 'function_call':
        input.push({ type: 'function_call', call_id: m.id, name: m.name, arguments: m.arguments });
        break;
      case 'function_result':
        input.push({ type: 'function_call_output', call_id: m.id, output: m.content });
        break;
      default:
        throw notAConversationRole(i, m); // not silently dropped
    }
  }
  return instructions.length > 0 ? { instructions: instructions.join('\n\n'), input } : { input };
}

export function buildResponsesRequest(model: string, messages: readonly ConversationMessage[], o: CallOptions): ResponseCreateParamsStreaming {
  const { instructions, input } = responsesInput(messages);
  const req: ResponseCreateParamsStreaming = { model, input, stream: true };
  if (instructions !== undefined) req.instructions = instructions;
  if (o.tools && o.tools.length > 0) {
    req.tools = o.tools.map((t) => ({
      type: 'function',
      name: t.name,
      description: t.description ?? null,
      parameters: toolParameters(t),
      strict: false,
    }));
    if (o.toolChoice !== undefined) {
      const choice = openAIToolChoice(o.toolChoice);
      req.tool_choice = typeof choice === 'string' ? choice : { type: 'function', name: choice.name };
    }
    if (o.parallelToolCalls !== undefined) req.parallel_tool_calls = o.parallelToolCalls;
  }
  if (o.maxTokens !== undefined) req.max_output_tokens = o.maxTokens;
  if (o.reasoningModelRequest) {
    const reasoning: Record<string, unknown> = {};
    if (o.thinkingEffort !== undefined) reasoning.effort = responsesReasoningEffort(o.thinkingEffort);
    if (o.reasoningSummary !== undefined) reasoning.summary = o.reasoningSummary;
    if (Object.keys(reasoning).length > 0) req.reasoning = reasoning as ResponseCreateParamsStreaming['reasoning'];
  } else {
    if (o.temperature !== undefined) req.temperature = o.temperature;
    if (o.topP !== undefined) req.top_p = o.topP;
  }
  if (o.user !== undefined) req.user = o.user;
  if (o.store !== undefined) req.store = o.store;
  return req;
}
