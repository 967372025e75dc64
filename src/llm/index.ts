// The LLM layer's public surface: what the agent, the CLI and compression callers import.
// Everything else in src/llm is an implementation detail that may move.
export { createLlm, type Llm, type LlmOptions, type GenerateRequest, type LlmInput, type BoundModel } from './llm.js';
export { Conversation } from './conversation.js';
export { dryFetch } from './dry-transport.js';
export { compressToSize, COMPRESS_LIMITS, type CompressOptions, type CompressOutcome } from './compress.js';
export { resolveModel, listModels, modelCard, type ModelSource } from './model-resolver.js';
export { providerConfigFromEnv, DEFAULT_BASE_URL, DEFAULT_TIMEOUT_MS, type ProviderConfig } from './provider-config.js';
export { stepCost, CostMeter, type SessionUsage } from './cost-calculator.js';
export type { CallOptions, ToolDefinition, ToolChoice } from './call-options.js';
export type { RetryOptions } from './retry-policy.js';
export { llmAppError, llmErrorType } from './llm-error.js';
export type {
  ConversationMessage,
  GenerateOutcome,
  LlmError,
  LlmErrorType,
  LlmResponse,
  StreamEvent,
  TokenUsage,
  ToolCall,
  FinishReason,
} from '../../schemas/llm-messages.js';
export type { ModelCard } from '../../schemas/kinds/llm-model.js';
