// The id -> entry map of one registry version, persistent: a new version shares the previous one's maps and
// records only what changed, flattening into one map when that overlay grows (a write costs O(changes), not O(N)).
import type { Entry } from '../../schemas/entry.js';

/** One change to apply: the entry now at `id`, or undefined for a delete. */
export type EntryChange = readonly [id: string, entry: Entry | undefined];

/** Overlays are flattened past this many ids, or past twice the square root of the map's size if larger. */
const MIN_OVERLAY = 32;

export class EntryMap {
  /** Never changed once this map is built (shared by every version built on it). */
  readonly #base: ReadonlyMap<string, Entry>;
  /** Ids changed since #base: the entry now, or null where it was deleted. Never changed once built. */
  readonly #overlay: ReadonlyMap<string, Entry | null>;
  readonly size: number;

  private constructor(base: ReadonlyMap<string, Entry>, overlay: ReadonlyMap<string, Entry | null>, size: number) {
    this.#base = base;
    this.#overlay = overlay;
    this.size = size;
  }

  /** A map over `entries`, which it takes ownership of: the caller must not change it afterwards. */
  static of(entries: ReadonlyMap<string, Entry>): EntryMap {
    return new EntryMap(entries, new Map(), entries.size);
  }

  get(id: string): Entry | undefined {
    const over = this.#overlay.get(id);
    if (over !== undefined) return over ?? undefined;
    return this.#base.get(id);
  }

  has(id: string): boolean {
    return this.get(id) !== undefined;
  }

  *values(): IterableIterator<Entry> {
    const overlay = this.#overlay;
    for (const [id, entry] of this.#base) if (!overlay.has(id)) yield entry;
    for (const entry of overlay.values()) if (entry) yield entry;
  }

  /** A new map with `changes` applied in order (this one is unchanged). */
  with(changes: Iterable<EntryChange>): EntryMap {
    const overlay = new Map(this.#overlay);
    let size = this.size;
    for (const [id, entry] of changes) {
      const had = this.#has(overlay, id);
      if (entry) {
        overlay.set(id, entry);
        if (!had) size++;
      } else if (had) {
        overlay.set(id, null);
        size--;
      }
    }
    if (overlay.size <= Math.max(MIN_OVERLAY, 2 * Math.sqrt(size))) return new EntryMap(this.#base, overlay, size);
    const flat = new Map(this.#base);
    for (const [id, entry] of overlay) {
      if (entry) flat.set(id, entry);
      else flat.delete(id);
    }
    return new EntryMap(flat, new Map(), size);
  }

  #has(overlay: ReadonlyMap<string, Entry | null>, id: string): boolean {
    const over = overlay.get(id);
    return over !== undefined ? over !== null : this.#base.has(id);
  }
}
