// Values derived from a registry snapshot (a policy index, a namespace's tool aliases), cached per snapshot and
// carried to later versions while none of the changes in between touches an entry the value depends on.
import type { Entry } from '../../schemas/entry.js';
import type { Snapshot } from './types.js';

/** What a snapshot knows of the one it was built from: that snapshot (weakly held) and the ids changed since. */
export interface SnapshotLineage {
  readonly parent: WeakRef<Snapshot>;
  readonly changed: readonly string[];
}

/** Snapshots that can say where they came from (RegistrySnapshot); others are simply computed each time. */
interface WithLineage {
  lineage(): SnapshotLineage | undefined;
}

function lineageOf(snapshot: Snapshot): SnapshotLineage | undefined {
  const s = snapshot as Partial<WithLineage>;
  return typeof s.lineage === 'function' ? s.lineage() : undefined;
}

/** How far back a lookup walks for a version that already has the value (each step checks its changed ids). */
const MAX_WALK = 32;

/**
 * A value computed from a snapshot by `compute`, which must depend only on the entries `depends` accepts.
 * A new version reuses the value of the nearest earlier version that has one when no id changed in
 * between held such an entry before or after the change; otherwise it is computed again (once per snapshot).
 */
export class SnapshotDerived<T> {
  readonly #values = new WeakMap<Snapshot, T>();
  readonly #depends: (entry: Entry) => boolean;
  readonly #compute: (snapshot: Snapshot) => T;
  /** Lookups answered by an earlier version's value (tests and stats). */
  carried = 0;

  constructor(depends: (entry: Entry) => boolean, compute: (snapshot: Snapshot) => T) {
    this.#depends = depends;
    this.#compute = compute;
  }

  get(snapshot: Snapshot): T {
    const hit = this.#values.get(snapshot);
    if (hit !== undefined) return hit;
    const value = this.#carried(snapshot) ?? this.#compute(snapshot);
    this.#values.set(snapshot, value);
    return value;
  }

  /** The value of an earlier version no change since has made stale, if one is still in memory. */
  #carried(snapshot: Snapshot): T | undefined {
    let child = snapshot;
    for (let step = 0; step < MAX_WALK; step++) {
      const lineage = lineageOf(child);
      const parent = lineage?.parent.deref();
      if (!lineage || !parent) return undefined;
      if (this.#touched(lineage.changed, parent, child)) return undefined;
      const value = this.#values.get(parent);
      if (value !== undefined) {
        this.carried++;
        return value;
      }
      child = parent;
    }
    return undefined;
  }

  #touched(ids: readonly string[], before: Snapshot, after: Snapshot): boolean {
    for (const id of ids) {
      const was = before.get(id);
      const is = after.get(id);
      if ((was && this.#depends(was)) || (is && this.#depends(is))) return true;
    }
    return false;
  }
}
