// security.policy entries: loading, group qualification, the app's namespace deny policies, and
// rejection of bad policies with the entry id and field in the message.
import { describe, expect, it } from 'vitest';
import type { Entry } from '../../schemas/entry.js';
import { AGENT_ACTOR } from '../../src/security/actors.js';
import { evaluatePolicy, policyFromEntry } from '../../src/security/policy.js';
import { createScope } from '../../src/security/scope.js';
import { policyEntry } from './snapshot-helper.js';

const denyCore = policyEntry('app:deny_core_ns', { actions: '*', resources: 'app:*', effect: 'deny' }, ['agent_security']);
const denyTools = policyEntry('app:deny_tools_ns', { actions: '*', resources: 'app.tools:*', effect: 'deny' }, ['agent_security']);

describe('policyFromEntry', () => {
  it('loads the app policies and qualifies bare group names with the policy namespace', () => {
    const p = policyFromEntry(denyCore);
    expect(p).toMatchObject({ id: 'app:deny_core_ns', actions: ['*'], resources: ['app:*'], effect: 'deny', conditions: [] });
    expect(p.groups).toEqual(['app:agent_security']);
    expect(policyFromEntry(policyEntry('lib.sec:p', { actions: 'x', resources: 'y', effect: 'allow' }, ['global:admin', 'ops'])).groups)
      .toEqual(['global:admin', 'lib.sec:ops']);
    expect(policyFromEntry(policyEntry('app:p', { actions: 'x', resources: 'y', effect: 'allow' }, 'solo')).groups).toEqual(['app:solo']);
    expect(policyFromEntry(policyEntry('app:p', { actions: 'x', resources: 'y', effect: 'allow' })).groups).toEqual([]);
  });

  it('evaluates the app policies: generated namespace undefined, app and app.tools denied', () => {
    const core = policyFromEntry(denyCore);
    const tools = policyFromEntry(denyTools);
    const scope = createScope([core, tools]);
    const write = 'registry.update.function.lua';
    expect(scope.evaluate(AGENT_ACTOR, write, 'app.generated:foo')).toBeUndefined();
    expect(scope.evaluate(AGENT_ACTOR, write, 'app:dev_assistant')).toBe('deny');
    expect(scope.evaluate(AGENT_ACTOR, write, 'app.tools:doc_search')).toBe('deny');
    expect(evaluatePolicy(core, AGENT_ACTOR, write, 'app.tools:doc_search')).toBeUndefined();
    expect(evaluatePolicy(tools, AGENT_ACTOR, write, 'app:dev_assistant')).toBeUndefined();
    expect(evaluatePolicy(core, AGENT_ACTOR, write, 'apps:x')).toBeUndefined();
    expect(evaluatePolicy(tools, AGENT_ACTOR, write, 'app.toolsx:y')).toBeUndefined();
  });

  it('an action that does not match leaves the policy undefined', () => {
    const p = policyFromEntry(policyEntry('app:p', { actions: ['registry.create.*'], resources: '*', effect: 'allow' }));
    expect(evaluatePolicy(p, AGENT_ACTOR, 'registry.create.function.lua', 'app.generated:x')).toBe('allow');
    expect(evaluatePolicy(p, AGENT_ACTOR, 'registry.delete.function.lua', 'app.generated:x')).toBeUndefined();
  });

  const bad: [string, Entry, RegExp][] = [
    ['unknown operator', policyEntry('app:bad_op', { actions: '*', resources: '*', effect: 'deny', conditions: [{ field: 'actor.id', operator: 'like', value: 'x' }] }), /app:bad_op: policy\.conditions\[0\]\.operator: unknown operator "like"/],
    ['bad regex', policyEntry('app:bad_re', { actions: '*', resources: '*', effect: 'deny', conditions: [{ field: 'actor.id', operator: 'matches', value: '([' }] }), /app:bad_re: policy\.conditions\[0\]\.value: invalid regular expression/],
    ['bad effect', policyEntry('app:bad_effect', { actions: '*', resources: '*', effect: 'maybe' }), /app:bad_effect: policy\.effect: must be "allow" or "deny"/],
    ['empty actions', policyEntry('app:no_actions', { actions: [], resources: '*', effect: 'deny' }), /app:no_actions: policy\.actions: expected a non-empty/],
    ['missing resources', policyEntry('app:no_res', { actions: '*', effect: 'deny' }), /app:no_res: policy\.resources/],
    ['infix wildcard', policyEntry('app:infix', { actions: '*', resources: ['app:*_x'], effect: 'deny' }), /app:infix: policy\.resources\[0\]: "app:\*_x"/],
    ['empty groups', policyEntry('app:no_groups', { actions: '*', resources: '*', effect: 'deny' }, []), /app:no_groups: groups: expected a group name or a non-empty list/],
    ['bad group', policyEntry('app:bad_group', { actions: '*', resources: '*', effect: 'deny' }, ['a:b:c']), /app:bad_group: groups\[0\]/],
    ['condition without value', policyEntry('app:no_value', { actions: '*', resources: '*', effect: 'deny', conditions: [{ field: 'actor.id', operator: 'eq' }] }), /app:no_value: policy\.conditions\[0\]\.value: a condition needs "value" or "value_from"/],
    ['unknown field', policyEntry('app:bad_field', { actions: '*', resources: '*', effect: 'deny', conditions: [{ field: 'user.name', operator: 'eq', value: 'x' }] }), /app:bad_field: policy\.conditions\[0\]\.field: unknown field "user\.name"/],
    ['lt with text', policyEntry('app:bad_lt', { actions: '*', resources: '*', effect: 'deny', conditions: [{ field: 'actor.meta.n', operator: 'lt', value: 'ten' }] }), /app:bad_lt: .*"lt" compares numbers/],
    ['no policy body', { id: 'app:nobody', kind: 'security.policy', meta: {}, data: { groups: ['g'] } }, /app:nobody: policy: expected a mapping/],
    ['wrong kind', { id: 'app:fn', kind: 'function.lua', meta: {}, data: {} }, /app:fn: kind: expected kind "security.policy"/],
  ];
  it.each(bad)('rejects %s with SECURITY_INVALID_POLICY naming the entry and field', (_name, entry, message) => {
    let caught: unknown;
    try {
      policyFromEntry(entry);
    } catch (e) {
      caught = e;
    }
    expect(caught).toMatchObject({ code: 'SECURITY_INVALID_POLICY', details: { id: entry.id } });
    expect((caught as Error).message).toMatch(message);
  });
});
