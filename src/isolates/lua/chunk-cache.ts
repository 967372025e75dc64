// Bounded LRU of compiled tool chunks keyed by tool id (drafts apart), checked against the source: compile once, run many.
// Evicted entries hand their registry ref back to the caller so the Lua function can be collected.

export interface CachedChunk {
  readonly ref: number;
  readonly source: string;
  /** The registry ref as the bigint lua_rawgeti takes, and the chunk's label: made once, used every call. */
  readonly bigRef: bigint;
  readonly label: string;
}

export class ChunkCache {
  private readonly entries = new Map<string, CachedChunk>();
  /** The most recently used key: a hit on it skips the move to the back (the same tool called again and again). */
  private last: string | undefined;

  constructor(
    private readonly capacity: number,
    private readonly release: (chunk: CachedChunk) => void,
  ) {}

  /**
   * Compiled code depends only on the id (the chunk label) and the source, which `get` compares: so
   * registered entries share one key across registry versions (a write elsewhere in the registry does
   * not recompile every tool), and drafts (version < 0) keep theirs apart from the registered entry.
   */
  static key(id: string, version: number): string {
    return version < 0 ? `draft\u0000${id}` : id;
  }

  get(key: string, source: string): CachedChunk | undefined {
    const hit = this.entries.get(key);
    if (!hit) return undefined;
    if (hit.source !== source) {
      this.entries.delete(key);
      if (this.last === key) this.last = undefined;
      this.release(hit);
      return undefined;
    }
    if (key !== this.last) {
      this.entries.delete(key);
      this.entries.set(key, hit);
      this.last = key;
    }
    return hit;
  }

  set(key: string, chunk: CachedChunk): void {
    const old = this.entries.get(key);
    if (old) {
      this.entries.delete(key);
      this.release(old);
    }
    this.entries.set(key, chunk);
    this.last = key;
    while (this.entries.size > this.capacity) {
      const oldest = this.entries.keys().next().value as string;
      const victim = this.entries.get(oldest)!;
      this.entries.delete(oldest);
      this.release(victim);
    }
  }

  get size(): number {
    return this.entries.size;
  }

  /** Drops everything without releasing (the Lua state they lived in is gone). */
  forget(): void {
    this.entries.clear();
    this.last = undefined;
  }
}
