// The `ctx` tool module (not privileged): Wippy's ctx.get(key) -> value, err and ctx.all() -> table, the
// context the caller attached to this tool call (session, turn, prompt, agent, loaded_tools). Pure, in-isolate.
import { asString, fromPlain } from './guest-data.js';
import { ModuleFailure, type CallContext, type GuestValue, type ModuleSpec } from './module-spec.js';

/** The keys the agent's tool service attaches (schemas/messages/agent.ts ToolCallContext). */
export const CONTEXT_KEYS = ['session', 'turn', 'prompt', 'agent', 'loaded_tools'] as const;

/**
 * The per-call context values, carried from CallOptions.context through the isolate task into
 * CallContext.context; an empty object when the caller gave none (CLI runs, tests, nested calls).
 */
export function callContextValues(ctx: CallContext): Readonly<Record<string, unknown>> {
  const values = (ctx as CallContext & { readonly context?: Readonly<Record<string, unknown>> }).context;
  return typeof values === 'object' && values !== null && !Array.isArray(values) ? values : {};
}

export const ctxModule: ModuleSpec = {
  name: 'ctx',
  summary:
    'The context of this tool call, set by the caller: ctx.get(key) -> value, err (NotFound for a key the call does not carry); ' +
    'ctx.all() -> table of every key. Agent calls carry session, turn, prompt, agent and loaded_tools (aliases of the tools offered).',
  functions: {
    get: (ctx, key) => {
      const name = asString(key ?? null, 'ctx.get: key');
      const values = callContextValues(ctx);
      if (!Object.hasOwn(values, name) || values[name] === undefined) {
        const known = Object.keys(values).sort();
        throw new ModuleFailure('NotFound', `ctx.get: this call has no context value "${name}"` + (known.length ? ` (it has: ${known.join(', ')})` : ' (it carries no context)'), {
          details: { key: name },
        });
      }
      return fromPlain(values[name]);
    },
    all: (ctx): GuestValue => fromPlain(callContextValues(ctx)),
  },
};
