// One turn of the agent: the user's prompt, then steps (stream the model, run its tool calls in parallel,
// hot-load tools, compress when the window fills) until a text answer, the step limit, cancel or failure.
import type { AgentEvent } from '../../schemas/messages/agent.js';
import type { StreamEvent, TokenUsage, ToolCall } from '../llm/index.js';
import { addTokens, ZERO_TOKENS } from '../llm/token-usage.js';
import type { EmitEvent } from './agent-events.js';
import type { AgentSession } from './agent-session.js';
import { compressConversation, compressIfNeeded, estimatedPromptTokens } from './compression-trigger.js';
import { applyHotReload, loadedToolIds } from './hot-reload.js';
import { dispatchToolCalls } from './tool-dispatch.js';
import type { FinalToolCallState } from './tool-call-state.js';
import { resultForModel, toolErrorJson, toolValueJson } from './tool-result-json.js';
import type { ToolCaller } from './tool-service-client.js';
import { returnedError } from './returned-error.js';

export type TurnStatus = Extract<AgentEvent, { type: 'turn_end' }>['status'];

export const TRUNCATION_MESSAGE =
  'Your previous response was truncated because it exceeded the maximum token limit, so its tool calls were dropped. ' +
  'Break your work into smaller steps: make fewer or smaller tool calls at a time.';

export function stepLimitMessage(steps: number): string {
  return `Stopped after ${steps} steps without a final answer.`;
}

export interface TurnInput {
  readonly turn: number;
  readonly text: string;
}

export interface TurnOptions {
  /** Emit chunk and thinking events as the model streams (default true); the answer event comes either way. */
  readonly streamChunks?: boolean;
}

/** Arguments as stored in the conversation: the model's text when it is JSON, else `{}` (providers reject non-JSON). */
function storedArguments(f: FinalToolCallState): string {
  try {
    JSON.parse(f.call.rawArguments);
    return f.call.rawArguments;
  } catch {
    return '{}';
  }
}

/** JSON of a successful call's value, encoded once for both the tool_result event and the conversation. */
const valueJsonCache = new WeakMap<FinalToolCallState, string>();
function valueJson(f: Extract<FinalToolCallState, { status: 'done' }>): string {
  let json = valueJsonCache.get(f);
  if (json === undefined) valueJsonCache.set(f, (json = toolValueJson(f.value)));
  return json;
}

function appendResults(session: AgentSession, finals: readonly FinalToolCallState[]): void {
  for (const f of finals) {
    session.conversation.addFunctionCall(f.call.name, storedArguments(f), f.call.id);
    const json = f.status === 'done' ? valueJson(f) : toolErrorJson(f.error);
    session.conversation.addFunctionResult(f.call.name, resultForModel(json, session.limits.maxResultChars), f.call.id);
  }
}

function resultEvent(turn: number, f: FinalToolCallState): AgentEvent {
  const base = { type: 'tool_result' as const, turn, id: f.call.id, name: f.call.name };
  if (f.status === 'done') {
    const result = JSON.parse(valueJson(f)) as unknown;
    const failure = returnedError(result);
    // A tool that returned {error = ...} failed as far as the user is concerned; the model sees the value as is.
    if (failure !== undefined) return { ...base, ok: false, result, error: { type: 'tool_error', message: failure } };
    return { ...base, ok: true, result };
  }
  return { ...base, ok: false, error: f.error };
}

/** Run one turn to its end; always emits exactly one turn_end. Never rejects for model or tool failures. */
export async function runTurn(
  session: AgentSession,
  caller: ToolCaller,
  input: TurnInput,
  signal: AbortSignal,
  emit: EmitEvent,
  options: TurnOptions = {},
): Promise<TurnStatus> {
  const { turn } = input;
  const onEvent =
    options.streamChunks === false
      ? undefined
      : (e: StreamEvent): void => {
          if (e.type === 'chunk' || e.type === 'thinking') emit({ type: e.type, turn, content: e.content });
        };
  let steps = 0;
  /** A refused-as-too-long prompt is compressed and its step retried once per turn. */
  let overflowRetried = false;
  let tokens: TokenUsage = ZERO_TOKENS;
  let cost = 0;
  const end = (status: TurnStatus): TurnStatus => {
    if (steps > 0) emit({ type: 'usage', turn, tokens, cost, session_cost: session.llm.usage().cost });
    emit({ type: 'turn_end', turn, status, steps });
    return status;
  };
  if (signal.aborted) return end('canceled');
  await session.refreshTools();
  session.conversation.addUser(input.text);
  const spec = session.spec;

  while (steps < session.limits.maxSteps) {
    if (signal.aborted) return end('canceled');
    steps++;
    const outcome = await session.llm.generate(session.messages(), {
      model: spec.model,
      tools: session.tools.definitions,
      maxTokens: spec.maxTokens,
      ...(spec.temperature !== undefined ? { temperature: spec.temperature } : {}),
      ...(spec.thinkingEffort !== undefined ? { thinkingEffort: spec.thinkingEffort } : {}),
      signal,
      ...(onEvent ? { onEvent } : {}),
    });
    if (!outcome.ok) {
      if (signal.aborted || outcome.error.type === 'cancelled') return end('canceled');
      if (outcome.error.type === 'context_length' && !overflowRetried) {
        // The server refused the prompt as too long (usage never reported it close, or it grew in one step):
        // summarise, then run the step again from the summary.
        overflowRetried = true;
        const cause = { promptTokens: estimatedPromptTokens(session), estimated: true, reason: 'overflow' } as const;
        if (await compressConversation(session, cause, turn, emit, signal)) continue;
        if (signal.aborted) return end('canceled');
      }
      emit({ type: 'error', turn, error: { type: outcome.error.type, message: outcome.error.message } });
      return end('failed');
    }
    const r = outcome.response;
    if (r.tokens) tokens = addTokens(tokens, r.tokens);
    cost += r.cost ?? 0;

    if (r.finish_reason === 'length' && r.tool_calls.length > 0) {
      if (r.result) session.conversation.addAssistant(r.result);
      session.conversation.addUser(TRUNCATION_MESSAGE);
      await compressIfNeeded(session, r.tokens, turn, emit, signal);
      continue;
    }

    if (r.tool_calls.length === 0) {
      if (r.result) session.conversation.addAssistant(r.result);
      emit({ type: 'answer', turn, text: r.result, ...(r.finish_reason === 'length' ? { truncated: true } : {}) });
      await compressIfNeeded(session, r.tokens, turn, emit, signal);
      return end('answered');
    }

    if (r.result) session.conversation.addAssistant(r.result);
    const finals = await dispatchToolCalls({
      calls: r.tool_calls as readonly ToolCall[],
      tools: session.tools,
      caller,
      context: session.toolContext(turn, input.text),
      signal,
      onStart: (c) => emit({ type: 'tool_call', turn, id: c.id, name: c.name, arguments: c.arguments }),
      onFinish: (f) => emit(resultEvent(turn, f)),
    });
    appendResults(session, finals);
    if (signal.aborted) return end('canceled');
    await applyHotReload(session, loadedToolIds(finals), turn, emit);
    await compressIfNeeded(session, r.tokens, turn, emit, signal);
  }
  const text = stepLimitMessage(steps);
  session.conversation.addAssistant(text);
  emit({ type: 'answer', turn, text });
  return end('step_limit');
}
