// An immutable view of the registry at one version over a frozen id->entry map built once per version;
// reads never copy the map, the sorted entry list is computed lazily once per snapshot.
import { namespaceOf, type Entry } from '../../schemas/entry.js';
import { ChangesetBuilder } from './changeset.js';
import { findEntries } from './find.js';
import { selectEntries } from './selector.js';
import type { SnapshotLineage } from './snapshot-derived.js';
import type { Changeset, FindFilter, Snapshot } from './types.js';

export class RegistrySnapshot implements Snapshot {
  readonly version: number;
  private readonly map: ReadonlyMap<string, Entry>;
  private sorted: readonly Entry[] | undefined;
  readonly #lineage: SnapshotLineage | undefined;

  /**
   * `map` must not be mutated after this call: the snapshot takes ownership of it. `from` is the snapshot this
   * one was built from and the ids changed since (what SnapshotDerived values may be carried over).
   */
  constructor(version: number, map: ReadonlyMap<string, Entry>, from?: { readonly parent: Snapshot; readonly changed: readonly string[] }) {
    this.version = version;
    this.map = map;
    this.#lineage = from ? { parent: new WeakRef(from.parent), changed: from.changed } : undefined;
  }

  /** The snapshot this one was built from (weakly held) and the ids changed since, when known. */
  lineage(): SnapshotLineage | undefined {
    return this.#lineage;
  }

  get(id: string): Entry | undefined {
    return this.map.get(id);
  }

  has(id: string): boolean {
    return this.map.has(id);
  }

  /** Every entry, sorted by id. */
  entries(): readonly Entry[] {
    if (!this.sorted) {
      const list = [...this.map.values()].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
      this.sorted = Object.freeze(list);
    }
    return this.sorted;
  }

  get size(): number {
    return this.map.size;
  }

  find(filter: FindFilter): Entry[] {
    return findEntries(this.entries(), filter);
  }

  select(selector: string): Entry[] {
    return selectEntries(this.entries(), (id) => this.map.get(id), selector);
  }

  namespace(ns: string): Entry[] {
    return this.entries().filter((e) => namespaceOf(e.id) === ns);
  }

  changes(): Changeset {
    return new ChangesetBuilder(this.version);
  }

  /** The underlying map, for building the next version (the registry copies it before changing it). */
  rawMap(): ReadonlyMap<string, Entry> {
    return this.map;
  }
}
