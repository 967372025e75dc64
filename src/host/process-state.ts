// The lifecycle of a process as an explicit state machine (discriminated union on `status`).
// starting -> running -> exited; every exit carries its reason for monitors.
import type { ExitNotice } from '../../schemas/messages/process.js';

export type ExitReason = ExitNotice['reason'];

export type ProcessState =
  | { readonly status: 'starting' }
  | { readonly status: 'running' }
  | { readonly status: 'stopping'; readonly reason: ExitReason }
  | { readonly status: 'exited'; readonly notice: ExitNotice };

export function isAlive(state: ProcessState): boolean {
  return state.status === 'starting' || state.status === 'running' || state.status === 'stopping';
}
