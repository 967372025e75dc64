// The `env` tool module (privileged): read-only access to the filtered environment the supervisor
// provides (services.env); it never reads or writes process.env.
import { asString } from './guest-data.js';
import { callScope, requireService } from './host-services.js';
import { ModuleFailure, type CallContext, type GuestValue, type ModuleSpec } from './module-spec.js';

/** Wippy checks `env.get` on each variable name; only an explicit deny hides a variable here. */
function denied(ctx: CallContext, name: string): boolean {
  const scope = callScope(ctx);
  return scope !== undefined && scope.evaluate(ctx.actor, 'env.get', name) === 'deny';
}

export const envModule: ModuleSpec = {
  name: 'env',
  privileged: true,
  summary:
    'Read environment variables the app exposes to tools: env.get(name) -> string, err (NotFound when unset), env.get_all() -> table. ' +
    'Variables denied by the call\'s security scope (action env.get) are hidden. Read-only: env.set always fails with PermissionDenied.',
  functions: {
    get: (ctx, name) => {
      const key = asString(name ?? null, 'env.get: name');
      const env = requireService(ctx, 'env', 'env.get');
      if (denied(ctx, key)) throw new ModuleFailure('PermissionDenied', `env.get: actor "${ctx.actor.id}" may not read "${key}"`);
      if (!Object.hasOwn(env, key)) {
        throw new ModuleFailure('NotFound', `env.get: variable "${key}" is not set (or not exposed to tools)`, { details: { name: key } });
      }
      return env[key]!;
    },
    get_all: (ctx) => {
      const env = requireService(ctx, 'env', 'env.get_all');
      const out: Record<string, GuestValue> = {};
      for (const [k, v] of Object.entries(env)) if (!denied(ctx, k)) out[k] = v;
      return out;
    },
    set: (_ctx, name) => {
      const key = typeof name === 'string' ? name : String(name);
      throw new ModuleFailure('PermissionDenied', `env.set: the environment is read-only for tools (cannot set "${key}")`);
    },
  },
  remote: ['get', 'get_all'],
};
