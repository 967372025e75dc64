// An immutable view of the registry at one version over its persistent id->entry map (entry-map.ts), never copied
// by reads; the id-sorted entry list is built lazily, spliced from the parent version's when that has one.
import type { Entry } from '../../schemas/entry.js';
import { firstIndexWhere } from './bisect.js';
import { ChangesetBuilder } from './changeset.js';
import type { EntryMap } from './entry-map.js';
import { findEntries } from './find.js';
import { selectEntries } from './selector.js';
import type { SnapshotLineage } from './snapshot-derived.js';
import type { Changeset, FindFilter, Snapshot } from './types.js';

const byId = (a: Entry, b: Entry): number => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);

/** Changes above this are cheaper to sort from scratch than to splice in one by one. */
const MAX_SPLICED = 64;

/** The first index in `list` (sorted by id) whose id is not below `id`. */
function lowerBound(list: readonly Entry[], id: string): number {
  return firstIndexWhere(list, (e) => e.id >= id);
}

export class RegistrySnapshot implements Snapshot {
  readonly version: number;
  private readonly map: EntryMap;
  /** The sorted list the reads below share (never handed out: a caller could change it). */
  private sorted: Entry[] | undefined;
  /** The frozen copy entries() hands out, made on its first call. */
  #frozen: readonly Entry[] | undefined;
  readonly #lineage: SnapshotLineage | undefined;

  /**
   * `map` is this version's entries (immutable). `from` is the snapshot this one was built from and the ids
   * changed since (what SnapshotDerived values may be carried over, and the sorted list spliced from).
   */
  constructor(version: number, map: EntryMap, from?: { readonly parent: Snapshot; readonly changed: readonly string[] }) {
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

  /** Every entry, sorted by id (a frozen list, the same one on every call). */
  entries(): readonly Entry[] {
    this.#frozen ??= Object.freeze([...this.#sorted()]);
    return this.#frozen;
  }

  /**
   * The sorted list behind find, select and namespace: not frozen, because V8 runs slice, filter and for-of
   * over a frozen array of a few thousand entries 2-37x slower (measured on Node 20).
   */
  #sorted(): readonly Entry[] {
    this.sorted ??= this.#sortedFromParent() ?? [...this.map.values()].sort(byId);
    return this.sorted;
  }

  /** The parent's sorted list with this version's few changes spliced in (no sort), when the parent has one. */
  #sortedFromParent(): Entry[] | undefined {
    const lineage = this.#lineage;
    const parent = lineage?.parent.deref();
    if (!lineage || !(parent instanceof RegistrySnapshot) || !parent.sorted || lineage.changed.length > MAX_SPLICED) return undefined;
    const list = [...parent.sorted];
    for (const id of lineage.changed) {
      const at = lowerBound(list, id);
      const found = at < list.length && list[at]!.id === id;
      const now = this.map.get(id);
      if (now && found) list[at] = now;
      else if (now) list.splice(at, 0, now);
      else if (found) list.splice(at, 1);
    }
    return list;
  }

  get size(): number {
    return this.map.size;
  }

  find(filter: FindFilter): Entry[] {
    return findEntries(this.#sorted(), filter);
  }

  select(selector: string): Entry[] {
    return selectEntries(this.#sorted(), (id) => this.map.get(id), selector, (ns) => this.namespace(ns));
  }

  /** The entries whose namespace is `ns`: one contiguous run of the sorted list (ids `ns:...`), found by bisection. */
  namespace(ns: string): Entry[] {
    const list = this.#sorted();
    if (ns.includes(':')) return []; // no id's namespace (the part before its first ':') holds a ':'
    // ';' follows ':' in code-unit order: [ns + ':', ns + ';') holds exactly the ids that start with `ns:`.
    return list.slice(lowerBound(list, `${ns}:`), lowerBound(list, `${ns};`));
  }

  changes(): Changeset {
    return new ChangesetBuilder(this.version);
  }

  /** The entries of this version, for building the next one (EntryMap.with leaves this one as it is). */
  entryMap(): EntryMap {
    return this.map;
  }
}
