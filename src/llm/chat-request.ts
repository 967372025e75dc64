// Builds the Chat Completions request body from conversation messages and call options
// (message mapping of wippy-agent-llm.md §8.2; tool calls of one turn grouped into one assistant message).
import type { ChatCompletionCreateParamsStreaming, ChatCompletionMessageParam } from 'openai/resources/chat/completions';
import type { ConversationMessage, FunctionCallMessage } from '../../schemas/llm-messages.js';
import { chatReasoningEffort, openAIToolChoice, toolParameters, type CallOptions } from './call-options.js';
import { notAConversationRole } from './conversation.js';

/** Map builder messages to Chat Completions messages. developer → system (compatible servers lack it). */
export function chatMessages(messages: readonly ConversationMessage[]): ChatCompletionMessageParam[] {
  const out: ChatCompletionMessageParam[] = [];
  let i = 0;
  while (i < messages.length) {
    const m = messages[i]!;
    if (m.role === 'system' || m.role === 'developer') {
      out.push({ role: 'system', content: m.content });
      i++;
    } else if (m.role === 'user') {
      out.push({ role: 'user', content: m.content });
      i++;
    } else if (m.role === 'assistant' && messages[i + 1]?.role !== 'function_call') {
      out.push({ role: 'assistant', content: m.content });
      i++;
    } else if (m.role === 'assistant' || m.role === 'function_call' || m.role === 'function_result') {
      // A tool turn: optional assistant text, then a block of calls and results in any interleaving.
      const text = m.role === 'assistant' ? m.content : undefined;
      if (m.role === 'assistant') i++;
      const calls: FunctionCallMessage[] = [];
      const results: ChatCompletionMessageParam[] = [];
      while (i < messages.length) {
        const b = messages[i]!;
        if (b.role === 'function_call') calls.push(b);
        else if (b.role === 'function_result') results.push({ role: 'tool', tool_call_id: b.id, content: b.content });
        else break;
        i++;
      }
      if (calls.length > 0) {
        out.push({
          role: 'assistant',
          content: text ? text : null,
          tool_calls: calls.map((c) => ({ id: c.id, type: 'function', function: { name: c.name, arguments: c.arguments } })),
        });
      } else if (text !== undefined) {
        out.push({ role: 'assistant', content: text });
      }
      out.push(...results);
    } else {
      // A programmer bug (messages come from Conversation); before this check the loop never advanced.
      throw notAConversationRole(i, m);
    }
  }
  return out;
}

/** The streaming request body for `client.chat.completions.create`. */
export function buildChatRequest(model: string, messages: readonly ConversationMessage[], o: CallOptions): ChatCompletionCreateParamsStreaming {
  const req: ChatCompletionCreateParamsStreaming = {
    model,
    messages: chatMessages(messages),
    stream: true,
    stream_options: { include_usage: true },
  };
  if (o.tools && o.tools.length > 0) {
    req.tools = o.tools.map((t) => ({
      type: 'function',
      function: { name: t.name, ...(t.description !== undefined ? { description: t.description } : {}), parameters: toolParameters(t) },
    }));
    if (o.toolChoice !== undefined) {
      const choice = openAIToolChoice(o.toolChoice);
      req.tool_choice = typeof choice === 'string' ? choice : { type: 'function', function: { name: choice.name } };
    }
    if (o.parallelToolCalls !== undefined) req.parallel_tool_calls = o.parallelToolCalls;
  }
  if (o.reasoningModelRequest) {
    if (o.maxTokens !== undefined) req.max_completion_tokens = o.maxTokens;
    if (o.thinkingEffort !== undefined && o.thinkingEffort > 0) req.reasoning_effort = chatReasoningEffort(o.thinkingEffort);
  } else {
    if (o.maxTokens !== undefined) req.max_tokens = o.maxTokens;
    if (o.temperature !== undefined) req.temperature = o.temperature;
    if (o.topP !== undefined) req.top_p = o.topP;
  }
  if (o.stop && o.stop.length > 0) req.stop = [...o.stop];
  if (o.seed !== undefined) req.seed = o.seed;
  if (o.user !== undefined) req.user = o.user;
  if (o.frequencyPenalty !== undefined) req.frequency_penalty = o.frequencyPenalty;
  if (o.presencePenalty !== undefined) req.presence_penalty = o.presencePenalty;
  if (o.store !== undefined) req.store = o.store;
  return req;
}
