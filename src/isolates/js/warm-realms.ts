// Reusable hardened QuickJS contexts ("frozen realms"), one per (tool id, version, prelude config), each on a
// QuickJS runtime of its own: an LRU bounded by count, by uses per context and by retained memory.
import type { QuickJSContext, QuickJSHandle, QuickJSRuntime } from 'quickjs-emscripten';
import type { CachedTool } from './tool-cache.js';

/**
 * One hardened context: prelude booted for one tool's config, intrinsics frozen. It owns its runtime, so a
 * limit kill (which discards the runtime: its job queue and heap state are not trusted afterwards) costs
 * only this tool version its warm context; other realms live in other runtimes and share no JS object,
 * job queue, GC list or memory accounting with it (only the WASM instance's malloc, which a cooperative
 * QuickJS kill leaves consistent; a WASM trap or abort still retires the whole instance).
 */
export interface Realm {
  readonly key: string;
  readonly rt: QuickJSRuntime;
  readonly ctx: QuickJSContext;
  /** The WASM instance generation the runtime belongs to (a swapped instance invalidates the realm). */
  readonly generation: number;
  /** The prelude's run(mode, value, inputJson, tagged) for this tool's config. */
  readonly runH: QuickJSHandle;
  readonly entry: CachedTool;
  readonly config: string;
  /** The tool's module factory in this context (compiled on its first factory call). */
  factoryH: QuickJSHandle | undefined;
  uses: number;
  /** Built by prepare() for a tool the pool ran recently: evicted like a realm in repeated use. */
  prepared?: boolean;
  /** Calls that evaluated the tool as a new module (each leaves a module record behind). */
  moduleUses: number;
  /** Bytes the empty runtime used before the context was made (not counted against a call's cap). */
  readonly baseBytes: number;
  /** Bytes this context holds above baseBytes (measured when created and every FOOTPRINT_EVERY uses). */
  footprint: number;
}

export interface RealmLimits {
  /** Contexts kept warm per engine. */
  readonly maxRealms: number;
  /** Module evaluations per context before it is replaced (each leaves its module record until the context goes). */
  readonly maxUses: number;
  /** Calls per context through the module factory before it is replaced (nothing accumulates; bounds its age). */
  readonly maxFactoryUses: number;
  /** A context holding more than this is dropped instead of kept. */
  readonly maxFootprintBytes: number;
}

export const DEFAULT_REALM_LIMITS: RealmLimits = {
  maxRealms: 8,
  maxUses: 512,
  maxFactoryUses: 16_384,
  maxFootprintBytes: 4 * 1024 * 1024,
};

/** Re-measure a realm's footprint after this many uses (one measurement walks the realm's runtime). */
export const FOOTPRINT_EVERY = 32;

export class WarmRealms {
  private readonly realms = new Map<string, Realm>();

  /** Called with each realm dropped and disposed (dispose=false: the WASM instance must not be touched). */
  constructor(readonly limits: RealmLimits, private readonly release: (realm: Realm, dispose: boolean) => void) {}

  get size(): number {
    return this.realms.size;
  }

  /** The realm for `key` if it still matches the tool's cached analysis, config and instance (moved to MRU). */
  take(key: string, generation: number, entry: CachedTool, config: string): Realm | undefined {
    const realm = this.realms.get(key);
    if (!realm) return undefined;
    if (realm.generation !== generation || realm.entry !== entry || realm.config !== config) {
      this.drop(realm, realm.generation === generation);
      return undefined;
    }
    this.realms.delete(key);
    this.realms.set(key, realm);
    return realm;
  }

  add(realm: Realm): void {
    const previous = this.realms.get(realm.key);
    if (previous) this.drop(previous);
    this.realms.set(realm.key, realm);
    while (this.realms.size > this.limits.maxRealms) this.drop(this.victim(realm));
  }

  /**
   * The realm to evict: the least recently used one that served at most one call (one-shot tools, such as
   * a stream of distinct hostile ones, evict each other), else the least recently used; never `added`
   * unless it is the only one. Measured before: a 10% hostile mix cycled the 8 contexts and every benign
   * tool paid a rebuild (6-10 ms idle, 40-150 ms under load) after each run of distinct hostile tools.
   */
  private victim(added: Realm): Realm {
    let oldest: Realm | undefined;
    for (const realm of this.realms.values()) {
      if (realm === added) continue;
      if (realm.uses <= 1 && !realm.prepared) return realm;
      oldest ??= realm;
    }
    return oldest ?? added;
  }

  /** Removes the realm and frees its context and runtime (dispose=false: leaves the WASM instance untouched). */
  drop(realm: Realm, dispose = true): void {
    if (this.realms.get(realm.key) === realm) this.realms.delete(realm.key);
    this.release(realm, dispose);
  }

  /** Drops every realm; dispose=false when the WASM instance must not be touched. */
  clearAll(dispose: boolean): void {
    const all = [...this.realms.values()];
    this.realms.clear();
    for (const realm of all) this.release(realm, dispose);
  }
}
