// Scopes: deny wins over allow, empty scope is undefined, immutability of with/without/contains.
// Also the well-known actors (agent, CLI user) that scopes are evaluated for.
import { describe, expect, it } from 'vitest';
import { AGENT_ACTOR, cliUserActor, newActor } from '../../src/security/actors.js';
import { parsePolicy } from '../../src/security/policy.js';
import { createScope, EMPTY_SCOPE } from '../../src/security/scope.js';
import type { Actor } from '../../src/security/types.js';

const actor: Actor = { id: 'service:agent', meta: { role: 'agent' } };
const allowAll = parsePolicy('t:allow_all', 't', { actions: '*', resources: '*', effect: 'allow' }, undefined);
const denyApp = parsePolicy('t:deny_app', 't', { actions: '*', resources: 'app:*', effect: 'deny' }, undefined);
const allowRead = parsePolicy('t:allow_read', 't', { actions: 'registry.get', resources: '*', effect: 'allow' }, undefined);

describe('Scope', () => {
  it('is undefined when empty', () => {
    expect(EMPTY_SCOPE.evaluate(actor, 'x', 'y')).toBeUndefined();
  });

  it('any matching deny wins over any number of allows, in any order', () => {
    for (const order of [[allowAll, denyApp, allowRead], [denyApp, allowAll], [allowRead, allowAll, denyApp]]) {
      const s = createScope(order);
      expect(s.evaluate(actor, 'registry.get', 'app:core')).toBe('deny');
      expect(s.evaluate(actor, 'registry.get', 'app.generated:x')).toBe('allow');
    }
  });

  it('allow only when some policy allows; otherwise undefined', () => {
    const s = createScope([allowRead, denyApp]);
    expect(s.evaluate(actor, 'registry.get', 'lib:x')).toBe('allow');
    expect(s.evaluate(actor, 'registry.create', 'lib:x')).toBeUndefined();
  });

  it('with/without return new scopes and leave the original unchanged', () => {
    const base = createScope([allowAll]);
    const denied = base.with(denyApp);
    expect(base.contains('t:deny_app')).toBe(false);
    expect(denied.contains('t:deny_app')).toBe(true);
    expect(base.evaluate(actor, 'a', 'app:x')).toBe('allow');
    expect(denied.evaluate(actor, 'a', 'app:x')).toBe('deny');
    const back = denied.without('t:deny_app');
    expect(back.evaluate(actor, 'a', 'app:x')).toBe('allow');
    expect(denied.evaluate(actor, 'a', 'app:x')).toBe('deny');
    expect(() => (base.policies as unknown[]).push(denyApp)).toThrow();
  });

  it('with() replaces a policy of the same id', () => {
    const flipped = parsePolicy('t:allow_all', 't', { actions: '*', resources: '*', effect: 'deny' }, undefined);
    const s = createScope([allowAll]).with(flipped);
    expect(s.policies).toHaveLength(1);
    expect(s.evaluate(actor, 'a', 'b')).toBe('deny');
  });
});

describe('well-known actors', () => {
  it('the agent is service:agent with role agent; actors are frozen; bad ids are refused', () => {
    expect(AGENT_ACTOR).toEqual({ id: 'service:agent', meta: { role: 'agent' } });
    expect(Object.isFrozen(AGENT_ACTOR.meta)).toBe(true);
    expect(cliUserActor('ann')).toEqual({ id: 'user:ann', meta: { role: 'user', source: 'cli' } });
    expect(() => newActor('  ')).toThrow(expect.objectContaining({ code: 'USAGE' }));
  });
});
