// Named scopes: the security.policy entries of one registry snapshot grouped by their `groups:` ids.
// namedScope(snapshot, "app:agent_security") -> Scope; an unknown group fails listing the known ones.
import { namespaceOf } from '../../schemas/entry.js';
import { AppError, errorMessage } from '../errors/app-error.js';
import { logger } from '../log/logger.js';
import { SnapshotDerived } from '../registry/snapshot-derived.js';
import type { Snapshot } from '../registry/types.js';
import { POLICY_KIND, policyFromEntry, qualifyGroup } from './policy.js';
import { createScope } from './scope.js';
import type { Policy, Scope } from './types.js';

interface GroupIndex {
  readonly groups: Map<string, Policy[]>;
  /** Policies that failed validation, by each group they appear to name (fail closed for those groups). */
  readonly broken: Map<string, AppError>;
  readonly scopes: Map<string, Scope>;
}

/**
 * Per snapshot (immutable, so an index never goes stale), carried to later versions until one changes a
 * policy: a write of a tool does not rebuild every scope.
 */
const indexes = new SnapshotDerived<GroupIndex>((entry) => entry.kind === POLICY_KIND, buildIndex);

function buildIndex(snapshot: Snapshot): GroupIndex {
  const groups = new Map<string, Policy[]>();
  const broken = new Map<string, AppError>();
  for (const entry of snapshot.find({ kind: POLICY_KIND })) {
    try {
      const policy = policyFromEntry(entry);
      for (const g of policy.groups) {
        let list = groups.get(g);
        if (!list) groups.set(g, (list = []));
        list.push(policy);
      }
    } catch (err) {
      const appErr = err instanceof AppError ? err : new AppError('SECURITY_INVALID_POLICY', errorMessage(err), { id: entry.id });
      for (const g of guessGroups(entry.id, entry.data)) broken.set(g, appErr);
      logger('security').warn({ id: entry.id, err: appErr.message }, 'invalid security policy ignored');
    }
  }
  return { groups, broken, scopes: new Map() };
}

function guessGroups(id: string, data: unknown): string[] {
  const raw = typeof data === 'object' && data !== null ? (data as Record<string, unknown>).groups : undefined;
  const list = typeof raw === 'string' ? [raw] : Array.isArray(raw) ? raw : [];
  const ns = id.includes(':') ? namespaceOf(id) : '';
  return list.flatMap((g) => (typeof g === 'string' ? [qualifyGroup(g, ns) ?? g] : []));
}

/**
 * The scope made of every policy in `snapshot` whose groups include `groupId` ("ns:group").
 * Throws AppError SECURITY_SCOPE_NOT_FOUND (listing existing groups) for an unknown group, and
 * SECURITY_INVALID_POLICY when a policy that names this group is invalid (never a silently weaker scope).
 */
export function namedScope(snapshot: Snapshot, groupId: string): Scope {
  const index = indexes.get(snapshot);
  const cached = index.scopes.get(groupId);
  if (cached) return cached;
  const broken = index.broken.get(groupId);
  if (broken) throw broken;
  const policies = index.groups.get(groupId);
  if (!policies) {
    const known = [...index.groups.keys()].sort();
    throw new AppError(
      'SECURITY_SCOPE_NOT_FOUND',
      `security group "${groupId}" not found at registry version ${snapshot.version}; ` +
        (known.length ? `groups: ${known.join(', ')}` : 'no security.policy entry declares a group'),
      { group: groupId, groups: known },
    );
  }
  const scope = createScope(policies);
  index.scopes.set(groupId, scope);
  return scope;
}

/** Every group id declared by valid policies in `snapshot`, sorted. */
export function securityGroups(snapshot: Snapshot): string[] {
  return [...indexes.get(snapshot).groups.keys()].sort();
}
