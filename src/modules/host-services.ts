// The supervisor services the privileged modules (registry, security, funcs, env) need, a typed accessor
// that fails with Unavailable when one is missing, and the mapping of AppError codes to guest error kinds.
import { errorCode, errorMessage } from '../errors/app-error.js';
import type { CallResult } from '../isolates/types.js';
import { namedScope } from '../security/named-scope.js';
import type { Actor, Scope } from '../security/types.js';
import type { Registry } from '../registry/types.js';
import { ModuleFailure, type CallContext, type GuestValue, type HostServices, type ModuleErrorKind } from './module-spec.js';

export interface CallToolOptions {
  /** Who calls: the calling tool's actor. */
  readonly actor: Actor;
  /** Aborted when the calling tool runs out of time. */
  readonly signal?: AbortSignal;
  /** The caller's deadline (epoch ms); the callee must not outlive it. */
  readonly deadline?: number;
  /** Registry id of the calling tool (for depth accounting and logs). */
  readonly caller?: string;
}

/**
 * What the supervisor puts in CallContext.services for remote calls (all optional: a module function
 * that needs an absent service fails with Unavailable).
 */
export interface ModuleServices extends HostServices {
  readonly registry?: Registry;
  /** The scope in force for this call: registry writes, security.can/scope(), funcs.call check it. */
  readonly scope?: Scope;
  /**
   * Alternative to `scope`: a named group (e.g. "app:agent_security") resolved against the registry's
   * current version at each use, so policy edits take effect at once. Ignored when `scope` is given.
   */
  readonly scopeGroup?: string;
  /** Run another tool (funcs.call); the supervisor bounds depth and applies the callee's own limits. */
  readonly callTool?: (id: string, input: unknown, options: CallToolOptions) => Promise<CallResult>;
  /** The filtered environment the env module may read (never process.env itself). */
  readonly env?: Readonly<Record<string, string>>;
}

/** The service `name` of this call, or ModuleFailure('Unavailable') naming the module and service. */
export function requireService<K extends keyof ModuleServices>(ctx: CallContext, name: K, where: string): NonNullable<ModuleServices[K]> {
  const services = ctx.services as ModuleServices | undefined;
  const value = services?.[name];
  if (value === undefined || value === null) {
    throw new ModuleFailure('Unavailable', `${where}: the "${name}" service is not available here (privileged modules run on the supervisor)`);
  }
  return value as NonNullable<ModuleServices[K]>;
}

/**
 * The scope of this call: services.scope, else the named group services.scopeGroup at the registry's
 * current version, else undefined (no scope: nothing is checked). A named group that cannot be loaded
 * fails closed with PermissionDenied.
 */
export function callScope(ctx: CallContext): Scope | undefined {
  const services = ctx.services as ModuleServices | undefined;
  if (!services) return undefined;
  if (services.scope) return services.scope;
  if (!services.scopeGroup) return undefined;
  const registry = requireService(ctx, 'registry', 'security');
  try {
    return namedScope(registry.current(), services.scopeGroup);
  } catch (err) {
    throw new ModuleFailure('PermissionDenied', `security scope "${services.scopeGroup}" cannot be loaded: ${errorMessage(err)}`);
  }
}

const KIND_BY_CODE: Readonly<Record<string, ModuleErrorKind>> = {
  REGISTRY_CONFLICT: 'Conflict',
  REGISTRY_NOT_FOUND: 'NotFound',
  REGISTRY_VERSION_NOT_FOUND: 'NotFound',
  REGISTRY_ALREADY_EXISTS: 'AlreadyExists',
  REGISTRY_INVALID_ENTRY: 'Invalid',
  REGISTRY_INVALID_ID: 'Invalid',
  REGISTRY_EMPTY_CHANGESET: 'Invalid',
  SECURITY_DENIED: 'PermissionDenied',
  SECURITY_INVALID_POLICY: 'Invalid',
  SECURITY_SCOPE_NOT_FOUND: 'NotFound',
  USAGE: 'Invalid',
  CONFIG_INVALID: 'Invalid',
};

/**
 * A thrown error as the guest's `nil, err`: AppError codes map to kinds (conflicts are retryable);
 * ModuleFailures pass through; anything else is Internal. `where` prefixes the message.
 */
export function toModuleFailure(err: unknown, where: string): ModuleFailure {
  if (errorCode(err) === 'MODULE_ERROR') return err as ModuleFailure;
  const code = errorCode(err);
  const kind = (code && KIND_BY_CODE[code]) || 'Internal';
  const details: Record<string, GuestValue> = code ? { code } : {};
  return new ModuleFailure(kind, `${where}: ${errorMessage(err)}`, {
    details,
    ...(kind === 'Conflict' ? { retryable: true } : {}),
  });
}

/** Run `fn`, turning any failure into a ModuleFailure (see toModuleFailure). */
export async function guarded<T>(where: string, fn: () => T | Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    if (errorCode(err) === 'MODULE_ARG_ERROR') throw err;
    throw toModuleFailure(err, where);
  }
}
