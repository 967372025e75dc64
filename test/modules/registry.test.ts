// The `registry` module against a real registry: value/err shapes, Wippy find filters, snapshots,
// changesets applied as the calling actor, stale-snapshot conflicts and scope-denied writes.
import { beforeEach, describe, expect, it } from 'vitest';
import { MapHandleTable } from '../../src/modules/handle-table.js';
import type { GuestValue } from '../../src/modules/module-spec.js';
import { registryModule as R } from '../../src/modules/registry.js';
import type { Registry } from '../../src/registry/types.js';
import { ctxWith, failure, fn, fnEntry, freshRegistry, m } from './privileged-fixture.js';

let registry: Registry;
beforeEach(async () => {
  registry = await freshRegistry();
});

const ids = (list: { id: string }[]) => list.map((e) => e.id).sort();

describe('registry.get / parse_id', () => {
  it('returns the entry table {id, kind, meta, data}', async () => {
    const e = await fn(R, ctxWith({ registry }), 'get', 'app.tools:doc_search');
    expect(e).toMatchObject({ id: 'app.tools:doc_search', kind: 'function.lua', meta: { type: 'tool', llm_alias: 'doc_search' } });
    expect(e.data.source).toContain('handler');
  });

  it('fails with NotFound naming the id, and accepts {ns, name}', async () => {
    const err = await failure(fn(R, ctxWith({ registry }), 'get', 'app.tools:nope'));
    expect(err).toMatchObject({ code: 'MODULE_ERROR', kind: 'NotFound' });
    expect(err.message).toContain('app.tools:nope');
    const e = await fn(R, ctxWith({ registry }), 'get', { ns: 'app', name: 'dev_assistant' });
    expect(e.id).toBe('app:dev_assistant');
  });

  it('fails with Unavailable when the supervisor gave no registry', async () => {
    const err = await failure(fn(R, ctxWith({}), 'get', 'app:x'));
    expect(err).toMatchObject({ kind: 'Unavailable' });
    expect(err.message).toMatch(/"registry" service/);
  });

  it('parse_id splits at the colon; no colon gives an empty namespace', async () => {
    expect(await fn(R, ctxWith({}), 'parse_id', 'app.lib:x')).toEqual({ ns: 'app.lib', name: 'x' });
    expect(await fn(R, ctxWith({}), 'parse_id', 'plain')).toEqual({ ns: '', name: 'plain' });
  });
});

describe('registry.find filters', () => {
  const find = (filter: GuestValue) => fn(R, ctxWith({ registry }), 'find', filter);
  it.each<[string, GuestValue, string[]]>([
    ['root kind', { '.kind': 'function.lua' }, ['app.generated:word_count', 'app.tools:doc_search', 'app.tools:sha256_hex']],
    ['kind glob', { '.kind': 'security.*' }, ['app:deny_core_ns', 'app:deny_tools_ns']],
    ['ns exact', { '.ns': 'app.tools' }, ['app.tools:doc_search', 'app.tools:sha256_hex']],
    ['ns glob', { '.ns': 'app.*' }, ['app.generated:word_count', 'app.tools:doc_search', 'app.tools:sha256_hex']],
    ['name glob', { '.name': 'deny_*' }, ['app:deny_core_ns', 'app:deny_tools_ns']],
    ['id glob', { '.id': '*:sha256_hex' }, ['app.tools:sha256_hex']],
    ['meta equality', { 'meta.type': 'agent.note' }, ['app:dev_assistant']],
    ['meta list = contains all', { 'meta.tags': ['docs', 'search'] }, ['app.tools:doc_search']],
    ['~ regex', { '~meta.title': '^S(earch|HA)' }, ['app.tools:doc_search', 'app.tools:sha256_hex']],
    ['* contains in a list', { '*meta.tags': 'search' }, ['app.generated:word_count', 'app.tools:doc_search']],
    ['* contains in a string', { '*meta.title': 'words' }, ['app.generated:word_count']],
    ['^ prefix', { '^meta.title': 'Count' }, ['app.generated:word_count']],
    ['$ suffix', { '$meta.title': 'text' }, ['app.tools:sha256_hex']],
    ['selectors are ANDed', { '.ns': 'app.tools', '*meta.tags': 'search' }, ['app.tools:doc_search']],
    ['two conditions on one field', { 'meta.title': 'Search the docs', '^meta.title': 'Search' }, ['app.tools:doc_search']],
    ['bare kind (honoured, unlike Wippy)', { kind: 'function.lua', namespace: 'app.tools' }, ['app.tools:doc_search', 'app.tools:sha256_hex']],
    ['bare meta table', { meta: { type: 'tool', llm_alias: 'sha256_hex' } }, ['app.tools:sha256_hex']],
    ['missing meta field never matches', { 'meta.nope': 'x' }, []],
  ])('%s', async (_name, filter, expected) => {
    expect(ids(await find(filter))).toEqual(expected);
  });

  it('an empty filter or nil returns everything', async () => {
    expect(await find({})).toHaveLength(6);
    expect(await find(null)).toHaveLength(6);
  });

  it('unknown keys and bad regexes fail with Invalid and a hint', async () => {
    const unknown = await failure(find({ type: 'tool' }));
    expect(unknown).toMatchObject({ kind: 'Invalid' });
    expect(unknown.message).toMatch(/unknown filter key "type" \(did you mean \["meta\.type"\]\?\)/);
    const badRe = await failure(find({ '~meta.title': '([' }));
    expect(badRe).toMatchObject({ kind: 'Invalid' });
    expect(badRe.message).toMatch(/~meta\.title.*invalid regular expression/);
    expect(await failure(find({ '.kind': 3 }))).toMatchObject({ kind: 'Invalid' });
  });
});

describe('snapshots and changesets', () => {
  const newTool = fnEntry('app.generated:slugify', { title: 'Slugify' });

  it('a changeset through the module applies and shows in the registry, recorded as the calling actor', async () => {
    const ctx = ctxWith({ registry });
    const snap = await fn(R, ctx, 'snapshot');
    expect(snap).toEqual({ __type: 'registry.Snapshot', version: 0 });
    const ch = await m(R, ctx, snap, 'changes');
    await m(R, ctx, ch, 'create', newTool as unknown as GuestValue); // not reassigned: the handle keeps the op
    const ops = await m(R, ctx, ch, 'ops');
    expect(ops).toEqual([{ kind: 'entry.create', entry: expect.objectContaining({ id: 'app.generated:slugify' }) }]);
    const version = await m(R, ctx, ch, 'apply');
    expect(version).toMatchObject({ __type: 'registry.Version', id: 1, actor: 'service:agent' });
    expect(await m(R, ctx, version, 'id')).toBe(1);
    expect(await m(R, ctx, version, 'string')).toBe('1');
    expect(await m(R, ctx, await m(R, ctx, version, 'previous'), 'id')).toBe(0);
    expect(registry.current().get('app.generated:slugify')?.meta).toMatchObject({ title: 'Slugify' });
    expect(registry.versions()[1]).toMatchObject({ version: 1, actor: 'service:agent', message: 'applied by app.tools:registry_tool' });
    expect(await m(R, ctx, await fn(R, ctx, 'current_version'), 'id')).toBe(1);
    // The old snapshot still sees version 0.
    expect(await failure(m(R, ctx, snap, 'get', 'app.generated:slugify'))).toMatchObject({ kind: 'NotFound' });
    expect(await m(R, ctx, await m(R, ctx, snap, 'version'), 'id')).toBe(0);
  });

  it('chained values carry their ops, so `ch = ch:create(e)` works even in a later call', async () => {
    const ctx = ctxWith({ registry });
    let ch = await m(R, ctx, await fn(R, ctx, 'snapshot'), 'changes');
    ch = await m(R, ctx, ch, 'create', newTool as unknown as GuestValue);
    ch = await m(R, ctx, ch, 'delete', 'app.generated:word_count');
    const later = ctxWith({ registry }, { handles: new MapHandleTable() });
    expect((await m(R, later, ch, 'apply')).id).toBe(1);
    expect(registry.current().has('app.generated:slugify')).toBe(true);
    expect(registry.current().has('app.generated:word_count')).toBe(false);
  });

  it('update and delete via snapshot methods; entries/namespace/find read the snapshot version', async () => {
    const ctx = ctxWith({ registry });
    const snap = await fn(R, ctx, 'snapshot');
    expect(ids(await m(R, ctx, snap, 'namespace', 'app.tools'))).toEqual(['app.tools:doc_search', 'app.tools:sha256_hex']);
    expect(await m(R, ctx, snap, 'entries')).toHaveLength(6);
    expect(ids(await m(R, ctx, snap, 'find', { '.ns': 'app.generated' }))).toEqual(['app.generated:word_count']);
    const changed = { ...fnEntry('app.generated:word_count'), meta: { type: 'tool', title: 'Count words v2' } };
    const ch = await m(R, ctx, snap, 'changes');
    await m(R, ctx, await m(R, ctx, ch, 'update', changed as unknown as GuestValue), 'apply');
    expect((await fn(R, ctx, 'get', 'app.generated:word_count')).meta.title).toBe('Count words v2');
    expect((await m(R, ctx, snap, 'get', 'app.generated:word_count')).meta.title).toBe('Count words');
  });

  it('a stale snapshot fails with a retryable Conflict and writes nothing', async () => {
    const ctx = ctxWith({ registry });
    const stale = await fn(R, ctx, 'snapshot');
    // Someone else updates the entry after the snapshot was taken.
    await registry.apply(registry.current().changes().update({ ...fnEntry('app.generated:word_count'), meta: { type: 'tool', title: 'theirs' } }), {
      actor: { id: 'other', meta: {} },
    });
    const ch = await m(R, ctx, stale, 'changes');
    await m(R, ctx, ch, 'update', { ...fnEntry('app.generated:word_count'), meta: { type: 'tool', title: 'mine' } } as unknown as GuestValue);
    const err = await failure(m(R, ctx, ch, 'apply'));
    expect(err).toMatchObject({ code: 'MODULE_ERROR', kind: 'Conflict', retryable: true });
    expect(registry.current().version).toBe(1);
    expect(registry.current().get('app.generated:word_count')?.meta.title).toBe('theirs');
  });

  it('writes under the agent_security scope: app and app.tools denied, app.generated allowed', async () => {
    const ctx = ctxWith({ registry, scopeGroup: 'app:agent_security' });
    const ch = await m(R, ctx, await fn(R, ctx, 'snapshot'), 'changes');
    await m(R, ctx, ch, 'update', { ...fnEntry('app.tools:doc_search'), meta: { type: 'tool', title: 'hijacked' } } as unknown as GuestValue);
    const err = await failure(m(R, ctx, ch, 'apply'));
    expect(err).toMatchObject({ kind: 'PermissionDenied' });
    expect(err.message).toContain('app.tools:doc_search');
    expect(registry.current().version).toBe(0);

    const core = await m(R, ctx, await fn(R, ctx, 'snapshot'), 'changes');
    await m(R, ctx, core, 'delete', 'app:dev_assistant');
    expect(await failure(m(R, ctx, core, 'apply'))).toMatchObject({ kind: 'PermissionDenied' });

    const gen = await m(R, ctx, await fn(R, ctx, 'snapshot'), 'changes');
    await m(R, ctx, gen, 'create', fnEntry('app.generated:ok_tool') as unknown as GuestValue);
    expect((await m(R, ctx, gen, 'apply')).id).toBe(1);
  });

  it('bad changesets fail with Invalid / AlreadyExists; bad arguments raise', async () => {
    const ctx = ctxWith({ registry });
    const snap = await fn(R, ctx, 'snapshot');
    expect(await failure(m(R, ctx, await m(R, ctx, snap, 'changes'), 'apply'))).toMatchObject({ kind: 'Invalid' });
    const noSource = await m(R, ctx, snap, 'changes');
    await m(R, ctx, noSource, 'create', { id: 'app.generated:broken', kind: 'function.lua', meta: {}, data: { modules: [] } });
    const invalid = await failure(m(R, ctx, noSource, 'apply'));
    expect(invalid).toMatchObject({ kind: 'Invalid' });
    expect(invalid.message).toMatch(/app\.generated:broken/);
    const dup = await m(R, ctx, snap, 'changes');
    await m(R, ctx, dup, 'create', fnEntry('app.tools:doc_search') as unknown as GuestValue);
    expect(await failure(m(R, ctx, dup, 'apply'))).toMatchObject({ kind: 'AlreadyExists' });
    const raised = await failure(m(R, ctx, dup, 'create', { id: 'app.generated:x' }));
    expect(raised).toMatchObject({ code: 'MODULE_ARG_ERROR' });
    expect(raised.message).toMatch(/kind must be a non-empty string/);
    const binary = await failure(m(R, ctx, dup, 'create', { id: 'app.generated:bin', kind: 'registry.entry', data: { blob: new Uint8Array([1]) } }));
    expect(binary.message).toMatch(/entry\.data\.blob: binary data cannot be stored/);
  });

  it('delete takes an id, {ns, name}, an entry table or a list of them', async () => {
    const ctx = ctxWith({ registry });
    let ch = await m(R, ctx, await fn(R, ctx, 'snapshot'), 'changes');
    ch = await m(R, ctx, ch, 'delete', [{ ns: 'app.generated', name: 'word_count' }, { id: 'app.tools:sha256_hex', kind: 'function.lua' }]);
    expect((await m(R, ctx, ch, 'ops')).map((o: { kind: string; entry: { id: string } }) => `${o.kind} ${o.entry.id}`)).toEqual([
      'entry.delete app.generated:word_count',
      'entry.delete app.tools:sha256_hex',
    ]);
    expect((await m(R, ctx, ch, 'apply')).id).toBe(1);
    expect(registry.current().has('app.tools:sha256_hex')).toBe(false);
  });
});

describe('changesets built in the isolate worker', () => {
  /** A worker-side context: no services; remote functions reached through invoke (one host call each). */
  function workerCtx(services: Parameters<typeof ctxWith>[0]) {
    const host = ctxWith(services);
    const calls: string[] = [];
    const invoke = (module: string, name: string, args: GuestValue[]): GuestValue => {
      calls.push(`${module}.${name}`);
      // The engines block on the host channel; here the promise is handed back as the value.
      return fn(R, host, name, ...args) as unknown as GuestValue;
    };
    const { services: _services, ...rest } = ctxWith(services);
    return { ctx: { ...rest, invoke }, calls };
  }

  it('builds Changes without host calls and applies them in one apply_changes call', async () => {
    const snap = await fn(R, ctxWith({ registry }), 'snapshot');
    const { ctx, calls } = workerCtx({ registry });
    const ch = await m(R, ctx, snap, 'changes');
    await m(R, ctx, ch, 'create', fnEntry('app.generated:slugify') as unknown as GuestValue); // not reassigned: the handle keeps the op
    await m(R, ctx, ch, 'delete', 'app.generated:word_count');
    expect((await m(R, ctx, ch, 'ops')).map((o: { kind: string }) => o.kind)).toEqual(['entry.create', 'entry.delete']);
    expect(calls).toEqual([]);
    const version = await m(R, ctx, ch, 'apply');
    expect(calls).toEqual(['registry.apply_changes']);
    expect(version).toMatchObject({ __type: 'registry.Version', id: 1, actor: 'service:agent' });
    expect(registry.current().has('app.generated:slugify')).toBe(true);
    expect(registry.current().has('app.generated:word_count')).toBe(false);
  });

  it('an empty changeset fails in the worker; a stale base, scope denial and a bogus base fail on the host', async () => {
    const { ctx, calls } = workerCtx({ registry, scopeGroup: 'app:agent_security' });
    const snap = await fn(R, ctxWith({ registry }), 'snapshot');
    const empty = await m(R, ctx, snap, 'changes');
    expect(await failure(m(R, ctx, empty, 'apply'))).toMatchObject({ kind: 'Invalid' });
    expect(calls).toEqual([]);

    const denied = await m(R, ctx, snap, 'changes');
    await m(R, ctx, denied, 'update', { ...fnEntry('app.tools:doc_search'), meta: { type: 'tool', title: 'hijacked' } } as unknown as GuestValue);
    expect(await failure(m(R, ctx, denied, 'apply'))).toMatchObject({ kind: 'PermissionDenied' });

    const bogus = await m(R, ctx, { __type: 'registry.Snapshot', version: 99 }, 'changes');
    await m(R, ctx, bogus, 'create', fnEntry('app.generated:x') as unknown as GuestValue);
    expect(await failure(m(R, ctx, bogus, 'apply'))).toMatchObject({ kind: 'NotFound' });

    const host = ctxWith({ registry });
    const theirs = await m(R, host, snap, 'changes');
    await m(R, host, theirs, 'create', fnEntry('app.generated:first') as unknown as GuestValue);
    await m(R, host, theirs, 'apply');
    const stale = await m(R, ctx, snap, 'changes');
    await m(R, ctx, stale, 'create', fnEntry('app.generated:first') as unknown as GuestValue);
    expect(await failure(m(R, ctx, stale, 'apply'))).toMatchObject({ kind: 'Conflict', retryable: true });
    expect(calls).toEqual(['registry.apply_changes', 'registry.apply_changes', 'registry.apply_changes']);
  });
});

describe('versions, history, rollback', () => {
  it('lists versions and per-entry history, and apply_version rolls back as a new version', async () => {
    const ctx = ctxWith({ registry });
    const ch = await m(R, ctx, await fn(R, ctx, 'snapshot'), 'changes');
    await m(R, ctx, ch, 'create', fnEntry('app.generated:slugify') as unknown as GuestValue);
    await m(R, ctx, ch, 'apply');
    const versions = await fn(R, ctx, 'versions');
    expect(versions.map((v: { id: number }) => v.id)).toEqual([0, 1]);
    expect(await m(R, ctx, versions[1], 'actor')).toBe('service:agent');
    const history = await fn(R, ctx, 'history', 'app.generated:slugify');
    expect(history).toEqual([expect.objectContaining({ version: 1, actor: 'service:agent', change: 'create' })]);
    expect(await fn(R, ctx, 'apply_version', versions[0])).toBe(true);
    expect(registry.current().version).toBe(2);
    expect(registry.current().has('app.generated:slugify')).toBe(false);
    expect(await failure(fn(R, ctx, 'snapshot_at', 99))).toMatchObject({ kind: 'NotFound' });
    expect(await fn(R, ctx, 'snapshot_at', 1)).toEqual({ __type: 'registry.Snapshot', version: 1 });
  });

  it('lists every function that touches the registry as remote; Changes values are built in the worker', () => {
    for (const name of ['get', 'find', 'snapshot', 'current_version', 'versions', 'history', 'apply_changes']) expect(R.remote).toContain(name);
    for (const name of ['changes']) expect(R.remote).not.toContain(`registry.Snapshot:${name}`);
    for (const name of ['create', 'update', 'delete', 'ops', 'apply']) expect(R.remote).not.toContain(`registry.Changes:${name}`);
    expect(R.privileged).toBe(true);
  });
});
