// Tool specs by reference across the pool's thread boundary: the supervisor names each spec by a content key
// and sends the spec itself only when a worker may lack it; each worker keeps the specs it was sent (LRU).
import { createHash } from 'node:crypto';
import type { ToolSpec } from './types.js';

/*
 * Why: a task used to carry its whole ToolSpec (create_tool's source is ~13 KB), cloned by postMessage and
 * zod-checked in the worker on every call. Now a task carries `key` and, only the first time the pool sends
 * that spec (or when a worker answered 'need-spec'), `tool`. A worker that lacks the key answers
 * {status: 'need-spec'} at once, before the call starts, and the pool resends the task with the spec: one
 * extra empty round trip per worker and spec, instead of 13 KB per call. The pool cannot address a worker
 * (piscina picks it), hence the answer-driven protocol rather than bookkeeping per worker.
 */

/** The content key of a spec: id and version for the reader, and a hash of every field, so an edit is a new key. */
function specKey(spec: ToolSpec): string {
  const hash = createHash('sha256')
    .update(JSON.stringify([spec.kind, spec.method, spec.trusted, spec.modules, spec.limits, spec.source]))
    .digest('base64url');
  return `${spec.id}@${spec.version}#${hash}`;
}

/** A frozen copy of the fields a key covers, to notice a spec object mutated after it was keyed. */
interface Keyed {
  readonly seen: ToolSpec;
  /** The answer once the key went to a worker (later tasks carry the key only). */
  readonly byRef: SpecRef;
  sent: boolean;
}

export interface SpecRef {
  readonly key: string;
  /** True when the task must carry the spec itself. */
  readonly carry: boolean;
}

function sameModules(a: readonly string[], b: readonly string[]): boolean {
  if (a === b) return true;
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

function unchanged(spec: ToolSpec, seen: ToolSpec): boolean {
  const l = spec.limits;
  const s = seen.limits;
  return (
    spec.source === seen.source &&
    spec.id === seen.id &&
    spec.version === seen.version &&
    spec.kind === seen.kind &&
    spec.method === seen.method &&
    spec.trusted === seen.trusted &&
    sameModules(spec.modules, seen.modules) &&
    (l === s ||
      (l.timeoutMs === s.timeoutMs &&
        l.memoryBytes === s.memoryBytes &&
        l.outputBytes === s.outputBytes &&
        l.instructions === s.instructions &&
        l.maxDepth === s.maxDepth))
  );
}

/** Supervisor side: the key of each spec object (hashed once per object) and whether it was sent yet. */
export class SpecRefs {
  readonly #bySpec = new WeakMap<ToolSpec, Keyed>();
  /** Keys already sent, whatever object carried them (callEntry builds a new spec object per call). */
  readonly #sent = new Map<string, true>();
  readonly #maxSent: number;

  constructor(maxSent = 4096) {
    this.#maxSent = maxSent;
  }

  /** The key of `spec`, and whether the task must carry the spec itself (the first send of that key). */
  ref(spec: ToolSpec): SpecRef {
    let keyed = this.#bySpec.get(spec);
    if (!keyed || !unchanged(spec, keyed.seen)) {
      const seen: ToolSpec = { ...spec, modules: [...spec.modules], limits: { ...spec.limits } };
      keyed = { seen, byRef: { key: specKey(spec), carry: false }, sent: false };
      this.#bySpec.set(spec, keyed);
    }
    if (keyed.sent) return keyed.byRef;
    keyed.sent = true;
    const key = keyed.byRef.key;
    if (this.#sent.has(key)) return { key, carry: false };
    if (this.#sent.size >= this.#maxSent) this.#sent.clear();
    this.#sent.set(key, true);
    return { key, carry: true };
  }
}

/** Worker side: specs by key, least recently used dropped beyond `capacity`. */
export class SpecCache {
  readonly #specs = new Map<string, ToolSpec>();
  readonly #capacity: number;
  #last: string | undefined;

  constructor(capacity = 256) {
    this.#capacity = Math.max(1, capacity);
  }

  get(key: string): ToolSpec | undefined {
    const spec = this.#specs.get(key);
    if (spec && key !== this.#last) {
      // Move to the back (most recent); skipped for the same tool called again and again.
      this.#specs.delete(key);
      this.#specs.set(key, spec);
      this.#last = key;
    }
    return spec;
  }

  put(key: string, spec: ToolSpec): void {
    this.#specs.delete(key);
    this.#specs.set(key, spec);
    this.#last = key;
    while (this.#specs.size > this.#capacity) this.#specs.delete(this.#specs.keys().next().value as string);
  }

  get size(): number {
    return this.#specs.size;
  }
}
