// Values derived from snapshots and carried across versions: reused while the changes in between leave the
// entries they depend on alone, recomputed when one is created, updated, deleted or changes kind.
import { describe, expect, it } from 'vitest';
import type { Entry } from '../../schemas/entry.js';
import { createRegistry } from '../../src/registry/registry.js';
import { SnapshotDerived } from '../../src/registry/snapshot-derived.js';
import type { Registry, Snapshot } from '../../src/registry/types.js';
import { AGENT_ACTOR } from '../../src/security/actors.js';
import { namedScope } from '../../src/security/named-scope.js';
import { MemoryStore } from '../../src/store/memory-store.js';
import { policyEntry } from '../security/snapshot-helper.js';

const actor = { id: 'tester', meta: {} };
const note = (id: string, data: unknown = {}): Entry => ({ id, kind: 'registry.entry', meta: { type: 'note' }, data });
const tool = (id: string): Entry => ({ id, kind: 'function.lua', meta: { type: 'tool' }, data: { source: 'return {}' } });
const denyGenerated = policyEntry('app:deny_generated', { actions: '*', resources: 'app.generated:*', effect: 'deny' }, ['agent_security']);
const denyCore = policyEntry('app:deny_core', { actions: '*', resources: 'app:*', effect: 'deny' }, ['agent_security']);

async function registry(): Promise<Registry> {
  return createRegistry({ store: new MemoryStore(), base: [denyCore, tool('app.tools:doc_search'), note('app:config')] });
}

/** The ids of the app.tools entries, counting how often it really computed them. */
function toolIds(): { derived: SnapshotDerived<string[]>; computed: () => number } {
  let computed = 0;
  const derived = new SnapshotDerived(
    (e) => e.id.startsWith('app.tools:'),
    (s: Snapshot) => {
      computed++;
      return s.find({ ns: 'app.tools' }).map((e) => e.id);
    },
  );
  return { derived, computed: () => computed };
}

describe('SnapshotDerived', () => {
  it('carries a value over versions whose changes touch none of its entries (no recomputation)', async () => {
    const reg = await registry();
    const { derived, computed } = toolIds();
    expect(derived.get(reg.current())).toEqual(['app.tools:doc_search']);
    for (let i = 0; i < 5; i++) await reg.apply(reg.current().changes().create(tool(`app.generated:t${i}`)), { actor });
    expect(derived.get(reg.current())).toEqual(['app.tools:doc_search']);
    expect(computed()).toBe(1);
    expect(derived.carried).toBe(1);
  });

  it('recomputes after a create, an update or a delete of an entry it depends on', async () => {
    const reg = await registry();
    const { derived, computed } = toolIds();
    derived.get(reg.current());
    await reg.apply(reg.current().changes().create(tool('app.tools:registry_read')), { actor });
    expect(derived.get(reg.current())).toEqual(['app.tools:doc_search', 'app.tools:registry_read']);
    await reg.apply(reg.current().changes().update({ ...tool('app.tools:registry_read'), meta: { type: 'tool', llm_alias: 'read' } }), { actor });
    derived.get(reg.current());
    await reg.apply(reg.current().changes().delete('app.tools:doc_search'), { actor });
    expect(derived.get(reg.current())).toEqual(['app.tools:registry_read']);
    expect(computed()).toBe(4);
  });

  it('sees an entry that stops matching (kind changed by an update): a change is checked before and after', async () => {
    const reg = await registry();
    let computed = 0;
    const policies = new SnapshotDerived(
      (e) => e.kind === 'security.policy',
      (s) => {
        computed++;
        return s.find({ kind: 'security.policy' }).map((e) => e.id);
      },
    );
    await reg.apply(reg.current().changes().create(denyGenerated), { actor });
    expect(policies.get(reg.current())).toEqual(['app:deny_core', 'app:deny_generated']);
    // The same id becomes a plain note: the old entry was a policy, so the value is stale.
    await reg.apply(reg.current().changes().update(note('app:deny_generated')), { actor });
    expect(policies.get(reg.current())).toEqual(['app:deny_core']);
    expect(computed).toBe(2);
  });

  it('walks back over several versions to the nearest one that has the value, checking every step', async () => {
    const reg = await registry();
    const { derived, computed } = toolIds();
    derived.get(reg.current());
    await reg.apply(reg.current().changes().create(note('app:a')), { actor });
    await reg.apply(reg.current().changes().create(tool('app.tools:new_one')), { actor });
    await reg.apply(reg.current().changes().create(note('app:b')), { actor });
    // Three versions later, one of the steps touched app.tools: the old value must not be carried.
    expect(derived.get(reg.current())).toEqual(['app.tools:doc_search', 'app.tools:new_one']);
    expect(computed()).toBe(2);
  });

  it('a policy written between two tool writes is enforced by the next named scope (not a carried one)', async () => {
    const reg = await registry();
    const at = (): string | undefined => namedScope(reg.current(), 'app:agent_security').evaluate(AGENT_ACTOR, 'registry.create.function.lua', 'app.generated:x');
    expect(at()).toBeUndefined();
    await reg.apply(reg.current().changes().create(tool('app.generated:one')), { actor });
    expect(at()).toBeUndefined();
    await reg.apply(reg.current().changes().create(denyGenerated), { actor });
    expect(at()).toBe('deny');
    await reg.apply(reg.current().changes().delete('app:deny_generated'), { actor });
    expect(at()).toBeUndefined();
  });

  it('a snapshot built without lineage (an old version rebuilt from the log) computes its own value', async () => {
    const reg = await registry();
    const { derived, computed } = toolIds();
    await reg.apply(reg.current().changes().create(tool('app.tools:later')), { actor });
    derived.get(reg.current());
    expect(derived.get(reg.snapshotAt(0))).toEqual(['app.tools:doc_search']);
    expect(computed()).toBe(2);
  });
});
