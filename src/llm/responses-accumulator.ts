// The Responses API stream accumulator: feeds typed SSE events, emits text / reasoning-summary / completed
// function-call events, assembles calls by item id, and reads usage and the terminal status.
import type { FinishReason, TokenUsage } from '../../schemas/llm-messages.js';
import type { AccumulatedStep, EventSink } from './accumulated-step.js';
import { checkResponsesEvent } from './chunk-shape.js';
import { tokensFromResponsesUsage } from './token-usage.js';

interface PendingCall {
  itemId: string;
  callId: string;
  name: string;
  args: string;
  emitted: boolean;
}

type AnyEvent = { type: string; [k: string]: unknown };

export class ResponsesStreamAccumulator {
  #emit: EventSink;
  #text = '';
  #thinking = '';
  #refusal = '';
  #calls: PendingCall[] = [];
  #byItem = new Map<string, PendingCall>();
  #usage: TokenUsage | undefined;
  #finish: FinishReason | undefined;
  #responseId: string | undefined;
  #sawOutput = false;
  #failure: { code?: string; message: string } | undefined;
  /** True after a terminal event (completed / incomplete / failed / error): stop reading. */
  terminal = false;
  chunks = 0;

  constructor(emit: EventSink) {
    this.#emit = emit;
  }

  /** Throws MalformedChunkError (code MALFORMED_CHUNK) for an event that is not an object with a type. */
  push(event: AnyEvent): void {
    this.chunks++;
    checkResponsesEvent(event, this.chunks);
    const e = event as Record<string, any>;
    switch (event.type) {
      case 'response.created':
      case 'response.in_progress':
        if (typeof e.response?.id === 'string') this.#responseId = e.response.id;
        break;
      case 'response.output_text.delta':
        this.#sawOutput = true;
        if (typeof e.delta === 'string' && e.delta) {
          this.#text += e.delta;
          this.#emit({ type: 'chunk', content: e.delta });
        }
        break;
      case 'response.refusal.delta':
        this.#sawOutput = true;
        if (typeof e.delta === 'string') this.#refusal += e.delta;
        break;
      case 'response.reasoning_summary_text.delta':
      case 'response.reasoning_text.delta':
        if (typeof e.delta === 'string' && e.delta) {
          this.#thinking += e.delta;
          this.#emit({ type: 'thinking', content: e.delta });
        }
        break;
      case 'response.output_item.added':
        this.#sawOutput = true;
        if (e.item?.type === 'function_call') this.#call(e.item);
        break;
      case 'response.function_call_arguments.delta': {
        const c = this.#byItem.get(String(e.item_id));
        if (c && typeof e.delta === 'string') c.args += e.delta;
        break;
      }
      case 'response.function_call_arguments.done': {
        const c = this.#byItem.get(String(e.item_id));
        if (c) {
          if (typeof e.arguments === 'string') c.args = e.arguments;
          this.#complete(c);
        }
        break;
      }
      case 'response.output_item.done':
        if (e.item?.type === 'function_call') {
          const c = this.#call(e.item);
          if (typeof e.item.arguments === 'string') c.args = e.item.arguments;
          this.#complete(c);
        }
        break;
      case 'response.completed':
      case 'response.incomplete':
      case 'response.failed':
        this.#terminal(e.response ?? {}, event.type);
        break;
      case 'error':
        this.#failure = { ...(typeof e.code === 'string' ? { code: e.code } : {}), message: String(e.message ?? 'unknown error') };
        this.#finish = 'error';
        this.terminal = true;
        break;
      default:
        break;
    }
  }

  #call(item: Record<string, any>): PendingCall {
    const itemId = String(item.id ?? item.call_id ?? `item_${this.#calls.length}`);
    let c = this.#byItem.get(itemId);
    if (!c) {
      c = { itemId, callId: String(item.call_id ?? itemId), name: String(item.name ?? ''), args: typeof item.arguments === 'string' ? item.arguments : '', emitted: false };
      this.#byItem.set(itemId, c);
      this.#calls.push(c);
    }
    return c;
  }

  #complete(c: PendingCall): void {
    if (c.emitted) return;
    c.emitted = true;
    this.#emit({ type: 'tool_call', id: c.callId, name: c.name, arguments: c.args });
  }

  #terminal(response: Record<string, any>, type: string): void {
    this.terminal = true;
    if (typeof response.id === 'string') this.#responseId = response.id;
    if (response.usage) this.#usage = tokensFromResponsesUsage(response.usage);
    if (type === 'response.failed') {
      const err = response.error ?? {};
      this.#failure = { ...(typeof err.code === 'string' ? { code: err.code } : {}), message: String(err.message ?? 'response failed') };
      this.#finish = 'error';
    } else if (type === 'response.incomplete') {
      this.#finish = response.incomplete_details?.reason === 'content_filter' ? 'filtered' : 'length';
    } else {
      this.#finish = 'stop';
    }
    // The final output is authoritative for calls the deltas missed.
    if (Array.isArray(response.output)) {
      for (const item of response.output) {
        if (item?.type !== 'function_call') continue;
        const c = this.#call(item);
        if (typeof item.arguments === 'string' && item.arguments) c.args = item.arguments;
      }
    }
    if (this.#finish !== 'error') for (const c of this.#calls) this.#complete(c);
  }

  finish(): AccumulatedStep {
    for (const c of this.#calls) this.#complete(c);
    const hasCalls = this.#calls.length > 0;
    return {
      text: this.#text,
      thinking: this.#thinking,
      calls: this.#calls.map((c) => ({ id: c.callId, name: c.name, arguments: c.args })),
      ...(this.#usage ? { usage: this.#usage } : {}),
      ...(this.#finish ? { finish: hasCalls && this.#finish === 'stop' ? 'tool_call' : this.#finish } : {}),
      ...(this.#responseId ? { responseId: this.#responseId } : {}),
      sawOutput: this.#sawOutput,
      ...(this.#failure ? { failure: this.#failure } : {}),
      ...(this.#refusal ? { refusal: this.#refusal } : {}),
    };
  }
}
