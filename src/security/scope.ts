// Immutable security scopes: a set of policies keyed by id, evaluated with deny-wins semantics.
// with/without return new scopes; evaluation: any deny -> deny, else any allow -> allow, else undefined.
import { compilePolicy, type CompiledPolicy } from './policy.js';
import type { Actor, Decision, Policy, Scope } from './types.js';

class PolicyScope implements Scope {
  readonly policies: readonly Policy[];
  readonly #compiled: readonly CompiledPolicy[];

  constructor(policies: readonly Policy[]) {
    // One policy per id (the last one given wins), like Wippy's policy map.
    const byId = new Map<string, Policy>();
    for (const p of policies) byId.set(p.id, p);
    this.policies = Object.freeze([...byId.values()]);
    this.#compiled = this.policies.map(compilePolicy);
  }

  evaluate(actor: Actor, action: string, resource: string, meta?: Record<string, unknown>): Decision {
    const input = { actor, action, resource, ...(meta ? { meta } : {}) };
    let allowed = false;
    for (const c of this.#compiled) {
      const d = c.evaluate(input);
      if (d === 'deny') return 'deny';
      if (d === 'allow') allowed = true;
    }
    return allowed ? 'allow' : undefined;
  }

  with(policy: Policy): Scope {
    return new PolicyScope([...this.policies.filter((p) => p.id !== policy.id), policy]);
  }

  without(policyId: string): Scope {
    return this.contains(policyId) ? new PolicyScope(this.policies.filter((p) => p.id !== policyId)) : this;
  }

  contains(policyId: string): boolean {
    return this.policies.some((p) => p.id === policyId);
  }
}

/** A scope over `policies` (duplicate ids: the last wins). */
export function createScope(policies: readonly Policy[] = []): Scope {
  return new PolicyScope(policies);
}

/** The empty scope: every request is undefined. */
export const EMPTY_SCOPE: Scope = createScope();

/** Context-check reading of a decision: with a scope, undefined means denied (deny by default). */
export function isAllowed(decision: Decision): boolean {
  return decision === 'allow';
}
