// The per-call handle table: host objects (compiled regexps, splitters...) kept for the guest by id.
// Ids are small integers valid for one call; release() drops everything at call end.
import { ArgumentFailure, type HandleTable } from './module-spec.js';

export class MapHandleTable implements HandleTable {
  readonly #values = new Map<number, unknown>();
  #next = 1;
  readonly #max: number;

  constructor(options: { maxHandles?: number } = {}) {
    this.#max = options.maxHandles ?? 100_000;
  }

  put(value: unknown): number {
    if (this.#values.size >= this.#max) throw new ArgumentFailure(`too many live handles (limit ${this.#max})`);
    const id = this.#next++;
    this.#values.set(id, value);
    return id;
  }

  get<T>(id: number): T {
    if (!this.#values.has(id)) throw new ArgumentFailure(`invalid or released handle ${String(id)}`);
    return this.#values.get(id) as T;
  }

  release(): void {
    this.#values.clear();
  }

  get size(): number {
    return this.#values.size;
  }
}
