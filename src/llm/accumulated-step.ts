// What one streamed step accumulated (text, thinking, raw tool calls, usage, finish), shared by the
// Chat Completions and Responses accumulators, and the event sink type they emit through.
import type { FinishReason, StreamEvent, TokenUsage } from '../../schemas/llm-messages.js';
import type { RawToolCall } from './tool-call-validator.js';

export type EventSink = (event: StreamEvent) => void;

export interface AccumulatedStep {
  readonly text: string;
  readonly thinking: string;
  readonly calls: readonly RawToolCall[];
  readonly usage?: TokenUsage;
  /** Normalised finish reason reported by the server (undefined if none came). */
  readonly finish?: FinishReason;
  readonly responseId?: string;
  /** True when at least one choice / output event arrived (false = an empty response). */
  readonly sawOutput: boolean;
  /** A failure reported inside the stream (Responses `response.failed` / `error` events). */
  readonly failure?: { readonly code?: string; readonly message: string };
  /** Refusal text (Responses), which becomes a content_filtered error when there is no answer. */
  readonly refusal?: string;
}
