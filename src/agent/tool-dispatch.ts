// Runs one step's tool calls in parallel through the tool service: calls the model got wrong (unknown name,
// arguments not JSON or not fitting the schema) fail without running; on abort unfinished calls end canceled.
import type { ToolCallContext } from '../../schemas/messages/agent.js';
import type { ToolCall } from '../llm/index.js';
import { CANCELED_BY_USER, toolErrorFromIsolate } from './tool-error-type.js';
import * as state from './tool-call-state.js';
import type { FinalToolCallState, ToolCallRequestInfo, ToolCallState } from './tool-call-state.js';
import type { ToolSet } from './tool-definitions.js';
import type { ToolCaller } from './tool-service-client.js';

export interface DispatchOptions {
  readonly calls: readonly ToolCall[];
  readonly tools: ToolSet;
  readonly caller: ToolCaller;
  readonly context: ToolCallContext;
  readonly signal: AbortSignal;
  /** A call was just sent to run (or is about to fail without running); always before its onFinish. */
  readonly onStart?: (call: ToolCallRequestInfo) => void;
  /** A call reached its final state. */
  readonly onFinish?: (final: FinalToolCallState) => void;
}

function unknownToolMessage(name: string, tools: ToolSet): string {
  const names = [...tools.byName.keys()].sort();
  return `Tool "${name}" does not exist. Available tools: ${names.length ? names.join(', ') : '(none)'}. Call one of these by its exact name.`;
}

async function runOne(call: ToolCall, o: DispatchOptions): Promise<FinalToolCallState> {
  const offered = o.tools.byName.get(call.name);
  const info: ToolCallRequestInfo = {
    id: call.id,
    name: call.name,
    arguments: call.arguments,
    rawArguments: call.raw_arguments,
    ...(offered ? { entryId: offered.entryId } : {}),
  };
  let s: ToolCallState = state.pending(info);
  if (call.error || !offered || o.signal.aborted) {
    o.onStart?.(info);
    if (call.error) {
      const type = call.error.type === 'unknown_tool' ? 'unknown_tool' : 'invalid_input';
      const message = call.error.type === 'unknown_tool' ? unknownToolMessage(call.name, o.tools) : call.error.message;
      return state.fail(s, { type, message });
    }
    if (!offered) return state.fail(s, { type: 'unknown_tool', message: unknownToolMessage(call.name, o.tools) });
    return state.cancel(s, CANCELED_BY_USER);
  }
  const problem = offered.checkInput(call.arguments);
  if (problem !== undefined) {
    o.onStart?.(info);
    return state.fail(s, { type: 'invalid_input', message: problem });
  }
  // The request leaves first, then onStart (the tool_call event): announcing the call is off its critical
  // path, and onStart still precedes onFinish (the result is awaited below).
  const { callId, result } = o.caller.call(offered.entryId, call.arguments, o.context, o.signal);
  o.onStart?.(info);
  s = state.start(s, callId);
  const r = await result;
  if (o.signal.aborted) return state.cancel(s, CANCELED_BY_USER);
  if (r.status === 'ok') return state.succeed(s, r.value);
  const error = toolErrorFromIsolate(r.error);
  return error.type === 'canceled' ? state.cancel(s, error) : state.fail(s, error);
}

/** Every call's final state, in the order the model made the calls. Never rejects for tool failures. */
export async function dispatchToolCalls(o: DispatchOptions): Promise<FinalToolCallState[]> {
  return Promise.all(
    o.calls.map(async (call) => {
      const final = await runOne(call, o);
      o.onFinish?.(final);
      return final;
    }),
  );
}
