// One tool call of a step as an explicit state machine: pending -> running -> done | failed | canceled
// (pending may also fail or be canceled directly). Transitions are the only way to change a state.
import type { ToolErrorData } from '../../schemas/messages/agent.js';

/** What the model asked for, resolved against the offered tools. */
export interface ToolCallRequestInfo {
  /** The provider's call id (function_call / function_result pair on it). */
  readonly id: string;
  /** The name the model used. */
  readonly name: string;
  readonly arguments: Readonly<Record<string, unknown>>;
  /** The exact argument text the model produced (kept in the conversation). */
  readonly rawArguments: string;
  /** The registry entry behind `name`; absent when the name is not an offered tool. */
  readonly entryId?: string;
}

export type ToolCallState =
  | { readonly status: 'pending'; readonly call: ToolCallRequestInfo }
  | { readonly status: 'running'; readonly call: ToolCallRequestInfo; readonly serviceCallId: string }
  | { readonly status: 'done'; readonly call: ToolCallRequestInfo; readonly value: unknown }
  | { readonly status: 'failed'; readonly call: ToolCallRequestInfo; readonly error: ToolErrorData }
  | { readonly status: 'canceled'; readonly call: ToolCallRequestInfo; readonly error: ToolErrorData };

export type FinalToolCallState = Extract<ToolCallState, { status: 'done' | 'failed' | 'canceled' }>;

export function pending(call: ToolCallRequestInfo): ToolCallState {
  return { status: 'pending', call };
}

function expect(state: ToolCallState, allowed: readonly ToolCallState['status'][], to: string): void {
  if (!allowed.includes(state.status)) throw new Error(`tool call ${state.call.id}: cannot go from ${state.status} to ${to}`);
}

export function start(state: ToolCallState, serviceCallId: string): ToolCallState {
  expect(state, ['pending'], 'running');
  return { status: 'running', call: state.call, serviceCallId };
}

export function succeed(state: ToolCallState, value: unknown): FinalToolCallState {
  expect(state, ['running'], 'done');
  return { status: 'done', call: state.call, value };
}

export function fail(state: ToolCallState, error: ToolErrorData): FinalToolCallState {
  expect(state, ['pending', 'running'], 'failed');
  return { status: 'failed', call: state.call, error };
}

export function cancel(state: ToolCallState, error: ToolErrorData): FinalToolCallState {
  expect(state, ['pending', 'running'], 'canceled');
  return { status: 'canceled', call: state.call, error };
}

export function isFinal(state: ToolCallState): state is FinalToolCallState {
  return state.status === 'done' || state.status === 'failed' || state.status === 'canceled';
}
