// The `security` module: actors, can() with deny-by-default under a scope, named scopes and policies
// from the registry, and Scope/Policy values whose methods evaluate with deny-wins semantics.
import { beforeAll, describe, expect, it } from 'vitest';
import type { GuestValue } from '../../src/modules/module-spec.js';
import { securityModule as S } from '../../src/modules/security.js';
import type { Registry } from '../../src/registry/types.js';
import { parsePolicy } from '../../src/security/policy.js';
import { createScope } from '../../src/security/scope.js';
import { ctxWith, failure, fn, freshRegistry, m } from './privileged-fixture.js';

let registry: Registry;
beforeAll(async () => {
  registry = await freshRegistry();
});

describe('security module', () => {
  it('actor() is the calling actor; new_actor builds one; Actor methods read it', async () => {
    const ctx = ctxWith({ registry });
    const me = await fn(S, ctx, 'actor');
    expect(me).toEqual({ __type: 'security.Actor', id: 'service:agent', meta: { role: 'agent' } });
    expect(await m(S, ctx, me, 'id')).toBe('service:agent');
    const bob = await fn(S, ctx, 'new_actor', 'user:bob', { role: 'admin' });
    expect(await m(S, ctx, bob, 'meta')).toEqual({ role: 'admin' });
    expect(await failure(() => fn(S, ctx, 'new_actor', ''))).toMatchObject({ code: 'MODULE_ARG_ERROR' });
  });

  it('named_scope evaluates the app policies for the agent', async () => {
    const ctx = ctxWith({ registry });
    const scope = await fn(S, ctx, 'named_scope', 'app:agent_security');
    const me = await fn(S, ctx, 'actor');
    const evaluate = (resource: string) => m(S, ctx, scope, 'evaluate', me, 'registry.update', resource);
    expect(await evaluate('app.generated:foo')).toBe('undefined');
    expect(await evaluate('app:dev_assistant')).toBe('deny');
    expect(await evaluate('app.tools:doc_search')).toBe('deny');
    expect(await m(S, ctx, scope, 'contains', 'app:deny_core_ns')).toBe(true);
    expect((await m(S, ctx, scope, 'policies')).map((p: { id: string }) => p.id).sort()).toEqual(['app:deny_core_ns', 'app:deny_tools_ns']);
  });

  it('named_scope of an unknown group fails with NotFound listing the groups', async () => {
    const err = await failure(fn(S, ctxWith({ registry }), 'named_scope', 'agent_security'));
    expect(err).toMatchObject({ kind: 'NotFound' });
    expect(err.message).toContain('app:agent_security');
  });

  it('policy(id) returns a Policy value that evaluates; missing ids are NotFound', async () => {
    const ctx = ctxWith({ registry });
    const p = await fn(S, ctx, 'policy', 'app:deny_tools_ns');
    expect(p).toMatchObject({ __type: 'security.Policy', id: 'app:deny_tools_ns', effect: 'deny', groups: ['app:agent_security'] });
    expect(await m(S, ctx, p, 'id')).toBe('app:deny_tools_ns');
    expect(await m(S, ctx, p, 'evaluate', 'service:agent', 'x', 'app.tools:a')).toBe('deny');
    expect(await m(S, ctx, p, 'evaluate', { id: 'service:agent' }, 'x', 'app:a')).toBe('undefined');
    expect(await failure(fn(S, ctx, 'policy', 'app:dev_assistant'))).toMatchObject({ kind: 'NotFound' });
  });

  it('scopes are immutable values: with/without return new scopes, deny wins', async () => {
    const ctx = ctxWith({ registry });
    const deny = await fn(S, ctx, 'policy', 'app:deny_core_ns');
    const allowAll: GuestValue = {
      __type: 'security.Policy', id: 'local:allow_all', actions: ['*'], resources: ['*'], effect: 'allow', conditions: [], groups: [],
    };
    const allowing = await fn(S, ctx, 'new_scope', [allowAll]);
    expect(await m(S, ctx, allowing, 'evaluate', 'u:1', 'read', 'app:x')).toBe('allow');
    const both = await m(S, ctx, allowing, 'with', deny);
    expect(await m(S, ctx, both, 'evaluate', 'u:1', 'read', 'app:x')).toBe('deny');
    expect(await m(S, ctx, both, 'evaluate', 'u:1', 'read', 'lib:x')).toBe('allow');
    expect(await m(S, ctx, allowing, 'evaluate', 'u:1', 'read', 'app:x')).toBe('allow');
    const back = await m(S, ctx, both, 'without', 'app:deny_core_ns');
    expect(await m(S, ctx, back, 'evaluate', 'u:1', 'read', 'app:x')).toBe('allow');
    expect(await m(S, ctx, await fn(S, ctx, 'new_scope'), 'evaluate', 'u:1', 'read', 'app:x')).toBe('undefined');
  });

  it('a forged policy value is re-validated: a bad operator raises naming the policy', async () => {
    const ctx = ctxWith({ registry });
    const bad: GuestValue = {
      __type: 'security.Policy', id: 'local:bad', actions: '*', resources: '*', effect: 'allow',
      conditions: [{ field: 'actor.id', operator: 'like', value: 'x' }],
    };
    const err = await failure(() => fn(S, ctx, 'new_scope', [bad]));
    expect(err).toMatchObject({ code: 'MODULE_ARG_ERROR' });
    expect(err.message).toMatch(/local:bad: policy\.conditions\[0\]\.operator: unknown operator "like"/);
  });

  it('can(): deny-by-default under a scope, allowed without one', async () => {
    const scoped = ctxWith({ registry, scopeGroup: 'app:agent_security' });
    expect(await fn(S, scoped, 'can', 'registry.update', 'app:dev_assistant')).toBe(false);
    expect(await fn(S, scoped, 'can', 'registry.update', 'app.generated:x')).toBe(false);
    const allowGenerated = parsePolicy('t:allow_gen', 't', { actions: '*', resources: 'app.generated:*', effect: 'allow' }, undefined);
    const withAllow = ctxWith({ registry, scope: createScope([allowGenerated]) });
    expect(await fn(S, withAllow, 'can', 'registry.update', 'app.generated:x')).toBe(true);
    expect(await fn(S, withAllow, 'can', 'registry.update', 'app:x')).toBe(false);
    expect(await fn(S, ctxWith({ registry }), 'can', 'registry.update', 'app:x')).toBe(true);
    expect(await fn(S, ctxWith({ registry }), 'scope')).toBeNull();
    expect((await fn(S, scoped, 'scope')).__type).toBe('security.Scope');
  });
});
