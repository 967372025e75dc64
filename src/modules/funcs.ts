// The `funcs` tool module (privileged): funcs.call("ns:name", input) runs another tool through the
// supervisor, within the caller's deadline, and turns the callee's failure into an err value.
import { parseEntryId } from '../../schemas/entry.js';
import type { CallResult, IsolateError } from '../isolates/types.js';
import { asString, fromPlain, toPlain } from './guest-data.js';
import { callScope, guarded, requireService } from './host-services.js';
import { ModuleFailure, type GuestValue, type ModuleErrorKind, type ModuleSpec } from './module-spec.js';

const GUEST_KINDS = new Set<string>([
  '', 'Invalid', 'NotFound', 'AlreadyExists', 'PermissionDenied', 'Unavailable', 'Internal', 'Canceled', 'Conflict', 'Timeout', 'RateLimited',
]);

const KIND_BY_ISOLATE: Readonly<Record<string, ModuleErrorKind>> = {
  Timeout: 'Timeout',
  Canceled: 'Canceled',
  NotFound: 'NotFound',
  PermissionDenied: 'PermissionDenied',
  InvalidInput: 'Invalid',
};

/** A callee's isolate error as the caller's err: tool errors keep their own kind and message. */
export function failureFromCallError(target: string, error: IsolateError): ModuleFailure {
  const details: Record<string, GuestValue> = { target, error_kind: error.kind };
  if (error.line !== undefined) details.line = error.line;
  if (error.kind === 'ToolError') {
    const kind = error.errorKind !== undefined && GUEST_KINDS.has(error.errorKind) ? (error.errorKind as ModuleErrorKind) : '';
    return new ModuleFailure(kind, error.message, { details, ...(kind === 'RateLimited' || kind === 'Unavailable' ? { retryable: true } : {}) });
  }
  const kind = KIND_BY_ISOLATE[error.kind] ?? 'Internal';
  return new ModuleFailure(kind, `${target}: ${error.kind}: ${error.message}`, { details });
}

export const funcsModule: ModuleSpec = {
  name: 'funcs',
  privileged: true,
  summary:
    'Call another registered tool: funcs.call("ns:name", input) -> result, err. The callee runs in its own isolate with its own ' +
    'limits, never past the caller\'s deadline; its failure comes back as err with the callee\'s kind.',
  functions: {
    call: async (ctx, target, ...args) => {
      const id = asString(target ?? null, 'funcs.call: target');
      if (!parseEntryId(id)) throw new ModuleFailure('Invalid', `funcs.call: target "${id}" must be "namespace:name"`);
      const scope = callScope(ctx);
      if (scope && scope.evaluate(ctx.actor, 'funcs.call', id) === 'deny') {
        throw new ModuleFailure('PermissionDenied', `funcs.call: actor "${ctx.actor.id}" may not call "${id}"`);
      }
      const callTool = requireService(ctx, 'callTool', 'funcs.call');
      const left = ctx.deadline - Date.now();
      if (left <= 0) throw new ModuleFailure('Timeout', `funcs.call: no time left to call "${id}"`);
      const input = args.length === 0 ? null : args.length === 1 ? toPlain(args[0], 'funcs.call: input') : args.map((a, i) => toPlain(a, `funcs.call: arg ${i + 2}`));
      const result: CallResult = await guarded('funcs.call', () =>
        callTool(id, input, { actor: ctx.actor, signal: AbortSignal.timeout(left), deadline: ctx.deadline, caller: ctx.entryId }),
      );
      if (result.status === 'error') throw failureFromCallError(id, result.error);
      return fromPlain(result.value);
    },
  },
  remote: ['call'],
};
