// The tools one pool level ran recently (spec key -> spec), most recent last: what a spare's warm-up prepares.
// A bounded LRU; the hot path (the same tool again) is one string compare.
import type { PrepareTool } from './pool-task.js';
import type { ToolSpec } from './types.js';

export class RecentTools {
  readonly #tools = new Map<string, ToolSpec>();
  readonly #capacity: number;
  #last: string | undefined;

  constructor(capacity: number) {
    this.#capacity = Math.max(0, capacity);
  }

  /** A call of `spec` (keyed `key`) ended well: make it the most recent. */
  note(key: string, spec: ToolSpec): void {
    if (key === this.#last || this.#capacity === 0) return;
    this.#last = key;
    this.#tools.delete(key);
    this.#tools.set(key, spec);
    if (this.#tools.size > this.#capacity) this.#tools.delete(this.#tools.keys().next().value as string);
  }

  /** The tools, most recent first. */
  list(): PrepareTool[] {
    const out: PrepareTool[] = [];
    for (const [key, tool] of this.#tools) out.push({ key, tool });
    return out.reverse();
  }

  /** Their keys, most recent first. */
  keys(): string[] {
    return [...this.#tools.keys()].reverse();
  }

  /** The tools of `keys` still known, in that order. */
  pick(keys: readonly string[]): PrepareTool[] {
    const out: PrepareTool[] = [];
    for (const key of keys) {
      const tool = this.#tools.get(key);
      if (tool) out.push({ key, tool });
    }
    return out;
  }

  get size(): number {
    return this.#tools.size;
  }
}
