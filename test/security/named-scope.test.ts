// Named scopes from a registry snapshot: group membership, unknown groups, fail-closed on broken policies.
// Built over the test Snapshot helper; the real registry's use is covered in test/registry/loader.test.ts.
import { describe, expect, it } from 'vitest';
import type { Entry } from '../../schemas/entry.js';
import { AGENT_ACTOR } from '../../src/security/actors.js';
import { namedScope, securityGroups } from '../../src/security/named-scope.js';
import { policyEntry, snapshotOf } from './snapshot-helper.js';

const entries = [
  policyEntry('app:deny_core_ns', { actions: '*', resources: 'app:*', effect: 'deny' }, ['agent_security']),
  policyEntry('app:deny_tools_ns', { actions: '*', resources: 'app.tools:*', effect: 'deny' }, ['agent_security']),
  policyEntry('app:admin_all', { actions: '*', resources: '*', effect: 'allow' }, ['global:admin']),
  { id: 'app.tools:doc_search', kind: 'function.lua', meta: {}, data: { source: 'return {}' } },
];

describe('namedScope', () => {
  it('builds the scope of one group from the policies naming it', () => {
    const scope = namedScope(snapshotOf(entries), 'app:agent_security');
    expect(scope.policies.map((p) => p.id).sort()).toEqual(['app:deny_core_ns', 'app:deny_tools_ns']);
    expect(scope.evaluate(AGENT_ACTOR, 'registry.create.function.lua', 'app.generated:foo')).toBeUndefined();
    expect(scope.evaluate(AGENT_ACTOR, 'registry.update.function.lua', 'app:dev_assistant')).toBe('deny');
    expect(scope.evaluate(AGENT_ACTOR, 'registry.update.function.lua', 'app.tools:doc_search')).toBe('deny');
    expect(namedScope(snapshotOf(entries), 'global:admin').evaluate(AGENT_ACTOR, 'x', 'y')).toBe('allow');
  });

  it('returns the same scope for the same snapshot and group', () => {
    const snap = snapshotOf(entries);
    expect(namedScope(snap, 'app:agent_security')).toBe(namedScope(snap, 'app:agent_security'));
  });

  it('a registry write that changes a policy (frozen entries, a new snapshot) is enforced at once', () => {
    const freeze = (e: Entry): Entry => Object.freeze({ ...e, data: Object.freeze({ ...(e.data as object) }) });
    const v1 = entries.map(freeze);
    const before = namedScope(snapshotOf(v1, 1), 'app:agent_security');
    expect(before.evaluate(AGENT_ACTOR, 'registry.create.function.lua', 'app.generated:foo')).toBeUndefined();
    // Version 2: deny_tools_ns now covers app.generated too; deny_core_ns is the same frozen object.
    const changed = freeze(policyEntry('app:deny_tools_ns', { actions: '*', resources: ['app.tools:*', 'app.generated:*'], effect: 'deny' }, ['agent_security']));
    const v2 = v1.map((e) => (e.id === changed.id ? changed : e));
    const after = namedScope(snapshotOf(v2, 2), 'app:agent_security');
    expect(after.evaluate(AGENT_ACTOR, 'registry.create.function.lua', 'app.generated:foo')).toBe('deny');
    expect(after.policies.find((p) => p.id === 'app:deny_core_ns')).toBe(before.policies.find((p) => p.id === 'app:deny_core_ns'));
    // The older snapshot keeps its own rules.
    expect(namedScope(snapshotOf(v1, 1), 'app:agent_security').evaluate(AGENT_ACTOR, 'registry.create.function.lua', 'app.generated:foo')).toBeUndefined();
  });

  it('an unknown group fails with SECURITY_SCOPE_NOT_FOUND listing the groups that exist', () => {
    const snap = snapshotOf(entries, 3);
    expect(securityGroups(snap)).toEqual(['app:agent_security', 'global:admin']);
    expect(() => namedScope(snap, 'agent_security')).toThrow(/"agent_security" not found .*groups: app:agent_security, global:admin/);
    try {
      namedScope(snap, 'app:nope');
    } catch (e) {
      expect(e).toMatchObject({ code: 'SECURITY_SCOPE_NOT_FOUND', details: { groups: ['app:agent_security', 'global:admin'] } });
    }
    expect.assertions(3);
  });

  it('a broken policy in the group fails the group instead of silently weakening it', () => {
    const broken = [...entries, policyEntry('app:broken', { actions: '*', resources: '*', effect: 'nope' }, ['agent_security'])];
    const snap = snapshotOf(broken);
    expect(() => namedScope(snap, 'app:agent_security')).toThrow(expect.objectContaining({ code: 'SECURITY_INVALID_POLICY' }));
    expect(namedScope(snap, 'global:admin').policies).toHaveLength(1);
  });
});
