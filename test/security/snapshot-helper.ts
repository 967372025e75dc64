// Test helper: a tiny read-only Snapshot over an Entry[] (only what src/security calls: get/entries/find).
// The real registry lives in src/registry; security code depends only on the Snapshot interface.
import type { Entry } from '../../schemas/entry.js';
import type { FindFilter, Snapshot } from '../../src/registry/types.js';

export function snapshotOf(entries: Entry[], version = 1): Snapshot {
  const unsupported = (what: string) => () => {
    throw new Error(`snapshotOf: ${what} is not part of this test helper`);
  };
  return {
    version,
    get: (id) => entries.find((e) => e.id === id),
    has: (id) => entries.some((e) => e.id === id),
    entries: () => entries,
    find: (filter: FindFilter) => {
      if (Object.keys(filter).some((k) => k !== 'kind')) throw new Error('snapshotOf: only {kind} filters');
      return entries.filter((e) => filter.kind === undefined || e.kind === filter.kind);
    },
    select: unsupported('select'),
    namespace: unsupported('namespace'),
    changes: unsupported('changes'),
  };
}

export function policyEntry(id: string, policy: unknown, groups?: unknown): Entry {
  return { id, kind: 'security.policy', meta: {}, data: groups === undefined ? { policy } : { policy, groups } };
}
