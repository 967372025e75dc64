// The options of one LLM call (tools, limits, sampling, reasoning effort, which API) with defaults,
// the merge of model-entry provider options under caller options, and the thinking_effort mapping.
import type { ModelCard } from '../../schemas/kinds/llm-model.js';

export interface ToolDefinition {
  /** The name the model sees and calls. */
  readonly name: string;
  readonly description?: string;
  /** JSON Schema of the arguments object (default: an object with no properties). */
  readonly schema?: Readonly<Record<string, unknown>>;
}

/** `any` = the model must call some tool; another string = that tool. */
export type ToolChoice = 'auto' | 'none' | 'any' | (string & {});

/** A ToolChoice in OpenAI's words: `auto`, `none`, `required` (Wippy's `any`), or one tool by name. */
export function openAIToolChoice(choice: ToolChoice): 'auto' | 'none' | 'required' | { readonly name: string } {
  if (choice === 'auto') return 'auto';
  if (choice === 'none') return 'none';
  return choice === 'any' ? 'required' : { name: choice };
}

export interface CallOptions {
  /** `chat` (Chat Completions, default) or `responses` (the Responses API, for OpenAI reasoning models). */
  readonly api?: 'chat' | 'responses';
  readonly tools?: readonly ToolDefinition[];
  readonly toolChoice?: ToolChoice;
  /** Output token limit (sent as max_completion_tokens / max_output_tokens for reasoning models). */
  readonly maxTokens?: number;
  readonly temperature?: number;
  readonly topP?: number;
  /** Reasoning effort 0..100, mapped to the API's levels when `reasoningModelRequest` is set. */
  readonly thinkingEffort?: number;
  /** The model is a reasoning model: send reasoning effort and max_completion_tokens, drop temperature/top_p. */
  readonly reasoningModelRequest?: boolean;
  /** Responses API only: ask for reasoning summaries (streamed as `thinking` events). */
  readonly reasoningSummary?: 'auto' | 'concise' | 'detailed';
  readonly parallelToolCalls?: boolean;
  readonly stop?: readonly string[];
  readonly seed?: number;
  readonly user?: string;
  readonly frequencyPenalty?: number;
  readonly presencePenalty?: number;
  readonly store?: boolean;
}

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

const num = (v: unknown): number | undefined => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);
const bool = (v: unknown): boolean | undefined => (typeof v === 'boolean' ? v : undefined);
const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);

/** Call options from a model entry's provider `options` (Wippy snake_case keys). Unknown keys are ignored. */
export function callOptionsFromEntry(options: Readonly<Record<string, unknown>>): CallOptions {
  const o: Mutable<CallOptions> = {};
  const api = str(options.api);
  if (api === 'chat' || api === 'responses') o.api = api;
  o.maxTokens = num(options.max_tokens);
  o.temperature = num(options.temperature);
  o.topP = num(options.top_p);
  o.thinkingEffort = num(options.thinking_effort);
  o.reasoningModelRequest = bool(options.reasoning_model_request);
  const summary = str(options.reasoning_summary);
  if (summary === 'auto' || summary === 'concise' || summary === 'detailed') o.reasoningSummary = summary;
  o.parallelToolCalls = bool(options.parallel_tool_calls);
  if (Array.isArray(options.stop_sequences)) o.stop = options.stop_sequences.filter((s): s is string => typeof s === 'string');
  o.seed = num(options.seed);
  o.user = str(options.user);
  o.frequencyPenalty = num(options.frequency_penalty);
  o.presencePenalty = num(options.presence_penalty);
  o.store = bool(options.store);
  for (const k of Object.keys(o) as (keyof CallOptions)[]) if (o[k] === undefined) delete o[k];
  return o;
}

/** Entry options first, caller options override (undefined caller values do not erase entry values). */
export function mergeCallOptions(card: ModelCard | undefined, caller: CallOptions): CallOptions {
  const fromEntry = card?.providers[0] ? callOptionsFromEntry(card.providers[0].options) : {};
  const out: Mutable<CallOptions> = { ...fromEntry };
  for (const [k, v] of Object.entries(caller)) if (v !== undefined) (out as Record<string, unknown>)[k] = v;
  return out;
}

/** Chat Completions `reasoning_effort` for a 0..100 thinking effort (Wippy: <25 low, <75 medium, else high). */
export function chatReasoningEffort(effort: number): 'low' | 'medium' | 'high' {
  return effort < 25 ? 'low' : effort < 75 ? 'medium' : 'high';
}

/** Responses `reasoning.effort` (Wippy: <=0 minimal, <25 low, <60 medium, <90 high, else xhigh). */
export function responsesReasoningEffort(effort: number): 'minimal' | 'low' | 'medium' | 'high' | 'xhigh' {
  return effort <= 0 ? 'minimal' : effort < 25 ? 'low' : effort < 60 ? 'medium' : effort < 90 ? 'high' : 'xhigh';
}

/** The JSON Schema sent for a tool (an empty object schema when none is given). */
export function toolParameters(tool: ToolDefinition): Record<string, unknown> {
  return tool.schema ? { ...tool.schema } : { type: 'object', properties: {} };
}
