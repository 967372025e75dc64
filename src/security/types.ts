// Security vocabulary shared by the registry, isolates and tools: actors, decisions, policies, scopes.
// Semantics follow Wippy: any matching deny wins, else any allow, else undefined.

export interface Actor {
  readonly id: string;
  readonly meta: Readonly<Record<string, unknown>>;
}

export type Decision = 'allow' | 'deny' | undefined;

export type ConditionOperator =
  | 'eq' | 'ne' | 'lt' | 'gt' | 'lte' | 'gte' | 'in' | 'nin'
  | 'exists' | 'nexists' | 'contains' | 'ncontains' | 'matches' | 'nmatches';

export interface Condition {
  /** actor.id, actor.meta.<k>[.<k>], action, resource, meta.<k>[.<k>] */
  readonly field: string;
  readonly operator: ConditionOperator;
  readonly value?: unknown;
  readonly valueFrom?: string;
}

export interface Policy {
  readonly id: string;
  readonly actions: readonly string[];
  readonly resources: readonly string[];
  readonly effect: 'allow' | 'deny';
  readonly conditions: readonly Condition[];
  /** Fully qualified group ids, e.g. `app:agent_security`. */
  readonly groups: readonly string[];
}

export interface Scope {
  readonly policies: readonly Policy[];
  evaluate(actor: Actor, action: string, resource: string, meta?: Record<string, unknown>): Decision;
  with(policy: Policy): Scope;
  without(policyId: string): Scope;
  contains(policyId: string): boolean;
}
