// The LLM layer's entry point: resolve a model entry, merge its provider options, run one streamed step
// through the provider, price it, and meter the session. `createLlm(options)` is what the agent uses.
import type { ModelCard } from '../../schemas/kinds/llm-model.js';
import type { ConversationMessage, GenerateOutcome, StreamEvent } from '../../schemas/llm-messages.js';
import { errorMessage } from '../errors/app-error.js';
import { mergeCallOptions, type CallOptions } from './call-options.js';
import { Conversation } from './conversation.js';
import { CostMeter, stepCost, type SessionUsage } from './cost-calculator.js';
import { llmError } from './llm-error.js';
import { resolveModel, type ModelSource } from './model-resolver.js';
import type { FetchLike } from './node-http-fetch.js';
import { OpenAICompatibleProvider } from './provider.js';
import { providerConfigFromEnv, type ProviderConfig } from './provider-config.js';
import type { Entry } from '../../schemas/entry.js';
import type { RetryOptions } from './retry-policy.js';

export interface LlmOptions {
  /** Where llm.model entries are looked up: an entry list or a registry snapshot (re-read on every call). */
  readonly models: ModelSource | (() => ModelSource);
  /** The OpenAI-compatible provider's settings, used for every provider id without its own entry below. */
  readonly provider?: ProviderConfig;
  /** Settings per provider id (a model's `providers[0].id`, e.g. `app:local`), overriding `provider`. */
  readonly providers?: Readonly<Record<string, ProviderConfig>>;
  /** Retry policy overrides (see retry-policy.ts). */
  readonly retry?: Partial<RetryOptions>;
  /** The HTTP transport of every provider (default nodeHttpFetch); a dry agent passes dryFetch. */
  readonly fetch?: FetchLike;
  /**
   * Environment for `llm.provider` entries (`meta.type: llm.provider`, `driver.options.api_key_env`...)
   * found in `models` under a model's provider id, and the OPENAI_* fallback when `provider` is not given.
   * Without it, only `providers` / `provider` configure connections.
   */
  readonly env?: Readonly<Record<string, string | undefined>>;
}

/** What a caller passes to generate: a model name/class plus call options and stream control. */
export interface GenerateRequest extends CallOptions {
  /** Model name, entry id, class, or `class:<name>`. */
  readonly model: string;
  readonly signal?: AbortSignal;
  readonly onEvent?: (event: StreamEvent) => void;
}

export type LlmInput = string | Conversation | readonly ConversationMessage[];

/** A model bound to an Llm: its card and a generate that needs no model name (used by compression). */
export interface BoundModel {
  readonly card: ModelCard;
  generate(input: LlmInput, request?: Omit<GenerateRequest, 'model'>): Promise<GenerateOutcome>;
}

export interface Llm {
  /** The card of a model; throws AppError LLM_ERROR (details.type model_not_found) when unknown. */
  resolve(model: string): ModelCard;
  /** One streamed step. Never throws for model/provider failures: they come back as `{ok: false, error}`. */
  generate(input: LlmInput, request: GenerateRequest): Promise<GenerateOutcome>;
  model(name: string): BoundModel;
  /** Tokens and dollars of every step made through this Llm. */
  usage(): SessionUsage;
}

function messagesOf(input: LlmInput): readonly ConversationMessage[] {
  if (typeof input === 'string') return [{ role: 'user', content: input }];
  if (input instanceof Conversation) return input.messages();
  return input;
}

export function createLlm(options: LlmOptions): Llm {
  const meter = new CostMeter();
  const providers = new Map<string, OpenAICompatibleProvider>();
  const source = (): ModelSource => (typeof options.models === 'function' ? (options.models as () => ModelSource)() : options.models);

  function configFor(id: string): ProviderConfig {
    const explicit = options.providers?.[id];
    if (explicit) return explicit;
    if (options.env) {
      const entry = providerEntry(source(), id);
      if (entry) return providerConfigFromEnv(options.env, driverOptions(entry));
    }
    if (options.provider) return options.provider;
    return options.env ? providerConfigFromEnv(options.env) : {};
  }

  /**
   * Providers by model source and provider id: a registry-backed source is one object per registry version,
   * so a step does not re-read the provider entry and its env settings (and re-key them) unless the registry changed.
   */
  const bySource = new WeakMap<object, Map<string, OpenAICompatibleProvider>>();

  function providerFor(id: string): OpenAICompatibleProvider {
    const src = source();
    let known = bySource.get(src);
    if (!known) bySource.set(src, (known = new Map()));
    let p = known.get(id);
    if (p) return p;
    const config = configFor(id);
    const key = JSON.stringify(config);
    p = providers.get(key);
    if (!p) {
      p = new OpenAICompatibleProvider({ config, ...(options.retry ? { retry: options.retry } : {}), ...(options.fetch ? { fetch: options.fetch } : {}) });
      providers.set(key, p);
    }
    known.set(id, p);
    return p;
  }

  async function generateWith(card: ModelCard, input: LlmInput, request: Omit<GenerateRequest, 'model'>): Promise<GenerateOutcome> {
    const provider = card.providers[0]!;
    const { signal, onEvent, ...call } = request as GenerateRequest;
    delete (call as { model?: string }).model;
    const outcome = await providerFor(provider.id).generate(
      { modelName: card.name, providerModel: provider.providerModel, messages: messagesOf(input), options: mergeCallOptions(card, call) },
      { ...(signal ? { signal } : {}), ...(onEvent ? { onEvent } : {}) },
    );
    if (!outcome.ok) return outcome;
    const tokens = outcome.response.tokens;
    const cost = tokens ? stepCost(card.pricing, tokens) : undefined;
    meter.add(card.name, tokens, cost);
    return cost === undefined ? outcome : { ok: true, response: { ...outcome.response, cost } };
  }

  const llm: Llm = {
    resolve: (model) => resolveModel(source(), model),
    async generate(input, request) {
      let card: ModelCard;
      try {
        card = resolveModel(source(), request.model);
      } catch (err) {
        const error = llmError('model_not_found', errorMessage(err), { model: request.model, retryable: false });
        try {
          request.onEvent?.({ type: 'error', error });
        } catch {
          /* the handler's problem; the outcome carries the error */
        }
        return { ok: false, error };
      }
      return generateWith(card, input, request);
    },
    model(name) {
      const card = resolveModel(source(), name);
      return { card, generate: (input, request = {}) => generateWith(card, input, request) };
    },
    usage: () => meter.snapshot(),
  };
  return llm;
}

/** The `llm.provider` entry with this id, if the model source has one. */
function providerEntry(source: ModelSource, id: string): Entry | undefined {
  const found = Array.isArray(source) ? (source as readonly Entry[]).filter((e) => e.id === id) : (source as { find(f: { id: string }): Entry[] }).find({ id });
  return found.find((e) => e.meta?.type === 'llm.provider');
}

function driverOptions(entry: Entry): Record<string, unknown> {
  const driver = (entry.data as { driver?: { options?: unknown } } | undefined)?.driver;
  const opts = driver?.options;
  return typeof opts === 'object' && opts !== null ? (opts as Record<string, unknown>) : {};
}
