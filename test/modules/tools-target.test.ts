// tools.target against a real registry: the entry at an id on a snapshot, the action a write needs, a
// named scope's decision for an actor (or the reason it cannot load), and the aliases of a namespace.
import { beforeEach, describe, expect, it } from 'vitest';
import type { GuestValue } from '../../src/modules/module-spec.js';
import { toolsModule as T } from '../../src/modules/tools.js';
import type { Registry } from '../../src/registry/types.js';
import { ctxWith, failure, fn, fnEntry, freshRegistry } from './privileged-fixture.js';

let registry: Registry;
beforeEach(async () => {
  registry = await freshRegistry();
});

const snapshot = (version: number): GuestValue => ({ __type: 'registry.Snapshot', version });
const agent: GuestValue = { __type: 'security.Actor', id: 'service:agent', meta: { role: 'agent' } };

describe('tools.target', () => {
  it('reads the entry at the id, the action and the scope decision on that snapshot', async () => {
    const ctx = ctxWith({ registry });
    const fresh = await fn(T, ctx, 'target', snapshot(0), 'app.generated:slugify', { scope: 'app:agent_security', actor: agent });
    expect(fresh).toEqual({ snapshot: snapshot(0), existing: null, action: 'registry.create', decision: 'undefined' });

    const there = await fn(T, ctx, 'target', snapshot(0), 'app.generated:word_count', { scope: 'app:agent_security', actor: agent });
    expect(there).toMatchObject({ action: 'registry.update', decision: 'undefined', existing: { id: 'app.generated:word_count', kind: 'function.lua' } });

    const denied = await fn(T, ctx, 'target', snapshot(0), 'app.tools:doc_search', { scope: 'app:agent_security', actor: agent });
    expect(denied).toMatchObject({ action: 'registry.update', decision: 'deny' });
  });

  it('reads at the given version, not the newest', async () => {
    const cs = registry.current().changes().create(fnEntry('app.generated:later'));
    await registry.apply(cs, { actor: { id: 'test', meta: {} } });
    const ctx = ctxWith({ registry });
    expect(await fn(T, ctx, 'target', snapshot(0), 'app.generated:later')).toEqual({ snapshot: snapshot(0), existing: null, action: 'registry.create' });
    expect(await fn(T, ctx, 'target', snapshot(1), 'app.generated:later')).toMatchObject({ action: 'registry.update' });
    expect(await failure(fn(T, ctx, 'target', snapshot(7), 'app.generated:later'))).toMatchObject({ kind: 'NotFound' });
  });

  it('reads the newest version for a nil snapshot and returns that snapshot to write on', async () => {
    const ctx = ctxWith({ registry });
    expect(await fn(T, ctx, 'target', null, 'app.generated:later')).toEqual({ snapshot: snapshot(0), existing: null, action: 'registry.create' });
    await registry.apply(registry.current().changes().create(fnEntry('app.generated:later')), { actor: { id: 'test', meta: {} } });
    expect(await fn(T, ctx, 'target', null, 'app.generated:later')).toMatchObject({ snapshot: snapshot(1), action: 'registry.update' });
  });

  it('lists the aliases of a namespace (llm_alias, else the name)', async () => {
    const ctx = ctxWith({ registry });
    const t = await fn(T, ctx, 'target', snapshot(0), 'app.generated:x', { aliases: 'app.tools' });
    expect(t.aliases).toEqual([
      { id: 'app.tools:doc_search', alias: 'doc_search' },
      { id: 'app.tools:sha256_hex', alias: 'sha256_hex' },
    ]);
    const generated = await fn(T, ctx, 'target', snapshot(0), 'app.generated:x', { aliases: 'app.generated' });
    expect(generated.aliases).toEqual([{ id: 'app.generated:word_count', alias: 'word_count' }]);
  });

  it('reports a scope that cannot be loaded as scope_error (the caller refuses), not as a failure', async () => {
    const t = await fn(T, ctxWith({ registry }), 'target', snapshot(0), 'app.generated:x', { scope: 'app:no_such_group' });
    expect(t.decision).toBeUndefined();
    expect(t.scope_error).toMatch(/^security\.named_scope: .*app:no_such_group/);
  });

  it('needs the registry service and well-formed arguments', async () => {
    expect(await failure(fn(T, ctxWith({}), 'target', snapshot(0), 'app.generated:x'))).toMatchObject({ kind: 'Unavailable' });
    expect(await failure(fn(T, ctxWith({ registry }), 'target', 0, 'app.generated:x'))).toMatchObject({ code: 'MODULE_ARG_ERROR' });
    expect(await failure(fn(T, ctxWith({ registry }), 'target', snapshot(0), 'app.generated:x', 'scope'))).toMatchObject({ code: 'MODULE_ARG_ERROR' });
    expect(T.remote).toContain('target');
  });
});
