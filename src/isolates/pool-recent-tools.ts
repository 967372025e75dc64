// The tools one pool level ran recently (spec key -> spec and how often it ended ok), most recent last: what
// warm-ups prepare. A bounded LRU; the hot path (the same tool again) is one string compare and an increment.
import type { PrepareTool } from './pool-task.js';
import type { ToolSpec } from './types.js';

interface Recent {
  readonly spec: ToolSpec;
  /** Calls that ended ok while the tool was in the list. */
  calls: number;
}

export class RecentTools {
  readonly #tools = new Map<string, Recent>();
  readonly #capacity: number;
  #last: string | undefined;
  #lastEntry: Recent | undefined;

  constructor(capacity: number) {
    this.#capacity = Math.max(0, capacity);
  }

  /** A call of `spec` (keyed `key`) ended well: make it the most recent. */
  note(key: string, spec: ToolSpec): void {
    if (this.#capacity === 0) return;
    if (key === this.#last) {
      this.#lastEntry!.calls++;
      return;
    }
    const entry: Recent = { spec, calls: (this.#tools.get(key)?.calls ?? 0) + 1 };
    this.#last = key;
    this.#lastEntry = entry;
    this.#tools.delete(key);
    this.#tools.set(key, entry);
    if (this.#tools.size > this.#capacity) this.#tools.delete(this.#tools.keys().next().value as string);
  }

  /** The tools, most recent first. */
  list(): PrepareTool[] {
    const out: PrepareTool[] = [];
    for (const [key, { spec }] of this.#tools) out.push({ key, tool: spec });
    return out.reverse();
  }

  /** Their keys, most recent first; with `minCalls`, only tools that ended ok at least that often. */
  keys(minCalls = 0): string[] {
    const out: string[] = [];
    for (const [key, { calls }] of this.#tools) if (calls >= minCalls) out.push(key);
    return out.reverse();
  }

  /** The tools of `keys` still known, in that order. */
  pick(keys: readonly string[]): PrepareTool[] {
    const out: PrepareTool[] = [];
    for (const key of keys) {
      const known = this.#tools.get(key);
      if (known) out.push({ key, tool: known.spec });
    }
    return out;
  }

  get size(): number {
    return this.#tools.size;
  }
}
