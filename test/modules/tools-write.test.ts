// tools.write against a real registry: a create then an update in one host call each, refusals (a name
// taken by a built-in tool or another loaded tool, the scope's deny) that write nothing, and lost races.
import { beforeEach, describe, expect, it } from 'vitest';
import type { GuestValue } from '../../src/modules/module-spec.js';
import { toolsModule as T } from '../../src/modules/tools.js';
import type { Registry } from '../../src/registry/types.js';
import { ctxWith, failure, fn, fnEntry, freshRegistry } from './privileged-fixture.js';

let registry: Registry;
beforeEach(async () => {
  registry = await freshRegistry();
});

const agent: GuestValue = { __type: 'security.Actor', id: 'service:agent', meta: { role: 'agent' } };
const options = (extra: Record<string, GuestValue> = {}): GuestValue => ({ scope: 'app:agent_security', actor: agent, aliases: 'app.tools', ...extra });
const tool = (id: string, alias: string): GuestValue => fnEntry(id, { llm_alias: alias }) as unknown as GuestValue;

describe('tools.write', () => {
  it('creates the entry, then updates it, each in one call that reports the new version', async () => {
    const ctx = ctxWith({ registry });
    const first = await fn(T, ctx, 'write', 'app.generated:slugify', tool('app.generated:slugify', 'slugify'), options());
    expect(first).toEqual({ version: 1, existed: false });
    expect(registry.current().get('app.generated:slugify')?.meta).toMatchObject({ llm_alias: 'slugify' });
    const again = await fn(T, ctx, 'write', 'app.generated:slugify', tool('app.generated:slugify', 'slugify'), options());
    expect(again).toEqual({ version: 2, existed: true });
    expect(T.remote).toContain('write');
  });

  it('refuses a name a built-in tool has, writing nothing', async () => {
    const out = await fn(T, ctxWith({ registry }), 'write', 'app.generated:doc_search', tool('app.generated:doc_search', 'doc_search'), options());
    expect(out).toEqual({ refused: 'name "doc_search" is taken by the built-in tool app.tools:doc_search; choose another name' });
    expect(registry.current().version).toBe(0);
  });

  it('refuses a name another loaded tool has, but not the tool being replaced', async () => {
    const ctx = ctxWith({ registry });
    const taken = await fn(T, ctx, 'write', 'app.generated:weather', tool('app.generated:weather', 'weather'), options({ loaded: ['app.other:weather', 'doc_search'] }));
    expect(taken).toEqual({ refused: 'name "weather" is already used by a loaded tool (app.other:weather); choose another name' });
    expect(registry.current().version).toBe(0);
    const own = await fn(T, ctx, 'write', 'app.generated:word_count', tool('app.generated:word_count', 'word_count'), options({ loaded: ['app.generated:word_count'] }));
    expect(own).toEqual({ version: 1, existed: true });
  });

  it('refuses what the named scope denies for the actor, writing nothing', async () => {
    const out = await fn(T, ctxWith({ registry }), 'write', 'app.tools:evil', tool('app.tools:evil', 'evil'), options());
    expect(out).toEqual({ refused: 'policy denied: registry.create on app.tools:evil' });
    const unloadable = await fn(T, ctxWith({ registry }), 'write', 'app.generated:x', tool('app.generated:x', 'x'), options({ scope: 'app:no_such_group' }));
    expect(unloadable.refused).toMatch(/^cannot load the policies of app:no_such_group: /);
    expect(registry.current().version).toBe(0);
  });

  it('race: concurrent writes of one new id: one creates, the others lose and update on the newer version', async () => {
    const ctx = ctxWith({ registry });
    const outs = await Promise.all(
      [1, 2, 3].map(() => fn(T, ctx, 'write', 'app.generated:same', tool('app.generated:same', 'same'), options())),
    );
    expect(outs.filter((o) => o.existed === false)).toHaveLength(1);
    expect(outs.filter((o) => o.existed === true)).toHaveLength(2);
    expect(new Set(outs.map((o) => o.version)).size).toBe(3);
    expect(registry.current().version).toBe(3);
  });

  it('needs the registry service and well-formed arguments', async () => {
    const e = tool('app.generated:x', 'x');
    expect(await failure(fn(T, ctxWith({}), 'write', 'app.generated:x', e))).toMatchObject({ kind: 'Unavailable' });
    expect(await failure(fn(T, ctxWith({ registry }), 'write', 'app.generated:y', e))).toMatchObject({ code: 'MODULE_ARG_ERROR', message: expect.stringContaining('entry.id "app.generated:x" is not the id written') });
    expect(await failure(fn(T, ctxWith({ registry }), 'write', 'app.generated:x', e, { loaded: [1] }))).toMatchObject({ code: 'MODULE_ARG_ERROR' });
    expect(await failure(fn(T, ctxWith({ registry }), 'write', 'app.generated:x', e, 'scope'))).toMatchObject({ code: 'MODULE_ARG_ERROR' });
  });
});
