// The Chat Completions stream accumulator: feeds `chat.completion.chunk`s one by one, emits text,
// thinking and completed tool-call events as they arrive, and assembles tool calls from fragments by index.
import type { ChatCompletionChunk } from 'openai/resources/chat/completions';
import type { FinishReason, TokenUsage } from '../../schemas/llm-messages.js';
import type { AccumulatedStep, EventSink } from './accumulated-step.js';
import { checkChatChunk } from './chunk-shape.js';
import { tokensFromChatUsage } from './token-usage.js';

interface PendingCall {
  index: number;
  id: string;
  name: string;
  args: string;
  emitted: boolean;
}

/** Chat Completions finish_reason → normalised (Wippy map; unknown → error). */
export function chatFinishReason(raw: string | null | undefined): FinishReason | undefined {
  switch (raw) {
    case null:
    case undefined:
      return undefined;
    case 'stop':
      return 'stop';
    case 'length':
      return 'length';
    case 'content_filter':
      return 'filtered';
    case 'tool_calls':
    case 'function_call':
      return 'tool_call';
    default:
      return 'error';
  }
}

interface DeltaExtras {
  reasoning_content?: unknown;
  reasoning?: unknown;
  reasoning_details?: unknown;
}

export class ChatStreamAccumulator {
  #emit: EventSink;
  #text = '';
  #thinking = '';
  #calls: PendingCall[] = [];
  /** index → position in #calls of the call currently receiving fragments at that index. */
  #byIndex = new Map<number, number>();
  #usage: TokenUsage | undefined;
  #finish: FinishReason | undefined;
  #responseId: string | undefined;
  #sawOutput = false;
  chunks = 0;

  constructor(emit: EventSink) {
    this.#emit = emit;
  }

  /** Throws MalformedChunkError (code MALFORMED_CHUNK) for a chunk of the wrong shape. */
  push(chunk: ChatCompletionChunk): void {
    this.chunks++;
    checkChatChunk(chunk, this.chunks);
    if (chunk.id && this.#responseId === undefined) this.#responseId = chunk.id;
    if (chunk.usage) this.#usage = tokensFromChatUsage(chunk.usage);
    const choice = chunk.choices?.find((c) => c.index === 0) ?? chunk.choices?.[0];
    if (!choice) return;
    this.#sawOutput = true;
    const delta = (choice.delta ?? {}) as ChatCompletionChunk.Choice.Delta & DeltaExtras;
    const thinking = reasoningText(delta);
    if (thinking) {
      this.#thinking += thinking;
      this.#emit({ type: 'thinking', content: thinking });
    }
    if (typeof delta.content === 'string' && delta.content !== '') {
      this.#text += delta.content;
      this.#emit({ type: 'chunk', content: delta.content });
    }
    if (delta.tool_calls) for (const frag of delta.tool_calls) this.#fragment(frag);
    const finish = chatFinishReason(choice.finish_reason);
    if (finish !== undefined) {
      this.#finish = finish;
      this.#emitPending();
    }
  }

  #fragment(frag: ChatCompletionChunk.Choice.Delta.ToolCall): void {
    const index = typeof frag.index === 'number' ? frag.index : 0;
    const at = this.#byIndex.get(index);
    let call = at !== undefined ? this.#calls[at] : undefined;
    // A new call: first fragment at this index, or (Ollama style) a different id at a reused index.
    if (!call || (frag.id && call.id && frag.id !== call.id)) {
      // Calls stream one after another: a new call completes every earlier one.
      this.#emitPending();
      call = { index, id: frag.id ?? '', name: '', args: '', emitted: false };
      this.#byIndex.set(index, this.#calls.length);
      this.#calls.push(call);
    }
    if (frag.id && !call.id) call.id = frag.id;
    const fn = frag.function;
    if (fn?.name && !call.name) call.name = fn.name;
    const args: unknown = fn?.arguments;
    if (typeof args === 'string') call.args += args;
    else if (typeof args === 'object' && args !== null) call.args += JSON.stringify(args); // some servers send an object
  }

  #emitPending(): void {
    for (const c of this.#calls) {
      if (c.emitted) continue;
      c.emitted = true;
      if (!c.id) c.id = `call_${c.index}`;
      this.#emit({ type: 'tool_call', id: c.id, name: c.name, arguments: c.args });
    }
  }

  /** End of stream: completes the remaining calls and returns what was accumulated. */
  finish(): AccumulatedStep {
    this.#emitPending();
    return {
      text: this.#text,
      thinking: this.#thinking,
      calls: this.#calls.map((c) => ({ id: c.id, name: c.name, arguments: c.args })),
      ...(this.#usage ? { usage: this.#usage } : {}),
      ...(this.#finish ? { finish: this.#finish } : {}),
      ...(this.#responseId ? { responseId: this.#responseId } : {}),
      sawOutput: this.#sawOutput,
    };
  }
}

/** Reasoning text in a delta: `reasoning_content` (vLLM, DeepSeek, llama.cpp), `reasoning` or `reasoning_details` (OpenRouter). */
function reasoningText(d: DeltaExtras): string {
  if (typeof d.reasoning_content === 'string') return d.reasoning_content;
  if (typeof d.reasoning === 'string') return d.reasoning;
  if (Array.isArray(d.reasoning_details)) {
    return d.reasoning_details.map((r) => (typeof (r as { text?: unknown })?.text === 'string' ? (r as { text: string }).text : '')).join('');
  }
  return '';
}
