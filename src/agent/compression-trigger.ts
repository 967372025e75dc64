// Context compression: after a step whose prompt passed the threshold share of the model's window, the
// conversation text is summarised on the compression model and the session continues from the summary.
import { Conversation, compressToSize, type BoundModel, type TokenUsage } from '../llm/index.js';
import { errorMessage } from '../errors/app-error.js';
import type { EmitEvent } from './agent-events.js';
import type { AgentSession } from './agent-session.js';

export const SUMMARY_PREFIX = 'Conversation summary:';

/** True when `promptTokens` (cached included) passed `ratio` of the context window. */
export function needsCompression(promptTokens: number, contextWindow: number, ratio: number): boolean {
  return promptTokens > contextWindow * ratio;
}

/** The model of class `compression`, else the agent's own model. */
export function compressionModel(session: AgentSession): BoundModel {
  try {
    return session.llm.model('class:compression');
  } catch {
    return session.llm.model(session.spec.model);
  }
}

/**
 * Compress when `tokens` passed the threshold: emit `compressed` and replace the conversation, or emit
 * an `error` (compression_failed) and keep it. Returns whether the conversation was replaced.
 */
export async function compressIfNeeded(session: AgentSession, tokens: TokenUsage | undefined, turn: number, emit: EmitEvent, signal?: AbortSignal): Promise<boolean> {
  if (!tokens || !needsCompression(tokens.prompt, session.contextWindow(), session.limits.compressAt)) return false;
  const text = session.conversation.toText();
  let failure: string;
  try {
    const out = await compressToSize(compressionModel(session), text, session.limits.compressChars, signal ? { signal } : {});
    if (out.ok) {
      if (out.strategy === 'unchanged') return false; // already short: the prompt is big for other reasons
      session.conversation = new Conversation().addSystem(`${SUMMARY_PREFIX}\n\n${out.text}`);
      emit({ type: 'compressed', turn, before_chars: text.length, after_chars: out.text.length, prompt_tokens: tokens.prompt });
      return true;
    }
    failure = `${out.error.type}: ${out.error.message}`;
  } catch (err) {
    failure = errorMessage(err);
  }
  emit({ type: 'error', turn, error: { type: 'compression_failed', message: `Compression failed; the conversation was kept. ${failure}` } });
  return false;
}
