// The OpenAI-compatible provider over the official `openai` SDK: one streamed step (Chat Completions by
// default, Responses API on request) with our own retry policy, idle timeout, cancellation and normalisation.
import OpenAI from 'openai';
import type { ConversationMessage, FinishReason, GenerateOutcome, LlmError, LlmResponse, StreamEvent } from '../../schemas/llm-messages.js';
import { logger } from '../log/logger.js';
import type { AccumulatedStep } from './accumulated-step.js';
import type { CallOptions } from './call-options.js';
import { iterateUntilAborted } from './abortable-iteration.js';
import { buildChatRequest } from './chat-request.js';
import { classifyError, type Classified } from './error-classifier.js';
import { llmError } from './llm-error.js';
import { nodeHttpFetch, type FetchLike } from './node-http-fetch.js';
import { DEFAULT_BASE_URL, DEFAULT_TIMEOUT_MS, type ProviderConfig } from './provider-config.js';
import { buildResponsesRequest } from './responses-request.js';
import { ResponsesStreamAccumulator } from './responses-accumulator.js';
import { decideRetry, retryOptions, type RetryOptions } from './retry-policy.js';
import { ChatStreamAccumulator } from './stream-accumulator.js';
import { validateToolCalls } from './tool-call-validator.js';

const log = logger('llm');

export interface ProviderOptions {
  /** Connection settings (see providerConfigFromEnv). */
  readonly config: ProviderConfig;
  /** Retry policy overrides (defaults in retry-policy.ts: 4 attempts, 500 ms base, 60 s budget). */
  readonly retry?: Partial<RetryOptions>;
  /**
   * The fetch the SDK client uses (default: nodeHttpFetch, node:http(s) with keep-alive agents, much cheaper
   * per streamed step than the built-in fetch; pass globalThis.fetch to use the platform's).
   */
  readonly fetch?: FetchLike;
}

export interface StepRequest {
  /** The llm.model entry name (for messages and the response). */
  readonly modelName: string;
  /** The model name sent to the API (the entry's provider_model). */
  readonly providerModel: string;
  readonly messages: readonly ConversationMessage[];
  readonly options: CallOptions;
}

export interface StepControl {
  /** Cancels the step at once; the outcome is a `cancelled` error. */
  readonly signal?: AbortSignal;
  /** Receives chunk / thinking / tool_call / error events as they arrive (exceptions are logged, not thrown). */
  readonly onEvent?: (event: StreamEvent) => void;
}

type AttemptResult =
  | { readonly ok: true; readonly step: AccumulatedStep; readonly requestId?: string }
  | { readonly ok: false; readonly classified: Classified; readonly chunks: number };

export class OpenAICompatibleProvider {
  readonly baseURL: string;
  readonly timeoutMs: number;
  readonly #config: ProviderConfig;
  readonly #retry: RetryOptions;
  readonly #client: OpenAI | undefined;
  /**
   * False once the server refused `stream_options` (some OpenAI-compatible servers reject fields they do
   * not know): later Chat requests go without it, so without streamed usage (compression then estimates).
   */
  #streamUsage = true;

  constructor(options: ProviderOptions) {
    this.#config = options.config;
    this.baseURL = (options.config.baseURL ?? DEFAULT_BASE_URL).replace(/\/+$/, '');
    this.timeoutMs = options.config.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    this.#retry = retryOptions(options.retry);
    if (options.config.apiKey) {
      this.#client = new OpenAI({
        apiKey: options.config.apiKey,
        baseURL: this.baseURL,
        organization: options.config.organization ?? null,
        project: null,
        timeout: this.timeoutMs,
        maxRetries: 0,
        ...(options.config.headers ? { defaultHeaders: { ...options.config.headers } } : {}),
        logger: sdkLogger,
        logLevel: 'warn',
        fetch: options.fetch ?? nodeHttpFetch,
      });
    }
  }

  /** Run one step: stream, retry before the first byte, normalise. Never throws for provider failures. */
  async generate(req: StepRequest, control: StepControl = {}): Promise<GenerateOutcome> {
    const emit = safeEmitter(control.onEvent);
    const fail = (error: LlmError): GenerateOutcome => {
      emit({ type: 'error', error });
      return { ok: false, error };
    };
    if (!this.#client) {
      const source = this.#config.apiKeySource ?? 'OPENAI_API_KEY';
      return fail(
        llmError('authentication', `No API key for ${this.baseURL}: set ${source} (local servers such as Ollama accept any value, e.g. ${source}=local).`, {
          model: req.modelName,
          baseURL: this.baseURL,
        }),
      );
    }
    const signal = control.signal;
    let attempts = 0;
    let waitedMs = 0;
    for (;;) {
      if (signal?.aborted) return fail(this.#cancelled(req, attempts));
      attempts++;
      const r = await this.#attempt(this.#client, req, emit, signal);
      if (r.ok) return this.#finalize(req, r.step, attempts, r.requestId, fail);
      const { error, retryAfterMs } = r.classified;
      if (this.#streamUsage && refusedStreamOptions(error, req)) {
        this.#streamUsage = false;
        log.warn({ baseURL: this.baseURL, message: error.message }, 'the server refused stream_options; streaming without usage from now on');
        continue;
      }
      const decision = decideRetry(error, retryAfterMs, { attempts, waitedMs, chunksReceived: r.chunks }, this.#retry);
      if (decision.retry) {
        log.info({ model: req.providerModel, attempt: attempts, delayMs: decision.delayMs, type: error.type, status: error.status }, 'llm request failed, retrying');
        await this.#retry.sleep(decision.delayMs, signal);
        waitedMs += decision.delayMs;
        continue;
      }
      let message = error.message;
      if (attempts > 1) message += ` (gave up after ${attempts} attempts)`;
      if (decision.reason === 'budget_exhausted' && retryAfterMs !== undefined) {
        message += ` The server asked to wait ${Math.ceil(retryAfterMs / 1000)} s, beyond the retry budget of ${Math.round(this.#retry.budgetMs / 1000)} s.`;
      }
      return fail({ ...error, message, attempts });
    }
  }

  #chatRequest(req: StepRequest): ReturnType<typeof buildChatRequest> {
    const body = buildChatRequest(req.providerModel, req.messages, req.options);
    if (!this.#streamUsage) delete body.stream_options;
    return body;
  }

  #cancelled(req: StepRequest, attempts: number): LlmError {
    return llmError('cancelled', `Request to model "${req.providerModel}" was cancelled.`, {
      model: req.providerModel,
      baseURL: this.baseURL,
      retryable: false,
      attempts,
    });
  }

  async #attempt(client: OpenAI, req: StepRequest, emit: (e: StreamEvent) => void, signal: AbortSignal | undefined): Promise<AttemptResult> {
    const ctl = new AbortController();
    const onAbort = (): void => ctl.abort();
    signal?.addEventListener('abort', onAbort, { once: true });
    let timedOut = false;
    // One timer: to the first byte, then between chunks (refreshed on each chunk).
    const timer = setTimeout(() => {
      timedOut = true;
      ctl.abort();
    }, this.timeoutMs);
    const responses = req.options.api === 'responses';
    const acc = responses ? new ResponsesStreamAccumulator(emit) : new ChatStreamAccumulator(emit);
    let requestId: string | undefined;
    let ended: 'done' | 'aborted' = 'done';
    try {
      const opts = { signal: ctl.signal, maxRetries: 0, timeout: this.timeoutMs };
      if (responses) {
        const { data: stream, request_id } = await client.responses
          .create(buildResponsesRequest(req.providerModel, req.messages, req.options), opts)
          .withResponse();
        requestId = request_id ?? undefined;
        const racc = acc as ResponsesStreamAccumulator;
        ended = await iterateUntilAborted(stream, ctl.signal, (event) => {
          timer.refresh();
          racc.push(event as unknown as { type: string });
          return racc.terminal ? 'stop' : undefined;
        });
      } else {
        const { data: stream, request_id } = await client.chat.completions
          .create(this.#chatRequest(req), opts)
          .withResponse();
        requestId = request_id ?? undefined;
        const cacc = acc as ChatStreamAccumulator;
        ended = await iterateUntilAborted(stream, ctl.signal, (chunk) => {
          timer.refresh();
          cacc.push(chunk);
        });
      }
      // An aborted stream can end silently (or not at all): the signal decides.
      if (ended === 'aborted') throw new Error('aborted');
      return { ok: true, step: acc.finish(), ...(requestId ? { requestId } : {}) };
    } catch (err) {
      const classified = classifyError(err, {
        baseURL: this.baseURL,
        model: req.providerModel,
        apiKeySource: this.#config.apiKeySource ?? 'OPENAI_API_KEY',
        timeoutMs: this.timeoutMs,
        timedOut,
        cancelled: signal?.aborted === true,
        chunksReceived: acc.chunks,
      });
      log.debug({ err, type: classified.error.type, chunks: acc.chunks }, 'llm attempt failed');
      return { ok: false, classified, chunks: acc.chunks };
    } finally {
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
    }
  }

  #finalize(
    req: StepRequest,
    step: AccumulatedStep,
    attempts: number,
    requestId: string | undefined,
    fail: (e: LlmError) => GenerateOutcome,
  ): GenerateOutcome {
    const base = { model: req.providerModel, baseURL: this.baseURL, attempts, ...(requestId ? { requestId } : {}) };
    if (step.failure) {
      const f = step.failure;
      const type = f.code === 'context_length_exceeded' ? 'context_length' : f.code === 'rate_limit_exceeded' ? 'rate_limit' : 'server';
      return fail(
        llmError(type, `${this.baseURL} reported the response failed for model "${req.providerModel}": ${f.message}${f.code ? ` (${f.code})` : ''}. Try again; if it persists, shorten the conversation or switch models.`, {
          ...base,
          retryable: false,
          ...(f.code ? { code: f.code } : {}),
        }),
      );
    }
    if (step.refusal && !step.text && step.calls.length === 0) {
      return fail(llmError('content_filtered', `Model "${req.providerModel}" refused: ${step.refusal}. Rephrase the request.`, base));
    }
    if (!step.sawOutput) {
      return fail(
        llmError(
          'malformed_response',
          `Empty response from ${this.baseURL} (model "${req.providerModel}"): the stream carried no choice. Try again; if it persists the server is not OpenAI-compatible for streaming.`,
          { ...base, retryable: false },
        ),
      );
    }
    const toolCalls = validateToolCalls(step.calls, req.options.tools);
    let finish: FinishReason = step.finish ?? (toolCalls.length > 0 ? 'tool_call' : 'stop');
    if (toolCalls.length > 0 && finish !== 'length') finish = 'tool_call';
    const response: LlmResponse = {
      result: step.text,
      tool_calls: toolCalls,
      ...(step.usage ? { tokens: step.usage } : {}),
      finish_reason: finish,
      model: req.modelName,
      provider_model: req.providerModel,
      metadata: {
        attempts,
        ...(step.responseId ? { response_id: step.responseId } : {}),
        ...(requestId ? { request_id: requestId } : {}),
        ...(step.thinking ? { thinking: step.thinking } : {}),
      },
    };
    return { ok: true, response };
  }
}

function safeEmitter(onEvent: ((e: StreamEvent) => void) | undefined): (e: StreamEvent) => void {
  if (!onEvent) return () => {};
  return (e) => {
    try {
      onEvent(e);
    } catch (err) {
      log.warn({ err, event: e.type }, 'llm stream event handler threw; continuing');
    }
  };
}

const sdkLogger = {
  error: (msg: string, ...rest: unknown[]) => log.error({ sdk: rest }, msg),
  warn: (msg: string, ...rest: unknown[]) => log.warn({ sdk: rest }, msg),
  info: (msg: string, ...rest: unknown[]) => log.info({ sdk: rest }, msg),
  debug: (msg: string, ...rest: unknown[]) => log.debug({ sdk: rest }, msg),
};

/** A Chat request refused because of `stream_options` (400/422 naming it): worth one retry without it. */
function refusedStreamOptions(error: LlmError, req: StepRequest): boolean {
  return req.options.api !== 'responses' && error.type === 'invalid_request' && /stream_options|include_usage/i.test(error.message);
}
