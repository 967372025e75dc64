// `security.policy` entries -> validated Policy values, and the evaluation of one policy.
// Bad policies are refused at load with AppError SECURITY_INVALID_POLICY naming the entry id and field.
import { NAME_RE, parseEntryId, type Entry } from '../../schemas/entry.js';
import { AppError } from '../errors/app-error.js';
import { compileCondition, parseCondition, type ConditionInput, type ConditionTest } from './conditions.js';
import { compilePatterns, patternProblem, type PatternMatcher } from './pattern.js';
import type { Actor, Condition, Decision, Policy } from './types.js';

export const POLICY_KIND = 'security.policy';

/**
 * Build a Policy from a registry entry of kind `security.policy` whose data is
 * `{policy: {actions, resources, effect, conditions?}, groups?}`.
 * Unqualified group names take the entry's namespace (`agent_security` in `app` -> `app:agent_security`).
 */
export function policyFromEntry(entry: Entry): Policy {
  // Registry entries are deep-frozen: one unchanged across versions is parsed (and compiled) once.
  if (!Object.isFrozen(entry)) return parseEntry(entry);
  let policy = fromEntry.get(entry);
  if (!policy) fromEntry.set(entry, (policy = parseEntry(entry)));
  return policy;
}

const fromEntry = new WeakMap<Entry, Policy>();

function parseEntry(entry: Entry): Policy {
  const id = entry.id;
  const parsed = parseEntryId(id);
  if (!parsed) throw invalid(id, 'id', `"${id}" is not a "namespace:name" id`);
  if (entry.kind !== POLICY_KIND) throw invalid(id, 'kind', `expected kind "${POLICY_KIND}", got "${entry.kind}"`);
  const data = entry.data;
  if (typeof data !== 'object' || data === null || Array.isArray(data)) {
    throw invalid(id, 'data', 'expected a mapping with "policy" (and optional "groups")');
  }
  const d = data as Record<string, unknown>;
  return parsePolicy(id, parsed.ns, d.policy, d.groups);
}

/**
 * Validate a policy body and its groups. `ns` qualifies bare group names. Used for registry entries
 * and for policies built by tools (security module).
 */
export function parsePolicy(id: string, ns: string, body: unknown, rawGroups: unknown): Policy {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw invalid(id, 'policy', 'expected a mapping {actions, resources, effect, conditions?}');
  }
  const p = body as Record<string, unknown>;
  const actions = patternList(id, 'policy.actions', p.actions);
  const resources = patternList(id, 'policy.resources', p.resources);
  if (p.effect !== 'allow' && p.effect !== 'deny') {
    throw invalid(id, 'policy.effect', `must be "allow" or "deny", got ${JSON.stringify(p.effect ?? null)}`);
  }
  const conditions: Condition[] = [];
  if (p.conditions !== undefined && p.conditions !== null) {
    if (!Array.isArray(p.conditions)) throw invalid(id, 'policy.conditions', 'expected a list of conditions');
    p.conditions.forEach((raw, i) => {
      const r = parseCondition(raw);
      if (!r.ok) throw invalid(id, `policy.conditions[${i}]${r.part ? '.' + r.part : ''}`, r.problem);
      conditions.push(Object.freeze(r.condition));
    });
  }
  const groups = parseGroups(id, ns, rawGroups);
  return Object.freeze({
    id,
    actions: Object.freeze(actions),
    resources: Object.freeze(resources),
    effect: p.effect,
    conditions: Object.freeze(conditions),
    groups: Object.freeze(groups),
  });
}

/** Qualify and validate a `groups:` value (absent -> no groups). */
export function parseGroups(id: string, ns: string, raw: unknown): string[] {
  if (raw === undefined || raw === null) return [];
  const list = typeof raw === 'string' ? [raw] : raw;
  if (!Array.isArray(list) || list.length === 0) {
    throw invalid(id, 'groups', 'expected a group name or a non-empty list of group names');
  }
  const out: string[] = [];
  list.forEach((g, i) => {
    if (typeof g !== 'string' || g.length === 0) throw invalid(id, `groups[${i}]`, 'expected a non-empty string');
    const q = qualifyGroup(g, ns);
    if (!q) throw invalid(id, `groups[${i}]`, `"${g}" is not a group name or "namespace:name" id`);
    if (!out.includes(q)) out.push(q);
  });
  return out;
}

/** `name` -> `ns:name`; `other:name` stays; undefined when malformed. */
export function qualifyGroup(group: string, ns: string): string | undefined {
  if (group.includes(':')) return parseEntryId(group) ? group : undefined;
  return NAME_RE.test(group) ? `${ns}:${group}` : undefined;
}

function patternList(id: string, field: string, raw: unknown): string[] {
  const list = typeof raw === 'string' ? [raw] : raw;
  if (!Array.isArray(list) || list.length === 0) {
    throw invalid(id, field, 'expected a non-empty string or a non-empty list of strings');
  }
  return list.map((pat, i) => {
    const problem = patternProblem(pat);
    if (problem) throw invalid(id, `${field}[${i}]`, problem);
    return pat as string;
  });
}

function invalid(id: string, field: string, problem: string): AppError {
  return new AppError('SECURITY_INVALID_POLICY', `invalid security policy ${id}: ${field}: ${problem}`, { id, field });
}

/** A policy with its patterns, conditions and regular expressions compiled. */
export interface CompiledPolicy {
  readonly policy: Policy;
  evaluate(input: ConditionInput): Decision;
}

const compiled = new WeakMap<Policy, CompiledPolicy>();

/** Compile once per Policy object (cached). */
export function compilePolicy(policy: Policy): CompiledPolicy {
  const hit = compiled.get(policy);
  if (hit) return hit;
  const action: PatternMatcher = compilePatterns(policy.actions);
  const resource: PatternMatcher = compilePatterns(policy.resources);
  const tests: ConditionTest[] = policy.conditions.map(compileCondition);
  const effect = policy.effect;
  const c: CompiledPolicy = {
    policy,
    evaluate(input) {
      if (!action(input.action)) return undefined;
      if (!resource(input.resource)) return undefined;
      for (const t of tests) if (!t(input)) return undefined;
      return effect;
    },
  };
  compiled.set(policy, c);
  return c;
}

/** Action not matched, resource not matched or a condition not true -> undefined; else the effect. */
export function evaluatePolicy(
  policy: Policy,
  actor: Actor,
  action: string,
  resource: string,
  meta?: Readonly<Record<string, unknown>>,
): Decision {
  return compilePolicy(policy).evaluate({ actor, action, resource, ...(meta ? { meta } : {}) });
}
