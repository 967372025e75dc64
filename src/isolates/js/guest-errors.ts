// Turns what the guest threw (described by the prelude as JSON) into an IsolateError with a kind and
// the 1-based line in the tool's source, taken from the first stack frame in the tool's file.
import type { IsolateError } from '../types.js';

/** The prelude's description of a thrown value. */
export interface GuestErrorDescription {
  readonly name?: string;
  readonly message?: string;
  readonly stack?: string;
  readonly line?: number;
  /** Set by the prelude: module (ModuleError), lookup (require), noentry, output. */
  readonly tag?: 'module' | 'lookup' | 'noentry' | 'output';
  readonly kind?: string;
}

/** compile: only parse errors are expected; evaluate: a module's top level (parse or run); run: the handler. */
export type ErrorPhase = 'compile' | 'evaluate' | 'run';

/** A parse error's stack is one bare location ("at file:3:5"); a run-time SyntaxError has call frames. */
export function isParseError(desc: GuestErrorDescription): boolean {
  return desc.name === 'SyntaxError' && !/\(/.test(desc.stack ?? '');
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** The first line of `filename` named in a QuickJS stack ("at f (file:3:5)" or "at file:3:5"). */
export function lineFromStack(stack: string | undefined, filename: string): number | undefined {
  if (!stack) return undefined;
  const match = new RegExp(`${escapeRegExp(filename)}:(\\d+)`).exec(stack);
  return match ? Number(match[1]) : undefined;
}

function withLine(error: IsolateError, line: number | undefined): IsolateError {
  return line === undefined ? error : { ...error, line };
}

const MAX_MESSAGE = 2_000;

function clip(text: string): string {
  return text.length > MAX_MESSAGE ? `${text.slice(0, MAX_MESSAGE)}…` : text;
}

export function classifyGuestError(desc: GuestErrorDescription, filename: string, phase: ErrorPhase): IsolateError {
  const name = desc.name ?? 'Error';
  const message = clip(desc.message ?? '');
  const line = desc.line ?? lineFromStack(desc.stack, filename);
  switch (desc.tag) {
    case 'output':
      return { kind: 'OutputLimit', message };
    case 'noentry':
      return { kind: 'NotFound', message };
    case 'module':
      return withLine({ kind: 'ToolError', message, errorKind: desc.kind ?? '' }, line);
    case 'lookup':
      return withLine({ kind: 'ModuleNotFound', message }, line);
    default:
      break;
  }
  const imported = /^could not load module '(.*)'/.exec(message);
  if (name === 'ReferenceError' && imported) {
    return withLine(
      {
        kind: 'ModuleNotFound',
        message: `import of '${imported[1]}' is not supported: tools get granted modules with require(name)`,
      },
      line,
    );
  }
  if (phase !== 'run' && isParseError(desc)) {
    return withLine({ kind: 'CompileError', message: `SyntaxError: ${message}` }, line);
  }
  if ((name === 'InternalError' && message === 'stack overflow') || (name === 'RangeError' && /call stack/i.test(message))) {
    return withLine({ kind: 'StackOverflow', message: 'stack overflow: the call stack went too deep' }, line);
  }
  if (name === 'InternalError' && (message === 'out of memory' || message === 'string too long')) {
    return withLine({ kind: 'MemoryLimit', message: `memory limit exceeded (${message})` }, line);
  }
  return withLine({ kind: 'RuntimeError', message: message ? `${name}: ${message}` : name }, line);
}
