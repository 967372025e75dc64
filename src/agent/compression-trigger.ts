// Context compression: after a step whose prompt passed the threshold share of the model's window, or when
// the server refused a prompt as too long, the conversation is summarised on the compression model and the
// session continues from the summary.
import { COMPRESS_LIMITS, Conversation, compressToSize, type BoundModel, type TokenUsage } from '../llm/index.js';
import { errorMessage } from '../errors/app-error.js';
import type { EmitEvent } from './agent-events.js';
import type { AgentSession } from './agent-session.js';

export const SUMMARY_PREFIX = 'Conversation summary:';

/** True when `promptTokens` (cached included) passed `ratio` of the context window. */
export function needsCompression(promptTokens: number, contextWindow: number, ratio: number): boolean {
  return promptTokens > contextWindow * ratio;
}

/**
 * The prompt size of the next step estimated from its characters (system prompt, conversation, tool schemas),
 * at compression's own rate (COMPRESS_LIMITS.charsPerToken: 4; English prose runs ~4, code fewer).
 */
export function estimatedPromptTokens(session: AgentSession): number {
  let chars = 0;
  for (const m of session.messages()) chars += m.role === 'function_call' ? m.name.length + m.arguments.length : m.content.length;
  for (const t of session.tools.definitions) chars += t.name.length + (t.description?.length ?? 0) + JSON.stringify(t.schema).length;
  return Math.ceil(chars / COMPRESS_LIMITS.charsPerToken);
}

/** The model of class `compression`, else the agent's own model. */
export function compressionModel(session: AgentSession): BoundModel {
  try {
    return session.llm.model('class:compression');
  } catch {
    return session.llm.model(session.spec.model);
  }
}

export interface CompressionCause {
  readonly promptTokens: number;
  readonly estimated: boolean;
  readonly reason: 'threshold' | 'overflow';
}

/**
 * Summarise the conversation now: emit `compressed` and replace the conversation, or emit an `error`
 * (compression_failed) and keep it. Returns whether the conversation was replaced.
 */
export async function compressConversation(session: AgentSession, cause: CompressionCause, turn: number, emit: EmitEvent, signal?: AbortSignal): Promise<boolean> {
  const text = session.conversation.toText();
  let failure: string;
  try {
    const options = signal ? { signal } : {};
    const model = compressionModel(session);
    let out = await compressToSize(model, text, session.limits.compressChars, options);
    // A server without the compression model (a local one serving only the agent's --model): use the agent's.
    if (!out.ok && out.error.type === 'model_not_found') {
      const own = session.llm.model(session.spec.model);
      if (own.card.name !== model.card.name) out = await compressToSize(own, text, session.limits.compressChars, options);
    }
    if (out.ok) {
      if (out.strategy === 'unchanged') return false; // already short: the prompt is big for other reasons
      session.conversation = new Conversation().addSystem(`${SUMMARY_PREFIX}\n\n${out.text}`);
      emit({
        type: 'compressed',
        turn,
        before_chars: text.length,
        after_chars: out.text.length,
        prompt_tokens: cause.promptTokens,
        ...(cause.estimated ? { estimated: true } : {}),
        ...(cause.reason === 'overflow' ? { reason: 'overflow' as const } : {}),
      });
      return true;
    }
    failure = `${out.error.type}: ${out.error.message}`;
  } catch (err) {
    failure = errorMessage(err);
  }
  emit({ type: 'error', turn, error: { type: 'compression_failed', message: `Compression failed; the conversation was kept. ${failure}` } });
  return false;
}

/**
 * Compress when the step's prompt passed the threshold: its reported prompt tokens, or, when the server
 * reported no usage, an estimate from the next prompt's characters. Returns whether the conversation was replaced.
 */
export async function compressIfNeeded(session: AgentSession, tokens: TokenUsage | undefined, turn: number, emit: EmitEvent, signal?: AbortSignal): Promise<boolean> {
  const promptTokens = tokens ? tokens.prompt : estimatedPromptTokens(session);
  if (!needsCompression(promptTokens, session.contextWindow(), session.limits.compressAt)) return false;
  return compressConversation(session, { promptTokens, estimated: !tokens, reason: 'threshold' }, turn, emit, signal);
}
