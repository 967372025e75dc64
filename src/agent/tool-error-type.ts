// Maps what can go wrong with a tool call (isolate error kinds, call problems) onto the small stable set
// of ToolErrorData types the model and the terminal see (schemas/messages/agent.ts).
import type { ToolErrorData } from '../../schemas/messages/agent.js';

export type ToolErrorType =
  | 'invalid_input'
  | 'not_found'
  | 'permission_denied'
  | 'timeout'
  | 'limit'
  | 'runtime'
  | 'compile'
  | 'canceled'
  | 'internal'
  | 'unknown_tool';

const BY_KIND: Readonly<Record<string, ToolErrorType>> = {
  CompileError: 'compile',
  RuntimeError: 'runtime',
  ToolError: 'runtime',
  Timeout: 'timeout',
  InstructionLimit: 'limit',
  MemoryLimit: 'limit',
  OutputLimit: 'limit',
  StackOverflow: 'limit',
  PermissionDenied: 'permission_denied',
  ModuleNotFound: 'not_found',
  NotFound: 'not_found',
  InvalidInput: 'invalid_input',
  Canceled: 'canceled',
  Internal: 'internal',
};

/** The tool error type of an isolate error kind (unknown kinds are `internal`). */
export function toolErrorTypeOf(kind: string): ToolErrorType {
  return BY_KIND[kind] ?? 'internal';
}

/** The model-facing error of an isolate error: its kind mapped, its message kept (with the line when known). */
export function toolErrorFromIsolate(error: { kind: string; message: string; line?: number | undefined }): ToolErrorData {
  const where = error.line !== undefined && !error.message.includes(`line ${error.line}`) ? ` (line ${error.line})` : '';
  return { type: toolErrorTypeOf(error.kind), message: `${error.message}${where}` };
}

export const CANCELED_BY_USER: ToolErrorData = Object.freeze({ type: 'canceled', message: 'canceled by the user' });
