// `registry.entry` with `meta.type: llm.model`: a model's name, classes, limits, pricing and providers,
// plus the ModelCard the LLM layer builds from one entry (wippy-agent-llm.md §3.1). Extra fields are kept.
import { z } from 'zod';
import { RecordSchema } from './common.js';

export const LLM_MODEL_TYPE = 'llm.model';

export const LlmCapabilitySchema = z.string().min(1);

/** String-or-list, normalised by the resolver (Wippy writes `class: [reasoning]`, sometimes a bare string). */
const StringListSchema = z.union([z.string().min(1), z.array(z.string().min(1))]);

export const LlmModelMetaSchema = z.looseObject({
  type: z.literal(LLM_MODEL_TYPE),
  /** What callers pass as `model`. */
  name: z.string().min(1),
  title: z.string().optional(),
  comment: z.string().optional(),
  capabilities: z.array(LlmCapabilitySchema).optional(),
  class: StringListSchema.optional(),
  /** Higher wins within a class. */
  priority: z.number().optional(),
});

/** Prices in US dollars per 1M tokens. `cached_input` prices cache-read prompt tokens (absent: priced as input). */
export const LlmPricingSchema = z.looseObject({
  input: z.number().min(0).default(0),
  output: z.number().min(0).default(0),
  cached_input: z.number().min(0).optional(),
});

export const LlmModelProviderSchema = z.looseObject({
  /** Provider entry id, e.g. `app:openai`; no entry means "the OpenAI-compatible provider from config". */
  id: z.string().min(1),
  /** The model name sent to the API; defaults to the model's meta.name. */
  provider_model: z.string().min(1).optional(),
  /** Merged into call options (reasoning_model_request, thinking_effort, api: "responses", temperature...). */
  options: RecordSchema.optional(),
});

export const LlmModelDataSchema = z.looseObject({
  /** Context window in tokens. */
  max_tokens: z.number().int().positive().optional(),
  /** Maximum output tokens. */
  output_tokens: z.number().int().positive().optional(),
  pricing: LlmPricingSchema.optional(),
  dimensions: z.number().int().positive().optional(),
  providers: z.array(LlmModelProviderSchema).min(1, { message: 'an llm.model needs at least one provider' }),
});

export type LlmModelMeta = z.infer<typeof LlmModelMetaSchema>;
export type LlmModelData = z.infer<typeof LlmModelDataSchema>;
export type LlmPricing = z.infer<typeof LlmPricingSchema>;
export type LlmModelProvider = z.infer<typeof LlmModelProviderSchema>;

/** Defaults Wippy's compress utility assumes when an entry gives no limits. */
export const MODEL_DEFAULT_CONTEXT_TOKENS = 8000;
export const MODEL_DEFAULT_OUTPUT_TOKENS = 1000;

/** A resolved model: one entry's meta and data flattened into what the provider and cost code need. */
export interface ModelCard {
  /** Registry id of the entry, e.g. `app:gpt-5.1`. */
  readonly id: string;
  readonly name: string;
  readonly title?: string;
  readonly description?: string;
  readonly capabilities: readonly string[];
  readonly classes: readonly string[];
  readonly priority: number;
  /** Context window in tokens. */
  readonly maxTokens: number;
  readonly outputTokens: number;
  readonly pricing: { readonly input: number; readonly output: number; readonly cachedInput?: number };
  readonly providers: readonly {
    readonly id: string;
    readonly providerModel: string;
    readonly options: Readonly<Record<string, unknown>>;
  }[];
}
