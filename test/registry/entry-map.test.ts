// The persistent id -> entry map behind snapshots: every version answers get/has/size/values as a plain
// Map would, through overlays and flattening, and building a new version never changes an older one.
import { describe, expect, it } from 'vitest';
import type { Entry } from '../../schemas/entry.js';
import { EntryMap, type EntryChange } from '../../src/registry/entry-map.js';

const entry = (id: string, v: number): Entry => ({ id, kind: 'registry.entry', meta: {}, data: v });

function expectSame(map: EntryMap, model: ReadonlyMap<string, Entry>, probe: readonly string[]): void {
  expect(map.size).toBe(model.size);
  expect(new Map([...map.values()].map((e) => [e.id, e]))).toEqual(model);
  expect([...map.values()]).toHaveLength(model.size);
  for (const id of probe) {
    expect(map.get(id)).toBe(model.get(id));
    expect(map.has(id)).toBe(model.has(id));
  }
}

describe('EntryMap', () => {
  it('matches a plain Map through 400 versions of random creates, updates and deletes (overlays and flattening)', () => {
    let seed = 11;
    const rand = (n: number): number => {
      seed = (seed * 1103515245 + 12345) % 2147483648;
      return seed % n;
    };
    const ids = Array.from({ length: 120 }, (_, i) => `ns:e${i}`);
    const start = new Map(ids.slice(0, 60).map((id) => [id, entry(id, 0)]));
    let map = EntryMap.of(new Map(start));
    let model = new Map(start);
    const versions: { map: EntryMap; model: Map<string, Entry> }[] = [];
    for (let v = 1; v <= 400; v++) {
      const changes: EntryChange[] = Array.from({ length: 1 + rand(4) }, () => {
        const id = ids[rand(ids.length)]!;
        return [id, rand(3) === 0 ? undefined : entry(id, v)] as const;
      });
      map = map.with(changes);
      model = new Map(model);
      for (const [id, e] of changes) {
        if (e) model.set(id, e);
        else model.delete(id);
      }
      expectSame(map, model, ids);
      versions.push({ map, model });
    }
    // Every older version still answers as it did when it was built.
    for (const { map: old, model: then } of versions.filter((_, i) => i % 37 === 0)) expectSame(old, then, ids);
  });

  it('deleting an id that is not there changes nothing, and a delete then a create in one call leaves the entry', () => {
    const a = entry('ns:a', 1);
    const map = EntryMap.of(new Map([[a.id, a]]));
    expect(map.with([['ns:missing', undefined]]).size).toBe(1);
    const again = entry('ns:a', 2);
    const next = map.with([
      ['ns:a', undefined],
      ['ns:a', again],
    ]);
    expect([next.size, next.get('ns:a')]).toEqual([1, again]);
    expect(map.get('ns:a')).toBe(a);
  });
});
