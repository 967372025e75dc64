// The `security` tool module (privileged): the call's actor and scope, can(), actors, policies and named
// scopes as plain typed values; Scope/Policy/Actor methods are pure and run inside the isolate.
import { namespaceOf, parseEntryId } from '../../schemas/entry.js';
import { errorMessage } from '../errors/app-error.js';
import { namedScope } from '../security/named-scope.js';
import { POLICY_KIND, parsePolicy, policyFromEntry, evaluatePolicy } from '../security/policy.js';
import { createScope } from '../security/scope.js';
import type { Actor, Decision, Policy, Scope } from '../security/types.js';
import { typeName } from './bytes.js';
import { asList, asString, fromPlain, isTable, toPlain } from './guest-data.js';
import { callScope, guarded, requireService } from './host-services.js';
import { ArgumentFailure, ModuleFailure, type CallContext, type GuestValue, type ModuleSpec, type TypedValue } from './module-spec.js';

export const ACTOR_TYPE = 'security.Actor';
export const SCOPE_TYPE = 'security.Scope';
export const POLICY_TYPE = 'security.Policy';

export function actorValue(a: Actor): TypedValue {
  return { __type: ACTOR_TYPE, id: a.id, meta: fromPlain(a.meta) };
}

/** An actor given as a security.Actor value, a table {id, meta} or a bare id string. */
export function actorFromGuest(v: GuestValue | undefined, where: string): Actor {
  if (typeof v === 'string' && v !== '') return { id: v, meta: {} };
  if (isTable(v) && typeof v.id === 'string' && v.id !== '') {
    const meta = v.meta === undefined || v.meta === null ? {} : toPlain(v.meta, `${where}.meta`);
    if (typeof meta !== 'object' || meta === null || Array.isArray(meta)) {
      if (Array.isArray(meta) && meta.length === 0) return { id: v.id, meta: {} };
      throw new ArgumentFailure(`${where}: actor meta must be a table`);
    }
    return { id: v.id, meta: meta as Record<string, unknown> };
  }
  throw new ArgumentFailure(`${where}: actor expected (security.Actor, {id=, meta=} or an id string), got ${typeName(v ?? null)}`);
}

export function policyValue(p: Policy): TypedValue {
  return {
    __type: POLICY_TYPE,
    id: p.id,
    actions: [...p.actions],
    resources: [...p.resources],
    effect: p.effect,
    conditions: p.conditions.map((c) => ({
      field: c.field,
      operator: c.operator,
      ...(c.valueFrom !== undefined ? { value_from: c.valueFrom } : { value: fromPlain(c.value) }),
    })),
    groups: [...p.groups],
  };
}

/** A security.Policy value (or a table of the same shape) re-validated into a Policy. */
export function policyFromGuest(v: GuestValue | undefined, where: string): Policy {
  if (!isTable(v) || typeof v.id !== 'string') {
    throw new ArgumentFailure(`${where}: policy expected (from security.policy(id)), got ${typeName(v ?? null)}`);
  }
  const ns = parseEntryId(v.id) ? namespaceOf(v.id) : '';
  const body = toPlain({ actions: v.actions ?? null, resources: v.resources ?? null, effect: v.effect ?? null, conditions: v.conditions ?? null }, where);
  const groups = v.groups === undefined || v.groups === null || (Array.isArray(v.groups) && v.groups.length === 0) ? undefined : toPlain(v.groups, `${where}.groups`);
  try {
    return parsePolicy(v.id, ns || 'local', body, groups);
  } catch (err) {
    throw new ArgumentFailure(`${where}: ${errorMessage(err)}`);
  }
}

export function scopeValue(s: Scope): TypedValue {
  return { __type: SCOPE_TYPE, policies: s.policies.map(policyValue) };
}

export function scopeFromGuest(v: GuestValue | undefined, where: string): Scope {
  if (!isTable(v) || v.__type !== SCOPE_TYPE) {
    throw new ArgumentFailure(`${where}: self must be a security.Scope (use scope:method(...)), got ${typeName(v ?? null)}`);
  }
  return createScope(asList(v.policies ?? [], `${where}: policies`).map((p, i) => policyFromGuest(p, `${where}: policies[${i + 1}]`)));
}

/** A policy id given as "ns:name", {ns=, name=} or a Policy value. */
function policyIdFromGuest(v: GuestValue | undefined, where: string): string {
  if (typeof v === 'string') return v;
  if (isTable(v)) {
    if (typeof v.id === 'string') return v.id;
    if (typeof v.ns === 'string' && typeof v.name === 'string') return `${v.ns}:${v.name}`;
  }
  throw new ArgumentFailure(`${where}: policy id expected, got ${typeName(v ?? null)}`);
}

function decisionText(d: Decision): string {
  return d ?? 'undefined';
}

function metaArg(v: GuestValue | undefined, where: string): Record<string, unknown> | undefined {
  if (v === undefined || v === null) return undefined;
  if (!isTable(v) && !(Array.isArray(v) && v.length === 0)) throw new ArgumentFailure(`${where}: meta must be a table`);
  return (Array.isArray(v) ? {} : toPlain(v, `${where}: meta`)) as Record<string, unknown>;
}

function requestArgs(args: (GuestValue | undefined)[], where: string): [Actor, string, string, Record<string, unknown> | undefined] {
  const [actor, action, resource, meta] = args;
  return [
    actorFromGuest(actor, `${where}: actor`),
    asString(action ?? null, `${where}: action`),
    asString(resource ?? null, `${where}: resource`),
    metaArg(meta, where),
  ];
}

function currentScope(ctx: CallContext): Scope | undefined {
  return ctx.services ? callScope(ctx) : undefined;
}

export const securityModule: ModuleSpec = {
  name: 'security',
  privileged: true,
  summary:
    'Security checks: actor() and scope() of the current call, can(action, resource, meta?), new_actor(id, meta), new_scope(policies?), ' +
    'policy(id) -> Policy, named_scope("ns:group") -> Scope; Scope:evaluate(actor, action, resource, meta?) -> "allow"|"deny"|"undefined", ' +
    'with/without/contains/policies; any matching deny wins.',
  functions: {
    actor: (ctx) => actorValue(ctx.actor),
    scope: (ctx) => {
      const scope = currentScope(ctx);
      return scope ? scopeValue(scope) : null;
    },
    can: (ctx, action, resource, meta) => {
      const act = asString(action ?? null, 'security.can: action');
      const res = asString(resource ?? null, 'security.can: resource');
      const scope = currentScope(ctx);
      // Wippy: with a scope, undefined counts as denied; without one, everything is allowed (non-strict).
      if (!scope) return true;
      return scope.evaluate(ctx.actor, act, res, metaArg(meta, 'security.can')) === 'allow';
    },
    new_actor: (_ctx, id, meta) => {
      const actorId = asString(id ?? null, 'security.new_actor: id');
      if (actorId === '') throw new ArgumentFailure('security.new_actor: id must not be empty');
      return actorValue({ id: actorId, meta: metaArg(meta, 'security.new_actor') ?? {} });
    },
    new_scope: (_ctx, policies) => {
      const list = policies === undefined || policies === null ? [] : asList(policies, 'security.new_scope: policies');
      return scopeValue(createScope(list.map((p, i) => policyFromGuest(p, `security.new_scope: policies[${i + 1}]`))));
    },
    policy: (ctx, id) => {
      const policyId = asString(id ?? null, 'security.policy: id');
      const registry = requireService(ctx, 'registry', 'security.policy');
      return guarded('security.policy', () => {
        const entry = registry.current().get(policyId);
        if (!entry || entry.kind !== POLICY_KIND) {
          throw new ModuleFailure('NotFound', `security.policy: no security.policy entry "${policyId}"`, { details: { id: policyId } });
        }
        return policyValue(policyFromEntry(entry));
      });
    },
    named_scope: (ctx, group) => {
      const groupId = asString(group ?? null, 'security.named_scope: group');
      const registry = requireService(ctx, 'registry', 'security.named_scope');
      return guarded('security.named_scope', () => scopeValue(namedScope(registry.current(), groupId)));
    },
  },
  remote: ['scope', 'can', 'policy', 'named_scope'],
  types: {
    [ACTOR_TYPE]: {
      methods: {
        id: (_ctx, self) => actorFromGuest(self, 'actor:id').id,
        meta: (_ctx, self) => fromPlain(actorFromGuest(self, 'actor:meta').meta),
      },
      tostring: (_ctx, self) => `security.Actor(${actorFromGuest(self, 'actor').id})`,
    },
    [SCOPE_TYPE]: {
      methods: {
        evaluate: (_ctx, self, ...args) => {
          const scope = scopeFromGuest(self, 'scope:evaluate');
          return decisionText(scope.evaluate(...requestArgs(args, 'scope:evaluate')));
        },
        with: (_ctx, self, policy) => scopeValue(scopeFromGuest(self, 'scope:with').with(policyFromGuest(policy, 'scope:with: policy'))),
        without: (_ctx, self, policy) =>
          scopeValue(scopeFromGuest(self, 'scope:without').without(policyIdFromGuest(policy, 'scope:without: policy'))),
        contains: (_ctx, self, policy) => scopeFromGuest(self, 'scope:contains').contains(policyIdFromGuest(policy, 'scope:contains: policy')),
        policies: (_ctx, self) => scopeFromGuest(self, 'scope:policies').policies.map(policyValue),
      },
    },
    [POLICY_TYPE]: {
      methods: {
        id: (_ctx, self) => policyIdFromGuest(self, 'policy:id'),
        evaluate: (_ctx, self, ...args) => decisionText(evaluatePolicy(policyFromGuest(self, 'policy:evaluate'), ...requestArgs(args, 'policy:evaluate'))),
      },
    },
  },
};
